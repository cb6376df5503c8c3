"""Every CLI command that reads or writes people's data says who ran it: `--operator NAME`
(before or after the command), else the operating-system user, with rows and filters."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cli
from core.vocab import OrgKind
from db.models import AuditEvent, OrgUnit, User
from services.access import cli_audit
from tests.factories import make_child, make_org

PERIOD = ["--from", "2026-09-01", "--to", "2026-11-30"]


@pytest.fixture
def cli_db(db_url, engine, monkeypatch, tmp_path):
    """石门镇 › 李家村 with two children, committed; the CLI pointed at it."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(cli_audit.getpass, "getuser", lambda: "ops")
    with Session(engine) as session, session.begin():
        county = make_org(session, "平安县", OrgKind.county)
        town = make_org(session, "石门镇", OrgKind.town, parent=county)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="林小雨", birth_date=date(2015, 3, 2))
        make_child(session, village=village, name="王小明", birth_date=date(2013, 9, 1))
    return db_url


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def events(engine, prefix: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)))


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_export_records_the_operator_rows_and_filter(cli_db, engine, capsys, tmp_path,
                                                        where):
    out = tmp_path / "名单.csv"
    command = ["export", "roster", "--out", str(out), "--filter", "cat=留守儿童"]
    args = ["--operator", "张三", *command] if where == "before" else [*command,
                                                                        "--operator", "张三"]
    assert run(capsys, *args)[0] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    [event] = events(engine, "export")
    assert event.username == "cli:张三"
    assert event.entity == "roster"
    assert event.after["rows"] == len(rows) == 2
    assert "cat" in str(event.after) + (event.summary or "")


def test_without_operator_the_os_user_is_recorded(cli_db, engine, capsys, tmp_path):
    assert run(capsys, "export", "helpers", "--out", str(tmp_path / "h.csv"))[0] == 0
    assert [e.username for e in events(engine, "export")] == ["cli:ops"]


def test_an_os_without_a_user_name_is_recorded_as_unknown(cli_db, engine, capsys, tmp_path,
                                                          monkeypatch):
    def no_user() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr(cli_audit.getpass, "getuser", no_user)
    assert run(capsys, "export", "helpers", "--out", str(tmp_path / "h.csv"))[0] == 0
    assert [e.username for e in events(engine, "export")] == ["cli:unknown"]


@pytest.mark.parametrize(("name", "message"), [
    ("", "不能为空"), ("张\u200b三", "不可见字符"), ("张三\n李四", "控制字符"),
    ("长" * 47, "最多46个字符"),
])
def test_a_bad_operator_name_is_refused_before_anything_runs(cli_db, engine, capsys, tmp_path,
                                                             name, message):
    out = tmp_path / "h.csv"
    code, _, err = run(capsys, "--operator", name, "export", "helpers", "--out", str(out))
    assert code == 1
    assert message in err
    assert not out.exists()
    assert events(engine, "") == []


def _orgs_file(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "机构.csv"
    path.write_text("\n".join(["名称,类型,上级,是否山区,在籍学生数", *rows]) + "\n",
                    encoding="utf-8-sig")
    return str(path)


def test_an_import_records_the_operator(cli_db, engine, capsys, tmp_path):
    file = _orgs_file(tmp_path, "王家村,村,石门镇,否,")
    assert run(capsys, "import", "orgs", file, "--operator", "张三")[0] == 0
    [event] = events(engine, "import")
    assert event.username == "cli:张三"
    assert event.entity == "orgs"


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_refused_or_dry_run_import_is_still_audited_and_writes_nothing(
        cli_db, engine, capsys, tmp_path, dry_run):
    file = _orgs_file(tmp_path, "王家村,村,石门镇,否,", "赵家村,村,不存在的镇,否,")
    before = _count(engine, OrgUnit)
    code, _, err = run(capsys, "--operator", "张三", "import", "orgs", file,
                       *(["--dry-run"] if dry_run else []))
    assert code == 1
    assert "第3行" in err
    assert _count(engine, OrgUnit) == before
    [event] = events(engine, "import")
    assert event.username == "cli:张三"
    assert event.entity == "orgs"
    assert event.action != "import" or "问题" in (event.summary or "")


def test_an_unreadable_import_file_is_refused_and_audited(cli_db, engine, capsys, tmp_path):
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    code, _, err = run(capsys, "--operator", "张三", "import", "roster", str(bad))
    assert code == 1
    assert err.startswith("错误")
    [event] = events(engine, "import")
    assert (event.username, event.entity) == ("cli:张三", "roster")


def test_stats_records_the_unit_and_period(cli_db, engine, capsys):
    assert run(capsys, "stats", "--json", *PERIOD, "--org", "石门镇", "--operator", "张三")[0] == 0
    [event] = events(engine, "stats")
    assert event.username == "cli:张三"
    assert (event.after["org"], event.after["date_from"], event.after["date_to"]) == (
        "石门镇", "2026-09-01", "2026-11-30")
    assert event.after["children"] == 2


def test_a_report_file_records_the_operator(cli_db, engine, capsys, tmp_path):
    out = tmp_path / "总结.md"
    assert run(capsys, "--operator", "张三", "report", *PERIOD, "--format", "md",
               "--out", str(out))[0] == 0
    assert out.read_text(encoding="utf-8")
    [event] = events(engine, "report")
    assert event.username == "cli:张三"
    assert "md" in str(event.after)


def test_a_stats_refusal_is_audited(cli_db, engine, capsys):
    code, _, err = run(capsys, "stats", *PERIOD, "--org", "没有这个镇", "--operator", "张三")
    assert code == 1
    assert "没有这个镇" in err
    [event] = events(engine, "stats")
    assert (event.action, event.username) == ("stats_refused", "cli:张三")
    assert "没有这个镇" in event.summary


def test_user_add_records_the_operator(cli_db, engine, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("mima-2026-ok\n"))
    code = run(capsys, "--operator", "张三", "user", "add", "wanglaoshi", "--role", "viewer")[0]
    assert code == 0
    with Session(engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == "wanglaoshi"))
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "user",
                                                        AuditEvent.entity_id == str(user_id)))
    assert (event.action, event.username) == ("create", "cli:张三")


def test_a_backup_records_the_operator_file_and_row_counts(cli_db, engine, capsys, tmp_path):
    archive = tmp_path / "备份.tar.gz"
    assert run(capsys, "backup", "--out", str(archive), "--operator", "张三")[0] == 0
    [event] = events(engine, "backup")
    assert event.username == "cli:张三"
    assert event.after["file"] == str(archive)
    assert event.after["bytes"] == archive.stat().st_size
    assert event.after["rows"]["children"] == 2


def test_a_clean_dry_run_is_audited_and_writes_nothing(cli_db, engine, capsys, tmp_path):
    before = _count(engine, OrgUnit)
    file = _orgs_file(tmp_path, "王家村,村,石门镇,否,")
    assert run(capsys, "import", "orgs", file, "--dry-run", "--operator", "张三")[0] == 0
    assert _count(engine, OrgUnit) == before
    [event] = events(engine, "import")
    assert (event.username, event.entity) == ("cli:张三", "orgs")
    assert "试导入" in (event.summary or "") or event.after.get("dry_run")
