"""The figures read from the rollups: the same answers as `services.stats.stats_queries` and
the capabilities' own counts give from the records, summed over a few thousand rows.

They answer a county's, a township's or a village's figures and the whole database's, for all
children; a school's figures, a helper's own children and a choice of categories are counted
from the records (`usable`). A period's days are read as whole months from `rollup_months` and
the days left over at either end from `rollup_days`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Row, Select, SQLColumnExpression, false, func, select, true
from sqlalchemy.orm import Session

from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    NeedKind,
    NeedStatus,
    OrgKind,
    RiskLevel,
    Role,
    Vocabulary,
)
from db import data_version
from db.models import (
    CareContact,
    Donation,
    OrgUnit,
    RollupDay,
    RollupMonth,
    RollupTreeDay,
    RollupTreeMonth,
)
from services.access.permissions import Actor
from services.resources.needs import NeedCounts
from services.resources.survey_results import get_survey, latest_survey_id
from services.roster.home_unit import ChildrenOf, is_school, sibling_units, units_under
from services.roster.roster_filter import AgeBand, years_before
from services.stats.headline_counts import PairingStats
from services.stats.rollups import summed_reads
from services.stats.rollups.families import helping
from services.stats.rollups.summed_reads import Within
from services.stats.rollups.sums import month_of, next_month
from services.stats.stats_queries import AGED_OUT_AT, CODED_FIELDS, UNASSESSED, Sessions, Tally

Sums = dict[str, tuple[int, int]]  # code → (n, extra)


def usable(session: Session, actor: Actor, categories: Iterable[object]) -> bool:
    """Whether the rollups answer this (narrowed) actor's figures."""
    if actor.role is Role.helper or tuple(categories):
        return False
    if actor.org_unit_id is not None and is_school(session, actor.org_unit_id):
        return False
    return not data_version.rollups_stale(session)


class Rollups:
    """The rollups of one unit's subtree (or of everything, `unit_id` None).

    Counts by day and month are read from the top units' trees (`rollup_tree_days`, `_months`)
    for everything and for a top unit (a county), from its units' rows for a unit below."""

    def __init__(self, session: Session, unit_id: int | None) -> None:
        self.session = session
        self.units: Select | None = None if unit_id is None else units_under(unit_id)
        self._latest: tuple[date] | None = None
        self._places: list[tuple[int, int, int | None, int]] | None = None
        self._counts: dict[str, dict[str, int]] | None = None
        self._month_rows: dict[str, list[tuple[date, str, int, int]]] | None = None
        top = unit_id is None or session.scalar(
            select(OrgUnit.parent_id.is_(None)).where(OrgUnit.id == unit_id)) is True
        self.days: type[RollupDay | RollupTreeDay] = RollupTreeDay if top else RollupDay
        self.months: type[RollupMonth | RollupTreeMonth] = (RollupTreeMonth if top
                                                            else RollupMonth)
        self._within = Within.everything if unit_id is None else Within.under
        self._dated_within = (Within.everything if unit_id is None
                              else Within.top if top else Within.under)
        self._unit = {} if unit_id is None else {"unit": unit_id}

    def _read(self, statement: Select, values: Mapping[str, object] | None = None
              ) -> Sequence[Row]:
        """Rows of a built statement, on the session's connection and fetched at once: none of
        the ORM's or a row-by-row fetch's work per row (a province's place counts are 20,000)."""
        return self.session.connection().execute(statement, values or {}).all()

    def within(self, column: SQLColumnExpression[int]) -> ColumnElement[bool]:
        """`column` (a unit id) lies in the subtree read."""
        return true() if self.units is None else column.in_(self.units)

    # ---- where children live and study, everywhere (the `place` counts) ---------------------

    def places(self) -> list[tuple[int, int, int | None, int]]:
        """(village, town, school, children) for every active child, read once."""
        if self._places is None:
            self._places = [
                (unit, int(town), int(school) if school else None, int(n))
                for unit, code, n in self._read(summed_reads.places())
                for town, school in [code.split(":", 1)]]
        return self._places

    def pupils(self, schools: Iterable[int]) -> int:
        """The active children at these schools, wherever they live."""
        wanted = set(schools)
        return sum(n for _, _, school, n in self.places() if school in wanted)

    def attending_from_elsewhere(self, unit_id: int) -> int:
        """`scope.attending_from_elsewhere` with no categories: the children the unit serves
        (living, or at a school, in it) whose home village lies outside it."""
        inside = set(self.session.scalars(units_under(unit_id)))
        return sum(n for village, town, school, n in self.places()
                   if village not in inside and (town in inside or school in inside))

    def children_of(self, reader_unit: int | None) -> ChildrenOf:
        """`home_unit._children_of` for the children a reader of `reader_unit` counts."""
        served = None if reader_unit is None else set(
            self.session.scalars(units_under(reader_unit)))

        def count(parent: OrgUnit) -> tuple[dict[int, int], int]:
            inside = set(self.session.scalars(units_under(parent.id)))
            counts = dict.fromkeys(self.session.scalars(sibling_units(parent)), 0)
            by_town = parent.kind is OrgKind.county
            total = 0
            for village, town, school, n in self.places():
                if village not in inside or (served is not None and not (
                        town in served or village in served or school in served)):
                    continue
                total += n
                if (key := town if by_town else village) in counts:
                    counts[key] += n
            return counts, max(total - sum(counts.values()), 0)
        return count

    def settled(self, end: date) -> bool:
        """No live contact is dated after `end`: what the rollups hold up to the end of the
        month or period is then what the records hold up to `end`."""
        if self._latest is None:
            self._latest = (self.session.scalar(select(func.max(CareContact.contact_date)).where(
                CareContact.archived_at.is_(None))) or date.min,)
        return self._latest[0] <= end

    # ---- counts now ------------------------------------------------------------------------

    def counts(self, field: str) -> dict[str, int]:
        """{code: n} of a field now; every field of the scope is read in one statement."""
        if self._counts is None:
            self._counts = defaultdict(dict)
            for name, code, n in self._read(summed_reads.counts(self._within),
                                                      self._unit):
                self._counts[name][code] = int(n)
        return dict(self._counts.get(field, {}))

    def counts_by_unit(self, field: str) -> list[tuple[int, str, int]]:
        return [(unit, code, int(n)) for unit, code, n in self._read(
            summed_reads.counts_by_unit(self._within), {"field": field, **self._unit})]

    # ---- by day ----------------------------------------------------------------------------

    def period(self, field: str, first: date | None, last: date | None) -> Sums:
        """Σ (n, extra) per code over the days first … last (None: unbounded)."""
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for _, code, n, extra in self._pieces(field, first, last):
            found[code][0] += n
            found[code][1] += extra
        return {code: (n, extra) for code, (n, extra) in found.items()}

    def by_month(self, field: str, first: date, last: date) -> dict[str, tuple[int, int]]:
        """Σ (n, extra) per month ("2026-09") over the days first … last."""
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for when, _, n, extra in self._pieces(field, first, last):
            key = f"{when:%Y-%m}"
            found[key][0] += n
            found[key][1] += extra
        return {key: (n, extra) for key, (n, extra) in sorted(found.items())}

    def _pieces(self, field: str, first: date | None, last: date | None
                ) -> list[tuple[date, str, int, int]]:
        """(day or month, code, n, extra) rows covering first … last exactly once."""
        low = None if first is None else (
            month_of(first) if first.day == 1 else next_month(month_of(first)))
        high = None if last is None else (
            next_month(month_of(last)) if (last + timedelta(days=1)).day == 1
            else month_of(last))
        rows: list[tuple[date, str, int, int]] = []
        if first is not None and last is not None and low is not None and high is not None \
                and low >= high:  # within one month: its days
            return self._days(field, first, last)
        rows += self._months(field, low, high)
        if first is not None and low is not None and first < low:
            rows += self._days(field, first, low - timedelta(days=1))
        if last is not None and high is not None and last >= high:
            rows += self._days(field, high, last)
        return rows

    def _months(self, field: str, low: date | None, high: date | None
                ) -> list[tuple[date, str, int, int]]:
        if self._month_rows is None:
            self._month_rows = defaultdict(list)
            for name, month, code, n, extra in self._read(
                    summed_reads.months(self.months, self._dated_within), self._unit):
                self._month_rows[name].append((month, code, int(n), int(extra)))
        return [row for row in self._month_rows.get(field, ())
                if (low is None or row[0] >= low) and (high is None or row[0] < high)]

    def _days(self, field: str, first: date, last: date) -> list[tuple[date, str, int, int]]:
        return [(day, code, int(n), int(extra)) for day, code, n, extra in self._read(
            summed_reads.days(self.days, self._dated_within),
            {"field": field, "first": first, "last": last, **self._unit})]


# ---- the statistics object's parts ------------------------------------------------------------

def _every(vocab: type[Vocabulary], found: dict[str, int]) -> dict[str, int]:
    return {code: found.get(code, 0) for code in vocab.codes()}


def children_figures(rollups: Rollups, *, on: date) -> dict[str, object]:
    """`stats_queries.children_figures` and `by_place` for town and village."""
    session = rollups.session
    figures: dict[str, object] = {"total": rollups.counts("children").get("", 0)}
    for field, (vocab, _) in CODED_FIELDS.items():
        figures[f"by_{field}"] = _every(vocab, rollups.counts(field))
    risk = rollups.counts("risk_level")
    figures["by_risk_level"] = {**_every(RiskLevel, risk), UNASSESSED: risk.get(UNASSESSED, 0)}
    figures["by_age_band"] = _age_bands(rollups, on)
    born = rollups.period("born", None, years_before(on, AGED_OUT_AT))
    figures["aged_out_review"] = born.get("", (0, 0))[0]
    flags = rollups.counts("flag")
    for name in ("safety_incident", "key_concern", "boarding", "consent_missing"):
        figures[name] = flags.get(name, 0)
    unset = {unit: n for unit, code, n in rollups.counts_by_unit("flag")
             if code == "mountain_unset"}
    mountain = set(session.scalars(_units_named(
        select(OrgUnit.id).where(OrgUnit.is_mountain_area.is_(True)), list(unset))))
    figures["in_mountain_area"] = flags.get("mountain_yes", 0) + sum(
        n for unit, n in unset.items() if unit in mountain)
    towns: dict[int, int] = defaultdict(int)
    for code, n in rollups.counts("place").items():  # "town:school"
        towns[int(code.split(":", 1)[0])] += n
    kinds = dict(session.execute(_units_named(select(OrgUnit.id, OrgUnit.kind),
                                              list(towns))).all())
    figures["in_townships"] = sum(n for town, n in towns.items() if kinds.get(town) is OrgKind.town)
    figures["by_category"] = _every(Category, rollups.counts("category"))
    figures["by_town"] = _by_name(session, towns)
    villages: dict[int, int] = defaultdict(int)
    for unit, _, n in rollups.counts_by_unit("children"):
        villages[unit] += n
    figures["by_village"] = _by_name(session, villages)
    return figures


def _age_bands(rollups: Rollups, on: date) -> dict[str, int]:
    bands = {}
    for band in AgeBand:
        after, upto = band.born_between(on)
        first = after + timedelta(days=1)
        last = None if band is AgeBand.under_7 else upto  # born after `on`: counted as 0-6
        bands[band.value] = rollups.period("born", first, last).get("", (0, 0))[0]
    return bands


MANY_UNITS = 500  # naming more units than this, every unit is read (a province: 4,600 villages)


def _units_named(query: Select, units: list[int]) -> Select:
    """`query` over org units narrowed to `units`; a long list is matched in Python (the
    caller looks the units up), since binding thousands of ids costs more than reading all."""
    if len(units) > MANY_UNITS:
        return query
    return query.where(OrgUnit.id.in_(units) if units else false())


def _by_name(session: Session, counts: dict[int, int]) -> dict[str, int]:
    """{unit name: n}, most first then by name, as `stats_queries.by_place` orders them."""
    names = dict(session.execute(_units_named(
        select(OrgUnit.id, OrgUnit.name), [u for u, n in counts.items() if n])).all())
    ordered = sorted(((n, names[u]) for u, n in counts.items() if n and u in names),
                     key=lambda pair: (-pair[0], pair[1]))
    found: dict[str, int] = {}
    for n, name in ordered:
        found[name] = found.get(name, 0) + n
    return found


def contacts_by_kind(rollups: Rollups, start: date, end: date) -> dict[str, Tally]:
    """Contacts and children reached per kind, for a period `settled` at its end: the children
    it has reached are those whose latest contact of the kind falls in it."""
    counts = rollups.period("contact", start, end)
    reached = rollups.period("contact_last", start, None)
    return {code: Tally(counts.get(code, (0, 0))[0], reached.get(code, (0, 0))[0])
            for code in ContactKind.codes()}


def contacts_by_month(rollups: Rollups, start: date, end: date) -> dict[str, int]:
    return {month: n for month, (n, _) in rollups.by_month("contact", start, end).items() if n}


def activities_grouped(rollups: Rollups, start: date, end: date, *, by: str
                       ) -> dict[str, Sessions]:
    found = (rollups.period("activity", start, end) if by == "kind"
             else rollups.by_month("activity", start, end))
    return {key: Sessions(n, extra) for key, (n, extra) in sorted(found.items())}


def pairing_stats(rollups: Rollups, children: int) -> PairingStats:
    by_kind = rollups.counts("helper_kind")
    paired = rollups.counts("flag").get("paired", 0)
    return PairingStats(sum(by_kind.values()), _every(HelperKind, by_kind), children, paired)


def need_counts(rollups: Rollups) -> tuple[NeedCounts, dict[str, int]]:
    """The needs by kind and by status, and the open ones (待对接, 已对接) by kind."""
    return (NeedCounts(_every(NeedKind, rollups.counts("need_kind")),
                       _every(NeedStatus, rollups.counts("need_status"))),
            _every(NeedKind, rollups.counts("open_need_kind")))


def wish_counts(rollups: Rollups, start: date, end: date) -> dict[str, int]:
    collected = rollups.period("wish_collected", start, end).get("", (0, 0))[0]
    fulfilled = rollups.period("wish_fulfilled", start, end).get("", (0, 0))[0]
    return {"collected": collected, "fulfilled": fulfilled}


def donation_summary(rollups: Rollups, start: date, end: date) -> dict[str, float | int] | None:
    """`ledger_reading.donation_summary` with goods entries; None when an entry that helped is
    dated after `end` (the children helped are then counted from the records)."""
    latest = rollups.session.scalar(select(func.max(Donation.donated_on)).where(*helping()))
    if latest is not None and latest > end:
        return None
    entries = rollups.period("donation", start, end).get("", (0, 0))
    goods = rollups.period("donation_goods", start, end).get("", (0, 0))[0]
    helped = rollups.period("helped_last", start, None).get("", (0, 0))[0]
    return {"money_yuan": entries[1] / 100, "children_helped": helped, "goods_entries": goods}


def survey_summary(rollups: Rollups, actor: Actor) -> dict[str, dict[str, int]]:
    """`survey_results.survey_summary`: the latest survey's answers, children per option."""
    latest = latest_survey_id(rollups.session, actor)
    if latest is None:
        return {}
    survey = get_survey(rollups.session, actor, latest)
    counts = rollups.counts("survey_answer")
    return {q.text: {option: counts.get(f"{q.id}:{option}", 0) for option in q.options}
            for q in survey.questions}


__all__ = ["Rollups", "activities_grouped", "children_figures", "contacts_by_kind",
           "contacts_by_month", "donation_summary", "need_counts", "pairing_stats",
           "survey_summary", "usable", "wish_counts"]
