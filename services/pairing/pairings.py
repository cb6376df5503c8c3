"""结对帮扶: pair children with helpers, end and reassign pairings; history is never rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, PermissionDenied
from core.i18n import Msg
from core.vocab import ArchiveReason, HelperKind, PairingEndReason, Role
from db.models import Child, Helper, Pairing
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible, helpers_visible
from services.roster.helpers import get_helper

# An archived child's pairings end with the reason that fits the archiving.
END_FOR_ARCHIVE = {ArchiveReason.parents_returned: PairingEndReason.parents_returned,
                   ArchiveReason.moved_away: PairingEndReason.child_moved}


class PairingRefused(DomainError):
    """A pairing that breaks a rule; the message says which and why."""


@dataclass(frozen=True)
class Assignment:
    child_id: int
    helper_id: int


def child_is_paired() -> ColumnElement[bool]:
    """A child counts as paired while an open pairing ties them to an active helper."""
    return exists().where(Pairing.child_id == Child.id, Pairing.ended_on.is_(None),
                          Pairing.helper_id == Helper.id, Helper.archived_at.is_(None))


def open_load(session: Session, helper_ids: Sequence[int]) -> dict[int, int]:
    """How many children each helper is paired with now."""
    if not helper_ids:
        return {}
    rows = session.execute(
        select(Pairing.helper_id, func.count()).where(
            Pairing.helper_id.in_(helper_ids), Pairing.ended_on.is_(None))
        .group_by(Pairing.helper_id))
    return {helper_id: count for helper_id, count in rows}


def safeguard_problem(child: Child, helper: Helper) -> Msg | None:
    """Why this helper may not be paired with this child at all, whatever the load."""
    if helper.kind is not HelperKind.peer_student:
        return None
    if helper.birth_date is None or helper.gender is None:
        return Msg("errors.pairing.peer_unknown", helper=helper.name)
    if helper.gender is not child.gender:
        return Msg("errors.pairing.peer_gender", helper=helper.name, gender=helper.gender)
    if helper.birth_date >= child.birth_date:
        return Msg("errors.pairing.peer_younger", helper=helper.name,
                   helper_born=helper.birth_date.isoformat(), child=child.name,
                   child_born=child.birth_date.isoformat())
    return None


def visible_child(session: Session, actor: Actor, child_id: int) -> Child:
    child = session.scalar(select(Child).where(Child.id == child_id, children_visible(actor)))
    if child is None:
        raise NotFound(Msg("errors.what.child_record"))
    return child


def _locked_helper(session: Session, actor: Actor, helper_id: int) -> Helper:
    """The helper row, locked on PostgreSQL so two coordinators cannot both take the last place."""
    helper = session.scalar(select(Helper).where(Helper.id == helper_id, helpers_visible(actor))
                            .with_for_update())
    if helper is None:
        raise NotFound(Msg("errors.what.helper"))
    return helper


def pairing_refusal(session: Session, child: Child, helper: Helper, load: int,
             started_on: date, today: date) -> str | None:
    """Why this pairing may not be made, given the helper's current load; None when it may."""
    if child.archived_at is not None:
        return Msg("errors.pairing.child_archived", child=child.name)
    if helper.archived_at is not None:
        return Msg("errors.pairing.helper_inactive", helper=helper.name)
    if started_on > today:
        return Msg("errors.pairing.start_future")
    if started_on < child.birth_date:
        return Msg("errors.pairing.start_before_birth")
    if session.scalar(select(Pairing.id).where(
            Pairing.child_id == child.id, Pairing.helper_id == helper.id,
            Pairing.ended_on.is_(None))) is not None:
        return Msg("errors.pairing.already_paired", child=child.name, helper=helper.name)
    if load >= helper.capacity:
        return Msg("errors.pairing.over_capacity", helper=helper.name,
                   capacity=helper.capacity, load=load)
    return safeguard_problem(child, helper)


def pair_children(session: Session, *, actor: Actor, assignments: Sequence[Assignment],
                  started_on: date, today: date) -> list[Pairing]:
    """Make every pairing or none: the first refusal names the child and the rule."""
    actor.require(Capability.MANAGE_PAIRINGS)
    if not assignments:
        raise DomainError.of("errors.pairing.no_children")
    helpers = {a.helper_id: _locked_helper(session, actor, a.helper_id) for a in assignments}
    load = open_load(session, list(helpers))
    made = []
    for assignment in assignments:
        child = visible_child(session, actor, assignment.child_id)
        helper = helpers[assignment.helper_id]
        current = load.get(helper.id, 0)
        if why := pairing_refusal(session, child, helper, current, started_on, today):
            if len(assignments) > 1:
                raise PairingRefused.of("errors.pairing.refused_one_of", child=child.name, why=why)
            raise PairingRefused.of("errors.pairing.refused", why=why)
        _end_with_inactive_helpers(session, actor, child, started_on)
        pairing = Pairing(child_id=child.id, helper_id=helper.id, started_on=started_on)
        session.add(pairing)
        _flush_or_refuse(session, child, helper)
        load[helper.id] = current + 1
        audit.record(session, actor, "create", "pairing", pairing.id,
                     after=audit.snapshot(pairing),
                     summary=f"{child.name} 与{helper.kind.zh}{helper.name}结对")
        made.append(pairing)
    return made


def pair(session: Session, *, actor: Actor, child_id: int, helper_id: int, started_on: date,
         today: date) -> Pairing:
    """Pair one child with one helper."""
    return pair_children(session, actor=actor, assignments=[Assignment(child_id, helper_id)],
                         started_on=started_on, today=today)[0]


def _flush_or_refuse(session: Session, child: Child, helper: Helper) -> None:
    """The open-pairing index catches a second person pairing the same two at the same moment.

    A plain flush, no savepoint: begin_nested() would flush the new row before its SAVEPOINT
    (so the error escaped as PendingRollbackError), and on SQLite a SAVEPOINT opening the
    transaction commits on release. A refusal rolls the caller's whole transaction back anyway.
    """
    # Worded first: a failed flush expires every loaded attribute.
    duplicate = Msg("errors.pairing.refused", why=Msg(
        "errors.pairing.already_paired", child=child.name, helper=helper.name))
    try:
        session.flush()
    except IntegrityError as exc:
        raise PairingRefused(duplicate) from exc


def _end_with_inactive_helpers(session: Session, actor: Actor, child: Child, on: date) -> None:
    """A child whose helper was deactivated is waiting for a new one: close that pairing now."""
    stale = session.scalars(select(Pairing).join(Helper).where(
        Pairing.child_id == child.id, Pairing.ended_on.is_(None), Helper.archived_at.is_not(None)))
    for pairing in stale:
        _close(session, actor, pairing, max(on, pairing.started_on),
               PairingEndReason.helper_left, "帮扶人已停用，已重新结对")


def _close(session: Session, actor: Actor, pairing: Pairing, on: date,
           reason: PairingEndReason, note: str | None) -> None:
    with audit.tracked(session, actor, pairing, "pairing", action="end",
                       summary=f"结束结对（{reason.zh}）"):
        pairing.ended_on, pairing.end_reason = on, reason
        pairing.end_note = note.strip()[:200] if note and note.strip() else None


def _open_pairing(session: Session, actor: Actor, pairing_id: int) -> Pairing:
    pairing = session.get(Pairing, pairing_id)
    if pairing is None or session.scalar(select(Child.id).where(
            Child.id == pairing.child_id, children_visible(actor))) is None:
        raise NotFound(Msg("errors.what.pairing"))
    if pairing.ended_on is not None:
        raise DomainError.of("errors.pairing.already_ended", on=pairing.ended_on.isoformat())
    return pairing


def end_pairing(session: Session, *, actor: Actor, pairing_id: int, expected_version: int,
                ended_on: date, reason: PairingEndReason, note: str = "",
                today: date) -> Pairing:
    """End a pairing with a reason; it stays in both people's history."""
    actor.require(Capability.MANAGE_PAIRINGS)
    pairing = _open_pairing(session, actor, pairing_id)
    audit.require_version(pairing, expected_version, Msg("errors.what.pairing"))
    if ended_on < pairing.started_on:
        raise PairingRefused.of("errors.pairing.end_before_start",
                                on=pairing.started_on.isoformat())
    if ended_on > today:
        raise PairingRefused.of("errors.pairing.end_future")
    if reason is PairingEndReason.other and not note.strip():
        raise PairingRefused.of("errors.pairing.end_other_reason")
    _close(session, actor, pairing, ended_on, reason, note)
    return pairing


def reassign(session: Session, *, actor: Actor, pairing_id: int, expected_version: int,
             helper_id: int, on: date, reason: PairingEndReason = PairingEndReason.reassigned,
             note: str = "", today: date) -> Pairing:
    """End the pairing and start one with another helper on the same day, in one step."""
    old = _open_pairing(session, actor, pairing_id)
    if old.helper_id == helper_id:
        raise PairingRefused.of("errors.pairing.same_helper")
    child_id = old.child_id
    end_pairing(session, actor=actor, pairing_id=pairing_id, expected_version=expected_version,
                ended_on=on, reason=reason, note=note, today=today)
    return pair(session, actor=actor, child_id=child_id, helper_id=helper_id, started_on=on,
                today=today)


def end_pairings_of_archived_child(session: Session, actor: Actor, child: Child,
                                   on: date, reason: ArchiveReason) -> int:
    """Close an archived child's open pairings so their helpers' places are free again."""
    end_reason = END_FOR_ARCHIVE.get(reason, PairingEndReason.child_archived)
    pairings = list(session.scalars(select(Pairing).where(
        Pairing.child_id == child.id, Pairing.ended_on.is_(None))))
    for pairing in pairings:
        _close(session, actor, pairing, max(on, pairing.started_on), end_reason,
               f"儿童档案归档（{reason.zh}）")
    return len(pairings)


@dataclass(frozen=True)
class PairingRecord:
    """One line of a pairing history, for a child's page or a helper's."""

    id: int
    version: int
    child_id: int
    child_name: str
    helper_id: int
    helper_name: str
    helper_kind: HelperKind
    started_on: date
    ended_on: date | None
    end_reason: PairingEndReason | None
    end_note: str | None

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def ending(self) -> str:
        if self.end_reason is None:
            return ""
        return self.end_reason.zh + (f":{self.end_note}" if self.end_note else "")


def _history(session: Session, condition) -> list[PairingRecord]:  # noqa: ANN001
    rows = session.execute(
        select(Pairing, Child.name, Helper.name, Helper.kind).join(Child).join(Helper)
        .where(condition).order_by(Pairing.ended_on.is_not(None), Pairing.started_on.desc()))
    return [PairingRecord(p.id, p.version, p.child_id, child_name, p.helper_id, helper_name,
                          kind, p.started_on, p.ended_on, p.end_reason, p.end_note)
            for p, child_name, helper_name, kind in rows]


def child_pairings(session: Session, actor: Actor, child_id: int) -> list[PairingRecord]:
    """Every pairing of a child the actor may see: open ones first, then newest."""
    visible_child(session, actor, child_id)
    condition = Pairing.child_id == child_id
    if actor.role is Role.helper:  # a helper sees their own pairings, not colleagues'
        condition = condition & (Pairing.helper_id == (actor.helper_id or -1))
    return _history(session, condition)


def helper_pairings(session: Session, actor: Actor, helper_id: int) -> list[PairingRecord]:
    """A helper's pairings with the children the actor may see (a town's, not the county's)."""
    if not actor.can(Capability.VIEW_PEOPLE):
        raise PermissionDenied()
    get_helper(session, actor, helper_id)
    visible = Pairing.child_id.in_(select(Child.id).where(children_visible(actor)))
    return _history(session, (Pairing.helper_id == helper_id) & visible)
