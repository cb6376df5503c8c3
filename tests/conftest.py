"""A fresh database per test (temp SQLite file, or PostgreSQL from TEST_DATABASE_URL)."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, make_url, select, text
from sqlalchemy.orm import Session
from streamlit.components.v2 import manifest_scanner

from db import schema
from db.engine import make_engine
from db.models import ActivityKindRow, Base, CareRule, DataVersion
from services.stats import rollups  # noqa: F401  (writes in tests keep the rollups right, as the app's)

IN_CI = os.environ.get("CI", "").lower() == "true"
# Every AppTest run scans the metadata of all installed packages for Streamlit components (a
# quarter second each, minutes per run); the installed packages do not change during a run.
manifest_scanner.scan_component_manifests = functools.cache(  # type: ignore[assignment]
    manifest_scanner.scan_component_manifests)
# 身份证号 are encrypted with this key in every test and in the processes tests start.
TEST_FIELD_KEY = "dGVzdC1maWVsZC1rZXktZm9yLXNob3V3YW5nLXRlc3Q="
os.environ.setdefault("SHOUWANG_FIELD_KEY", TEST_FIELD_KEY)
# The database named in TEST_DATABASE_URL; under pytest-xdist each worker (gw0, gw1 …) works in
# a database of its own beside it, <name>_gw0, made on first use. Without xdist both are the same.
BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Built-in rows the migrations insert; restored after each PostgreSQL truncation.
BUILTIN_TABLES = (ActivityKindRow.__table__, CareRule.__table__, DataVersion.__table__)


def require(condition: bool, reason: str) -> None:
    """Skip on a laptop without the tool; fail under CI=true, where everything must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


UI_FOLDERS = ("app", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the pages' tests `ui`. The PostgreSQL pass of .ci/run runs the services, schema,
    permission, concurrency and command-line tests, and of the ui tests only the journeys marked
    `both_databases`: the pages reach the database through the services tested underneath."""
    for item in items:
        parts = item.path.relative_to(Path(__file__).parent).parts
        if parts and parts[0] in UI_FOLDERS:
            item.add_marker(pytest.mark.ui)


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _worker_url(base: str, worker: str) -> str:
    """This worker's PostgreSQL database: `<name>_<worker>` beside the one in the URL."""
    if not (worker and _is_postgres(base)):
        return base
    url = make_url(base)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_url(BASE_DATABASE_URL, XDIST_WORKER)


def _create_worker_database() -> None:
    """Create this worker's database when missing (the role has CREATEDB)."""
    if TEST_DATABASE_URL == BASE_DATABASE_URL:
        return
    name = make_url(TEST_DATABASE_URL).database
    admin = make_engine(BASE_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def _data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Photos and other files go to a temp data folder, never the repository's data/."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOUWANG_DATA_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Migrate once per run: a SQLite file to copy, or a PostgreSQL schema to truncate."""
    if _is_postgres(TEST_DATABASE_URL):
        _create_worker_database()
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        schema.upgrade(engine)
        with engine.connect() as conn:
            builtin = {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                       for t in BUILTIN_TABLES}
        yield engine, builtin
        engine.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    yield path


def _reset_postgres(engine: Engine, builtin: dict[str, list[dict]]) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # A test may have moved the revision (a "newer schema" case); put it back.
        conn.execute(text("UPDATE alembic_version SET version_num = :head"),
                     {"head": schema.head_revision()})
        for table in BUILTIN_TABLES:
            conn.execute(delete(table))
            if builtin[table.name]:
                conn.execute(insert(table), builtin[table.name])
            if "id" in table.c:
                # Rows inserted with their ids leave the sequence behind; move it past them.
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


@pytest.fixture
def db_url(_database_template: object, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of this test's own."""
    if isinstance(_database_template, Path):
        target = tmp_path / "shouwang.db"
        shutil.copy(_database_template, target)
        return f"sqlite:///{target}"
    engine, builtin = _database_template  # type: ignore[misc]
    _reset_postgres(engine, builtin)
    return TEST_DATABASE_URL


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session the test drives itself; commit to make rows visible to other connections."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
