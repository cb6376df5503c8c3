"""The engine and the unit of work: one configuration in, sessions out."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere writers rely on SQLite's busy timeout alone
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseBusy
from db import data_version  # noqa: F401  (registers the data version's session hooks)

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
        queue = WriterQueue.for_database(database, busy_timeout_ms / 1000)
        event.listen(engine, "begin", partial(_sqlite_begin, queue=queue))
        for name in ("commit", "rollback"):
            event.listen(engine, name, lambda conn: WriterQueue.leave(conn.connection))
        # However a transaction ends (even through an error or a dropped connection), the
        # turn is given back when the connection returns to the pool.
        event.listen(engine.pool, "checkin", lambda _dbapi, record: WriterQueue.leave(record))
        event.listen(engine.pool, "reset",
                     lambda _dbapi, record, _state: WriterQueue.leave(record))
        event.listen(engine.pool, "invalidate",
                     lambda _dbapi, record, _error: WriterQueue.leave(record))
        event.listen(engine.pool, "close", lambda _dbapi, record: WriterQueue.forget(record))
        event.listen(engine, "handle_error", _sqlite_busy)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "postgresql":
        # The planner overrates our aggregations and JIT-compiles them: ~300 ms of compiling
        # for a ~30 ms query. Plain execution is faster for every statement we run.
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for
        # any parameters: a save's 帮扶要求 recount for one village took 24 ms on that plan
        # at a province's size, 4 ms planned for its village and dates (a contact saved in 53
        # ms → 30). Our statements are aggregations whose best plan depends on their values.
        kwargs.setdefault("connect_args", {
            "options": "-c jit=off -c plan_cache_mode=force_custom_plan"})
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Deleted and overwritten rows are zeroed, not left in free pages: an anonymised name or a
    # replaced plaintext must not be readable in the file afterwards.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class WriterQueue:
    """Writers of one SQLite file take turns through an OS file lock before BEGIN IMMEDIATE.

    SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms), so under
    many writers a few lose every race until their timeout and get "database is locked". A
    file lock polled every few milliseconds keeps the wait short and shared. It serialises
    only our own processes; anything else writing the file still meets the busy timeout.
    """

    POLL_SECONDS = 0.002
    KEY = "shouwang_writer_queue_fd"

    def __init__(self, path: str, timeout_s: float) -> None:
        self.path, self.timeout_s = path, timeout_s

    @classmethod
    def for_database(cls, database: str | None, timeout_s: float) -> WriterQueue | None:
        """A queue beside a database file; None for memory databases or without fcntl."""
        if fcntl is None or not database or database == ":memory:" \
                or database.startswith("file:"):
            return None
        return cls(f"{database}.writers", timeout_s)

    def _lock_file(self, record: Any) -> int | None:
        """This connection's descriptor of the lock file, opened once per process.

        A forked child must not share its parent's open file (one unlock would free both);
        a lock file we may not open (another OS user made it) leaves SQLite's timeout alone.
        """
        pid, fd = record.info.get(self.KEY, (None, None))
        if pid == os.getpid():
            return fd
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
        except OSError:
            fd = None
        record.info[self.KEY] = (os.getpid(), fd)
        return fd

    def enter(self, record: Any) -> None:
        """Wait for our turn to write, up to the busy timeout; then DatabaseBusy."""
        fd = self._lock_file(record)
        if fd is None:
            return
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                record.info["shouwang_writing"] = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DatabaseBusy() from None
                time.sleep(self.POLL_SECONDS)

    @classmethod
    def leave(cls, record: Any) -> None:
        """Let the next writer in; safe to call when not holding the turn."""
        info = getattr(record, "info", None)
        if info is None or not info.pop("shouwang_writing", False):
            return
        pid, fd = info[cls.KEY]
        if pid == os.getpid():
            fcntl.flock(fd, fcntl.LOCK_UN)

    @classmethod
    def forget(cls, record: Any) -> None:
        """The connection is closing: give up the turn and close its lock file."""
        cls.leave(record)
        pid, fd = record.info.pop(cls.KEY, (None, None))
        if fd is not None and pid == os.getpid():
            os.close(fd)


def _sqlite_begin(conn: Connection, *, queue: WriterQueue | None = None) -> None:
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
    if queue is not None:
        queue.enter(conn.connection)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        WriterQueue.leave(conn.connection)
        raise


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


def checkpoint(engine: Engine) -> None:
    """On SQLite, copy the WAL into the database file and empty it, so that the file no longer
    holds the pages a change replaced (after anonymising, say); nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
