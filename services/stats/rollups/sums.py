"""The sums above the day rows: each unit's months, and each top unit's (a county's) days and
months, summed over the units of its tree.

A save replaces a few day rows (`refresh`); the sums above them move by exactly what those
rows moved (`carry`), read from the rows before and after. Re-summing a county's day from its
hundreds of villages would cost more than the save itself. The change is taken from rows
recomputed from the records, so the sums stay what a rebuild makes (`sum_months`,
`sum_trees`), which the property test and `rollups --check` hold them to. Every day row counts
at least one thing (records, or an activity's 场次, at least 1), so a sum at n = 0 has no rows
under it and goes, as a rebuild would not make it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from db.models import OrgUnit, RollupDay, RollupMonth, RollupTreeDay, RollupTreeMonth
from services.stats.rollups.families import Family
from services.stats.rollups.sql_functions import month_start, top_of_path

Bind = Session | Connection
CHUNK = 500  # keys per statement: well under SQLite's limit on bound parameters
Key = tuple[str, int, str, date]  # (field, unit, code, day or month)
Totals = dict[Key, tuple[int, int]]  # (n, extra)

Levels = tuple[type[RollupDay | RollupTreeDay], type[RollupMonth | RollupTreeMonth]]
UNITS: Levels = (RollupDay, RollupMonth)
TREES: Levels = (RollupTreeDay, RollupTreeMonth)  # unit_id: the top unit
Summed = type[RollupMonth | RollupTreeDay | RollupTreeMonth]


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def tops_of(bind: Bind, units: Iterable[int] | None = None) -> dict[int, int]:
    """Each unit's top unit, the first in its path (a county); every unit's without `units`.
    A unit not in the tree (0: no unit) is its own top."""
    query = select(OrgUnit.id, OrgUnit.path)
    wanted = None if units is None else sorted(set(units))
    found: dict[int, int] = {}
    for chunk in [None] if wanted is None else chunks(wanted):
        rows = bind.execute(query if chunk is None else query.where(OrgUnit.id.in_(chunk)))
        found.update({unit: int(path.strip("/").split("/", 1)[0]) for unit, path in rows})
    return found


# ---- moving the sums by a change in the day rows --------------------------------------------

def change(before: Totals, after: Totals) -> Totals:
    """What each day row moved by (after − before), for the rows that moved."""
    moved: Totals = {}
    for key in before.keys() | after.keys():
        n0, extra0 = before.get(key, (0, 0))
        n1, extra1 = after.get(key, (0, 0))
        if (n1 - n0, extra1 - extra0) != (0, 0):
            moved[key] = (n1 - n0, extra1 - extra0)
    return moved


def carry(bind: Bind, moved: Totals) -> None:
    """Move the units' months and the top units' days and months by what the day rows moved."""
    if not moved:
        return
    tops = tops_of(bind, {unit for _, unit, _, _ in moved})

    def top(unit: int) -> int:
        return tops.get(unit, unit)

    _add(bind, RollupMonth, _regroup(moved, lambda f, u, c, d: (f, u, c, month_of(d))))
    _add(bind, RollupTreeDay, _regroup(moved, lambda f, u, c, d: (f, top(u), c, d)))
    _add(bind, RollupTreeMonth, _regroup(moved, lambda f, u, c, d: (f, top(u), c, month_of(d))))


def _regroup(moved: Totals, key_of: Callable[[str, int, str, date], Key]) -> Totals:
    summed: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for (field, unit, code, day), (n, extra) in moved.items():
        total = summed[key_of(field, unit, code, day)]
        total[0] += n
        total[1] += extra
    return {key: (n, extra) for key, (n, extra) in summed.items() if (n, extra) != (0, 0)}


def _period(table: Summed) -> Any:
    return table.day if table is RollupTreeDay else table.month  # type: ignore[union-attr]


@dataclass(frozen=True)
class _Statements:
    """A summed table's statements, built once: a save runs each with new values, and
    building and keying them afresh would cost more than running them."""

    read: Select
    update: Update
    delete: Delete
    insert: Insert


@cache
def _statements(table: Summed) -> _Statements:
    core = cast(Table, table.__table__)  # the Core table: executemany binds by name
    period = core.c[_period(table).key]
    same_key = (core.c.field == bindparam("k_field"), core.c.unit_id == bindparam("k_unit"),
                core.c.code == bindparam("k_code"), period == bindparam("k_period"))
    # A superset of the keys, by field, unit and period, which the primary key seeks.
    read = (select(core.c.field, core.c.unit_id, core.c.code, period, core.c.n, core.c.extra)
            .where(core.c.field.in_(bindparam("fields", expanding=True)),
                   core.c.unit_id.in_(bindparam("units", expanding=True)),
                   period.in_(bindparam("periods", expanding=True))))
    return _Statements(
        read=read,
        update=update(core).where(*same_key).values(n=bindparam("k_n"),
                                                    extra=bindparam("k_extra")),
        delete=delete(core).where(*same_key), insert=insert(core))


def _add(bind: Bind, table: Summed, moved: Totals) -> None:
    """Add the moves to the table's rows: an update where a row is, an insert where none is,
    a delete where the sum falls to nothing."""
    statements = _statements(table)
    stored = _stored(bind, statements.read, sorted(moved))
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    period = _period(table).key
    for key, (n, extra) in moved.items():
        was = stored.get(key)
        total = (n + was[0], extra + was[1]) if was else (n, extra)
        row = dict(zip(("k_field", "k_unit", "k_code", "k_period"), key, strict=True))
        if total[0] <= 0:
            if was:
                gone.append(row)
        elif was:
            updates.append({**row, "k_n": total[0], "k_extra": total[1]})
        else:
            inserts.append({"field": key[0], "unit_id": key[1], "code": key[2],
                            period: key[3], "n": total[0], "extra": total[1]})
    for statement, rows in ((statements.update, updates), (statements.delete, gone),
                            (statements.insert, inserts)):
        if rows:
            bind.execute(statement, rows)


def _stored(bind: Bind, read: Select, keys: list[Key]) -> Totals:
    """The stored (n, extra) of the keys that have a row."""
    found: Totals = {}
    wanted = set(keys)
    for chunk in chunks(keys):
        rows = bind.execute(read, {"fields": sorted({k[0] for k in chunk}),
                                   "units": sorted({k[1] for k in chunk}),
                                   "periods": sorted({k[3] for k in chunk})})
        found.update({key: (n, extra) for *named, n, extra in rows
                      if (key := (named[0], named[1], named[2], named[3])) in wanted})
    return found


# ---- summing afresh (rebuild) -----------------------------------------------------------------

def sum_months(bind: Bind, family: Family, level: Levels = UNITS) -> None:
    """The family's month rows, from the day rows of the same level (the units', or the top
    units' trees); the caller has deleted the old ones."""
    source, target = level
    month = month_start(source.day)
    bind.execute(insert(target).from_select(
        ["field", "unit_id", "code", "month", "n", "extra"],
        select(source.field, source.unit_id, source.code, month, func.sum(source.n),
               func.sum(source.extra))
        .where(source.field.in_(family.fields))
        .group_by(source.field, source.unit_id, source.code, month)))


def sum_trees(bind: Bind, family: Family) -> None:
    """Every top unit's day and month rows of the family, from the units' day rows; the caller
    has deleted the old ones."""
    top = func.coalesce(top_of_path(OrgUnit.path), RollupDay.unit_id)
    bind.execute(insert(RollupTreeDay).from_select(
        ["field", "unit_id", "code", "day", "n", "extra"],
        select(RollupDay.field, top, RollupDay.code, RollupDay.day, func.sum(RollupDay.n),
               func.sum(RollupDay.extra))
        .outerjoin(OrgUnit, OrgUnit.id == RollupDay.unit_id)
        .where(RollupDay.field.in_(family.fields))
        .group_by(RollupDay.field, top, RollupDay.code, RollupDay.day)))
    sum_months(bind, family, TREES)


def remake_months(bind: Bind, family: Family) -> None:
    """Every month row of the family, afresh from its day rows."""
    bind.execute(delete(RollupMonth).where(RollupMonth.field.in_(family.fields)))
    sum_months(bind, family)


def remake_trees(bind: Bind, family: Family) -> None:
    """Every top unit's day and month rows of the family, afresh from the units' day rows."""
    for table in (RollupTreeDay, RollupTreeMonth):
        bind.execute(delete(table).where(table.field.in_(family.fields)))
    sum_trees(bind, family)
