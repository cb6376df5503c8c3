"""Bulk inserts in batches, counted per table, with progress reported as they go."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Integer, func, select

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

    def _flush(self, target: Any, batch: list[Row]) -> int:
        self.conn.execute(target.insert(), batch)
        return len(batch)

    def report(self, stage: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(stage, done, total)


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
