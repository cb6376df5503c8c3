"""SQLite: a consistent copy through the backup API, and a restore that replaces in one step.

The backup API reads the live database inside one read transaction, so writers in WAL mode
carry on and the copy is exactly the database at one moment. Restoring copies the checked,
migrated file into the target the same way: other connections see the old data or the new,
never a mix, and a failure leaves the target as it was.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from services.backup.archive import BackupError

BUSY_TIMEOUT_S = 30


def database_path(url: str) -> Path:
    """The file behind a sqlite:/// URL; an in-memory database cannot be backed up."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError.of("errors.backup.in_memory")
    return Path(database)


def snapshot(source: Path, target: Path) -> None:
    """Copy the live database at `source` into the new file `target`, consistently."""
    if not source.is_file():
        raise BackupError.of("errors.backup.no_database_file", path=str(source))
    try:
        with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src, \
                closing(sqlite3.connect(target)) as dst:
            src.backup(dst)  # all pages in one step: one read transaction, one moment
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    except sqlite3.Error as exc:
        raise BackupError.of("errors.backup.copy_failed", why=str(exc)) from exc


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of the database file."""
    with closing(sqlite3.connect(path)) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        return {name: _count(conn, name) for name in names}


def revision(path: Path) -> str | None:
    """The Alembic revision stored in the database file, or None without one."""
    with closing(sqlite3.connect(path)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return row[0] if row else None


def check_file(path: Path) -> None:
    """Refuse a database file that SQLite finds damaged."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份中的数据库文件无法打开：{exc}") from exc
    if result != "ok":
        raise BackupError(f"备份中的数据库文件已损坏（{str(result)[:100]}），已拒绝恢复。")


def replace(target: Path, source: Path) -> None:
    """Make the database at `target` a copy of `source` in one transaction."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source)) as src, \
                closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"无法写入数据库文件 {target}：{exc}；原有数据未改动。") from exc


def is_empty(path: Path) -> bool:
    """True when the file holds no children and no users (or no such tables at all)."""
    if not path.is_file() or path.stat().st_size == 0:
        return True
    return all(n == 0 for n in people_counts(path).values())


def people_counts(path: Path) -> dict[str, int]:
    """Records people made, in the file's tables that exist (PEOPLES_TABLES)."""
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as conn:
        present = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {name: _count(conn, name) for name in PEOPLES_TABLES if name in present}


# What a restore without --force must never overwrite: anything a person entered. The
# built-in care rules and activity kinds every new database has do not count.
PEOPLES_TABLES = ("children", "users", "org_units", "helpers", "pairings", "care_contacts",
                  "activities", "needs", "wishes", "donations", "resource_providers", "surveys",
                  "campaigns")


def _count(conn: sqlite3.Connection, table: str) -> int:
    # The name is quoted as an identifier; it comes from the file's own catalogue.
    return conn.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()[0]  # noqa: S608


def quote(name: str) -> str:
    """A table name as an SQL identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'
