"""Writes wait for each other instead of failing: BEGIN IMMEDIATE on SQLite, imports under load."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core.errors import DatabaseBusy, DomainError
from core.vocab import HelperKind, OrgKind
from db.engine import make_engine, transaction
from db.models import CareContact, Child
from services.access import orgs
from services.access.permissions import Actor
from services.imports import run_import
from tests.concurrency.helpers import VILLAGES, on_sqlite, roster_csv, wait_until
from tests.factories import make_child, make_helper, make_org, make_town_with_village

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.system()


@pytest.fixture
def sqlite_file(db_url: str) -> str:
    if not on_sqlite(db_url):
        pytest.skip("SQLite's locking; PostgreSQL takes row locks and needs none of this")
    return make_url(db_url).database


def _count(engine, model) -> int:
    with transaction(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def _other_writer_is_refused(path: str) -> bool:
    """Whether a plain connection that does not wait at all cannot write now."""
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("UPDATE alembic_version SET version_num = version_num")
        other.rollback()
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        other.close()


def test_a_write_transaction_holds_the_lock_from_its_first_read(engine, sqlite_file):
    with transaction(engine) as session:
        session.scalar(select(func.count(Child.id)))
        # Nobody can commit between this read and our write, so the write cannot be refused.
        assert _other_writer_is_refused(sqlite_file)
        make_town_with_village(session)
    assert not _other_writer_is_refused(sqlite_file)


def test_a_read_only_transaction_takes_no_lock(engine, sqlite_file):
    with transaction(engine, write=False) as session:
        session.scalar(select(func.count(Child.id)))
        assert not _other_writer_is_refused(sqlite_file)


def test_a_savepoint_rolls_back_alone_inside_a_write_transaction(engine, sqlite_file):
    with transaction(engine) as session:
        make_town_with_village(session, "石门镇", "李家村")
        savepoint = session.begin_nested()
        make_town_with_village(session, "东乡", "新村")
        savepoint.rollback()
    with transaction(engine, write=False) as session:
        names = session.scalars(text("SELECT name FROM org_units ORDER BY name")).all()
    assert names == sorted(["石门镇", "李家村"])


def test_a_lock_held_past_the_timeout_is_a_chinese_refusal(db_url, sqlite_file):
    impatient = make_engine(db_url, busy_timeout_ms=50)
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy) as refused, transaction(impatient) as session:
            make_town_with_village(session)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert refused.value.message == "数据库正忙，请稍后重试。"
    assert _count(impatient, Child) == 0
    impatient.dispose()


def test_writers_of_this_app_take_turns_and_give_the_turn_back(db_url, sqlite_file):
    impatient = make_engine(db_url, busy_timeout_ms=200)
    with transaction(impatient) as session:
        make_town_with_village(session, "石门镇", "李家村")
        # While this write is open the next one waits its turn, then is refused in Chinese.
        with pytest.raises(DatabaseBusy), transaction(impatient) as other:
            make_town_with_village(other, "东乡", "新村")
    with transaction(impatient) as session:  # the turn came back after the commit
        make_town_with_village(session, "东乡", "新村")
    with pytest.raises(DomainError), transaction(impatient) as session:
        orgs.create_org_unit(session, actor=ADMIN, name="石门镇", kind=OrgKind.town,
                             parent_id=None)  # refused: the town exists
    with transaction(impatient) as session:  # and after a rollback
        names = session.scalars(text("SELECT name FROM org_units ORDER BY name")).all()
    assert names == sorted(["石门镇", "李家村", "东乡", "新村"])
    impatient.dispose()


def test_a_lock_file_we_cannot_open_leaves_writes_to_sqlites_timeout(db_url, sqlite_file):
    Path(f"{sqlite_file}.writers").mkdir()  # another OS user's file would refuse us the same way
    engine = make_engine(db_url)
    with transaction(engine) as session:
        make_town_with_village(session, "石门镇", "李家村")
    assert _count(engine, Child) == 0
    with transaction(engine, write=False) as session:
        assert session.scalar(text("SELECT count(*) FROM org_units")) == 2
    engine.dispose()


@pytest.fixture
def contact_world(engine) -> tuple[int, int]:
    """A child and a helper to log contacts about, in a town whose villages the files name.

    The places exist already, so an import reads for a while before its first write: the
    window in which a read-first transaction loses its write lock to someone else's commit.
    """
    with transaction(engine) as session:
        town, village = make_town_with_village(session, "石门镇", VILLAGES[0])
        for name in VILLAGES[1:]:
            make_org(session, name, OrgKind.village, parent=town)
        child = make_child(session, village=village, birth_date=date(2015, 3, 1))
        helper = make_helper(session, org_unit=town, kind=HelperKind.teacher)
        return child.id, helper.id


def _start_writer(db_url: str, world: tuple[int, int], tmp_path: Path) -> tuple:
    stop, progress = tmp_path / "stop", tmp_path / "progress"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency.contact_writer", db_url, str(world[0]),
         str(world[1]), str(stop), str(progress)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, stop, progress


def _committed(progress: Path) -> int:
    return int(progress.read_text()) if progress.exists() else 0


def test_an_import_and_its_dry_run_succeed_while_someone_logs_contacts(
        db_url, engine, contact_world, tmp_path):
    process, stop, progress = _start_writer(db_url, contact_world, tmp_path)
    try:
        wait_until(lambda: _committed(progress) >= 3 or process.poll() is not None,
                   what="the writer's first contacts")
        with transaction(engine) as session:
            dry = run_import(session, actor=ADMIN, kind="roster", data=roster_csv(2000),
                             filename="名单.csv", dry_run=True)
        with transaction(engine) as session:
            real = run_import(session, actor=ADMIN, kind="roster",
                              data=roster_csv(2000, first="欧"), filename="名单.csv")
        after_import = _committed(progress)
        wait_until(lambda: _committed(progress) >= after_import + 3 or process.poll() is not None,
                   what="the writer's contacts after the import")
    finally:
        stop.touch()
        out, err = process.communicate(timeout=120)
    summary = json.loads(out.strip().splitlines()[-1])
    assert process.returncode == 0, err
    assert (dry.ok, dry.created, real.ok, real.created) == (True, 2000, True, 2000), (
        dry.errors[:3], real.errors[:3])
    assert (summary["locked"], summary["other"]) == (0, [])
    # Every contact the writer says it committed is there, and the dry run wrote nothing.
    assert _count(engine, CareContact) == summary["committed"] >= 6
    assert _count(engine, Child) == 1 + 2000
