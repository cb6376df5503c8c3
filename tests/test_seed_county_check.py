"""The county of the seeds' summary 8, imported through `cli.py import` and read back.

留守困境儿童关爱服务活动总结 8 (/work/shared/seeds/care-service-summaries.zh.txt): 12 乡镇(街道),
250 left-behind children aged 1–18, 98.8% in the townships, 43.2% in the northern mountains, 30.4%
under 7, 57.6% of families in hardship, 13.6% excellent and 20.4% good at school; 110 volunteers
paired with 202 children; 6 activities; 4 送温暖 activities giving 1万余元 to 61 children. Its
files go in as a coordinator's would (orgs, roster, helpers, pairings, activities), then
`cli.py stats --json` and the written 活动总结 must give those figures back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

import cli
from config import local_today

TODAY = local_today()
START = TODAY - timedelta(days=330)
PERIOD = ["--from", START.isoformat(), "--to", TODAY.isoformat()]

COUNTY = "万全县"
# (乡镇, its village, mountain area, children): the first four are the northern mountains.
TOWNS = [("高庙堡乡", "高庙堡村", True, 27), ("膳房堡乡", "谷威村", True, 27),
         ("洗马林镇", "洗马林村", True, 27), ("宣平堡乡", "宣平堡村", True, 27),
         ("万全镇", "万全村", False, 20), ("孔家庄镇", "孔家庄村", False, 20),
         ("郭磊庄镇", "郭磊庄村", False, 20), ("北新屯乡", "北新屯村", False, 20),
         ("安家堡乡", "安家堡村", False, 20), ("旧堡乡", "旧堡村", False, 20),
         ("左卫镇", "左卫村", False, 19)]
STREET, COMMUNITY, IN_STREET = "城关街道", "城关社区", 3
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["小明", "小红", "小刚", "晓雨", "子涵", "浩然", "欣怡", "梓轩", "雨桐", "佳怡", "思远",
         "嘉豪", "雅琪", "宇航", "梦瑶"]
HELPER_GIVEN = ["建国", "秀英", "丽华", "志强", "海燕", "卫东"]

CHILDREN, HELPERS, PAIRED = 250, 110, 202
UNDER_7, HARDSHIP, EXCELLENT, GOOD = 76, 144, 34, 51
# 送温暖 and 助学: (name, children, yuan); the children are the first 61 in hardship.
WARMTH = [("春节送温暖", 15, 2700), ("六一送温暖", 16, 3000), ("中秋送温暖", 15, 2500),
          ("助学送温暖", 15, 2000)]
# The volunteers' 6 activities: (name, kind, 场次, 人次), 10 children named in each.
OTHERS = [("学业辅导进村", "课业辅导", 2, 40), ("心理疏导讲座", "心理健康", 1, 60),
          ("暑期防溺水安全教育", "安全教育", 2, 120), ("与留守儿童共度周末", "志愿服务", 1, 45),
          ("城乡少年手拉手", "志愿服务", 1, 80), ("给爸爸妈妈写家信", "亲情连线", 1, 30)]


@dataclass(frozen=True)
class Kid:
    name: str
    born: date
    town: str
    village: str
    hardship: bool
    academic: str


def _kids() -> list[Kid]:
    """250 children with distinct names, the shares of summary 8 spread over the towns."""
    places = [(t, v) for t, v, _, n in TOWNS for _ in range(n)]
    places += [(STREET, COMMUNITY)] * IN_STREET
    names = [s + g for g in GIVEN for s in SURNAMES]
    young, older = date(TODAY.year - 5, 3, 1), date(TODAY.year - 10, 3, 1)
    kids = []
    for i, (town, village) in enumerate(places):
        rank = (i * 7) % CHILDREN  # spreads each share over the towns
        academic = ("优秀" if rank < EXCELLENT else "良好" if rank < EXCELLENT + GOOD
                    else "中等" if rank < 200 else "较差")
        kids.append(Kid(names[i], young if (i * 3) % CHILDREN < UNDER_7 else older, town,
                        village, (i * 11) % CHILDREN < HARDSHIP, academic))
    return kids


def _write(folder: Path, name: str, rows: list[list[object]]) -> str:
    path = folder / name
    path.write_bytes("\n".join(",".join(map(str, r)) for r in rows).encode("utf-8-sig") + b"\n")
    return str(path)


def _files(folder: Path, kids: list[Kid]) -> dict[str, str]:
    orgs = [["名称", "类型", "上级", "是否山区", "在籍学生数"], [COUNTY, "县", "", "", ""]]
    for town, village, mountain, _ in TOWNS:
        flag = "是" if mountain else "否"
        orgs += [[town, "乡镇", COUNTY, flag, ""], [village, "村", town, flag, ""]]
    orgs += [[STREET, "街道", COUNTY, "否", ""], [COMMUNITY, "社区", STREET, "否", ""]]
    roster = [["姓名", "性别", "出生日期", "儿童类别", "留守类型", "监护类型", "乡镇(街道)",
               "村(社区)", "家庭经济状况", "学业成绩"]]
    roster += [[k.name, "男女"[i % 2], k.born, "留守儿童", "父母双方外出", "(外)祖父母监护",
                k.town, k.village, "困难" if k.hardship else "一般", k.academic]
               for i, k in enumerate(kids)]
    helper_names = [s + g for g in HELPER_GIVEN for s in SURNAMES][:HELPERS]
    towns = [t for t, *_ in TOWNS]
    helpers = [["姓名", "类型", "单位", "电话", "可结对人数"]]
    helpers += [[name, "志愿者", towns[j % len(towns)], "", 2]
                for j, name in enumerate(helper_names)]
    # 92 volunteers with two children each, 18 with one: 202 children.
    pairs = [(kids[c], helper_names[c // 2] if c < 184 else helper_names[c - 92])
             for c in range(PAIRED)]
    pairings = [["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "开始日期"]]
    pairings += [[k.name, k.born, "", helper, START] for k, helper in pairs]
    return {"orgs": _write(folder, "组织机构.csv", orgs),
            "roster": _write(folder, "花名册.csv", roster),
            "helpers": _write(folder, "帮扶人.csv", helpers),
            "pairings": _write(folder, "结对.csv", pairings),
            "activities": _write(folder, "活动.csv", _activities(kids))}


def _activities(kids: list[Kid]) -> list[list[object]]:
    rows: list[list[object]] = [["名称", "类型", "日期", "场次", "人次", "参加儿童", "捐助金额(元)",
                                 "捐助物资", "资源方"]]
    poor = [k.name for k in kids if k.hardship]
    taken = 0
    for n, (title, count, yuan) in enumerate(WARMTH):
        day = TODAY - timedelta(days=300 - 70 * n)
        rows.append([title, "节日慰问", day, 1, "", "、".join(poor[taken:taken + count]), yuan,
                     "书包、文具", "县慈善总会"])
        taken += count
    for n, (title, kind, sessions, times) in enumerate(OTHERS):
        day = TODAY - timedelta(days=280 - 45 * n)
        names = "、".join(k.name for k in kids[100 + 10 * n:110 + 10 * n])
        rows.append([title, kind, day, sessions, times, names, "", "", ""])
    return rows


@pytest.fixture
def county(db_url, monkeypatch, tmp_path, capsys) -> Path:
    """Summary 8's county, imported file by file through the command line."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    files = _files(tmp_path, _kids())
    for kind in ("orgs", "roster", "helpers", "pairings", "activities"):
        assert cli.main(["import", kind, files[kind]]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return tmp_path


def test_the_files_hold_the_shares_of_summary_8():
    kids = _kids()
    assert len(kids) == len({k.name for k in kids}) == CHILDREN
    assert round(100 * sum(k.town != STREET for k in kids) / CHILDREN, 1) == 98.8
    mountain = sum(n for *_, m, n in TOWNS if m)
    assert round(100 * mountain / CHILDREN, 1) == 43.2
    assert round(100 * sum(k.born.year == TODAY.year - 5 for k in kids) / CHILDREN, 1) == 30.4
    assert round(100 * sum(k.hardship for k in kids) / CHILDREN, 1) == 57.6
    assert sum(n for _, n, _ in WARMTH) == 61
    assert 10_000 <= sum(y for *_, y in WARMTH) < 11_000  # 1万余元


def test_stats_give_back_the_county_of_summary_8(county, capsys):
    assert cli.main(["stats", "--json", *PERIOD]) == 0
    figures = json.loads(capsys.readouterr().out)

    children = figures["children"]
    assert children["total"] == CHILDREN
    assert children["by_category"]["left_behind"] == CHILDREN
    assert len(children["by_town"]) == len(TOWNS) + 1  # 12 乡镇(街道)
    assert children["in_townships"] == CHILDREN - IN_STREET
    assert children["in_mountain_area"] == 108
    assert children["by_age_band"]["0-6"] == UNDER_7
    assert children["by_economic_status"]["hardship"] == HARDSHIP
    assert children["by_academic_level"]["excellent"] == EXCELLENT
    assert children["by_academic_level"]["good"] == GOOD
    pairing = figures["pairing"]
    assert (pairing["helpers"], pairing["helpers_by_kind"]["volunteer"]) == (HELPERS, HELPERS)
    assert (pairing["children_paired"], pairing["unpaired"]) == (PAIRED, CHILDREN - PAIRED)
    activities = figures["activities"]
    assert activities["by_kind"]["festival_visit"] == {"sessions": 4, "person_times": 61}
    assert activities["total"] == {"sessions": 4 + sum(s for _, _, s, _ in OTHERS),
                                   "person_times": 61 + sum(t for *_, t in OTHERS)}
    assert figures["donations"] == {"money_yuan": 10_200.0, "children_helped": 61}


def test_the_written_summary_quotes_those_figures(county, capsys):
    out = county / "活动总结.md"
    assert cli.main(["report", *PERIOD, "--format", "md", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")

    # The numbers with their units, whatever the sentences around them become.
    for figure in (r"250\s*[人名]", r"110\s*[人名]", r"202\s*[人名]", r"61\s*[人名]",
                   r"10,?200(\.00)?\s*元", rf"{4 + sum(s for _, _, s, _ in OTHERS)}\s*场"):
        assert re.search(figure, text), (figure, text)
