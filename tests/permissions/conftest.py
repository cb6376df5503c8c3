"""One world per test module: built once, committed, and every test rolls its own writes back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import WRITE_LOCK, make_engine
from tests.conftest import TEST_DATABASE_URL, _reset_postgres
from tests.permissions.world import World, build_world


@pytest.fixture(scope="module")
def world_url(_database_template: object, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of this module's own (SQLite copy, or the reset PostgreSQL)."""
    if isinstance(_database_template, Path):
        target = tmp_path_factory.mktemp("permissions") / "shouwang.db"
        shutil.copy(_database_template, target)
        return f"sqlite:///{target}"
    engine, builtin = _database_template  # type: ignore[misc]
    _reset_postgres(engine, builtin)
    return TEST_DATABASE_URL


@pytest.fixture(scope="module")
def world_engine(world_url: str) -> Iterator[Engine]:
    eng = make_engine(world_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def world(world_engine: Engine) -> World:
    with Session(world_engine) as session, session.begin():
        return build_world(session)


@pytest.fixture
def db(world: World, world_engine: Engine) -> Iterator[Session]:
    """A session on the built world whose changes are never committed.

    On SQLite the driver's own deferred BEGIN lets a savepoint's release commit for real;
    the write-lock option makes the engine open every transaction itself, so all rolls back.
    """
    bind = world_engine.execution_options(**{WRITE_LOCK: True})
    with Session(bind, expire_on_commit=False) as session:
        yield session
        session.rollback()
