"""紧急查看 (break-the-glass): a coordinator opens one child outside their scope, for a reason.

The child must be named exactly: by 身份证号, or by name and birth date, never by a search, so
nobody browses other towns' children this way. Access lasts GRANT_HOURS; it is audited and
recorded as an emergency view, and it waits on the administrators' review list until one of
them acknowledges it. While it lasts the child is in the person's scope
(`Actor.emergency_child_ids`, filled by `users.actor_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import Msg
from core.vocab import ViewKind
from db.base import utcnow
from db.field_crypto import active_key
from db.models import AuditEvent, Child, EmergencyGrant
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible
from services.privacy import views

GRANT_HOURS = 24
MIN_REASON = 10
MAX_REASON = 500
REVIEW_LIMIT = 200
# Tries (found or not) per person in any 24 hours: enough for real cases, too few to probe for
# who lives where by guessing names and birth dates.
TRIES_PER_DAY = 5
TRIED = ("emergency_view", "emergency_not_found")


class EmergencyNotFound(DomainError):
    """No single child matched; the caller records the try in a transaction of its own."""


@dataclass(frozen=True)
class EmergencyRequest:
    """How the child is named (身份证号, or name and birth date) and why it must be opened."""

    reason: str
    id_number: str = ""
    name: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class GrantRow:
    """One 紧急查看 on the administrators' review list."""

    id: int
    username: str
    child_id: int
    child_name: str
    reason: str
    granted_at: datetime
    expires_at: datetime
    active: bool


def open_in_emergency(session: Session, actor: Actor, request: EmergencyRequest, *,
                      page: str, now: datetime | None = None) -> EmergencyGrant:
    """Grant `actor` the named child for GRANT_HOURS."""
    actor.require(Capability.EMERGENCY_VIEW)
    _check(request)
    granted = now or utcnow()
    if tries_today(session, actor, granted) >= TRIES_PER_DAY:
        raise DomainError(Msg("errors.emergency.too_many", most=TRIES_PER_DAY))
    child = _named_child(session, request)
    if session.scalar(select(Child.id).where(Child.id == child.id,
                                             children_visible(actor))) is not None:
        raise DomainError(Msg("errors.emergency.in_scope"))
    grant = EmergencyGrant(user_id=actor.user_id, username=actor.username, child_id=child.id,
                           reason=request.reason.strip(), granted_at=granted,
                           expires_at=granted + timedelta(hours=GRANT_HOURS))
    session.add(grant)
    session.flush()
    audit.record(session, actor, "emergency_view", "child", child.id,
                 summary=f"紧急查看辖区外儿童档案：{request.reason.strip()[:120]}",
                 after={"grant_id": grant.id, "reason": grant.reason,
                        "expires_at": grant.expires_at.isoformat(timespec="minutes")})
    views.record_view(session, actor, ViewKind.emergency, page, child_ids=[child.id])
    return grant


def _check(request: EmergencyRequest) -> None:
    problems: dict[str, str] = {}
    reason = request.reason.strip()
    if len(reason) < MIN_REASON:
        problems[Msg("privacy.emergency.reason")] = Msg("errors.emergency.reason_short",
                                                        least=MIN_REASON)
    elif len(reason) > MAX_REASON:
        problems[Msg("privacy.emergency.reason")] = Msg("errors.emergency.reason_long",
                                                        most=MAX_REASON)
    if not request.id_number.strip() and not (request.name.strip() and request.birth_date):
        problems[Msg("privacy.emergency.who")] = Msg("errors.emergency.who")
    if problems:
        raise ValidationFailed(problems)


def _named_child(session: Session, request: EmergencyRequest) -> Child:
    """The one child named exactly; not found reads the same whether none or several match."""
    if request.id_number.strip():
        where = Child.id_number_hash == active_key().lookup_hash(request.id_number)
    else:
        where = and_(Child.name == request.name.strip(), Child.birth_date == request.birth_date)
    found = session.scalars(select(Child).where(where, Child.anonymised_at.is_(None))
                            .limit(2)).all()
    if len(found) != 1:
        raise EmergencyNotFound(Msg("errors.emergency.not_found"))
    return found[0]


def tries_today(session: Session, actor: Actor, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.username == actor.username, AuditEvent.action.in_(TRIED),
        AuditEvent.at > now - timedelta(hours=GRANT_HOURS))) or 0


def record_not_found(session: Session, actor: Actor, request: EmergencyRequest) -> None:
    """A try that named no single child: audited (how the child was named, never the number or
    the name typed), counted against the day's tries, and shown to the administrators."""
    how = "身份证号" if request.id_number.strip() else "姓名和出生日期"
    audit.record(session, actor, "emergency_not_found", "child", None,
                 summary=f"紧急查看未找到唯一符合的儿童（按{how}）")


def review_list(session: Session, actor: Actor, *, now: datetime | None = None) -> list[GrantRow]:
    """紧急查看 not yet acknowledged, newest first (administrators)."""
    actor.require(Capability.MANAGE_USERS)
    moment = now or utcnow()
    child = aliased(Child)
    rows = session.execute(
        select(EmergencyGrant, child.name).join(child, child.id == EmergencyGrant.child_id)
        .where(EmergencyGrant.acknowledged_at.is_(None))
        .order_by(EmergencyGrant.granted_at.desc(), EmergencyGrant.id.desc())
        .limit(REVIEW_LIMIT))
    return [GrantRow(g.id, g.username, g.child_id, name, g.reason, g.granted_at, g.expires_at,
                     g.expires_at > moment) for g, name in rows]


def acknowledge(session: Session, actor: Actor, grant_id: int, *,
                now: datetime | None = None) -> None:
    """An administrator has read the reason: the grant leaves the review list (audited)."""
    actor.require(Capability.MANAGE_USERS)
    grant = session.get(EmergencyGrant, grant_id)
    if grant is None:
        raise NotFound(Msg("errors.what.emergency_grant"))
    if grant.acknowledged_at is not None:
        return
    grant.acknowledged_at = now or utcnow()
    grant.acknowledged_by_id = actor.user_id
    grant.acknowledged_by = actor.username
    audit.record(session, actor, "acknowledge", "emergency_grant", grant.id,
                 summary=f"确认已复核 {grant.username} 的紧急查看",
                 after={"child_id": grant.child_id})
