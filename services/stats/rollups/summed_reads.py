"""The statements that read the rollups for a dashboard, built once per process.

A warm dashboard's figures cost more to build as SQL than to run: building `func.sum(...)`
and a subtree filter for each of some seventy reads took most of a compute that ran 8 ms of
SQL. Each statement here is built once for its table and its kind of scope, with the unit, the
field and the dates as bound parameters; `Rollups` reads every current count and every month of
its scope in one statement each and answers the fields from those rows.

A scope reads its rows one of three ways (`Within`): everything, one top unit's tree rows
(`rollup_tree_days` and `_months` hold a county's sums), or the rows of the units under one
unit (a township: its villages' rows, summed here).
"""

from __future__ import annotations

from enum import Enum
from functools import cache

from sqlalchemy import ColumnElement, Date, Integer, Select, String, bindparam, func, select, true
from sqlalchemy.orm import InstrumentedAttribute

from db.models import RollupCount, RollupDay, RollupMonth, RollupTreeDay, RollupTreeMonth
from services.roster.home_unit import units_under
from services.stats.rollups.families import FAMILIES

# Named in the months' read although it wants them all: the tables' indexes lead with the field,
# and without it PostgreSQL reads a township's months by scanning the province's (250 ms
# against 25 at a province's size).
DATED_FIELDS = tuple(sorted(name for family in FAMILIES if family.table == "days"
                            for name in family.fields))

DayTable = type[RollupDay] | type[RollupTreeDay]
MonthTable = type[RollupMonth] | type[RollupTreeMonth]


class Within(Enum):
    everything = "everything"
    top = "top"  # the rows of the unit bound as "unit" (a county's tree rows)
    under = "under"  # the rows of every unit under the unit bound as "unit", itself included


def _within(column: InstrumentedAttribute[int], within: Within) -> ColumnElement[bool]:
    if within is Within.everything:
        return true()
    if within is Within.top:
        return column == bindparam("unit")
    return column.in_(units_under(bindparam("unit", type_=Integer)))


@cache
def counts(within: Within) -> Select:
    """(field, code, n) of every count now."""
    return (select(RollupCount.field, RollupCount.code, func.sum(RollupCount.n))
            .where(_within(RollupCount.unit_id, within))
            .group_by(RollupCount.field, RollupCount.code))


@cache
def counts_by_unit(within: Within) -> Select:
    """(unit, code, n) of the field bound as "field"."""
    return (select(RollupCount.unit_id, RollupCount.code, func.sum(RollupCount.n))
            .where(RollupCount.field == bindparam("field", type_=String),
                   _within(RollupCount.unit_id, within))
            .group_by(RollupCount.unit_id, RollupCount.code))


@cache
def places() -> Select:
    """(village, "town:school", n) of every active child, everywhere."""
    return (select(RollupCount.unit_id, RollupCount.code, RollupCount.n)
            .where(RollupCount.field == "place"))


@cache
def months(table: MonthTable, within: Within) -> Select:
    """(field, month, code, n, extra) of every month."""
    return (select(table.field, table.month, table.code, func.sum(table.n), func.sum(table.extra))
            .where(table.field.in_(DATED_FIELDS), _within(table.unit_id, within))
            .group_by(table.field, table.month, table.code))


@cache
def days(table: DayTable, within: Within) -> Select:
    """(day, code, n, extra) of the field bound as "field", the days "first" … "last"."""
    return (select(table.day, table.code, func.sum(table.n), func.sum(table.extra))
            .where(table.field == bindparam("field", type_=String),
                   _within(table.unit_id, within),
                   table.day >= bindparam("first", type_=Date),
                   table.day <= bindparam("last", type_=Date))
            .group_by(table.day, table.code))


__all__ = ["Within", "counts", "counts_by_unit", "days", "months", "places"]
