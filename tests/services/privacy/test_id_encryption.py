"""身份证号 at rest: never in the clear in the database, its file or its dump, and still found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.orm import Session

from cli import main
from config import ConfigError
from core.errors import ValidationFailed
from core.validators import id_number_checksum
from core.vocab import Category, Gender, Role
from db import schema
from db.engine import make_engine
from db.field_crypto import (
    DEMO_FIELD_KEY,
    FIELD_KEY_VARIABLE,
    FieldKey,
    FieldKeyMismatch,
    _key_for,
    active_key,
    new_key_text,
)
from db.models import AuditEvent, Child
from services.access.permissions import Actor
from services.access.saved_filters import save_filter
from services.backup import BackupError, make_backup, restore_backup
from services.exports.roster_export import export_roster
from services.imports.child_lookup import ChildKey, ChildLookup, ChildNotFound
from services.privacy.field_keys import rotate_field_key
from services.roster import records as roster
from services.roster.child_input import ChildInput
from services.roster.records import DuplicateChild
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import search_children
from tests.factories import make_town_with_village, make_user
from tests.services.privacy.stored import stored_bytes

TODAY = date(2026, 11, 30)
ADMIN = Actor(user_id=None, username="admin", role=Role.admin)


def number(born: date, serial: str = "001") -> str:
    first17 = f"430102{born:%Y%m%d}{serial}"
    return first17 + id_number_checksum(first17)


LIN = number(date(2015, 3, 1), "002")    # a girl: the 17th digit is even
ZHAO = number(date(2014, 6, 9), "013")   # a boy


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    _key_for.cache_clear()
    yield
    _key_for.cache_clear()


@pytest.fixture
def places(session: Session) -> tuple[int, int]:
    town, village = make_town_with_village(session, "石门镇", "李家村")
    session.commit()
    return town.id, village.id


def _add(session: Session, places: tuple[int, int], name: str, id_number: str,
         gender: Gender) -> Child:
    town_id, village_id = places
    child = roster.create_child(session, actor=ADMIN, today=TODAY, data=ChildInput(
        name=name, gender=gender, birth_date=date(int(id_number[6:10]), int(id_number[10:12]),
                                                  int(id_number[12:14])),
        town_id=town_id, village_id=village_id, id_number=id_number,
        categories=[Category.left_behind]))
    session.commit()
    return child


@pytest.fixture
def two_children(session: Session, places: tuple[int, int]) -> None:
    _add(session, places, "林小雨", LIN, Gender.female)
    _add(session, places, "赵小刚", ZHAO, Gender.male)


def _names(session: Session, query: str) -> set[str]:
    page = search_children(session, ADMIN, RosterFilter(text=query), today=TODAY)
    return {row.name for row in page.rows}


def test_no_id_number_is_stored_in_the_clear_yet_each_is_found(
        engine: Engine, session: Session, two_children: None) -> None:
    stored = stored_bytes(engine)

    for plain in (LIN, ZHAO):
        assert plain.encode() not in stored
        assert plain[:14].encode() not in stored   # not even the region code and birth date
    assert _names(session, LIN) == {"林小雨"}       # the whole number, by keyed hash
    assert _names(session, ZHAO[-4:]) == {"赵小刚"}  # the last 4, kept for the suffix search
    assert _names(session, number(date(2015, 3, 1), "012")) == set()
    child = session.scalar(select(Child).where(Child.name == "林小雨"))
    assert child is not None and child.id_number == LIN
    assert child.id_number_cipher and LIN not in child.id_number_cipher


def test_the_database_dump_holds_no_id_number(engine: Engine, two_children: None) -> None:
    if engine.url.get_backend_name() != "postgresql":
        pytest.skip("a dump is a PostgreSQL matter; the SQLite file is checked above")
    dump = stored_bytes(engine)
    assert b"COPY public.children" in dump       # the dump does hold the children
    assert LIN.encode() not in dump and ZHAO.encode() not in dump


def test_the_same_number_is_refused_as_a_duplicate(session: Session, places, two_children) -> None:
    with pytest.raises(DuplicateChild) as refused:
        _add(session, places, "林晓雨", LIN, Gender.female)
    assert "身份证号相同" in str(refused.value.duplicates[0].reason)


def test_an_import_finds_a_child_by_id_number(session: Session, two_children: None) -> None:
    lookup = ChildLookup.load(session, ADMIN, [ChildKey("林小雨", id_number=LIN),
                                               ChildKey("赵小刚", id_number=LIN)])
    assert lookup.find(ChildKey("林小雨", id_number=LIN)).name == "林小雨"
    with pytest.raises(ChildNotFound, match="登记的儿童是“林小雨”"):
        lookup.find(ChildKey("赵小刚", id_number=LIN))


def test_the_audit_log_keeps_only_the_last_4(session: Session, two_children: None) -> None:
    logged = session.scalars(select(AuditEvent).where(AuditEvent.entity == "child")).all()
    assert logged
    for event in logged:
        assert LIN not in str(event.after) and ZHAO not in str(event.after)
    assert {str((e.after or {}).get("id_number_last4")) for e in logged} == {LIN[-4:], ZHAO[-4:]}


def test_a_search_by_number_leaves_only_its_last_4_in_the_log(
        engine: Engine, session: Session, two_children: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A search by the whole number is recorded with an export (page and command line) and a
    refused command records its arguments: each keeps the last 4; a saved filter refuses it."""
    export_roster(session, actor=ADMIN, roster_filter=RosterFilter(text=LIN), fmt="csv",
                  today=TODAY, include_sensitive=True)
    user = make_user(session, "coordinator", Role.admin)
    with pytest.raises(ValidationFailed, match="身份证号"):
        save_filter(session, actor=Actor(user_id=user.id, username="coordinator",
                                         role=Role.admin),
                    page="roster", name="林", params=RosterFilter(text=LIN).to_query_params())
    save_filter(session, actor=Actor(user_id=user.id, username="coordinator", role=Role.admin),
                page="roster", name="后4位", params=RosterFilter(text=LIN[-4:]).to_query_params())
    session.commit()
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["export", "roster", "--filter", f"q={ZHAO}", "--out",
                 str(tmp_path / "roster.csv")]) == 0
    assert main(["export", "helpers", "--filter", f"q={ZHAO}", "--out",
                 str(tmp_path / "helpers.csv")]) == 1  # refused: --filter is for the roster

    stored = stored_bytes(engine)
    assert LIN.encode() not in stored and ZHAO.encode() not in stored
    assert LIN[6:14].encode() not in stored and ZHAO[6:14].encode() not in stored
    logged = " ".join(f"{e.summary} {e.after}" for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(
            ("export", "export_sensitive", "export_refused")))))
    assert f"*{LIN[-4:]}" in logged and f"*{ZHAO[-4:]}" in logged


def test_a_missing_key_is_refused_outside_demo_mode(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(FIELD_KEY_VARIABLE, raising=False)
    monkeypatch.setenv("SHOUWANG_DEMO", "0")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=FIELD_KEY_VARIABLE):
        active_key()
    _key_for.cache_clear()
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    assert active_key().fingerprint() == FieldKey.from_text(DEMO_FIELD_KEY.decode()).fingerprint()


@pytest.mark.parametrize("bad", ["short", "x" * 44, "changeme"])
def test_a_malformed_key_is_refused(monkeypatch, bad: str) -> None:
    monkeypatch.setenv(FIELD_KEY_VARIABLE, bad)
    with pytest.raises(ConfigError, match="不是有效的密钥"):
        active_key()


def test_another_key_cannot_read_or_find_the_numbers(session: Session, monkeypatch,
                                                    two_children: None) -> None:
    monkeypatch.setenv(FIELD_KEY_VARIABLE, new_key_text())
    child = session.scalar(select(Child).where(Child.name == "林小雨"))
    assert child is not None
    with pytest.raises(FieldKeyMismatch, match="不是用当前"):
        _ = child.id_number
    assert _names(session, LIN) == set()


def test_rotating_the_key_re_encrypts_every_number(engine: Engine, session: Session,
                                                   monkeypatch, tmp_path: Path,
                                                   two_children: None) -> None:
    old = active_key()
    key_file = tmp_path / "new.key"
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))

    assert main(["rotate-key", "--new-key-file", str(key_file)]) == 0

    assert key_file.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(FIELD_KEY_VARIABLE, key_file.read_text().strip())
    session.expire_all()
    assert _names(session, LIN) == {"林小雨"}
    child = session.scalar(select(Child).where(Child.name == "赵小刚"))
    assert child is not None and child.id_number == ZHAO
    with pytest.raises(FieldKeyMismatch):
        old.decrypt(child.id_number_cipher or "")
    assert session.scalar(select(AuditEvent.summary).where(
        AuditEvent.action == "rotate_field_key")) == "身份证号换用新密钥重新加密，共 2 条"


def test_a_wrong_old_key_changes_nothing(session: Session, two_children: None) -> None:
    before = session.execute(select(Child.id_number_cipher).order_by(Child.id)).scalars().all()
    wrong = FieldKey.from_text(new_key_text())
    with pytest.raises(FieldKeyMismatch):
        rotate_field_key(session, ADMIN, wrong, FieldKey.from_text(new_key_text()))
    session.rollback()
    assert session.execute(select(Child.id_number_cipher).order_by(Child.id)).scalars().all() \
        == before


def test_only_an_administrator_rotates_the_key(session: Session, two_children: None) -> None:
    from services.access.permissions import PermissionDenied
    coordinator = Actor(user_id=None, username="c", role=Role.coordinator, org_unit_id=1)
    with pytest.raises(PermissionDenied):
        rotate_field_key(session, coordinator, active_key(), FieldKey.from_text(new_key_text()))


def test_a_backup_restores_only_under_its_key(engine: Engine, monkeypatch, tmp_path: Path,
                                              two_children: None) -> None:
    if engine.url.get_backend_name() != "sqlite":
        pytest.skip("the key check reads the manifest, the same for both; SQLite is quicker")
    url = engine.url.render_as_string(hide_password=False)
    archive = tmp_path / "b.tar.gz"
    make_backup(url, archive, actor=ADMIN, data_dir=tmp_path / "data")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    monkeypatch.setenv(FIELD_KEY_VARIABLE, new_key_text())

    with pytest.raises(BackupError, match="另一把密钥"):
        restore_backup(target, archive, actor=ADMIN, data_dir=tmp_path / "target-data")
    assert not (tmp_path / "target.db").exists() or _children(target) == 0


def _children(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM sqlite_master "
                                     "WHERE name = 'children'")).scalar() or 0
    finally:
        engine.dispose()


def test_the_migration_encrypts_numbers_already_stored(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO org_units (id, name, kind, path, is_mountain_area, version, created_at, "
            "updated_at) VALUES (1, '石门镇', 'town', '/1/', 0, 1, '2026-01-01', '2026-01-01'),"
            "(2, '李家村', 'village', '/1/2/', 0, 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO children (id, name, name_pinyin, name_initials, gender, birth_date, "
            "id_number, town_id, village_id, safety_incident, boarding, guardianship_agreement, "
            "key_concern, version, created_at, updated_at) VALUES (1, '林小雨', '', '', 'female', "
            f"'2015-03-01', '{LIN}', 1, 2, 0, 0, 0, 0, 1, '2026-01-01', '2026-01-01')"))
        conn.execute(text(
            "INSERT INTO audit_events (at, action, entity, entity_id, summary, \"after\") VALUES "
            f"('2026-01-01', 'create', 'child', '1', '新建', '{{\"id_number\": \"{LIN}\"}}')"))

    assert schema.upgrade(engine) == schema.head_revision()

    with Session(engine) as session:
        child = session.get(Child, 1)
        assert child is not None and child.id_number == LIN and child.id_number_last4 == LIN[-4:]
        event = session.scalars(select(AuditEvent)).one()
        assert event.after == {"id_number": "*" * 14 + LIN[-4:]}
    engine.dispose()
    assert LIN.encode() not in (tmp_path / "old.db").read_bytes()
    assert make_url(str(engine.url)).database


def test_a_new_server_gets_its_first_key_and_nothing_runs_without_one(
        monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.delenv(FIELD_KEY_VARIABLE, raising=False)
    monkeypatch.setenv("SHOUWANG_DEMO", "0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.chdir(tmp_path)
    _key_for.cache_clear()
    assert main(["init"]) == 1
    assert FIELD_KEY_VARIABLE in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()  # refused before anything was made

    assert main(["rotate-key", "--new-key-file", str(tmp_path / "first.key")]) == 0
    assert "已生成密钥" in capsys.readouterr().out
    assert main(["rotate-key", "--new-key-file", str(tmp_path / "first.key")]) == 1
    assert "可能就是您的密钥" in capsys.readouterr().err  # never over a key file
    monkeypatch.setenv(FIELD_KEY_VARIABLE, "changeme")    # set but unusable: refused, not replaced
    _key_for.cache_clear()
    assert main(["rotate-key", "--new-key-file", str(tmp_path / "other.key")]) == 1
    assert "不是有效的密钥" in capsys.readouterr().err and not (tmp_path / "other.key").exists()
    assert oct((tmp_path / "first.key").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(FIELD_KEY_VARIABLE, (tmp_path / "first.key").read_text().strip())
    _key_for.cache_clear()
    assert main(["init"]) == 0
