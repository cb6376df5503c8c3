"""成长档案: everything that happened to one child, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    Activity,
    ActivityKindRow,
    Attendance,
    AuditEvent,
    CareContact,
    Helper,
    Need,
    Pairing,
    RiskAssessment,
    Wish,
)
from services.permissions import Actor
from services.roster import get_child

AUDIT_WORDS = {"create": "建档", "update": "修改档案", "archive": "归档", "restore": "恢复档案",
               "assess": "风险评估", "review": "复核"}


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    text: str
    by: str | None = None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def child_timeline(session: Session, actor: Actor, child_id: int) -> list[TimelineEntry]:
    """Record changes, pairings, care contacts, activities, needs, wishes and risk, newest first."""
    child = get_child(session, actor, child_id)
    sources = (_record_changes, _pairings, _care_contacts, _activities, _needs_and_wishes,
               _assessments)
    entries = [entry for source in sources for entry in source(session, child.id)]
    return sorted(entries, key=lambda e: e.on, reverse=True)


def _record_changes(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "child", AuditEvent.entity_id == str(child_id))):
        kind = AUDIT_WORDS.get(event.action, "档案")
        text = event.summary or kind
        if event.action == "update" and event.after:
            text += f"（改动：{'、'.join(sorted(event.after))}）"
        yield TimelineEntry(_day(event.at), kind, text, event.username)


def _pairings(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for pairing, helper in session.execute(
            select(Pairing, Helper).join(Helper).where(Pairing.child_id == child_id)):
        yield TimelineEntry(pairing.started_on, "结对", f"与{helper.kind.zh}{helper.name}结对")
        if pairing.ended_on:
            note = f":{pairing.end_note}" if pairing.end_note else ""
            reason = f"({pairing.end_reason.zh}{note})" if pairing.end_reason else ""
            yield TimelineEntry(pairing.ended_on, "结对", f"与{helper.name}的结对结束{reason}")


def _care_contacts(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for contact, helper_name in session.execute(
            select(CareContact, Helper.name).join(Helper, isouter=True).where(
                CareContact.child_id == child_id, CareContact.archived_at.is_(None))):
        minutes = f",{contact.minutes}分钟" if contact.minutes else ""
        notes = f":{contact.notes}" if contact.notes else ""
        yield TimelineEntry(contact.contact_date, contact.kind.zh,
                            f"{contact.kind.zh}{minutes}{notes}", helper_name)


def _activities(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for activity, kind_label in session.execute(
            select(Activity, ActivityKindRow.label_zh).join(Attendance)
            .join(ActivityKindRow, ActivityKindRow.code == Activity.kind)
            .where(Attendance.child_id == child_id, Activity.archived_at.is_(None))):
        yield TimelineEntry(activity.held_on, "活动", f"参加{kind_label}:{activity.title}")


def _needs_and_wishes(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for need in session.scalars(select(Need).where(Need.child_id == child_id,
                                                   Need.archived_at.is_(None))):
        detail = need.description or ""
        yield TimelineEntry(need.found_on, "需求",
                            f"{need.kind.zh}需求（{need.status.zh}）{detail}")
        if need.resolved_on and need.resolution:
            yield TimelineEntry(need.resolved_on, "需求",
                                f"{need.kind.zh}需求已解决：{need.resolution}")
    for wish in session.scalars(select(Wish).where(Wish.child_id == child_id)):
        yield TimelineEntry(wish.collected_on, "心愿", f"心愿：{wish.content}")
        if wish.fulfilled_on:
            yield TimelineEntry(wish.fulfilled_on, "心愿", f"心愿实现：{wish.content}")


def _assessments(session: Session, child_id: int) -> Iterator[TimelineEntry]:
    for assessment in session.scalars(
            select(RiskAssessment).where(RiskAssessment.child_id == child_id)):
        yield TimelineEntry(assessment.assessed_on, "风险评估",
                            f"评估为{assessment.level.zh}色 {assessment.notes or ''}".strip())
