"""Statistics as SQL aggregations, computed once and shared by the pages, the CLI and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from core.vocab import ActivityKind, OrgKind, Role
from db.base import utcnow
from db.models import ActivityKindRow, OrgUnit
from services.access.permissions import Actor
from services.care.compliance_counts import RuleCount
from services.care.terms import relative_name
from services.resources.needs import NeedCounts
from services.roster.home_unit import withheld_total
from services.stats.counted import Counted, Source
from services.stats.headline_counts import PairingStats
from services.stats.rollups import reading as rollup_reading
from services.stats.rollups import tracking as rollup_tracking
from services.stats.scope import (
    Lens,
    StatsScope,
    attending_from_elsewhere,
    children_in,
    scoped_actor,
    served,
)
from services.stats.stats_queries import Sessions, Tally, enrolment, total_sessions

__all__ = ["Statistics", "StatsScope", "children_in", "compute", "scoped_actor"]

# ---- the whole statistics object (CONTRACTS.md `stats --json`) ------------------------------

@dataclass(frozen=True)
class ChildrenStats:
    """基本情况 … 安全与心理: the active children in scope now, ages on the period's end."""

    total: int
    enrolled_students: int
    enrolled_children: int  # the children at the schools whose enrolment is summed
    by_category: dict[str, int]
    by_gender: dict[str, int]
    by_age_band: dict[str, int]
    by_guardian_type: dict[str, int]
    by_left_behind_type: dict[str, int]
    by_economic_status: dict[str, int]
    by_academic_level: dict[str, int]
    by_town: dict[str, int]
    by_village: dict[str, int]
    in_mountain_area: int
    in_townships: int
    safety_incident: int
    by_risk_level: dict[str, int]
    key_concern: int
    boarding: int
    aged_out_review: int
    # No 档案管理 consent on record: the dashboard's data-quality line (not in `stats --json`).
    consent_missing: int = 0
    # In scope but counted elsewhere: at the unit's schools, living outside it.
    attending_from_elsewhere: int = 0
    enrolled_schools: int = 0  # schools whose enrolment was summed; 0: the unit states its own

    @property
    def share_of_enrolled(self) -> float | None:
        if not self.enrolled_students:
            return None
        return self.enrolled_children / self.enrolled_students


@dataclass(frozen=True)
class Statistics:
    """Every figure of the dashboard, the CLI, the written summary and the deck, computed once."""

    org: str
    scope: StatsScope
    unit_id: int | None  # the unit counted: the scope's, else the actor's own (None: all)
    as_of: date  # the last day counted: the period's end, or today while it is still running
    level: str  # the unit's kind in words ("镇", "县", "校"), for "本镇" and "外镇"
    period_name: str  # "本月", "本学期", "本学年", "今年", or "本期" for other dates
    for_helper: bool  # a helper's own children, not a unit's
    # For readers shown small counts withheld: the total to write when siblings' totals would
    # give a small unit back by subtraction (home_unit.withheld_total), else None.
    total_withheld_as: str | None
    by_towns: bool  # the scope spans several towns (a county): places are towns, else villages
    children: ChildrenStats
    pairing: PairingStats
    contacts_by_kind: dict[str, Tally]
    contacts_by_month: dict[str, int]
    activities_by_kind: dict[str, Sessions]
    activities_by_month: dict[str, Sessions]
    needs: NeedCounts
    open_needs_by_kind: dict[str, int]  # open or linked, not yet resolved
    wishes: dict[str, int]
    donations: dict[str, float | int]
    compliance: list[RuleCount]
    surveys: dict[str, dict[str, int]]
    activity_labels: dict[str, str]
    computed_at: datetime

    @property
    def activities_total(self) -> Sessions:
        return total_sessions(self.activities_by_kind.values())

    @property
    def contacts_total(self) -> int:
        return sum(t.count for t in self.contacts_by_kind.values())

    @property
    def overdue(self) -> int:
        return sum(r.overdue for r in self.compliance)

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of CONTRACTS.md."""
        c = self.children
        children = {key: getattr(c, key) for key in CHILDREN_KEYS}
        children["share_of_enrolled"] = _fraction(c.share_of_enrolled)
        p = self.pairing
        return {
            "scope": {"org": self.org, "from": self.scope.date_from.isoformat(),
                      "to": self.scope.date_to.isoformat(), "as_of": self.as_of.isoformat()},
            "children": children,
            "pairing": {"helpers": p.helpers, "helpers_by_kind": dict(p.helpers_by_kind),
                        "children_paired": p.children_paired, "coverage": _fraction(p.coverage),
                        "unpaired": p.unpaired},
            "contacts": {"by_kind": {k: {"count": v.count, "children": v.children}
                                     for k, v in self.contacts_by_kind.items()}},
            "activities": {"by_kind": {k: _sessions(v) for k, v in self.activities_by_kind.items()},
                           "total": _sessions(self.activities_total)},
            "needs": self.needs.as_dict(),
            "wishes": dict(self.wishes),
            "donations": {key: self.donations[key] for key in ("money_yuan", "children_helped")},
            "compliance": {r.code: {"due": r.due, "met": r.met, "rate": _fraction(r.rate)}
                           for r in self.compliance},
            "surveys": {q: dict(options) for q, options in self.surveys.items()},
        }


CHILDREN_KEYS = ("total", "enrolled_students", "share_of_enrolled", "by_category", "by_gender",
                 "by_age_band", "by_guardian_type", "by_left_behind_type", "by_economic_status",
                 "by_academic_level", "by_town", "in_mountain_area", "in_townships",
                 "safety_incident", "by_risk_level", "key_concern", "boarding", "aged_out_review")


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _sessions(value: Sessions) -> dict[str, int]:
    return {"sessions": value.sessions, "person_times": value.person_times}


def compute(session: Session, actor: Actor, scope: StatsScope, *, today: date,
            source: Source = "rollups") -> Statistics:
    """The whole statistics object for the scope, by grouped SQL (no row is read into Python).

    A period still running is counted up to today: nothing later is dated yet, and ages and
    care-rule deadlines are taken on the last day counted. With `source="rollups"` the
    figures the rollups hold are summed from them where they can answer
    (`services.stats.rollups.reading.usable`); `source="records"` counts everything from the
    records, the reference the rollups are checked against.
    """
    if source == "rollups":
        rollup_tracking.catch_up(session)
    lens = Lens.of(session, actor, scope)
    narrowed = lens.actor
    units = true() if lens.subtree is None else OrgUnit.id.in_(lens.subtree)
    start, end = scope.date_from, min(scope.date_to, max(today, scope.date_from))
    summed = (rollup_reading.Rollups(session, narrowed.org_unit_id)
              if source == "rollups" and rollup_reading.usable(session, narrowed,
                                                               scope.categories) else None)
    # The rollups count every child at a school; the scope serves every child at its schools
    # (`services.access.permissions.children_counted`) unless categories narrow it.
    enrolled, compared, schools = ((0, 0, 0) if actor.role is Role.helper else
                                   enrolment(session, served(narrowed, scope),
                                             narrowed.org_unit_id, units,
                                             summed.pupils if summed is not None else None))
    counted = Counted.of(session, lens, start, end, summed)
    return Statistics(
        org=MY_CHILDREN if actor.role is Role.helper else _org_name(session, narrowed),
        scope=scope,
        unit_id=None if actor.role is Role.helper else narrowed.org_unit_id,
        as_of=end,
        level=_level(session, narrowed),
        period_name=relative_name(scope.date_from, scope.date_to, today),
        for_helper=actor.role is Role.helper,
        total_withheld_as=None if actor.role is Role.helper else withheld_total(
            session, narrowed.org_unit_id, served(actor, scope),
            summed.children_of(actor.org_unit_id) if summed is not None else None),
        by_towns=_spans_towns(session, narrowed),
        children=ChildrenStats(enrolled_students=enrolled, enrolled_children=compared,
                               enrolled_schools=schools,
                               attending_from_elsewhere=(
                                   summed.attending_from_elsewhere(narrowed.org_unit_id)
                                   if summed is not None and narrowed.org_unit_id is not None
                                   else attending_from_elsewhere(session, narrowed, scope)),
                               **counted.children),  # type: ignore[arg-type]
        pairing=counted.pairing,
        contacts_by_kind=counted.contacts_by_kind,
        contacts_by_month=counted.contacts_by_month,
        activities_by_kind=_every_kind(session, counted.activities_by_kind),
        activities_by_month=counted.activities_by_month,
        needs=counted.needs,
        open_needs_by_kind=counted.open_needs_by_kind,
        wishes=counted.wishes,
        donations=counted.donations,
        compliance=counted.compliance,
        surveys=counted.surveys,
        activity_labels=dict(session.execute(
            select(ActivityKindRow.code, ActivityKindRow.label_zh)).all()),
        computed_at=utcnow(),
    )


def _every_kind(session: Session, found: dict[str, Sessions]) -> dict[str, Sessions]:
    """Every activity kind in the list (archived ones only when they have figures)."""
    kinds = session.scalars(select(ActivityKindRow.code).where(
        ActivityKindRow.archived_at.is_(None)).order_by(ActivityKindRow.code)).all()
    ordered = [k.value for k in ActivityKind if k.value in kinds] + sorted(
        k for k in kinds if k not in ActivityKind.codes())
    result = {code: found.get(code, Sessions(0, 0)) for code in ordered}
    result.update({code: value for code, value in found.items() if code not in result})
    return result


def _spans_towns(session: Session, actor: Actor) -> bool:
    if actor.org_unit_id is None:
        return True
    return session.scalar(select(OrgUnit.kind).where(
        OrgUnit.id == actor.org_unit_id)) is OrgKind.county


MY_CHILDREN = "我结对的儿童"
LEVEL_WORDS = {OrgKind.county: "县", OrgKind.town: "镇", OrgKind.subdistrict: "街道",
               OrgKind.village: "村", OrgKind.community: "社区", OrgKind.school: "校"}


def _level(session: Session, actor: Actor) -> str:
    if actor.org_unit_id is None:
        return ""
    kind = session.scalar(select(OrgUnit.kind).where(OrgUnit.id == actor.org_unit_id))
    return LEVEL_WORDS.get(kind, "") if kind else ""


def _org_name(session: Session, actor: Actor) -> str:
    """The unit's name; for the whole database, the county's when there is just one."""
    if actor.org_unit_id is not None:
        return session.scalar(select(OrgUnit.name).where(OrgUnit.id == actor.org_unit_id)) or ""
    counties = session.scalars(select(OrgUnit.name).where(
        OrgUnit.kind == OrgKind.county, OrgUnit.archived_at.is_(None)).limit(2)).all()
    return counties[0] if len(counties) == 1 else "全部"
