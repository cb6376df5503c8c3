"""The grouped SQL behind `services.stats.figures`: children, care contacts and activities in a
scope.

Every function takes a `children` condition (the children a figure may count) built once by
`stats.compute`, and returns plain dicts of codes → counts with every code present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    case,
    extract,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from core.vocab import (
    AcademicLevel,
    Category,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    LeftBehindType,
    NeedKind,
    NeedStatus,
    OrgKind,
    RiskLevel,
    Vocabulary,
)
from db.models import Activity, Attendance, CareContact, Child, ChildCategory, Need, OrgUnit
from services.care.activity_queries import person_times
from services.privacy.consent_rules import missing_consent
from services.roster.roster_filter import AgeBand, years_before

UNASSESSED = "unassessed"
AGED_OUT_AT = 16  # out of the official 留守 definition: the record needs a look


@dataclass(frozen=True)
class Tally:
    """Care contacts of one kind: how many (人次) and how many different children."""

    count: int
    children: int


@dataclass(frozen=True)
class Sessions:
    """Activities of one kind: 场次 and 人次."""

    sessions: int
    person_times: int


def total_sessions(values: Iterable[Sessions]) -> Sessions:
    """场次 and 人次 summed over kinds or months."""
    found = list(values)
    return Sessions(sum(v.sessions for v in found), sum(v.person_times for v in found))


# The children's coded fields the figures break down by, each with every code shown
# (by_gender …; 风险等级 apart, for its "unassessed"): name → (vocabulary, column).
CODED_FIELDS: dict[str, tuple[type[Vocabulary], SQLColumnExpression[Any]]] = {
    "gender": (Gender, Child.gender),
    "guardian_type": (GuardianType, Child.guardian_type),
    "left_behind_type": (LeftBehindType, Child.left_behind_type),
    "economic_status": (EconomicStatus, Child.economic_status),
    "academic_level": (AcademicLevel, Child.academic_level),
}


def _by_code(column: ColumnElement, codes: Iterable[str]) -> list[ColumnElement]:
    return [func.count(case((column == code, 1))) for code in codes]


def children_figures(session: Session, children: ColumnElement[bool], *, on: date
                     ) -> dict[str, object]:
    """One pass over the children in scope: every per-child count of the stats object."""
    village, town = aliased(OrgUnit), aliased(OrgUnit)
    fields: list[tuple[str, type[Vocabulary], SQLColumnExpression[Any]]] = [
        *((f"by_{name}", vocab, column) for name, (vocab, column) in CODED_FIELDS.items()),
        ("by_risk_level", RiskLevel, Child.risk_level)]
    columns: list[ColumnElement] = [func.count()]
    for _, vocab, column in fields:
        columns += _by_code(type_coerce(column, String), vocab.codes())
    columns.append(func.count(case((Child.risk_level.is_(None), 1))))
    for band in AgeBand:
        after, upto = band.born_between(on)
        in_band = (Child.birth_date > after) & (Child.birth_date <= upto)
        columns.append(func.count(case((in_band, 1))))
    columns += [
        func.count(case((Child.birth_date > on, 1))),  # born after the day: counted as 0-6
        func.count(case((func.coalesce(Child.in_mountain_area, village.is_mountain_area)
                         .is_(True), 1))),
        func.count(case((type_coerce(town.kind, String) == OrgKind.town.value, 1))),
        func.count(case((Child.safety_incident.is_(True), 1))),
        func.count(case((Child.key_concern.is_(True), 1))),
        func.count(case((Child.boarding.is_(True), 1))),
        func.count(case((Child.birth_date <= years_before(on, AGED_OUT_AT), 1))),
        func.count(case((missing_consent(), 1)))]
    row = iter(session.execute(
        select(*columns).select_from(Child)
        .outerjoin(village, village.id == Child.village_id)
        .outerjoin(town, town.id == Child.town_id)
        .where(Child.archived_at.is_(None), children)).one())
    figures: dict[str, object] = {"total": next(row)}
    for name, vocab, _ in fields:
        figures[name] = {code: next(row) for code in vocab.codes()}
    figures["by_risk_level"][UNASSESSED] = next(row)  # type: ignore[index]
    bands = {band.value: next(row) for band in AgeBand}
    bands[AgeBand.under_7.value] += next(row)
    figures["by_age_band"] = bands
    for name in ("in_mountain_area", "in_townships", "safety_incident", "key_concern", "boarding",
                 "aged_out_review", "consent_missing"):
        figures[name] = next(row)
    figures["by_category"] = by_category(session, children)
    return figures


def by_category(session: Session, children: ColumnElement[bool]) -> dict[str, int]:
    found = dict.fromkeys(Category.codes(), 0)
    for code, count in session.execute(
            select(type_coerce(ChildCategory.category, String), func.count())
            .join(Child, Child.id == ChildCategory.child_id)
            .where(Child.archived_at.is_(None), children)
            .group_by(ChildCategory.category)):
        found[code] = count
    return found


def by_place(session: Session, children: ColumnElement[bool],
             column: SQLColumnExpression[int]
             ) -> dict[str, int]:
    """Children per town or village (the unit `column` points at), most first."""
    place = aliased(OrgUnit)
    rows = session.execute(
        select(place.name, func.count()).select_from(Child)
        .join(place, place.id == column)
        .where(Child.archived_at.is_(None), children)
        .group_by(place.id, place.name).order_by(func.count().desc(), place.name))
    found: dict[str, int] = {}
    for name, count in rows:
        found[name] = found.get(name, 0) + count
    return found


def enrolment(session: Session, children: ColumnElement[bool], org_unit_id: int | None,
              subtree: ColumnElement[bool],
              pupils: Callable[[Iterable[int]], int] | None = None) -> tuple[int, int, int]:
    """(在籍学生数, the children at those schools, how many schools were summed; 0 when the
    unit states its own): the share compares like with like.

    A unit that states its own enrolment is compared with the children at any school inside
    it; otherwise the schools inside the scope that state theirs are summed and compared with
    the children at those schools. Either way the children are counted wherever they live, as
    the schools' enrolment counts them. `pupils` counts every active child at some schools
    (the rollups), when `children` holds every child at the scope's schools.
    """
    schools = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.school,
                                       OrgUnit.archived_at.is_(None), subtree)
    enrolled = (session.scalar(select(OrgUnit.enrolled_students).where(
        OrgUnit.id == org_unit_id)) if org_unit_id is not None else None)
    summed = 0
    if not enrolled:
        schools = schools.where(OrgUnit.enrolled_students.is_not(None))
        enrolled, summed = session.execute(select(
            func.sum(OrgUnit.enrolled_students), func.count()).where(
            OrgUnit.id.in_(schools))).one()
    if not enrolled:
        return 0, 0, 0
    if pupils is not None:
        return int(enrolled), pupils(session.scalars(schools).all()), int(summed or 0)
    at_schools = session.scalar(select(func.count()).select_from(Child).where(
        Child.archived_at.is_(None), children, Child.school_id.in_(schools)))
    return int(enrolled), at_schools or 0, int(summed or 0)


def _month(column: SQLColumnExpression[date]) -> tuple[ColumnElement, ColumnElement]:
    return extract("year", column), extract("month", column)


def _contacts_of(children: ColumnElement[bool] | None, start: date, end: date
                 ) -> list[ColumnElement[bool]]:
    """Live contacts in the period with the children (None: every active child)."""
    if children is None:
        # Leaving out the few archived children is cheaper than checking each contact
        # against every active one (PostgreSQL otherwise makes 300,000 index lookups).
        whose = CareContact.child_id.not_in(select(Child.id).where(Child.archived_at.is_not(None)))
    else:
        whose = CareContact.child_id.in_(select(Child.id).where(Child.archived_at.is_(None),
                                                                children))
    # Naming every kind lets the covering partial index (kind, date, child, helper) answer
    # alone: at county scale 0.1 s instead of 0.9 s for a term.
    return [CareContact.archived_at.is_(None), CareContact.kind.in_(list(ContactKind)),
            CareContact.contact_date.between(start, end), whose]


def contacts_by_kind(session: Session, children: ColumnElement[bool] | None, start: date,
                     end: date) -> dict[str, Tally]:
    """Care contacts dated in the period with children in scope: 人次 and children, per kind."""
    found = {code: Tally(0, 0) for code in ContactKind.codes()}
    for code, count, distinct in session.execute(
            select(type_coerce(CareContact.kind, String), func.count(),
                   func.count(CareContact.child_id.distinct()))
            .where(*_contacts_of(children, start, end))
            .group_by(CareContact.kind)):
        found[code] = Tally(count, distinct)
    return found


def contacts_by_month(session: Session, children: ColumnElement[bool] | None, start: date,
                      end: date) -> dict[str, int]:
    """Care contacts per month of the period ("2026-09" → 人次).

    Grouped by day in SQL and summed into months here: the index is in day order, so no
    row needs a date function and the database sorts nothing (3× faster at county scale).
    """
    months: dict[str, int] = {}
    for day, count in session.execute(
            select(CareContact.contact_date, func.count())
            .where(*_contacts_of(children, start, end)).group_by(CareContact.contact_date)):
        key = f"{day:%Y-%m}"
        months[key] = months.get(key, 0) + count
    return dict(sorted(months.items()))


def activities_grouped(session: Session, children: ColumnElement[bool] | None,
                       held_by: ColumnElement[bool], start: date, end: date, *, by: str
                       ) -> dict[str, Sessions]:
    """场次 and 人次 of activities dated in the period, per kind (`by="kind"`) or per month.

    Only activities `held_by` a unit in scope count. With `children` None they count whole:
    人次 is every attending child plus the extra 人次 recorded. Seen through some children only
    (a helper's own, or a category), an activity counts when one of them attended, and 人次
    counts them alone.
    """
    attending = select(Attendance.activity_id, func.count().label("n"))
    extra: SQLColumnExpression[int] | int = Activity.extra_person_times
    if children is not None:
        attending = attending.join(Child, Child.id == Attendance.child_id).where(
            Child.archived_at.is_(None), children)
        extra = 0
    counted = attending.group_by(Attendance.activity_id).subquery()
    keys = [Activity.kind] if by == "kind" else list(_month(Activity.held_on))
    stmt = (select(*keys, func.sum(Activity.sessions),
                   # The one 人次 formula, applied to columns: services.care's person_times is
                   # annotated for ints only (its owner is asked to make it generic).
                   func.sum(person_times(func.coalesce(counted.c.n, 0), extra)))  # type: ignore[arg-type]
            .select_from(Activity)
            .join(counted, counted.c.activity_id == Activity.id, isouter=children is None)
            .where(Activity.archived_at.is_(None), Activity.held_on.between(start, end),
                   held_by)
            .group_by(*keys).order_by(*keys))
    found: dict[str, Sessions] = {}
    for *key, n_sessions, n_times in session.execute(stmt):
        name = key[0] if by == "kind" else f"{int(key[0]):04d}-{int(key[1]):02d}"
        found[name] = Sessions(int(n_sessions or 0), int(n_times or 0))
    return found


def open_needs_by_kind(session: Session, children: ColumnElement[bool]) -> dict[str, int]:
    """Needs not yet resolved or closed (待对接, 已对接), per kind."""
    found = dict.fromkeys(NeedKind.codes(), 0)
    for code, count in session.execute(
            select(type_coerce(Need.kind, String), func.count())
            .join(Child, Child.id == Need.child_id)
            .where(Need.archived_at.is_(None), children,
                   Need.status.in_([NeedStatus.open, NeedStatus.linked]))
            .group_by(Need.kind)):
        found[code] = count
    return found
