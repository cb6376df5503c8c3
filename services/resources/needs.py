"""需求: a child's need, found (often on a visit), linked to a resource provider, then resolved.

A need moves open › linked › resolved, or is closed; a coordinator may reopen a resolved or
closed one. Every allowed move and the fields it requires are the one table `TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import NeedKind, NeedPriority, NeedStatus, Role
from db.models import CareContact, Child, OrgUnit, User
from db.models.resources import Need, ResourceProvider
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_listed,
    children_visible,
    org_subtree_ids,
)
from services.roster.roster_filter import RecordStatus, RosterFilter
from services.roster.roster_search import filtered_child_ids

ENTITY = "need"
MAX_DESCRIPTION = 1000
S = NeedStatus
UNFINISHED = (S.open, S.linked)


@dataclass(frozen=True)
class Move:
    """One allowed status change: its name in the audit log and the fields it requires."""

    action: str
    required: tuple[str, ...]


PROVIDER, ASKED = field_label("need_provider", "资源方"), field_label("link_content", "对接内容")
RESOLUTION, CLOSE = field_label("resolution", "解决方式"), field_label("close_reason", "关闭原因")
REOPEN = field_label("reopen_reason", "重新打开原因")
TRANSITIONS: dict[tuple[NeedStatus, NeedStatus], Move] = {
    (S.open, S.linked): Move("link", (PROVIDER, ASKED)),
    (S.open, S.resolved): Move("resolve", (RESOLUTION,)),
    (S.linked, S.resolved): Move("resolve", (RESOLUTION,)),
    (S.open, S.closed): Move("close", (CLOSE,)),
    (S.linked, S.closed): Move("close", (CLOSE,)),
    (S.resolved, S.open): Move("reopen", (REOPEN,)),
    (S.closed, S.open): Move("reopen", (REOPEN,)),
}


def check_move(current: NeedStatus, target: NeedStatus) -> Move:
    """The move from `current` to `target`, or a refusal naming both statuses."""
    move = TRANSITIONS.get((current, target))
    if move is None:
        raise DomainError.of("errors.need.bad_move", current=current, target=target)
    return move


def _missing(move: Move, given: dict[str, object]) -> None:
    problems: dict[str, str] = {field: Msg("errors.need.fill_in" if field != PROVIDER else
                           "errors.need.choose_provider")
                for field in move.required if not given.get(field)}
    if problems:
        raise ValidationFailed(problems)


def _recordable_child(session: Session, actor: Actor, child_id: int) -> Child:
    if not (actor.can(Capability.MANAGE_RESOURCES) or actor.can(Capability.LOG_CONTACTS)):
        raise PermissionDenied()
    if actor.role is Role.helper and actor.helper_id is None:
        raise PermissionDenied(Msg("errors.contact.no_helper_record"))
    child = session.scalar(select(Child).where(Child.id == child_id, children_visible(actor)))
    if child is None:
        if actor.role is Role.helper:
            raise PermissionDenied(Msg("errors.permission.need_not_paired"))
        raise NotFound(Msg("errors.what.child_record"))
    if child.archived_at is not None:
        raise DomainError.of("errors.need.child_archived", child=child.name)
    return child


DESCRIPTION = field_label("need_description", "需求描述")
FOUND_ON = field_label("found_on", "发现日期")


def _need_problems(session: Session, child: Child, *, description: str, found_on: date,
                   due_on: date | None, owner_id: int | None, care_contact_id: int | None,
                   today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not description:
        problems[DESCRIPTION] = Msg("errors.need.description_missing")
    elif len(description) > MAX_DESCRIPTION:
        problems[DESCRIPTION] = Msg("errors.need.description_long", max=MAX_DESCRIPTION,
                                     length=len(description))
    if found_on > today:
        problems[FOUND_ON] = Msg("errors.need.found_future")
    elif found_on < child.birth_date:
        problems[FOUND_ON] = Msg("errors.need.found_before_birth")
    if due_on is not None and due_on < found_on:
        problems[field_label("due_on", "期限")] = Msg("errors.need.due_early")
    if owner_id is not None and session.get(User, owner_id) is None:
        problems[field_label("owner", "负责人")] = Msg("errors.need.owner_missing")
    if care_contact_id is not None:
        contact = session.get(CareContact, care_contact_id)
        if contact is None or contact.archived_at is not None or contact.child_id != child.id:
            problems[field_label("care_contact", "帮扶记录")] = Msg(
                "errors.need.contact_elsewhere")
    return problems


def record_need(session: Session, *, actor: Actor, child_id: int, kind: NeedKind | str,
                description: str, found_on: date, priority: NeedPriority | str,
                due_on: date | None = None, owner_id: int | None = None,
                care_contact_id: int | None = None, today: date) -> Need:
    """Record a need: a helper for their own paired child, a coordinator for any in scope."""
    child = _recordable_child(session, actor, child_id)
    description = (description or "").strip()
    problems = _need_problems(session, child, description=description, found_on=found_on,
                              due_on=due_on, owner_id=owner_id,
                              care_contact_id=care_contact_id, today=today)
    if problems:
        raise ValidationFailed(problems)
    need = Need(child_id=child.id, kind=NeedKind(kind), description=description,
                found_on=found_on, priority=NeedPriority(priority), due_on=due_on,
                owner_id=owner_id, care_contact_id=care_contact_id,
                found_by_id=actor.user_id, status=NeedStatus.open)
    session.add(need)
    session.flush()
    audit.record(session, actor, "create", ENTITY, need.id, after=audit.snapshot(need),
                 summary=f"登记需求：{child.name} · {need.kind.zh}")
    return need


def _managed_need(session: Session, actor: Actor, need_id: int) -> Need:
    actor.require(Capability.MANAGE_RESOURCES)
    need = session.scalar(select(Need).join(Child, Child.id == Need.child_id)
                          .where(Need.id == need_id, children_visible(actor)))
    if need is None or need.archived_at is not None:
        raise NotFound(Msg("errors.what.need"))
    return need


def _transition(session: Session, actor: Actor, need_id: int, expected_version: int,
                target: NeedStatus, given: dict[str, object],
                apply: Callable[[Need], None], summary: str) -> Need:
    """Check the move, its required fields and the version, then change and audit it."""
    need = _managed_need(session, actor, need_id)
    audit.require_version(need, expected_version, Msg("errors.what.need"))
    move = check_move(need.status, target)
    _missing(move, given)
    with audit.tracked(session, actor, need, ENTITY, action=move.action,
                       summary=summary[:300]):
        need.status = target
        apply(need)
    return need


def link_need(session: Session, *, actor: Actor, need_id: int, expected_version: int,
              provider_id: int | None, asked: str, today: date) -> Need:
    """Open › linked: which resource provider was asked, and for what."""
    asked = (asked or "").strip()
    provider = None if provider_id is None else session.get(ResourceProvider, provider_id)
    if provider_id is not None and (provider is None or provider.archived_at is not None):
        raise NotFound(Msg("errors.what.provider"))

    def apply(need: Need) -> None:
        need.provider_id, need.asked, need.linked_on = provider_id, asked[:300], today

    name = provider.name if provider else ""
    return _transition(session, actor, need_id, expected_version, S.linked,
                       {PROVIDER: provider_id, ASKED: asked}, apply,
                       f"对接资源方：{name}({asked})")


def resolve_need(session: Session, *, actor: Actor, need_id: int, expected_version: int,
                 resolution: str, today: date) -> Need:
    """Open or linked › resolved, saying how."""
    resolution = (resolution or "").strip()

    def apply(need: Need) -> None:
        need.resolution, need.resolved_on = resolution, today

    return _transition(session, actor, need_id, expected_version, S.resolved,
                       {RESOLUTION: resolution}, apply, f"需求已解决：{resolution}")


def close_need(session: Session, *, actor: Actor, need_id: int, expected_version: int,
               reason: str, today: date) -> Need:
    """Open or linked › closed, saying why (moved away, no longer needed, duplicate)."""
    reason = (reason or "").strip()

    def apply(need: Need) -> None:
        need.closed_reason, need.closed_on = reason[:300], today

    return _transition(session, actor, need_id, expected_version, S.closed,
                       {CLOSE: reason}, apply, f"关闭需求：{reason}")


def reopen_need(session: Session, *, actor: Actor, need_id: int, expected_version: int,
                reason: str, today: date) -> Need:
    """Resolved or closed › open again; the earlier outcome stays in the audit log."""
    reason = (reason or "").strip()

    def apply(need: Need) -> None:
        need.resolution = need.resolved_on = need.closed_reason = need.closed_on = None
        need.provider_id = need.asked = need.linked_on = None

    return _transition(session, actor, need_id, expected_version, S.open,
                       {REOPEN: reason}, apply, f"重新打开需求：{reason}")


@dataclass(frozen=True)
class NeedRow:
    """One need as the coordinator's list shows it."""

    id: int
    version: int
    child_id: int
    child_name: str
    place: str
    kind: NeedKind
    status: NeedStatus
    priority: NeedPriority
    description: str
    found_on: date
    found_by: str
    age_days: int  # days since it was found
    due_on: date | None
    overdue: bool
    owner: str
    provider_id: int | None
    provider_name: str
    asked: str
    linked_on: date | None
    resolution: str
    resolved_on: date | None
    closed_reason: str
    closed_on: date | None
    care_contact_id: int | None

    @property
    def waiting_days(self) -> int | None:
        """Days an unfinished need has waited since it was found; None once resolved or closed."""
        return self.age_days if self.status in UNFINISHED else None

    @property
    def waiting_text(self) -> str:
        """"已等待298天" while unfinished, else blank."""
        return "" if self.waiting_days is None else f"已等待{self.waiting_days}天"

    @property
    def days_late(self) -> int | None:
        """Days past the deadline of an overdue need; None without a deadline or not late:
        a need with no deadline is never "逾期 0", however long it has waited."""
        if not self.overdue or self.due_on is None:
            return None
        today = date.fromordinal(self.found_on.toordinal() + self.age_days)
        return (today - self.due_on).days


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(Need.due_on.is_not(None), Need.due_on < today, Need.status.in_(UNFINISHED))


def list_needs(session: Session, actor: Actor, *, today: date,
               statuses: list[NeedStatus] | None = None, kinds: list[NeedKind] | None = None,
               org_unit_id: int | None = None, overdue_only: bool = False) -> list[NeedRow]:
    """Needs of children in scope: overdue first, then by priority, oldest first."""
    town, village = aliased(OrgUnit), aliased(OrgUnit)
    finder, owner = aliased(User), aliased(User)
    overdue = _overdue(today)
    urgency = case({NeedPriority.high: 0, NeedPriority.normal: 1}, value=Need.priority, else_=2)
    stmt = (select(Need, Child.name, town.name, village.name, finder.display_name,
                   owner.display_name, ResourceProvider.name, overdue)
            .join(Child, Child.id == Need.child_id)
            .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
            .outerjoin(finder, finder.id == Need.found_by_id)
            .outerjoin(owner, owner.id == Need.owner_id)
            .outerjoin(ResourceProvider, ResourceProvider.id == Need.provider_id)
            .where(children_listed(actor), Need.archived_at.is_(None))
            .order_by(case((overdue, 0), else_=1), urgency, Need.found_on, Need.id))
    if statuses:
        stmt = stmt.where(Need.status.in_(statuses))
    if kinds:
        stmt = stmt.where(Need.kind.in_(kinds))
    if org_unit_id is not None:
        place = RosterFilter(org_unit_id=org_unit_id, status=RecordStatus.all)
        stmt = stmt.where(Child.id.in_(filtered_child_ids(actor, place, today=today)))
    if overdue_only:
        stmt = stmt.where(overdue)
    return [NeedRow(n.id, n.version, n.child_id, child_name, f"{town_name}{village_name}",
                    n.kind, n.status, n.priority, n.description or "", n.found_on,
                    found_by or "", (today - n.found_on).days, n.due_on, bool(late),
                    owner_name or "", n.provider_id, provider or "", n.asked or "", n.linked_on,
                    n.resolution or "", n.resolved_on, n.closed_reason or "", n.closed_on,
                    n.care_contact_id)
            for n, child_name, town_name, village_name, found_by, owner_name, provider, late
            in session.execute(stmt)]


@dataclass(frozen=True)
class NeedCounts:
    """Needs by kind and by status (every code present), as CONTRACTS.md's stats "needs"."""

    by_kind: dict[str, int]
    by_status: dict[str, int]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"by_kind": dict(self.by_kind), "by_status": dict(self.by_status)}


def need_counts(session: Session, actor: Actor, *,
                among: ColumnElement[bool] | None = None) -> NeedCounts:
    """Count the needs of children the actor counts (narrowed by `among`), grouped in SQL by
    kind and by status."""
    scope = (select(Need).join(Child, Child.id == Need.child_id)
             .where(children_counted(actor), Need.archived_at.is_(None),
                    true() if among is None else among).subquery())
    by_kind = dict.fromkeys(NeedKind.codes(), 0)
    for kind, count in session.execute(
            select(scope.c.kind, func.count()).group_by(scope.c.kind)):
        by_kind[NeedKind(kind).value] = count
    by_status = dict.fromkeys(NeedStatus.codes(), 0)
    for status, count in session.execute(
            select(scope.c.status, func.count()).group_by(scope.c.status)):
        by_status[NeedStatus(status).value] = count
    return NeedCounts(by_kind, by_status)


LONG_WAIT_DAYS = 30


def long_waiting_count(session: Session, actor: Actor, *, today: date,
                       days: int = LONG_WAIT_DAYS) -> int:
    """Unfinished needs in scope with no deadline, found more than `days` days ago: never
    逾期 (they have no deadline to pass), yet long waiting."""
    cutoff = date.fromordinal(today.toordinal() - days)
    return session.scalar(
        select(func.count()).select_from(Need).join(Child, Child.id == Need.child_id)
        .where(children_counted(actor), Need.archived_at.is_(None), Need.due_on.is_(None),
               Need.status.in_(UNFINISHED), Need.found_on < cutoff)) or 0


def overdue_count(session: Session, actor: Actor, *, today: date) -> int:
    """How many unfinished needs in scope are past their due date."""
    return session.scalar(
        select(func.count()).select_from(Need).join(Child, Child.id == Need.child_id)
        .where(children_counted(actor), Need.archived_at.is_(None), _overdue(today))) or 0


@dataclass(frozen=True)
class ProviderChoice:
    provider_id: int
    name: str
    offers: str

    @property
    def label(self) -> str:
        return f"{self.name}({self.offers})" if self.offers else self.name


def provider_choices(session: Session, actor: Actor) -> list[ProviderChoice]:
    """Active resource providers a need may be linked to, by name."""
    actor.require(Capability.MANAGE_RESOURCES)
    return [ProviderChoice(p.id, p.name, p.offers or "") for p in session.scalars(
        select(ResourceProvider).where(ResourceProvider.archived_at.is_(None))
        .order_by(ResourceProvider.name, ResourceProvider.id))]


def owner_choices(session: Session, actor: Actor) -> list[User]:
    """Who may own a need: the actor first, then active coordinators and admins of their scope."""
    actor.require(Capability.MANAGE_RESOURCES)
    stmt = select(User).where(User.is_active.is_(True),
                              User.role.in_([Role.coordinator, Role.admin]))
    subtree = org_subtree_ids(actor)
    if subtree is not None:
        stmt = stmt.where(or_(User.org_unit_id.in_(subtree), User.id == actor.user_id))
    users = list(session.scalars(stmt.order_by(User.display_name, User.id)))
    return sorted(users, key=lambda user: user.id != actor.user_id)
