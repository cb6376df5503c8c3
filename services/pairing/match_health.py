"""How each open pairing is going (正常 / 需关注 / 新结对), and which helpers need a word."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from core.i18n import DEFAULT_LANGUAGE, t
from core.vocab import HelperKind, MatchHealth, Role
from db.models import CareContact, Child, Helper, OrgUnit, Pairing
from services.access.permissions import (
    Actor,
    Capability,
    children_listed,
    helpers_visible,
)
from services.care.compliance import ComplianceStatus, standings
from services.care.terms import month_of, term_of

QUIET_DAYS = 30  # no contact for longer than this needs attention
NEW_DAYS = 30  # a pairing younger than this is still settling in


def health_status(started_on: date, last_contact: date | None, today: date, *,
                  overdue: bool = False) -> MatchHealth:
    """需关注 when a care rule is overdue (whatever the pairing's age: a badge must not say 正常
    beside an overdue item); else 新结对 under 30 days; else 需关注 when the last contact is
    over 30 days old or none; else 正常."""
    if overdue:
        return MatchHealth.attention
    if (today - started_on).days < NEW_DAYS:
        return MatchHealth.new
    if last_contact is None or (today - last_contact).days > QUIET_DAYS:
        return MatchHealth.attention
    return MatchHealth.healthy


@dataclass(frozen=True)
class PairingHealth:
    pairing_id: int
    version: int
    child_id: int
    child_name: str
    helper_id: int
    helper_name: str
    helper_kind: HelperKind
    helper_active: bool
    started_on: date
    last_contact: date | None
    contacts_this_month: int
    contacts_this_term: int
    status: MatchHealth
    overdue_rules: tuple[str, ...] = ()  # care rules whose last period ended short

    @property
    def attention_reason(self) -> str:
        """Why the pairing needs attention, in words: the overdue rules, or the silence."""
        return self.attention_reason_in(DEFAULT_LANGUAGE)

    def attention_reason_in(self, lang: str, rule_name: Callable[[str], str] = str) -> str:
        """attention_reason in `lang`; `rule_name` escapes the rules' names for markdown."""
        if self.status is not MatchHealth.attention:
            return ""
        if self.overdue_rules:
            rules = t("health.rule_separator", lang).join(map(rule_name, self.overdue_rules))
            return t("health.reason.overdue", lang, rules=rules)
        if self.last_contact:
            return t("health.reason.quiet", lang, days=QUIET_DAYS)
        return t("health.reason.no_contact", lang)

    def days_since_contact(self, today: date) -> int | None:
        return None if self.last_contact is None else (today - self.last_contact).days


def _open_pairings_in_scope(actor: Actor) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Pairing.ended_on.is_(None), Child.archived_at.is_(None), children_listed(actor)]
    if actor.role is Role.helper:
        conditions.append(Pairing.helper_id == (actor.helper_id or -1))
    return conditions


def pairing_health(session: Session, actor: Actor, *, today: date,
                   helper_id: int | None = None,
                   status: MatchHealth | None = None) -> list[PairingHealth]:
    """Every open pairing in scope with its contacts, those needing attention first."""
    month, term = month_of(today), term_of(today)
    contact = and_(CareContact.child_id == Pairing.child_id,
                   CareContact.helper_id == Pairing.helper_id,
                   CareContact.archived_at.is_(None), CareContact.contact_date <= today,
                   # A pair that was ended and made again starts afresh.
                   CareContact.contact_date >= Pairing.started_on)
    counted = CareContact.contact_date

    def since(day: date) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((counted >= day, 1), else_=0)), 0)

    stmt = (select(Pairing.id, Pairing.version, Child.id, Child.name, Helper.id, Helper.name,
                   Helper.kind, Helper.archived_at.is_(None), Pairing.started_on,
                   func.max(counted), since(month.start), since(term.start))
            .join(Child, Child.id == Pairing.child_id)
            .join(Helper, Helper.id == Pairing.helper_id)
            .outerjoin(CareContact, contact)
            .where(*_open_pairings_in_scope(actor))
            .group_by(Pairing.id, Pairing.version, Child.id, Child.name, Helper.id, Helper.name,
                      Helper.kind, Helper.archived_at, Pairing.started_on))
    if helper_id is not None:
        stmt = stmt.where(Pairing.helper_id == helper_id)
    overdue = _overdue_rules(session, actor, today=today, helper_id=helper_id)
    rows = [PairingHealth(pairing_id, version, child_id, child_name, paired_helper_id, helper_name,
                          kind, active, started_on, last, this_month, this_term,
                          health_status(started_on, last, today,
                                        overdue=pairing_id in overdue),
                          tuple(overdue.get(pairing_id, ())))
            for (pairing_id, version, child_id, child_name, paired_helper_id, helper_name, kind,
                 active, started_on, last, this_month, this_term) in session.execute(stmt)]
    if status is not None:
        rows = [r for r in rows if r.status is status]
    # Needing attention first; within a status the longest silence first.
    return sorted(rows, key=lambda r: (r.status is not MatchHealth.attention,
                                       r.last_contact or date.min, r.child_name))


def _overdue_rules(session: Session, actor: Actor, *, today: date,
                   helper_id: int | None) -> dict[int, list[str]]:
    """Pairing id → the names of its overdue care rules (as 待办 judges them)."""
    found: dict[int, list[str]] = defaultdict(list)
    for standing in standings(session, actor, today=today, helper_id=helper_id):
        if standing.status is ComplianceStatus.overdue:
            found[standing.pair.pairing_id].append(standing.rule.name)
    return found


@dataclass(frozen=True)
class HelperHealth:
    helper_id: int
    version: int
    name: str
    kind: HelperKind
    unit: str
    phone: str | None
    active: bool
    archive_reason: str | None
    load: int
    capacity: int
    last_contact: date | None
    oldest_pairing: date | None
    user_id: int | None

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity

    def silent(self, today: date) -> bool:
        """Paired for over 30 days yet no contact with any child in the last 30."""
        if self.oldest_pairing is None or (today - self.oldest_pairing).days < NEW_DAYS:
            return False
        return self.last_contact is None or (today - self.last_contact).days > QUIET_DAYS

    def flags(self, today: date, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        words = []
        if self.over_capacity:
            words.append(t("health.flag.over_capacity", lang, load=self.load,
                           capacity=self.capacity))
        if self.silent(today):
            words.append(t("health.flag.silent", lang, days=QUIET_DAYS))
        return words


def helper_health(session: Session, actor: Actor, *, today: date,
                  include_inactive: bool = False, kind: HelperKind | None = None,
                  text: str = "") -> list[HelperHealth]:
    """Helpers in scope with their load and last contact; flagged ones first."""
    actor.require(Capability.VIEW_PEOPLE)
    pairs = (select(Pairing.helper_id, func.count().label("load"),
                    func.min(Pairing.started_on).label("oldest"))
             .join(Child, Child.id == Pairing.child_id)
             .where(Pairing.ended_on.is_(None), Child.archived_at.is_(None))
             .group_by(Pairing.helper_id).subquery())
    contacts = (select(CareContact.helper_id, func.max(CareContact.contact_date).label("last"))
                .where(CareContact.archived_at.is_(None), CareContact.contact_date <= today,
                       CareContact.helper_id.in_(select(Helper.id).where(helpers_visible(actor))))
                .group_by(CareContact.helper_id).subquery())
    stmt = (select(Helper, func.coalesce(pairs.c.load, 0), pairs.c.oldest, contacts.c.last,
                   OrgUnit.name)
            .outerjoin(pairs, pairs.c.helper_id == Helper.id)
            .outerjoin(contacts, contacts.c.helper_id == Helper.id)
            .outerjoin(OrgUnit, OrgUnit.id == Helper.org_unit_id)
            .where(helpers_visible(actor)).order_by(Helper.name, Helper.id))
    if not include_inactive:
        stmt = stmt.where(Helper.archived_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Helper.kind == kind)
    if text.strip():
        stmt = stmt.where(Helper.name.contains(text.strip(), autoescape=True))
    rows = [HelperHealth(h.id, h.version, h.name, h.kind, h.work_unit or unit or "", h.phone,
                         h.archived_at is None, h.archive_reason, load, h.capacity, last, oldest,
                         h.user_id)
            for h, load, oldest, last, unit in session.execute(stmt)]
    return sorted(rows, key=lambda r: (not r.flags(today), not r.active))
