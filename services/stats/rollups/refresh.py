"""Recompute rollup rows from the records: for the keys a transaction touched, for everything
(rebuild), or into memory to compare with what is stored (check).

Recomputing a key from the records, rather than adding and subtracting deltas, makes a
maintained rollup equal to a rebuilt one by construction; a key is small (one village's
children, one village's contacts on one day), so this costs a few milliseconds a save. The
sums above the day rows (months, the counties' trees) move by what those rows moved (`sums`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from config import local_today
from db import data_version
from db.engine import transaction
from db.models import (
    OrgUnit,
    RollupCount,
    RollupDay,
    RollupMonth,
    RollupRule,
    RollupTreeDay,
    RollupTreeMonth,
)
from services.stats.rollups import rules
from services.stats.rollups.families import BY_NAME, FAMILIES, DayKeys, Family, UnitKeys
from services.stats.rollups.sums import (
    Bind,
    Totals,
    carry,
    change,
    chunks,
    month_of,
    remake_months,
    remake_trees,
    tops_of,
)


@dataclass
class Dirty:
    """What a transaction touched, per family: whole units, or (unit, day) pairs."""

    units: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    days: dict[str, set[tuple[int, date]]] = field(default_factory=lambda: defaultdict(set))
    # The kinds of the contacts changed in each village: only the care rules counting one of
    # them need recounting there.
    contact_kinds: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def unit(self, family: str, *units: int | None) -> None:
        self.units[family].update(u for u in units if u is not None)

    def day(self, family: str, unit: int | None, day: date | None) -> None:
        if unit is not None and day is not None:
            self.days[family].add((unit, day))

    def __bool__(self) -> bool:
        return any(self.units.values()) or any(self.days.values())


def refresh(bind: Bind, dirty: Dirty) -> None:
    """Recompute every touched key from the records, in the caller's transaction."""
    # On the session's connection: these statements touch no ORM object, and the session's
    # hooks for each statement would cost more than a small statement does.
    bind = bind.connection() if isinstance(bind, Session) else bind
    for family in FAMILIES:
        units = set(dirty.units.get(family.name, set()))
        days = {(u, d) for u, d in dirty.days.get(family.name, set()) if u not in units}
        if not family.by_day:  # kept per unit only: a touched day recomputes its whole unit
            units |= {unit for unit, _ in days}
            days = set()
        if family.table == "counts":
            for chunk in chunks(sorted(units)):
                _replace_counts(bind, family, frozenset(chunk))
            continue
        moved: Totals = {}
        for chunk in chunks(sorted(units)):
            moved.update(_replace_days(bind, family, frozenset(chunk), None))
        for day_chunk in chunks(sorted(days)):
            moved.update(_replace_days(bind, family, None, frozenset(day_chunk)))
        carry(bind, moved)


ROLLUP_TABLES = (RollupCount, RollupDay, RollupMonth, RollupTreeDay, RollupTreeMonth, RollupRule)

# PostgreSQL's advisory lock key ("守望" upkeep): one transaction at a time recomputes rollups.
UPKEEP_LOCK = 0x5357_5550


def take_turn(bind: Bind) -> None:
    """Wait for the rollups' turn, held to the end of this transaction (PostgreSQL; SQLite's
    writers already take turns). Two saves in one county recompute the same county rows: the
    second must start from what the first committed, or it inserts a row the first has just
    inserted too."""
    if bind.get_bind().dialect.name == "postgresql" if isinstance(bind, Session) else (
            bind.dialect.name == "postgresql"):
        bind.execute(select(func.pg_advisory_xact_lock(UPKEEP_LOCK)))


def rebuild(bind: Bind) -> dict[str, int]:
    """Every rollup from scratch (the care rules' for today's periods); rows per table."""
    take_turn(bind)
    rebuild_families(bind, [family.name for family in FAMILIES])
    session = bind if isinstance(bind, Session) else Session(bind=bind)
    rules.rebuild(session, local_today())
    session.flush()
    return {table.__tablename__: int(bind.execute(
        select(func.count()).select_from(table)).scalar() or 0) for table in ROLLUP_TABLES}


def rebuild_if_stale(engine: Engine) -> dict[str, int] | None:
    """Fill rollups marked stale (a migration that made them on a database already holding
    records, an older backup restored): rows per table, or None when they were up to date."""
    with transaction(engine) as session:
        if not data_version.rollups_stale(session):
            return None
        return rebuild_and_publish(session)


def rebuild_and_publish(bind: Bind) -> dict[str, int]:
    """`rebuild`, then clear the stale mark and move the data version, so that every process
    reads the rebuilt rollups (a rebuild done past the session's hooks moves nothing itself)."""
    rows = rebuild(bind)
    analyze(bind)
    data_version.mark_rollups(bind, stale=False)
    data_version.bump(bind)
    return rows


def analyze(bind: Bind) -> None:
    """Refresh the planner's statistics of the rollup tables and the units (`cli.py init` and
    every rebuild). SQLite keeps none until ANALYZE runs, and without them it reads a
    township's months by scanning every county's rows (12 ms against 3 at a county's size);
    PostgreSQL's autovacuum would get there, later. For a county this takes 0.15 s."""
    for table in (*ROLLUP_TABLES, OrgUnit):
        bind.execute(text(f"ANALYZE {table.__tablename__}"))


def rebuild_families(bind: Bind, names: Iterable[str]) -> None:
    for family in (BY_NAME[name] for name in sorted(set(names))):
        if family.table == "counts":
            bind.execute(delete(RollupCount).where(RollupCount.field.in_(family.fields)))
            bind.execute(insert(RollupCount).from_select(
                ["field", "unit_id", "code", "n"], family.rows(None, None)))
            continue
        bind.execute(delete(RollupDay).where(RollupDay.field.in_(family.fields)))
        bind.execute(insert(RollupDay).from_select(
            ["field", "unit_id", "code", "n", "day", "extra"], family.rows(None, None)))
        remake_months(bind, family)
        remake_trees(bind, family)


RowKey = tuple[Any, ...]  # (field, unit, code[, day or month])


def differences(bind: Bind, limit: int = 50) -> list[str]:
    """Every stored rollup row that differs from a recomputation from the records (an empty
    list: they agree), as lines to print; at most `limit`."""
    wanted_days: dict[RowKey, tuple[int, int]] = {}
    wanted_counts: dict[RowKey, int] = {}
    for family in FAMILIES:
        for row in bind.execute(family.rows(None, None)):
            if family.table == "counts":
                wanted_counts[(row.field, row.unit_id, row.code)] = int(row.n)
            else:
                wanted_days[(row.field, row.unit_id, row.code, row.day)] = (
                    int(row.n), int(row.extra or 0))
    wanted_months: dict[RowKey, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (name, unit, code, day), (n, extra) in wanted_days.items():
        key = (name, unit, code, month_of(day))
        wanted_months[key] = (wanted_months[key][0] + n, wanted_months[key][1] + extra)
    stored_counts: dict[RowKey, int] = {
        (r.field, r.unit_id, r.code): r.n for r in bind.execute(select(
            RollupCount.field, RollupCount.unit_id, RollupCount.code, RollupCount.n))}
    stored_days: dict[RowKey, tuple[int, int]] = {
        (r.field, r.unit_id, r.code, r.day): (r.n, r.extra) for r in bind.execute(select(
            RollupDay.field, RollupDay.unit_id, RollupDay.code, RollupDay.day, RollupDay.n,
            RollupDay.extra))}
    stored_months: dict[RowKey, tuple[int, int]] = {
        (r.field, r.unit_id, r.code, r.month): (r.n, r.extra) for r in bind.execute(select(
            RollupMonth.field, RollupMonth.unit_id, RollupMonth.code, RollupMonth.month,
            RollupMonth.n, RollupMonth.extra))}
    tops = tops_of(bind)
    wanted_trees: dict[str, dict[RowKey, tuple[int, int]]] = {}
    for name, rows in (("rollup_tree_days", wanted_days), ("rollup_tree_months", wanted_months)):
        summed: dict[RowKey, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for (field_name, unit, code, day), (n, extra) in rows.items():
            key = (field_name, tops.get(unit, unit), code, day)
            summed[key] = (summed[key][0] + n, summed[key][1] + extra)
        wanted_trees[name] = dict(summed)
    stored_trees = {table.__tablename__: {
        (r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in bind.execute(select(
            table.field, table.unit_id, table.code, date_column, table.n, table.extra))}
        for table, date_column in ((RollupTreeDay, RollupTreeDay.day),
                                   (RollupTreeMonth, RollupTreeMonth.month))}
    session = bind if isinstance(bind, Session) else Session(bind=bind)
    found: list[str] = rules.differences(session)
    tables: list[tuple[str, dict[RowKey, Any], dict[RowKey, Any]]] = [
        ("rollup_counts", wanted_counts, stored_counts),
        ("rollup_days", wanted_days, stored_days),
        ("rollup_months", dict(wanted_months), stored_months),
        *((name, wanted_trees[name], stored_trees[name]) for name in wanted_trees)]
    for table, wanted, stored in tables:
        for key in sorted(set(wanted) | set(stored), key=str):
            if wanted.get(key) != stored.get(key):
                found.append(f"{table} {'/'.join(map(str, key))}: "
                             f"记录算得 {wanted.get(key)}，汇总表中为 {stored.get(key)}")
    return found[:limit]


def _replace_counts(bind: Bind, family: Family, units: UnitKeys) -> None:
    bind.execute(delete(RollupCount).where(RollupCount.field.in_(family.fields),
                                           RollupCount.unit_id.in_(sorted(units))))
    bind.execute(insert(RollupCount).from_select(["field", "unit_id", "code", "n"],
                                                 family.rows(units, None)))


def _replace_days(bind: Connection, family: Family, units: UnitKeys | None,
                  days: DayKeys | None) -> Totals:
    """Replace the family's day rows of whole units, or of (unit, day) pairs; what the rows
    moved by."""
    where: list[ColumnElement[bool]] = [RollupDay.field.in_(family.fields)]
    if units is not None:
        where.append(RollupDay.unit_id.in_(sorted(units)))
    else:
        assert days is not None
        # The units and the days apart let the index seek; the pairs then match exactly.
        where += [RollupDay.unit_id.in_(sorted({unit for unit, _ in days})),
                  RollupDay.day.in_(sorted({day for _, day in days})),
                  tuple_(RollupDay.unit_id, RollupDay.day).in_(sorted(days))]
    return change(*_swap(bind, where, family.rows(units, days)))


DAY_ROW = (RollupDay.field, RollupDay.unit_id, RollupDay.code, RollupDay.day, RollupDay.n,
           RollupDay.extra)


def _swap(bind: Connection, where: list[ColumnElement[bool]],
          fresh: Select) -> tuple[Totals, Totals]:
    """Delete the rows `where` and insert `fresh`: the rows before and after, returned by the
    statements themselves where the database can (SQLite 3.35+, PostgreSQL)."""
    remove = delete(RollupDay).where(*where)
    add = insert(RollupDay).from_select(["field", "unit_id", "code", "n", "day", "extra"], fresh)
    if bind.dialect.delete_returning and bind.dialect.insert_returning:
        before = _totals(bind.execute(remove.returning(*DAY_ROW)))
        return before, _totals(bind.execute(add.returning(*DAY_ROW)))
    rows = select(*DAY_ROW).where(*where)
    before = _totals(bind.execute(rows))
    bind.execute(remove)
    bind.execute(add)
    return before, _totals(bind.execute(rows))


def _totals(rows: Iterable[Any]) -> Totals:
    return {(field, unit, code, day): (n, extra) for field, unit, code, day, n, extra in rows}
