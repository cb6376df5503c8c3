"""What each rollup counts, as SQL over the records: the one definition used to maintain,
rebuild and check it.

A family is a set of fields of one rollup table that are recomputed together, for some keys:
a unit (every row of the family for that unit) or, for families by day, a unit and a day.
`rows(keys)` is a SELECT of (field, unit_id, code, n[, day, extra]) over the records for those
keys only; with `keys=None` it covers everything (`cli.py rollups --rebuild`).

Children count in their village (`Child.village_id`, never empty): the unit a county,
township or village counts them in (`services.roster.home_unit`). Helpers count in their own
unit, else their school, else nowhere but the whole database (unit 0). Activities count in the
unit that held them (0: none recorded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    cast,
    func,
    literal,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from core.vocab import ContactKind, DonationDirection, NeedStatus
from db.models import (
    Activity,
    Attendance,
    CareContact,
    Child,
    ChildCategory,
    Donation,
    Helper,
    Need,
    SurveyAnswer,
    Wish,
    donation_recipients,
)
from services.care.activity_queries import person_times
from services.pairing.pairings import child_is_paired
from services.privacy.consent_rules import missing_consent
from services.stats.stats_queries import CODED_FIELDS, UNASSESSED

Table = Literal["counts", "days"]
UnitKeys = frozenset[int]
DayKeys = frozenset[tuple[int, date]]
NO_UNIT = 0  # helpers and activities with no unit: counted only in the whole database's figures
OPEN_NEEDS = (NeedStatus.open, NeedStatus.linked)


@dataclass(frozen=True)
class Family:
    name: str
    table: Table
    fields: tuple[str, ...]
    rows: Callable[[UnitKeys | None, DayKeys | None], Select]
    by_day: bool = False  # recomputed per (unit, day) when only some days changed


Column = SQLColumnExpression[Any]


def _text(column: Column) -> ColumnElement[str]:
    return type_coerce(column, String)


def _row(field: str, unit: Column, code: Column | str,
         n: Column | None = None) -> list[ColumnElement]:
    code_column = literal(code, String) if isinstance(code, str) else _text(code)
    return [literal(field, String).label("field"), unit.label("unit_id"),
            code_column.label("code"), (n if n is not None else func.count()).label("n")]


def _within(unit: Column, units: UnitKeys | None) -> ColumnElement[bool]:
    return true() if units is None else unit.in_(sorted(units))


def _on_days(unit: Column, day: Column, days: DayKeys | None) -> ColumnElement[bool]:
    return true() if days is None else tuple_(unit, day).in_(sorted(days))


# ---- children of a village, now ----------------------------------------------------------------

CHILD_FIELDS = {name: column for name, (_, column) in CODED_FIELDS.items()}
FLAGS: dict[str, ColumnElement[bool]] = {
    "safety_incident": Child.safety_incident.is_(True),
    "key_concern": Child.key_concern.is_(True),
    "boarding": Child.boarding.is_(True),
    "mountain_yes": Child.in_mountain_area.is_(True),
    "mountain_unset": Child.in_mountain_area.is_(None),  # the village's own flag decides
}


def _active_children(units: UnitKeys | None) -> list[ColumnElement[bool]]:
    return [Child.archived_at.is_(None), _within(Child.village_id, units)]


def _children_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    where = _active_children(units)
    village = Child.village_id
    parts: list[Select] = [select(*_row("children", village, "")).where(*where)
                           .group_by(village)]
    for field, column in CHILD_FIELDS.items():
        parts.append(select(*_row(field, village, column)).where(*where, column.is_not(None))
                     .group_by(village, column))
    risk = func.coalesce(_text(Child.risk_level), UNASSESSED)
    parts.append(select(*_row("risk_level", village, risk)).where(*where)
                 .group_by(village, risk))
    parts.append(select(*_row("category", village, ChildCategory.category))
                 .join(Child, Child.id == ChildCategory.child_id).where(*where)
                 .group_by(village, ChildCategory.category))
    flags = {**FLAGS, "consent_missing": missing_consent(), "paired": child_is_paired()}
    for code, condition in flags.items():
        parts.append(select(*_row("flag", village, code)).where(*where, condition)
                     .group_by(village))
    # Where they live and study: the township's figures count its villages' children; the
    # schools' enrolment counts them wherever they live (`services.stats.stats_queries`).
    place = (cast(Child.town_id, String) + ":"
             + func.coalesce(cast(Child.school_id, String), ""))
    parts.append(select(*_row("place", village, place)).where(*where).group_by(village, place))
    return union_all(*parts)  # type: ignore[return-value]


def _births_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    return (select(*_row("born", Child.village_id, ""), Child.birth_date.label("day"),
                   literal(0).label("extra"))
            .where(*_active_children(units)).group_by(Child.village_id, Child.birth_date))


# ---- helpers of a unit -------------------------------------------------------------------------

def helper_unit() -> ColumnElement[int]:
    return func.coalesce(Helper.org_unit_id, Helper.school_id, NO_UNIT)


def _helpers_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    unit = helper_unit()
    return (select(*_row("helper_kind", unit, Helper.kind))
            .where(Helper.archived_at.is_(None), _within(unit, units))
            .group_by(unit, Helper.kind))


# ---- needs of a village's children -------------------------------------------------------------

def _needs_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    where = [*_active_children(units), Need.archived_at.is_(None)]
    village = Child.village_id
    joined = select().select_from(Need).join(Child, Child.id == Need.child_id)
    return union_all(
        joined.add_columns(*_row("need_kind", village, Need.kind)).where(*where)
        .group_by(village, Need.kind),
        joined.add_columns(*_row("need_status", village, Need.status)).where(*where)
        .group_by(village, Need.status),
        joined.add_columns(*_row("open_need_kind", village, Need.kind))
        .where(*where, Need.status.in_(OPEN_NEEDS)).group_by(village, Need.kind),
    )  # type: ignore[return-value]


# ---- care contacts of a village's children, by day ----------------------------------------------

def live_contacts() -> list[ColumnElement[bool]]:
    return [CareContact.archived_at.is_(None), CareContact.kind.in_(list(ContactKind))]


def _children_on_days(contacts: Any, days: DayKeys) -> list[ColumnElement[bool]]:
    """Contacts of the villages' children on the days, as conditions an index can seek (the
    child, then the day); a (village, day) row value alone makes the planner scan them all.
    A superset of the pairs: the caller matches them exactly."""
    villagers = select(Child.id).where(Child.village_id.in_(sorted({u for u, _ in days})))
    return [contacts.child_id.in_(villagers),
            contacts.contact_date.in_(sorted({day for _, day in days}))]


def _contacts_rows(units: UnitKeys | None, days: DayKeys | None) -> Select:
    village = Child.village_id
    seek = [] if days is None else _children_on_days(CareContact, days)
    return (select(*_row("contact", village, CareContact.kind),
                   CareContact.contact_date.label("day"), literal(0).label("extra"))
            .join(Child, Child.id == CareContact.child_id)
            .where(*_active_children(units), *live_contacts(), *seek,
                   _on_days(village, CareContact.contact_date, days))
            .group_by(village, CareContact.kind, CareContact.contact_date))


def _contact_lasts_rows(units: UnitKeys | None, days: DayKeys | None) -> Select:
    """Children by the day of their latest contact of each kind: the children a period still
    running has reached are those whose latest contact falls in it.

    For some (village, day) keys only, the latest contacts are taken of the children with a
    contact on one of those days (whoever counts on such a day has one): logging a contact
    recounts two days of a few children, not the village."""
    wanted = [*_active_children(units), *live_contacts()]
    if days is not None:
        met = aliased(CareContact)
        on_the_days = select(met.child_id).where(met.archived_at.is_(None),
                                                 *_children_on_days(met, days))
        wanted.append(CareContact.child_id.in_(on_the_days))
    latest = (select(Child.village_id.label("unit_id"), CareContact.kind.label("kind"),
                     func.max(CareContact.contact_date).label("day"))
              .join(Child, Child.id == CareContact.child_id)
              .where(*wanted)
              .group_by(Child.village_id, CareContact.child_id, CareContact.kind).subquery())
    return (select(*_row("contact_last", latest.c.unit_id, latest.c.kind), latest.c.day,
                   literal(0).label("extra"))
            .where(_on_days(latest.c.unit_id, latest.c.day, days))
            .group_by(latest.c.unit_id, latest.c.kind, latest.c.day))


# ---- activities held by a unit, by day ---------------------------------------------------------

def activity_unit() -> ColumnElement[int]:
    return func.coalesce(Activity.org_unit_id, NO_UNIT)


def _activities_rows(units: UnitKeys | None, days: DayKeys | None) -> Select:
    unit = activity_unit()
    attending = (select(Attendance.activity_id, func.count().label("n"))
                 .group_by(Attendance.activity_id).subquery())
    times = person_times(func.coalesce(attending.c.n, 0), Activity.extra_person_times)  # type: ignore[arg-type]
    return (select(*_row("activity", unit, Activity.kind, func.sum(Activity.sessions)),
                   Activity.held_on.label("day"), func.sum(times).label("extra"))
            .outerjoin(attending, attending.c.activity_id == Activity.id)
            .where(Activity.archived_at.is_(None), _within(unit, units),
                   _on_days(unit, Activity.held_on, days))
            .group_by(unit, Activity.kind, Activity.held_on))


# ---- surveys, wishes and donations -------------------------------------------------------------

def _surveys_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    """Children per survey question and answer (a question's answers: "12:经常"): each child
    lives in one village, so the villages' counts of different children add up."""
    code = cast(SurveyAnswer.question_id, String) + ":" + SurveyAnswer.answer
    return (select(*_row("survey_answer", Child.village_id, code,
                         func.count(SurveyAnswer.child_id.distinct())))
            .join(Child, Child.id == SurveyAnswer.child_id)
            .where(*_active_children(units))
            .group_by(Child.village_id, SurveyAnswer.question_id, SurveyAnswer.answer))


def _wishes_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    where = [*_active_children(units), Wish.archived_at.is_(None)]
    parts = []
    days = {"wish_collected": Wish.collected_on, "wish_fulfilled": Wish.fulfilled_on}
    for field, day in days.items():
        parts.append(select(*_row(field, Child.village_id, ""), day.label("day"),
                            literal(0).label("extra"))
                     .join(Child, Child.id == Wish.child_id)
                     .where(*where, day.is_not(None)).group_by(Child.village_id, day))
    return union_all(*parts)  # type: ignore[return-value]


def donation_unit() -> ColumnElement[int]:
    return func.coalesce(Donation.org_unit_id, NO_UNIT)


def helping() -> list[ColumnElement[bool]]:
    """Entries that helped children: given out or given directly (`ledger_reading`)."""
    return [Donation.archived_at.is_(None),
            Donation.direction.in_([DonationDirection.given, DonationDirection.direct])]


def _donations_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    """Entries that helped, by the unit that recorded them: how many (`n`) and the money in
    fen (`extra`); and those that gave goods and no money."""
    unit = donation_unit()
    fen = cast(func.round(func.sum(Donation.money_yuan) * 100), Integer)
    goods_only = (func.coalesce(Donation.goods, "") != "") & (Donation.money_yuan == 0)
    return union_all(
        select(*_row("donation", unit, ""), Donation.donated_on.label("day"),
               fen.label("extra"))
        .where(*helping(), _within(unit, units)).group_by(unit, Donation.donated_on),
        select(*_row("donation_goods", unit, ""), Donation.donated_on.label("day"),
               literal(0).label("extra"))
        .where(*helping(), goods_only, _within(unit, units))
        .group_by(unit, Donation.donated_on),
    )  # type: ignore[return-value]


def _donation_lasts_rows(units: UnitKeys | None, _days: DayKeys | None) -> Select:
    """Children by the day of the latest entry that helped them (see `_contact_lasts_rows`)."""
    latest = (select(Child.village_id.label("unit_id"),
                     func.max(Donation.donated_on).label("day"))
              .select_from(donation_recipients)
              .join(Donation, Donation.id == donation_recipients.c.donation_id)
              .join(Child, Child.id == donation_recipients.c.child_id)
              .where(*_active_children(units), *helping())
              .group_by(Child.village_id, donation_recipients.c.child_id).subquery())
    return (select(*_row("helped_last", latest.c.unit_id, ""), latest.c.day,
                   literal(0).label("extra"))
            .group_by(latest.c.unit_id, latest.c.day))


FAMILIES: tuple[Family, ...] = (
    Family("children", "counts",
           ("children", *CHILD_FIELDS, "risk_level", "category", "flag", "place"),
           _children_rows),
    Family("helpers", "counts", ("helper_kind",), _helpers_rows),
    Family("needs", "counts", ("need_kind", "need_status", "open_need_kind"), _needs_rows),
    Family("births", "days", ("born",), _births_rows),
    Family("contacts", "days", ("contact",), _contacts_rows, by_day=True),
    Family("contact_lasts", "days", ("contact_last",), _contact_lasts_rows, by_day=True),
    Family("activities", "days", ("activity",), _activities_rows, by_day=True),
    Family("surveys", "counts", ("survey_answer",), _surveys_rows),
    Family("wishes", "days", ("wish_collected", "wish_fulfilled"), _wishes_rows),
    Family("donations", "days", ("donation", "donation_goods"), _donations_rows, by_day=True),
    Family("donation_lasts", "days", ("helped_last",), _donation_lasts_rows),
)
BY_NAME = {family.name: family for family in FAMILIES}
