"""`cli.py import helpers|pairings`: counts on success, exit 1 and a row report otherwise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cli
from core.vocab import HelperKind
from db.models import Helper, Pairing
from tests.factories import make_child, make_helper, make_town_with_village


@pytest.fixture
def cli_db(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


@pytest.fixture
def village_with_child(cli_db, engine):
    """石门镇 › 李家村 with 林小雨 and a volunteer who can take one child, committed."""
    with Session(engine) as session, session.begin():
        town, village = make_town_with_village(session)
        make_child(session, village=village, name="林小雨", birth_date=date(2015, 3, 2))
        make_child(session, village=village, name="王小明", birth_date=date(2013, 9, 1))
        make_helper(session, org_unit=town, name="刘建国", kind=HelperKind.volunteer, capacity=1)


def _write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8-sig") -> str:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return str(path)


def _count(engine, model) -> int:
    with Session(engine) as other:
        return other.scalar(select(func.count()).select_from(model))


def test_cli_import_pairings_with_bad_rows_exits_1_and_lists_each_row(village_with_child,
                                                                      engine, tmp_path,
                                                                      capsys):
    path = _write(tmp_path, "结对.csv", ["儿童姓名,儿童出生日期,帮扶人姓名,开始日期",
                                        "林小雨,2015-03-02,刘建国,2025-09-01",
                                        "王小明,,刘建国,",
                                        "赵四,,刘建国,"])

    assert cli.main(["import", "pairings", path]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "结对.csv：发现2处问题，未写入任何数据。"
    assert lines[1].startswith("  第3行 [帮扶人姓名] 帮扶人“刘建国”可结对1人，目前已结对1人")
    assert lines[2] == "  第4行 [儿童姓名] 找不到儿童“赵四”（或不在您的管辖范围内）"
    assert _count(engine, Pairing) == 0


def test_cli_imports_helpers_then_pairings_from_gb18030(village_with_child, engine, tmp_path,
                                                        capsys):
    helpers = _write(tmp_path, "帮扶人.csv", ["姓名,类型,单位,电话,可结对人数",
                                             "陈丽华,班主任,李家村,13907451234,"],
                     encoding="gb18030")
    pairings = _write(tmp_path, "结对.csv", ["儿童姓名,儿童出生日期,帮扶人姓名,开始日期",
                                            "林小雨,2015-03-02,陈丽华,2025-09-01",
                                            "王小明,,陈丽华,"])

    assert cli.main(["import", "helpers", helpers]) == 0
    assert cli.main(["import", "pairings", pairings, "--dry-run"]) == 0
    assert _count(engine, Pairing) == 0
    assert cli.main(["import", "pairings", pairings]) == 0
    assert cli.main(["import", "pairings", pairings]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "导入完成：共读取1行：已新增1条，已更新0条，无变化0条。",
        "试导入（未写入）：共读取2行：将新增2条，将更新0条，无变化0条。",
        "导入完成：共读取2行：已新增2条，已更新0条，无变化0条。",
        "导入完成：共读取2行：已新增0条，已更新0条，无变化2条。",
    ]
    assert (_count(engine, Helper), _count(engine, Pairing)) == (2, 2)
