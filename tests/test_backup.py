"""cli.py backup / restore: a consistent online copy with the photos, checked before restoring.

Runs on SQLite, and on PostgreSQL scratch databases when TEST_DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from db import schema
from db.engine import make_engine
from db.models import AuditEvent, Pairing
from services.access.permissions import Actor
from services.backup import make_backup
from services.backup.archive import DATABASE_MEMBERS, Manifest
from services.care import contacts
from tests import backup_sites
from tests.backup_sites import ON_POSTGRES, Site, read_archive, write_archive

seeded, make_site = backup_sites.seeded, backup_sites.make_site  # the fixtures

DB_MEMBER = DATABASE_MEMBERS["postgresql" if ON_POSTGRES else "sqlite"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def export(site: Site, monkeypatch: pytest.MonkeyPatch, kind: str, out: Path) -> bytes:
    site.use(monkeypatch)
    assert cli.main(["export", kind, "--out", str(out), "--format", "csv",
                     "--include-sensitive"]) == 0
    return out.read_bytes()


class ContactWriter(threading.Thread):
    """Logs care contacts one per transaction, as a helper at a phone would, until told to stop."""

    def __init__(self, url: str, limit: int = 400) -> None:
        super().__init__(daemon=True)
        self.url, self.limit = url, limit
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        engine = make_engine(self.url)
        actor = Actor.system("writer")
        try:
            with Session(engine) as session:
                pairing = session.scalars(select(Pairing).where(Pairing.ended_on.is_(None))
                                          .order_by(Pairing.id)).first()
                child_id, helper_id = pairing.child_id, pairing.helper_id
            for n in range(self.limit):
                if self.stop.is_set():
                    break
                with Session(engine) as session, session.begin():
                    made = contacts.log_contact(
                        session, actor=actor, child_id=child_id, helper_id=helper_id,
                        kind="phone_visit", contact_date=date(2026, 12, 3), minutes=10,
                        notes=f"并发写入 {n}", client_token=f"writer-{n}",
                        today=date(2026, 12, 3))
                    contact_id = made.id
                self.committed.append(contact_id)
                if len(self.committed) >= 20:
                    self.started_writing.set()
        except BaseException as exc:  # reported to the test, which fails on it
            self.error = exc
        finally:
            self.started_writing.set()
            engine.dispose()


def test_backup_while_a_writer_logs_contacts_restores_every_row_committed_before_it(
        make_site, monkeypatch, capsys, tmp_path):
    source = make_site("live")
    writer = ContactWriter(source.url)
    writer.start()
    assert writer.started_writing.wait(timeout=120)
    before_backup = list(writer.committed)  # committed before the backup began
    archive = tmp_path / "夜间备份.tar.gz"
    source.use(monkeypatch)
    code, out, err = run(capsys, "--operator", "张三", "backup", "--out", str(archive))
    writer.stop.set()
    writer.join(timeout=120)
    assert writer.error is None
    assert (code, err) == (0, "")
    assert str(archive) in out and "children" in out

    manifest, _ = read_archive(archive)
    assert manifest.operator == "cli:张三"
    assert manifest.schema_revision == schema.head_revision()
    contacts_in_backup = manifest.row_counts["care_contacts"]
    seeded_contacts = source.counts()["care_contacts"] - len(writer.committed)
    assert seeded_contacts + len(before_backup) <= contacts_in_backup
    assert contacts_in_backup <= seeded_contacts + len(writer.committed)

    target = make_site("empty", with_data=False)
    target.use(monkeypatch)
    code, out, err = run(capsys, "restore", str(archive))
    assert (code, err) == (0, "")
    restored = target.counts()
    # The restore adds its own audit event; every other table is exactly the manifest's.
    assert restored.pop("audit_events") == manifest.row_counts["audit_events"] + 1
    assert restored == {k: v for k, v in manifest.row_counts.items() if k != "audit_events"}
    ids = {int(i) for i in _ids(target, "care_contacts")}
    assert set(before_backup) <= ids
    assert target.photos() == source.photos() and target.photos()


def _ids(site: Site, table: str) -> list[int]:
    engine = make_engine(site.url)
    try:
        with engine.connect() as conn:
            return list(conn.exec_driver_sql(f"SELECT id FROM {table}").scalars())
    finally:
        engine.dispose()


def test_restore_with_force_brings_back_the_lists_of_backup_time(make_site, monkeypatch,
                                                                  capsys, tmp_path):
    site = make_site("office")
    roster = export(site, monkeypatch, "roster", tmp_path / "roster-before.csv")
    contact_list = export(site, monkeypatch, "contacts", tmp_path / "contacts-before.csv")
    archive = tmp_path / "backup.tar.gz"
    assert run(capsys, "backup", "--out", str(archive))[0] == 0
    manifest, _ = read_archive(archive)

    # Changes after the backup: a contact, an account, a photo gone.
    writer = ContactWriter(site.url, limit=3)
    writer.run()
    assert writer.error is None
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("mima-2026-ok\n"))
    assert run(capsys, "user", "add", "later", "--role", "viewer")[0] == 0
    gone = next((site.data_dir / "photos").rglob("*.png"))
    gone.unlink()
    changed = site.counts()
    assert changed != manifest.row_counts

    code, _, err = run(capsys, "restore", str(archive))
    assert code == 1
    assert "已有数据" in err and "--force" in err
    assert {k: v for k, v in site.counts().items() if k != "audit_events"} == {
        k: v for k, v in changed.items() if k != "audit_events"}
    assert not gone.exists()

    code, out, err = run(capsys, "--operator", "李四", "restore", str(archive), "--force")
    assert (code, err) == (0, "")
    pre_line = next(line for line in out.splitlines() if line.startswith("恢复前的数据已备份到"))
    pre_path = Path(pre_line.split("：", 1)[1])
    pre_manifest, _ = read_archive(pre_path)  # a valid archive of the data that was replaced
    assert pre_manifest.row_counts["users"] == changed["users"]
    assert pre_manifest.row_counts["care_contacts"] == changed["care_contacts"]
    assert stat.S_IMODE(pre_path.stat().st_mode) == 0o600

    assert gone.exists()
    assert export(site, monkeypatch, "roster", tmp_path / "roster-after.csv") == roster
    assert export(site, monkeypatch, "contacts", tmp_path / "contacts-after.csv") == contact_list
    counts = site.counts()
    # The exports just made are disclosures: the audit and view logs grow, the lists do not.
    logs = {"audit_events", "view_events"}
    assert all(counts[t] == n for t, n in manifest.row_counts.items() if t not in logs)
    with Session(make_engine(site.url)) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "restore")).one()
    assert event.username == "cli:李四"
    assert event.after["rows"]["children"] == manifest.row_counts["children"]


def test_the_archive_is_readable_by_its_owner_only(make_site, monkeypatch, capsys, tmp_path):
    site = make_site("perm")
    site.use(monkeypatch)
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"an older file anyone could read")
    archive.chmod(0o644)
    old_umask = os.umask(0)
    try:
        assert run(capsys, "backup", "--out", str(archive))[0] == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".shouwang")] == []


def _tampered(archive: Path, target: Path, *, manifest: dict | None = None,
              members: dict[str, bytes] | None = None, recompute: bool = True,
              extra: list[tuple[str, bytes]] = ()) -> Path:
    """A copy of `archive` with the manifest's fields or members changed."""
    original, contents = read_archive(archive)
    contents.update(members or {})
    fields = {**original.content(), **(manifest or {})}
    if recompute:
        data = Manifest(**{k: fields.pop(k) for k in (
            "database", "schema_revision", "row_counts", "files", "created_at", "operator",
            "app", "format_version")}, extra=fields).to_json()
    else:
        raw = json.loads(original.to_json())
        raw.update(manifest or {})
        data = json.dumps(raw).encode()
    write_archive(target, [("manifest.json", data), *contents.items(), *extra])
    return target


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


REFUSALS = {
    "bad-checksum": (lambda a, t: _tampered(a, t, members={DB_MEMBER: _flip(
        read_archive(a)[1][DB_MEMBER])}), "校验值不符"),
    "manifest-edited": (lambda a, t: _tampered(a, t, manifest={"row_counts": {"children": 1}},
                                               recompute=False), "清单在备份后被修改"),
    "missing-manifest": (lambda a, t: (write_archive(t, list(read_archive(a)[1].items())), t)[1],
                         "没有清单"),
    "not-an-archive": (lambda a, t: (t.write_bytes("姓名,性别\n张三,男\n".encode()), t)[1],
                       "不是守望的备份文件"),
    "newer-schema": (lambda a, t: _tampered(a, t, manifest={"schema_revision": "9999"}),
                     "请先升级守望"),
    "newer-format": (lambda a, t: _tampered(a, t, manifest={"format_version": 99}),
                     "请先升级守望"),
    "other-database-kind": (lambda a, t: _tampered(a, t, manifest={
        "database": "sqlite" if ON_POSTGRES else "postgresql"}), "不能恢复到当前的"),
    "unlisted-member": (lambda a, t: _tampered(a, t, extra=[("photos/x.png", b"x")]),
                        "清单之外"),
    "path-escape": (lambda a, t: _tampered(a, t, extra=[("../escape.txt", b"x")]), "不安全"),
    "member-missing": (lambda a, t: _tampered(a, t, manifest={"files": {
        **read_archive(a)[0].files, "photos/lost.png": {"sha256": "0" * 64, "bytes": 1}}}),
        "不完整"),
    "counts-differ": (lambda a, t: _tampered(a, t, manifest={"row_counts": {
        **read_archive(a)[0].row_counts, "children": 999}}), "不符"),
}


@pytest.fixture
def good_archive(make_site, monkeypatch, capsys, tmp_path) -> Path:
    site = make_site("source")
    site.use(monkeypatch)
    archive = tmp_path / "good.tar.gz"
    assert run(capsys, "backup", "--out", str(archive))[0] == 0
    return archive


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(
        case, good_archive, make_site, monkeypatch, capsys, tmp_path):
    build, message = REFUSALS[case]
    bad = build(good_archive, tmp_path / f"{case}.tar.gz")
    target = make_site("target", with_data=False)
    (target.data_dir / "photos").mkdir(parents=True)
    (target.data_dir / "photos" / "keep.png").write_bytes(b"kept")
    before = target.counts()
    target.use(monkeypatch)

    code, out, err = run(capsys, "restore", str(bad), "--force")

    assert code == 1
    assert message in err, err
    assert out == ""
    after = target.counts()
    assert after.pop("audit_events") == before.pop("audit_events") + 1  # the refusal, recorded
    assert after == before
    assert target.scalar("SELECT action FROM audit_events") == "restore_refused"
    assert target.photos() == {"keep.png": b"kept"}
    assert not (tmp_path / "escape.txt").exists()
    assert [p.name for p in target.data_dir.iterdir()] == ["photos"]


def test_a_sqlite_backup_onto_postgresql_is_refused_clearly(make_site, monkeypatch, capsys,
                                                            tmp_path):
    if not ON_POSTGRES:  # CI runs the suite a second time on PostgreSQL: it runs there
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL (the suite's PostgreSQL pass)")
    lite = Site(f"sqlite:///{tmp_path / 'lite.db'}", tmp_path / "lite-data")
    lite.use(monkeypatch)
    assert run(capsys, "init")[0] == 0
    archive = tmp_path / "lite.tar.gz"
    assert run(capsys, "backup", "--out", str(archive))[0] == 0
    target = make_site("pgtarget", with_data=False)
    target.use(monkeypatch)
    code, _, err = run(capsys, "restore", str(archive), "--force")
    assert code == 1
    assert "这是 SQLite 数据库的备份，不能恢复到当前的 PostgreSQL 数据库" in err


def test_an_older_backup_is_restored_and_migrated_to_this_schema(make_site, monkeypatch,
                                                                 capsys, tmp_path):
    script = ScriptDirectory.from_config(schema.alembic_config())
    older = script.get_revision(schema.head_revision()).down_revision
    source = make_site("old", with_data=False, migrated=False)
    config = schema.alembic_config()
    engine = make_engine(source.url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, older)
    engine.dispose()
    archive = tmp_path / "old.tar.gz"
    made = make_backup(source.url, archive, actor=Actor.system("cli:测试"),
                       data_dir=source.data_dir)
    assert made.manifest.schema_revision == older

    target = make_site("new", with_data=False, migrated=False)
    target.use(monkeypatch)
    code, out, _ = run(capsys, "restore", str(archive))
    assert code == 0
    assert f"数据库已升级到版本 {schema.head_revision()}" in out
    assert target.scalar("SELECT version_num FROM alembic_version") == schema.head_revision()


def test_backup_of_an_uninitialised_database_is_refused(monkeypatch, capsys, tmp_path):
    Site(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "data").use(monkeypatch)
    code, _, err = run(capsys, "backup", "--out", str(tmp_path / "b.tar.gz"))
    assert code == 1
    assert "cli.py init" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_an_archive_cut_short_is_refused_in_chinese(seeded, make_site, monkeypatch, capsys,
                                                    tmp_path):
    seeded.use(monkeypatch)
    archive = tmp_path / "full.tar.gz"
    assert run(capsys, "backup", "--out", str(archive))[0] == 0
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    target = make_site("cut_target", with_data=False)
    target.use(monkeypatch)
    code, _, err = run(capsys, "restore", str(cut))
    assert code == 1
    assert "已损坏" in err and "Traceback" not in err and "EOFError" not in err


def test_a_database_holding_only_org_units_is_not_overwritten_without_force(
        seeded, make_site, monkeypatch, capsys, tmp_path):
    seeded.use(monkeypatch)
    archive = tmp_path / "full.tar.gz"
    assert run(capsys, "backup", "--out", str(archive))[0] == 0
    target = make_site("orgs_only", with_data=False)
    target.use(monkeypatch)
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("名称,类型\n青山县,县\n", encoding="utf-8")
    assert run(capsys, "import", "orgs", str(orgs))[0] == 0
    code, _, err = run(capsys, "restore", str(archive))
    assert code == 1
    assert "--force" in err
