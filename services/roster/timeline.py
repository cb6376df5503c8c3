"""成长档案: everything that happened to one child, newest first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
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
from services.access.permissions import Actor
from services.roster.records import get_child

# Record changes with a word of their own (timeline.audit.<action>); any other is 档案.
AUDIT_ACTIONS = ("create", "update", "archive", "restore", "assess", "review")


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    text: str
    by: str | None = None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def child_timeline(session: Session, actor: Actor, child_id: int,
                   lang: str = "zh") -> list[TimelineEntry]:
    """Record changes, pairings, care contacts, activities, needs, wishes and risk, newest first.

    Kinds and sentences are in `lang`; names, notes and wish texts are shown as entered.
    """
    child = get_child(session, actor, child_id)
    sources = (_record_changes, _pairings, _care_contacts, _activities, _needs_and_wishes,
               _assessments)
    entries = [entry for source in sources for entry in source(session, child.id, lang)]
    return sorted(entries, key=lambda e: e.on, reverse=True)


def _record_changes(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "child", AuditEvent.entity_id == str(child_id))):
        kind = (t(f"timeline.audit.{event.action}", lang) if event.action in AUDIT_ACTIONS
                else t("timeline.kind.record", lang))
        # The stored summary is Chinese, written by the services: other languages get the word.
        chinese = lang == DEFAULT_LANGUAGE or lang not in LANGUAGES
        text = (event.summary if chinese else None) or kind
        if event.action == "update" and event.after:
            text = t("timeline.record.changed", lang, text=text,
                     fields=t("timeline.list_separator", lang).join(sorted(event.after)))
        yield TimelineEntry(_day(event.at), kind, text, event.username)


def _pairings(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    kind = t("timeline.kind.pairing", lang)
    for pairing, helper in session.execute(
            select(Pairing, Helper).join(Helper).where(Pairing.child_id == child_id)):
        yield TimelineEntry(pairing.started_on, kind, t(
            "timeline.pairing.started", lang, helper_kind=helper.kind.label(lang),
            helper=helper.name))
        if pairing.ended_on:
            if pairing.end_reason and pairing.end_note:
                reason = t("timeline.pairing.reason_note", lang,
                           reason=pairing.end_reason.label(lang), note=pairing.end_note)
            elif pairing.end_reason:
                reason = t("timeline.pairing.reason", lang, reason=pairing.end_reason.label(lang))
            else:
                reason = ""
            yield TimelineEntry(pairing.ended_on, kind, t(
                "timeline.pairing.ended", lang, helper=helper.name, reason=reason))


def _care_contacts(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    for contact, helper_name in session.execute(
            select(CareContact, Helper.name).join(Helper, isouter=True).where(
                CareContact.child_id == child_id, CareContact.archived_at.is_(None))):
        kind = contact.kind.label(lang)
        minutes = (t("timeline.contact.minutes", lang, minutes=contact.minutes)
                   if contact.minutes else "")
        notes = t("timeline.contact.notes", lang, notes=contact.notes) if contact.notes else ""
        yield TimelineEntry(contact.contact_date, kind, f"{kind}{minutes}{notes}", helper_name)


def _activities(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    kind = t("timeline.kind.activity", lang)
    for activity, label_zh, label_en in session.execute(
            select(Activity, ActivityKindRow.label_zh, ActivityKindRow.label_en).join(Attendance)
            .join(ActivityKindRow, ActivityKindRow.code == Activity.kind)
            .where(Attendance.child_id == child_id, Activity.archived_at.is_(None))):
        label = label_en if lang == "en" and label_en else label_zh
        yield TimelineEntry(activity.held_on, kind, t(
            "timeline.activity.attended", lang, kind=label, title=activity.title))


def _needs_and_wishes(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    need_kind, wish_kind = t("timeline.kind.need", lang), t("timeline.kind.wish", lang)
    for need in session.scalars(select(Need).where(Need.child_id == child_id,
                                                   Need.archived_at.is_(None))):
        fields = {"kind": need.kind.label(lang), "status": need.status.label(lang)}
        text = (t("timeline.need.found_detail", lang, detail=need.description, **fields)
                if need.description else t("timeline.need.found", lang, **fields))
        yield TimelineEntry(need.found_on, need_kind, text)
        if need.resolved_on and need.resolution:
            yield TimelineEntry(need.resolved_on, need_kind, t(
                "timeline.need.resolved", lang, kind=fields["kind"], resolution=need.resolution))
    for wish in session.scalars(select(Wish).where(Wish.child_id == child_id)):
        yield TimelineEntry(wish.collected_on, wish_kind,
                            t("timeline.wish.collected", lang, content=wish.content))
        if wish.fulfilled_on:
            yield TimelineEntry(wish.fulfilled_on, wish_kind,
                                t("timeline.wish.fulfilled", lang, content=wish.content))


def _assessments(session: Session, child_id: int, lang: str) -> Iterator[TimelineEntry]:
    kind = t("timeline.kind.assessment", lang)
    for assessment in session.scalars(
            select(RiskAssessment).where(RiskAssessment.child_id == child_id)):
        level = assessment.level.label(lang)
        notes = (assessment.notes or "").rstrip()
        text = (t("timeline.assessment.notes", lang, level=level, notes=notes) if notes.strip()
                else t("timeline.assessment.level", lang, level=level))
        yield TimelineEntry(assessment.assessed_on, kind, text)
