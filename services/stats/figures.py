"""Statistics as SQL aggregations, computed once and shared by the pages, the CLI and reports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session

from core.errors import DomainError, PermissionDenied
from core.vocab import ActivityKind, Category, OrgKind, Role
from db.base import utcnow
from db.models import Activity, ActivityKindRow, Child, ChildCategory, OrgUnit
from services.access.permissions import (
    Actor,
    children_counted,
    org_in_scope,
    org_subtree_ids,
)
from services.care.compliance_counts import RuleCount, rule_counts
from services.care.terms import relative_name
from services.resources.ledger_reading import donation_summary
from services.resources.needs import NeedCounts, need_counts
from services.resources.survey_results import survey_summary
from services.resources.wish_queries import wish_counts
from services.roster.home_unit import children_counted_in, helpers_counted_in, withheld_total
from services.stats.headline_counts import (
    PairingStats,
    pairing_stats,
)
from services.stats.rollups import reading as rollup_reading
from services.stats.stats_queries import (
    Sessions,
    Tally,
    activities_grouped,
    by_place,
    children_figures,
    contacts_by_kind,
    contacts_by_month,
    enrolment,
    open_needs_by_kind,
    total_sessions,
)

# ---- the whole statistics object (CONTRACTS.md `stats --json`) ------------------------------

@dataclass(frozen=True)
class StatsScope:
    """What the figures describe: an org unit (None: the actor's whole scope), a period, and
    optionally some categories of children."""

    date_from: date
    date_to: date
    org_unit_id: int | None = None
    categories: tuple[Category, ...] = ()

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise DomainError.of("errors.period.reversed_plain")
        object.__setattr__(self, "categories",
                           tuple(c for c in Category if c in set(self.categories)))


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


def scoped_actor(session: Session, actor: Actor, org_unit_id: int | None) -> Actor:
    """The actor narrowed to a unit inside their scope; a unit outside it is refused."""
    if org_unit_id is None or actor.role is Role.helper:
        return actor
    if not org_in_scope(session, actor, org_unit_id):
        raise PermissionDenied()
    return replace(actor, org_unit_id=org_unit_id)


def children_in(session: Session, actor: Actor, scope: StatsScope) -> ColumnElement[bool]:
    """The children a figure of this scope counts: in the actor's scope, at home in the unit
    (`services.roster.home_unit`; a helper's own children have no home rule), of the categories."""
    if actor.role is Role.helper:
        return _served(actor, scope)
    return and_(_served(actor, scope),
                children_counted_in(session, scope.org_unit_id or actor.org_unit_id))


def _served(actor: Actor, scope: StatsScope) -> ColumnElement[bool]:
    """Active children in the actor's access scope, of the scope's categories, wherever they
    live: those the schools' enrolment counts, and those a unit serves but counts elsewhere."""
    conditions = [Child.archived_at.is_(None), children_counted(actor)]
    if scope.categories:
        conditions.append(Child.id.in_(select(ChildCategory.child_id).where(
            ChildCategory.category.in_(scope.categories))))
    return and_(*conditions)


def attending_from_elsewhere(session: Session, actor: Actor, scope: StatsScope) -> int:
    """Children in scope (at the unit's schools) whose home is outside the unit."""
    if actor.role is Role.helper or actor.org_unit_id is None:
        return 0
    return session.scalar(select(func.count()).select_from(Child).where(
        _served(actor, scope), ~children_counted_in(session, actor.org_unit_id))) or 0


@dataclass(frozen=True)
class _Lens:
    """How one scope is counted, worked out once for `compute`."""

    actor: Actor  # narrowed to the scope's unit
    children: ColumnElement[bool]  # the children a figure may count
    helpers: ColumnElement[bool] | None  # the helpers counted for the unit, None for all
    subtree: Select[int] | None  # the units in scope, None for all
    among: ColumnElement[bool] | None  # `children`, or None when that is every active child
    through: ColumnElement[bool] | None  # count activities through these children, or None
    held_by: ColumnElement[bool]  # the units whose activities count

    @classmethod
    def of(cls, session: Session, actor: Actor, scope: StatsScope) -> _Lens:
        narrowed = scoped_actor(session, actor, scope.org_unit_id)
        children = children_in(session, narrowed, scope)
        subtree = org_subtree_ids(narrowed)
        about_children = actor.role is Role.helper or bool(scope.categories)
        narrower = about_children or narrowed.org_unit_id is not None
        helpers = (None if actor.role is Role.helper or narrowed.org_unit_id is None
                   else helpers_counted_in(session, narrowed.org_unit_id))
        # A helper's figures and a category's are about children, so activities count through
        # the children who attended; otherwise every activity held by a unit in scope counts.
        return cls(narrowed, children, helpers, subtree, children if narrower else None,
                   children if about_children else None,
                   true() if subtree is None else Activity.org_unit_id.in_(subtree))


def compute(session: Session, actor: Actor, scope: StatsScope, *, today: date,
            source: Source = "rollups") -> Statistics:
    """The whole statistics object for the scope, by grouped SQL (no row is read into Python).

    A period still running is counted up to today: nothing later is dated yet, and ages and
    care-rule deadlines are taken on the last day counted. With `source="rollups"` the
    figures the rollups hold are summed from them where they can answer
    (`services.stats.rollups.reading.usable`); `source="records"` counts everything from the
    records, the reference the rollups are checked against.
    """
    lens = _Lens.of(session, actor, scope)
    narrowed, children, through = lens.actor, lens.children, lens.through
    units = true() if lens.subtree is None else OrgUnit.id.in_(lens.subtree)
    start, end = scope.date_from, min(scope.date_to, max(today, scope.date_from))
    enrolled, compared, schools = ((0, 0, 0) if actor.role is Role.helper else
                                   enrolment(session, _served(narrowed, scope),
                                             narrowed.org_unit_id, units))
    summed = (rollup_reading.Rollups(session, narrowed.org_unit_id)
              if source == "rollups" and rollup_reading.usable(session, narrowed,
                                                               scope.categories) else None)
    counted = _Counted.of(session, lens, start, end, summed)
    return Statistics(
        org=MY_CHILDREN if actor.role is Role.helper else _org_name(session, narrowed),
        scope=scope,
        unit_id=None if actor.role is Role.helper else narrowed.org_unit_id,
        as_of=end,
        level=_level(session, narrowed),
        period_name=relative_name(scope.date_from, scope.date_to, today),
        for_helper=actor.role is Role.helper,
        total_withheld_as=None if actor.role is Role.helper else withheld_total(
            session, narrowed.org_unit_id, _served(actor, scope)),
        by_towns=_spans_towns(session, narrowed),
        children=ChildrenStats(enrolled_students=enrolled, enrolled_children=compared,
                               enrolled_schools=schools,
                               attending_from_elsewhere=attending_from_elsewhere(
                                   session, narrowed, scope),
                               **counted.children),  # type: ignore[arg-type]
        pairing=counted.pairing,
        contacts_by_kind=counted.contacts_by_kind,
        contacts_by_month=counted.contacts_by_month,
        activities_by_kind=_every_kind(session, counted.activities_by_kind),
        activities_by_month=counted.activities_by_month,
        needs=counted.needs,
        open_needs_by_kind=counted.open_needs_by_kind,
        wishes=wish_counts(session, narrowed, date_from=start, date_to=end, among=children),
        donations=donation_summary(session, narrowed, date_from=start, date_to=end,
                                   among=children, shares_only=through is not None,
                                   with_goods=True),
        compliance=rule_counts(session, children=children, today=end,
                               helper_id=actor.helper_id if actor.role is Role.helper else None,
                               narrow=lens.among is not None),
        surveys=survey_summary(session, narrowed, among=children),
        activity_labels=dict(session.execute(
            select(ActivityKindRow.code, ActivityKindRow.label_zh)).all()),
        computed_at=utcnow(),
    )


Source = Literal["rollups", "records"]


@dataclass(frozen=True)
class _Counted:
    """The figures the rollups can hold, from them (`summed`) or from the records."""

    children: dict[str, object]
    pairing: PairingStats
    contacts_by_kind: dict[str, Tally]
    contacts_by_month: dict[str, int]
    activities_by_kind: dict[str, Sessions]
    activities_by_month: dict[str, Sessions]
    needs: NeedCounts
    open_needs_by_kind: dict[str, int]

    @classmethod
    def of(cls, session: Session, lens: _Lens, start: date, end: date,
           summed: rollup_reading.Rollups | None) -> _Counted:
        if summed is None:
            return cls._from_records(session, lens, start, end)
        children = rollup_reading.children_figures(summed, on=end)
        needs, open_needs = rollup_reading.need_counts(summed)
        by_kind = rollup_reading.contacts_by_kind(summed, start, end)
        return cls(
            children=children,
            pairing=rollup_reading.pairing_stats(summed, int(children["total"])),  # type: ignore[call-overload]
            contacts_by_kind=(by_kind if by_kind is not None else
                              contacts_by_kind(session, lens.among, start, end)),
            contacts_by_month=rollup_reading.contacts_by_month(summed, start, end),
            activities_by_kind=rollup_reading.activities_grouped(summed, start, end, by="kind"),
            activities_by_month=rollup_reading.activities_grouped(summed, start, end,
                                                                  by="month"),
            needs=needs, open_needs_by_kind=open_needs)

    @classmethod
    def _from_records(cls, session: Session, lens: _Lens, start: date, end: date) -> _Counted:
        children, through, held_by = lens.children, lens.through, lens.held_by
        figures = children_figures(session, children, on=end)
        figures["by_town"] = by_place(session, children, Child.town_id)
        figures["by_village"] = by_place(session, children, Child.village_id)
        return cls(
            children=figures,
            pairing=pairing_stats(session, lens.actor, among=children,
                                  helpers_among=lens.helpers),
            contacts_by_kind=contacts_by_kind(session, lens.among, start, end),
            contacts_by_month=contacts_by_month(session, lens.among, start, end),
            activities_by_kind=activities_grouped(session, through, held_by, start, end,
                                                  by="kind"),
            activities_by_month=activities_grouped(session, through, held_by, start, end,
                                                   by="month"),
            needs=need_counts(session, lens.actor, among=children),
            open_needs_by_kind=open_needs_by_kind(session, children))


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
