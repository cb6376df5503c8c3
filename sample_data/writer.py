"""Bulk inserts in batches, counted per table, with progress reported as they go: `COPY` on
PostgreSQL (a province is tens of millions of rows), multi-row `INSERT`s on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Integer, Table, bindparam, func, select, text
from sqlalchemy import Enum as SqlEnum

from db.models import Base

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]
BATCH_SIZE = 10_000


class Writer:
    """Writes rows through one connection (one transaction) and counts them per table."""

    def __init__(self, conn: Connection, progress: Progress | None) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}
        self._progress = progress

    def insert(self, table: str, rows: Iterable[Row]) -> int:
        """Insert the rows in batches; every row of one table must have the same keys."""
        target = Base.metadata.tables[table]
        batch: list[Row] = []
        written = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                written += self._flush(target, batch)
                batch = []
        if batch:
            written += self._flush(target, batch)
        self.counts[table] = self.counts.get(table, 0) + written
        return written

    def _flush(self, target: Table, batch: list[Row]) -> int:
        if self.conn.dialect.name == "postgresql":
            _copy(self.conn, target, batch)
        else:
            self.conn.execute(target.insert(), batch)
        return len(batch)

    @contextmanager
    def indexes_deferred(self, *tables: str) -> Iterator[None]:
        """On PostgreSQL, drop the tables' secondary indexes and foreign keys while they are
        filled and make them again after: one sort per index and one join per key, instead of
        an insert per row and index and a lookup per row and key (the keys' row-by-row checks
        kept PostgreSQL's one core busy for most of a province's seed)."""
        if self.conn.dialect.name != "postgresql" or not tables:
            yield
            return
        names = {"tables": list(tables)}
        indexes = self.conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN :tables AND indexdef NOT LIKE 'CREATE UNIQUE%'").bindparams(
                bindparam("tables", expanding=True)), names).all()
        keys = self.conn.execute(text(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' "
            "AND c.relnamespace = current_schema()::regnamespace AND c.relname IN :tables "
            "ORDER BY c.relname, k.conname").bindparams(
                bindparam("tables", expanding=True)), names).all()
        for table, key, _definition in keys:
            self.conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{key}"'))
        for name, _definition in indexes:
            self.conn.execute(text(f'DROP INDEX "{name}"'))
        yield
        for name, definition in indexes:
            self.report(f"建立索引 {name}", 0, 1)
            self.conn.execute(text(definition))
        for table, key, definition in keys:
            self.report(f"检查外键 {table}.{key}", 0, 1)
            self.conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{key}" {definition}'))

    def analyze(self) -> None:
        """Let PostgreSQL's planner see what was loaded before the rollups are summed from it."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("ANALYZE"))

    def report(self, stage: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(stage, done, total)


def _copy(conn: Connection, target: Table, batch: list[Row]) -> None:
    """`COPY … FROM STDIN` in the connection's transaction. COPY skips SQLAlchemy's binding, so
    the values are made plain here: codes for enumerations, JSON for JSON columns."""
    names = [n for n in batch[0] if n in target.c]  # as INSERT does, keys of no column go
    plain = [_plain_maker(target.c[n].type) for n in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{target.name}" ({quoted}) FROM STDIN') as copy:
        if any(plain):
            for row in batch:
                copy.write_row([row[n] if f is None else f(row[n])
                                for n, f in zip(names, plain, strict=True)])
        else:
            for row in batch:
                copy.write_row([row[n] for n in names])


def _plain_maker(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return lambda value: None if value is None else Json(value)
    if isinstance(column_type, SqlEnum):
        return lambda value: value.value if isinstance(value, Enum) else value
    return None


def next_ids(conn: Connection) -> dict[str, int]:
    """The first free integer id of every table that has one."""
    found: dict[str, int] = {}
    for name, column in _integer_id_tables():
        found[name] = (conn.scalar(select(func.max(column))) or 0) + 1
    return found


def reset_sequences(conn: Connection) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for name, column in _integer_id_tables():
        following = select(func.coalesce(func.max(column), 0) + 1).scalar_subquery()
        conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"), following,
                                        False)))


def _integer_id_tables() -> list[tuple[str, Any]]:
    tables = []
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is not None and column.primary_key and isinstance(column.type, Integer):
            tables.append((table.name, column))
    return tables
