"""`cli.py export helpers|pairings|unpaired`: the UI's lists as files, --filter only for roster."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from core.vocab import OrgKind
from db.models import AuditEvent
from services.access.cli_audit import system_user
from tests.factories import make_child, make_helper, make_org, make_pairing


@pytest.fixture
def cli_db(db_url, engine, monkeypatch):
    """石门镇 with one pairing (林小雨 · 李老师) and one child waiting (王小红)."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        helper = make_helper(session, org_unit=town, name="李老师", phone="13812345678")
        make_pairing(session, make_child(session, village=village, name="林小雨"), helper,
                     started_on=date(2026, 3, 1))
        make_child(session, village=village, name="王小红")
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(("kind", "column", "masked"), [
    ("helpers", "姓名", "李*师"), ("pairings", "儿童姓名", "林*雨"), ("unpaired", "姓名", "王*红"),
])
def test_cli_writes_each_pairing_list_masked_by_default(cli_db, tmp_path, capsys, kind,
                                                        column, masked):
    out = tmp_path / f"{kind}.csv"
    assert cli.main(["export", kind, "--out", str(out)]) == 0
    assert [r[column] for r in _rows(out.read_bytes())] == [masked]
    assert "已导出到" in capsys.readouterr().out


def test_cli_format_follows_the_file_extension(cli_db, tmp_path):
    out = tmp_path / "结对名单.xlsx"
    assert cli.main(["export", "pairings", "--out", str(out), "--include-sensitive"]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert (sheet["A1"].value, sheet["A2"].value, sheet["G2"].value) == ("儿童姓名", "林小雨",
                                                                         "李老师")


def test_cli_sensitive_export_is_in_full_and_audited(cli_db, engine, tmp_path):
    out = tmp_path / "helpers.csv"
    assert cli.main(["export", "helpers", "--out", str(out), "--format", "csv",
                     "--include-sensitive"]) == 0
    assert [(r["姓名"], r["电话"]) for r in _rows(out.read_bytes())] == [("李老师", "13812345678")]
    with Session(engine) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert (event.entity, event.username) == ("helpers", f"cli:{system_user()}")


@pytest.mark.parametrize("kind", ["helpers", "pairings", "unpaired"])
def test_cli_refuses_filter_for_lists_other_than_the_roster(cli_db, tmp_path, capsys, kind):
    out = tmp_path / "x.csv"
    assert cli.main(["export", kind, "--out", str(out), "--filter", "org=石门镇"]) == 1
    err = capsys.readouterr().err
    assert "--filter 只用于儿童名单" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_roster_filter_still_works(cli_db, tmp_path):
    out = tmp_path / "roster.csv"
    assert cli.main(["export", "roster", "--out", str(out), "--filter", "pair=unpaired",
                     "--include-sensitive"]) == 0
    assert [r["姓名"] for r in _rows(out.read_bytes())] == ["王小红"]


def test_cli_rejects_an_unknown_list(cli_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["export", "donations", "--out", str(tmp_path / "x.csv")])
    assert exited.value.code == cli.EXIT_USAGE
    assert "unpaired" in capsys.readouterr().err
