"""The engine and the unit of work: one configuration in, sessions out."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from services.errors import DatabaseBusy

# How long a write waits for another one to finish. With BEGIN IMMEDIATE only the start of a
# write transaction waits, and behind a county import (a few seconds, more on a busy server)
# waiting is better than losing the person's save; readers never wait in WAL mode.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option: the transactions of an engine carrying it start with BEGIN IMMEDIATE on
# SQLite. transaction() sets it; a bare Session(engine) keeps the driver's deferred BEGIN.
WRITE_LOCK = "shouwang_write_lock"


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                **kwargs: Any) -> Engine:
    """Create an engine; on SQLite make its folder and turn on foreign keys, WAL, busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": busy_timeout_ms / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _sqlite_busy)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "postgresql":
        # The planner overrates our aggregations and JIT-compiles them: ~300 ms of compiling
        # for a ~30 ms query. Plain execution is faster for every statement we run.
        kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Take the write lock when a write transaction begins, waiting up to the busy timeout.

    In WAL mode a transaction that reads first cannot upgrade to a write lock once another
    connection has committed: it fails at once with "database is locked", whatever the busy
    timeout. BEGIN IMMEDIATE waits for the lock instead. Other transactions keep the driver's
    own behaviour (a deferred BEGIN before the first write; reads outside any transaction).
    """
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    driver = conn.connection.driver_connection
    if not options.get(WRITE_LOCK):
        driver.isolation_level = ""  # type: ignore[union-attr]
        return
    # None: the driver issues no BEGIN or COMMIT of its own, so savepoints nest properly.
    driver.isolation_level = None  # type: ignore[union-attr]
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_busy(context: ExceptionContext) -> BaseException | None:
    """A lock still held after the busy timeout is a refusal to retry, not a traceback."""
    error = context.original_exception
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error).lower():
        return DatabaseBusy()
    return None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_engine(engine: Engine) -> Engine:
    """The same engine whose transactions take the SQLite write lock when they begin."""
    return engine.execution_options(**{WRITE_LOCK: True})


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """Open one session and one transaction: commit on success, roll back on any error.

    On SQLite a write transaction holds the write lock from its start (other writers wait,
    readers do not); `write=False` is for blocks that only read and must not wait for it.
    """
    bind = write_engine(engine) if write else engine
    with session_factory(bind)() as session, session.begin():
        yield session
