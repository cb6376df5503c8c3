"""复核 (动态管理): records to look at again — children past 16 or 18, records left untouched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.i18n import Msg
from core.validators import age_on
from db.base import utcnow
from db.models import Child
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.roster.records import get_child
from services.roster.roster_filter import years_after, years_before

# A term is about half a year; a record untouched for longer may no longer be true.
STALE_AFTER = timedelta(days=183)
REVIEW_AGES = (18, 16)  # 16: out of the official 留守 definition; 18: no longer a child


@dataclass(frozen=True)
class ReviewItem:
    child_id: int
    name: str
    age: int
    reason: str
    version: int


def review_list(session: Session, actor: Actor, *, today: date) -> list[ReviewItem]:
    """Children who turned 16 or 18 since their record was last confirmed, and stale records."""
    actor.require(Capability.EDIT_ROSTER)
    stale_before = datetime.combine(today, datetime.min.time()) - STALE_AFTER
    candidates = session.execute(select(
        Child.id, Child.name, Child.birth_date, Child.updated_at, Child.version).where(
        children_listed(actor), Child.archived_at.is_(None),
        or_(Child.birth_date <= years_before(today, min(REVIEW_AGES)),
            Child.updated_at < stale_before)).order_by(Child.birth_date, Child.id))
    items: list[ReviewItem] = []
    for child_id, name, birth, updated_at, version in candidates:
        age = age_on(birth, today)
        reason = next((f"已满{years}周岁，请确认是否仍在关爱范围" for years in REVIEW_AGES
                       if age >= years and updated_at.date() < years_after(birth, years)), None)
        if reason is None and updated_at < stale_before:
            reason = f"超过一学期未更新（上次更新 {updated_at:%Y-%m-%d}）"
        if reason:
            items.append(ReviewItem(child_id, name, age, reason, version))
    return items


def confirm_still_correct(session: Session, *, actor: Actor, child_id: int,
                          expected_version: int) -> Child:
    """Mark the record as checked today; it leaves the list until the next reason appears."""
    actor.require(Capability.EDIT_ROSTER)
    child = get_child(session, actor, child_id)
    audit.require_version(child, expected_version, Msg("errors.what.child_record"))
    child.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "review", "child", child.id,
                 summary=f"复核 {child.name}：信息仍然正确")
    return child
