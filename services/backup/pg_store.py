"""PostgreSQL: pg_dump of one exported snapshot, and a restore that replaces in one transaction.

The backup opens a REPEATABLE READ transaction, exports its snapshot and hands it to pg_dump,
so the dump, the row counts and the schema revision in the manifest describe the same moment
while the app keeps writing. The restore drops and recreates the `public` schema, loads the
dump and checks every table's row count inside one psql transaction: any error rolls all of it
back. The password goes to the tools through PGPASSWORD, never on a command line or screen.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from core.i18n import Msg
from services.backup.archive import BackupError
from services.backup.sqlite_store import PEOPLES_TABLES, quote

TOOL_DIRS = Path("/usr/lib/postgresql")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
PREAMBLE = """SET client_min_messages = warning;
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
"""


def tool_env(url: str) -> dict[str, str]:
    """The environment that points libpq tools at the URL's database (password included)."""
    parsed = make_url(url)
    env = dict(os.environ)  # other libpq settings (PGSSLROOTCERT …) apply as they do for the app
    values = {"PGHOST": parsed.host or parsed.query.get("host"), "PGPORT": parsed.port,
              "PGUSER": parsed.username, "PGPASSWORD": parsed.password,
              "PGDATABASE": parsed.database, "PGSSLMODE": parsed.query.get("sslmode")}
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


def _major(tool: Path) -> int | None:
    try:
        done = subprocess.run([str(tool), "--version"], capture_output=True,  # noqa: S603
                              text=True, timeout=30, check=False)  # a tool path we located
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _VERSION.search(done.stdout)
    return int(found[1]) if found else None


def find_tool(name: str, server_major: int) -> Path:
    """The pg_dump/pg_restore/psql for this server: its own version first, then any newer."""
    candidates = [TOOL_DIRS / str(server_major) / "bin" / name]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates += sorted(TOOL_DIRS.glob(f"*/bin/{name}"), reverse=True)
    for tool in candidates:
        major = _major(tool) if tool.is_file() else None
        if major is not None and major >= server_major:
            return tool
    raise BackupError.of("errors.backup.no_tool", major=server_major, name=name)


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the `public` schema, as this connection's snapshot sees them."""
    names = conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars()
    return {name: _count(conn, name) for name in list(names)}


def people_counts(conn: Connection) -> dict[str, int]:
    """Records people made, in the database's tables that exist (PEOPLES_TABLES)."""
    return {name: _count(conn, name) for name in PEOPLES_TABLES
            if conn.execute(text(f"SELECT to_regclass('public.{name}')")).scalar() is not None}


def _count(conn: Connection, table: str) -> int:
    # The name is quoted as an identifier; it comes from the database's own catalogue.
    return conn.execute(text(f"SELECT COUNT(*) FROM public.{quote(table)}")  # noqa: S608
                        ).scalar_one()


def revision(conn: Connection) -> str | None:
    if conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return None
    return conn.execute(text("SELECT version_num FROM public.alembic_version")).scalar()


@contextmanager
def snapshot(engine: Engine) -> Iterator[tuple[Connection, str]]:
    """A read-only REPEATABLE READ transaction and the id of its exported snapshot."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn, conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()


def dump(url: str, snapshot_id: str, major: int, target: Path) -> None:
    """pg_dump in custom format, reading exactly the exported snapshot."""
    tool = find_tool("pg_dump", major)
    _run([str(tool), "--format=custom", f"--snapshot={snapshot_id}", "--no-owner",
          "--no-privileges", f"--file={target}"], tool_env(url),
         Msg("errors.backup.pg_dump_failed"))


def check_dump(path: Path, major: int) -> None:
    """Refuse a dump that pg_restore cannot read."""
    tool = find_tool("pg_restore", major)
    _run([str(tool), "--list", str(path)], dict(os.environ), "备份中的数据库文件无法读取")


def restore(url: str, path: Path, major: int, expected: dict[str, int], work: Path) -> None:
    """Replace the database's `public` schema with the dump, all or nothing.

    The loaded row counts are compared with `expected` inside the same transaction.
    """
    pg_restore, psql = find_tool("pg_restore", major), find_tool("psql", major)
    preamble, postamble = work / "preamble.sql", work / "postamble.sql"
    preamble.write_text(PREAMBLE)
    postamble.write_text(count_check(expected))
    env = tool_env(url)
    script = work / "restore.sql"
    _run([str(pg_restore), "--no-owner", "--no-privileges", f"--file={script}", str(path)],
         env, "备份中的数据库文件无法读取")
    _run([str(psql), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1",
          "-f", str(preamble), "-f", str(script), "-f", str(postamble)],
         env, "恢复数据库失败，已撤销，原有数据未改动")


def count_check(expected: dict[str, int]) -> str:
    """A DO block that aborts the transaction when any table's row count differs."""
    checks = []
    for table, count in sorted(expected.items()):
        if not _TABLE.match(table):
            raise BackupError(f"备份清单中的表名“{table[:40]}”无效，已拒绝恢复。")
        # Only names matching _TABLE reach the SQL, and counts are ints.
        count_sql = f'SELECT COUNT(*) FROM public."{table}"'  # noqa: S608
        checks.append(f"  IF ({count_sql}) <> {int(count)} THEN\n"
                      f"    RAISE EXCEPTION '表 {table} 的行数与备份清单不符';\n"
                      "  END IF;")
    return "DO $$\nBEGIN\n" + "\n".join(checks) + "\nEND $$;\n"


def _run(command: list[str], env: dict[str, str], failure: str) -> None:
    try:
        # An argument list (no shell) naming a PostgreSQL tool we located ourselves.
        done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                              check=False, stdin=subprocess.DEVNULL)
    except OSError as exc:
        tool = Path(command[0]).name
        raise BackupError.of("errors.backup.tool_unrunnable", failure=failure, tool=tool,
                             why=exc.strerror or "") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "ERROR" in line or "FATAL" in line]
        detail = (errors or lines or [f"退出码 {done.returncode}"])[0]
        password = env.get("PGPASSWORD")
        if password:
            detail = detail.replace(password, "***")
        raise BackupError.of("errors.backup.tool_failed", failure=failure, detail=detail[:300])
