"""Installations for the backup tests: a database (SQLite file or PostgreSQL scratch database)
with its own data folder, seeded with the demo data or empty, made and dropped per test."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import cli
from db import schema
from db.engine import make_engine
from services.backup.archive import Manifest, parse_manifest
from tests.conftest import BASE_DATABASE_URL, TEST_DATABASE_URL

ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


@dataclass(frozen=True)
class Site:
    """One installation: the database URL and the data folder holding its photos."""

    url: str
    data_dir: Path

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point cli.py at this installation."""
        monkeypatch.setenv("DATABASE_URL", self.url)
        monkeypatch.setenv("SHOUWANG_DATA_DIR", str(self.data_dir))

    def counts(self) -> dict[str, int]:
        """Rows per table, or {} for a database without tables."""
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                names = _table_names(conn)
                return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()
                        for n in names}
        finally:
            engine.dispose()

    def scalar(self, sql: str) -> object:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def photos(self) -> dict[str, bytes]:
        root = self.data_dir / "photos"
        return {str(p.relative_to(root)): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()} if root.is_dir() else {}


def _table_names(conn: object) -> list[str]:
    if conn.dialect.name == "sqlite":  # type: ignore[attr-defined]
        sql = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return sorted(conn.execute(text(sql)).scalars())  # type: ignore[attr-defined]


def _admin_engine():
    """On the database named in TEST_DATABASE_URL, which exists before any xdist worker's own."""
    return make_engine(BASE_DATABASE_URL, isolation_level="AUTOCOMMIT")


def pg_url(name: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def create_pg(name: str, template: str | None = None) -> str:
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            if template:  # a template must have no other sessions: pooled ones may linger
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"),
                             {"name": template})
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        engine.dispose()
    return pg_url(name)


def drop_pg(name: str) -> None:
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def scratch_name(label: str) -> str:
    """shouwang_h4_<label>_<random>: named after the test database, so never another's."""
    return f"{make_url(TEST_DATABASE_URL).database}_{label}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo data seeded once per module through `cli.py seed`, as a template to copy."""
    folder = tmp_path_factory.mktemp("seeded")
    if ON_POSTGRES:
        name = scratch_name("seed")
        site = Site(create_pg(name), folder / "data")
    else:
        site, name = Site(f"sqlite:///{folder / 'seeded.db'}", folder / "data"), ""
    with pytest.MonkeyPatch.context() as patch:
        site.use(patch)
        assert cli.main(["init"]) == 0
        assert cli.main(["seed", "--scale", "demo"]) == 0
    yield site
    if name:
        drop_pg(name)


@pytest.fixture
def make_site(tmp_path: Path, seeded: Site) -> Iterator:
    """make_site(label, seeded=True|False, migrated=True): a new installation of this backend."""
    made: list[str] = []

    def make(label: str, *, with_data: bool = True, migrated: bool = True) -> Site:
        data_dir = tmp_path / f"{label}-data"
        if with_data:
            shutil.copytree(seeded.data_dir, data_dir)
        if ON_POSTGRES:
            name = scratch_name(label)
            made.append(name)
            url = create_pg(name, make_url(seeded.url).database if with_data else None)
        else:
            path = tmp_path / f"{label}.db"
            if with_data:  # through SQLite: a plain file copy would miss what is still in -wal
                with closing(sqlite3.connect(make_url(seeded.url).database)) as src, \
                        closing(sqlite3.connect(path)) as dst:
                    src.backup(dst)
            url = f"sqlite:///{path}"
        if migrated and not with_data:
            engine = make_engine(url)
            schema.upgrade(engine)
            engine.dispose()
        return Site(url, data_dir)

    yield make
    for name in made:
        drop_pg(name)


def read_archive(path: Path) -> tuple[Manifest, dict[str, bytes]]:
    """The manifest and every other member's bytes."""
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    return parse_manifest(members.pop("manifest.json")), members


def write_archive(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A tar.gz of exactly these members, in this order (for tampered archives)."""
    import io

    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
