"""`cli.py stats`: the dashboard's figures as CONTRACTS.md's JSON, or as sentences."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

import cli
from core.vocab import OrgKind
from db.models import CareRule
from tests.factories import make_org
from tests.services.stats.test_stats import blank, build_world, county_expected, town_expected

PERIOD = ["--from", "2026-09-01", "--to", "2026-11-30"]


@pytest.fixture
def cli_db(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


@pytest.fixture
def county(cli_db, engine) -> None:
    """test_stats's small county, committed, with the care rules off (as those figures are)."""
    with Session(engine) as session, session.begin():
        build_world(session)
        session.execute(update(CareRule).values(is_active=False))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["stats", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_the_whole_county(county, capsys):
    code, out, err = run(capsys, "--json", *PERIOD)
    assert (code, err) == (0, "")
    assert json.loads(out) == county_expected()


def test_json_for_one_township(county, capsys):
    code, out, _ = run(capsys, "--json", *PERIOD, "--org", "石门镇")
    assert code == 0
    figures = json.loads(out)
    assert figures == town_expected()
    assert list(figures) == ["scope", "children", "pairing", "contacts", "activities", "needs",
                             "wishes", "donations", "compliance", "surveys"]


def test_json_on_an_empty_database_has_every_key(cli_db, engine, capsys):
    with Session(engine) as session, session.begin():
        make_org(session, "平安县", OrgKind.county)
    code, out, _ = run(capsys, "--json", *PERIOD)
    assert code == 0
    figures = json.loads(out)
    # the built-in care rules are on: each is listed with nothing due
    rules = figures.pop("compliance")
    assert figures == {k: v for k, v in blank("平安县").items() if k != "compliance"}
    assert rules == {code: {"due": 0, "met": 0, "rate": 0.0} for code in (
        "monthly_talk", "term_home_visit", "monthly_guardian_contact", "weekly_parent_call",
        "red_weekly_visit", "yellow_twice_monthly_visit", "volunteer_twice_monthly_visit")}


def test_the_json_is_utf8_chinese_not_escapes(county, capsys):
    _, out, _ = run(capsys, "--json", *PERIOD, "--org", "石门镇")
    assert '"org": "石门镇"' in out
    assert "\\u" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01", "--to", "2026-11-30"], "日期应写成 2026-09-01 的形式"),
    (["--from", "2026/09/01", "--to", "2026-11-30"], "日期应写成 2026-09-01 的形式"),
    (["--from", "2026-09-01", "--to", "昨天"], "日期应写成 2026-09-01 的形式"),
    (["--from", "2026-12-01", "--to", "2026-11-30"], "开始日期不能晚于结束日期"),
    ([*PERIOD, "--org", "不存在的镇"], "找不到唯一名为“不存在的镇”的单位"),
])
@pytest.mark.parametrize("as_json", [True, False])
def test_bad_input_is_a_chinese_error_and_exit_1(county, capsys, args, message, as_json):
    code, out, err = run(capsys, *(["--json"] if as_json else []), *args)
    assert code == 1
    assert out == ""
    assert err.startswith("错误")
    assert message in err
    assert "Traceback" not in err


def test_an_ambiguous_org_name_is_refused(county, engine, capsys):
    with Session(engine) as session, session.begin():
        make_org(session, "石门镇", OrgKind.town)  # a second one
    code, _, err = run(capsys, "--json", *PERIOD, "--org", "石门镇")
    assert code == 1
    assert "找不到唯一名为“石门镇”的单位（找到2个）" in err


def test_without_json_prints_one_line_per_section(county, capsys):
    code, out, _ = run(capsys, *PERIOD, "--org", "石门镇")
    assert code == 0
    lines = out.splitlines()
    assert [line[:line.index("】") + 1] for line in lines] == [
        "【基本情况】", "【监护与留守】", "【分布】", "【家庭与学业】", "【安全与心理】",
        "【结对帮扶】", "【活动与走访】", "【需求、心愿与捐助】", "【帮扶要求】", "【问卷】"]
    assert lines[0].startswith("【基本情况】石门镇现有关爱对象3人")
    assert "本期共开展活动3场\uff0c服务8人次" in out
    assert lines[8] == "【帮扶要求】当前没有需要完成的帮扶要求。"


def test_without_dates_the_period_is_this_term_to_today(county, capsys):
    code, out, _ = run(capsys, "--json")
    assert code == 0
    scope = json.loads(out)["scope"]
    assert scope["org"] == "平安县"
    assert scope["from"] < scope["to"]
    assert scope["from"][5:] in ("02-01", "09-01")
