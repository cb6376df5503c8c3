"""The schema: migrations are idempotent, constraints keep the data honest."""

from __future__ import annotations

import re
from datetime import date

import pytest
from alembic import command
from sqlalchemy import Enum as SqlEnum
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.vocab import PairingEndReason
from db import schema
from db.engine import make_engine
from db.models import Base, Child, Pairing
from tests.factories import make_child, make_helper, make_pairing, make_town_with_village


def test_upgrade_twice_changes_nothing(engine):
    assert schema.upgrade(engine) == schema.head_revision()
    assert schema.upgrade(engine) == schema.head_revision()
    schema.check_ready(engine)


def test_builtin_activity_kinds_and_care_rules_are_there(session):
    kinds = session.execute(text("SELECT code FROM activity_kinds")).scalars().all()
    assert {"safety_education", "festival_visit", "other"} <= set(kinds)
    rules = session.execute(text("SELECT code FROM care_rules")).scalars().all()
    assert "monthly_talk" in rules


def test_empty_database_is_reported_as_not_initialised(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(schema.SchemaOutdated, match=r"cli\.py init"):
        schema.check_ready(engine)


def test_newer_schema_is_refused_without_changes(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(schema.SchemaTooNew, match="比本程序新"):
        schema.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"


def test_unreachable_postgres_gives_one_clear_message():
    engine = make_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    with pytest.raises(schema.DatabaseUnavailable, match="无法连接数据库服务器"):
        schema.check_ready(engine)


def test_read_only_sqlite_file_is_reported(tmp_path):
    source = tmp_path / "shouwang.db"
    schema.upgrade(make_engine(f"sqlite:///{source}"))
    read_only = make_engine(f"sqlite:///file:{source}?mode=ro&uri=true")
    with pytest.raises(schema.DatabaseReadOnly, match="只读"):
        schema.check_ready(read_only)


def test_id_number_is_unique_when_present(session):
    make_child(session, id_number="110101201503010011")
    make_child(session, name="李四")  # no ID number: many children may lack one
    make_child(session, name="王五")
    with pytest.raises(IntegrityError):
        make_child(session, name="赵六", id_number="110101201503010011")


def test_enumerations_are_checked_by_the_database(session):
    child = make_child(session)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE children SET gender = 'unknown' WHERE id = :id"),
                        {"id": child.id})


def test_foreign_keys_are_enforced(session):
    _, village = make_town_with_village(session)
    session.add(Child(name="孤", gender="male", birth_date=date(2015, 1, 1), town_id=9999,
                      village_id=village.id))
    with pytest.raises(IntegrityError):
        session.flush()


def test_one_open_pairing_per_child_and_helper(session):
    child = make_child(session)
    helper = make_helper(session)
    make_pairing(session, child, helper, ended_on=date(2026, 4, 1))
    make_pairing(session, child, helper)  # history plus one open pairing is fine
    with pytest.raises(IntegrityError):
        make_pairing(session, child, helper)


def test_pairing_cannot_end_before_it_starts(session):
    with pytest.raises(IntegrityError):
        make_pairing(session, make_child(session), make_helper(session),
                     started_on=date(2026, 5, 1), ended_on=date(2026, 4, 1))


def test_stale_version_is_refused(engine):
    from sqlalchemy.orm import Session

    with Session(engine) as first:
        child = make_child(first)
        first.commit()
        child_id = child.id
    with Session(engine) as a, Session(engine) as b:
        mine, theirs = a.get(Child, child_id), b.get(Child, child_id)
        theirs.address = "他人修改"
        b.commit()
        mine.address = "我的修改"
        with pytest.raises(StaleDataError):
            a.commit()
    with Session(engine) as check:
        saved = check.get(Child, child_id)
        assert (saved.address, saved.version) == ("他人修改", 2)


def test_pairing_rows_keep_history(session):
    child, helper = make_child(session), make_helper(session)
    make_pairing(session, child, helper, ended_on=date(2026, 4, 1),
                 end_reason=PairingEndReason.helper_left)
    make_pairing(session, child, helper, started_on=date(2026, 4, 2))
    assert session.query(Pairing).filter_by(child_id=child.id).count() == 2


def test_models_and_migrations_describe_the_same_schema(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.models import Base

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_blank_id_number_is_no_number(session):
    assert make_child(session, id_number="  ").id_number_hash is None


@pytest.mark.parametrize("parts", [{"id_number_cipher": "x"},
                                   {"id_number_hash": "0" * 64, "id_number_last4": "0011"},
                                   {"id_number_last4": "0011"}])
def test_an_id_number_is_stored_whole_or_not_at_all(session, parts):
    with pytest.raises(IntegrityError):
        make_child(session, **parts)


def _upgrade_to(engine, revision: str) -> None:
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    """Each migration runs on filled tables, not only on the empty one the tests start from.

    On SQLite, whose table rebuilds are the fragile part, whatever database the suite targets.
    """
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _upgrade_to(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO org_units (id, name, kind, path, is_mountain_area, version, created_at, "
            "updated_at) VALUES (1, '石门镇', 'town', '/1/', 0, 1, '2026-01-01', '2026-01-01'),"
            "(2, '李家村', 'village', '/1/2/', 0, 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text("UPDATE org_units SET parent_id = 1 WHERE id = 2"))
        conn.execute(text(
            "INSERT INTO children (id, name, name_pinyin, name_initials, gender, birth_date, "
            "town_id, village_id, safety_incident, boarding, guardianship_agreement, key_concern, "
            "version, created_at, updated_at) VALUES (1, '王小红', '', '', 'female', "
            "'2015-03-01', 1, 2, 0, 0, 0, 0, 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO helpers (id, name, kind, capacity, version, created_at, updated_at) "
            "VALUES (1, '李老师', 'teacher', 2, 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO pairings (id, child_id, helper_id, started_on, ended_on, end_reason, "
            "version, created_at, updated_at) VALUES (1, 1, 1, '2026-01-01', '2026-03-01', "
            "'教师调动', 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO care_contacts (id, child_id, helper_id, kind, contact_date, follow_up, "
            "version, created_at, updated_at) VALUES (1, 1, 1, 'talk', '2026-02-01', 0, 1, "
            "'2026-02-01', '2026-02-01')"))
        conn.execute(text(
            "INSERT INTO activities (id, kind, title, held_on, sessions, extra_person_times, "
            "volunteers, version, created_at, updated_at) VALUES (1, 'safety_education', "
            "'防溺水', '2026-02-01', 1, 0, 0, 1, '2026-02-01', '2026-02-01')"))
        conn.execute(text("INSERT INTO attendances (activity_id, child_id) VALUES (1, 1)"))
        conn.execute(text(
            "INSERT INTO donations (id, donated_on, money_yuan, activity_id, version, created_at, "
            "updated_at) VALUES (1, '2026-02-01', 100, 1, 1, '2026-02-01', '2026-02-01')"))
    assert schema.upgrade(engine) == schema.head_revision()
    with engine.connect() as conn:
        reason, note = conn.execute(text("SELECT end_reason, end_note FROM pairings")).one()
        assert (reason, note) == ("other", "教师调动")
        assert conn.execute(text("SELECT count(*) FROM attendances")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM care_contacts")).scalar() == 1


def test_every_vocabulary_check_lists_exactly_its_codes(tmp_path):
    """A code added to a vocabulary needs a migration that widens its CHECK constraint."""
    engine = make_engine(f"sqlite:///{tmp_path / 'checks.db'}")
    schema.upgrade(engine)
    with engine.connect() as conn:
        ddl = dict(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, SqlEnum):
                continue
            name = f"ck_{table.name}_{column.type.name}"
            found = re.search(rf"CONSTRAINT {name} CHECK \((.*)\)", ddl[table.name])
            assert found, f"{name} missing"
            assert set(re.findall(r"'([a-z_]+)'", found.group(1))) == set(column.type.enums), name


@pytest.mark.parametrize(("stored", "after"), [
    ("志愿者(爱心辅导员)每月走访至少2次", "志愿者\uff08爱心辅导员\uff09每月走访至少2次"),
    ("志愿者每月走访两次", "志愿者每月走访两次"),  # renamed by an administrator: kept
])
def test_the_volunteer_rule_gets_chinese_brackets_unless_renamed(tmp_path, stored, after):
    engine = make_engine(f"sqlite:///{tmp_path / 'rules.db'}")
    _upgrade_to(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text("UPDATE care_rules SET name = :name "
                          "WHERE code = 'volunteer_twice_monthly_visit'"), {"name": stored})
    _upgrade_to(engine, "0008")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM care_rules "
                                 "WHERE code = 'volunteer_twice_monthly_visit'")).scalar() == after
