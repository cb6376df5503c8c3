"""Roster import: all or nothing, org units created on the way, re-imports show what changes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.validators import id_number_checksum
from core.vocab import Category, GuardianType, OrgKind, RiskLevel, Role
from db.models import Child, OrgUnit, Relative
from services.access.permissions import Actor
from services.access.users import actor_for
from services.imports import run_import
from tests.factories import make_org, make_user

ADMIN = Actor.system()
HEADER = ["姓名", "性别", "出生日期", "身份证号", "儿童类别", "监护类型", "乡镇(街道)", "村(社区)",
          "学校", "年级", "父亲姓名", "父亲电话", "父亲务工地"]


def _id(birth: str, seq: str) -> str:
    first17 = f"110101{birth.replace('-', '')}{seq}"
    return first17 + id_number_checksum(first17)


GOOD = [
    ["林小雨", "女", "2015-03-02", _id("2015-03-02", "002"), "留守儿童", "隔代监护",
     "石门镇", "李家村", "石门镇中心小学", "四年级", "林大山", "13812345678", "广东东莞"],
    ["王小明", "男", "2013/9/1", "", "留守儿童、困境儿童", "父母单方监护",
     "城关街道", "城东社区", "", "", "王大力", "", ""],
]


def _csv(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode(encoding)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _import(session, data: bytes, *, actor=ADMIN, dry_run=False, filename="名单.csv"):
    return run_import(session, actor=actor, kind="roster", data=data, filename=filename,
                      dry_run=dry_run)


def test_a_good_file_adds_children_and_the_places_it_names(session):
    make_org(session, "青溪县", OrgKind.county)
    report = _import(session, _csv(GOOD))
    assert (report.ok, report.created) == (True, 2)
    lin = session.scalar(select(Child).where(Child.name == "林小雨"))
    assert lin.guardian_type is GuardianType.grandparents
    assert [r.work_place for r in lin.relatives] == ["广东东莞"]
    wang = session.scalar(select(Child).where(Child.name == "王小明"))
    assert wang.category_codes == [Category.left_behind, Category.in_difficulty]
    kinds = dict(session.execute(select(OrgUnit.name, OrgUnit.kind)).all())
    assert kinds["城关街道"] is OrgKind.subdistrict  # a name ending in 街道 is a subdistrict
    assert kinds["城东社区"] is OrgKind.community
    assert kinds["石门镇中心小学"] is OrgKind.school


def test_a_dry_run_writes_nothing(session):
    report = _import(session, _csv(GOOD), dry_run=True)
    assert report.created == 2
    assert (_count(session, Child), _count(session, OrgUnit)) == (0, 0)


@pytest.mark.parametrize(("cell", "value", "column", "reason"), [
    (1, "未知", "性别", "可填写:男、女"),
    (2, "2030-01-01", "出生日期", "不能晚于今天"),
    (2, "2015-02-30", "出生日期", "不是有效日期"),
    (3, "110101201503020013", "身份证号", "校验位"),
    (4, "流动儿童", "儿童类别", "可填写:留守儿童"),
    (7, "", "村(社区)", "必填"),
    (11, "12345", "父亲电话", "11位手机号"),
])
def test_one_bad_cell_stops_the_whole_file_with_row_column_and_reason(session, cell, value,
                                                                     column, reason):
    rows = [list(r) for r in GOOD]
    rows[1][cell] = value
    report = _import(session, _csv(rows))
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason in report.errors[0].reason
    assert (_count(session, Child), _count(session, OrgUnit)) == (0, 0)


def test_the_same_child_twice_in_one_file_is_an_error(session):
    report = _import(session, _csv([GOOD[0], GOOD[0]]))
    assert [(e.row, e.reason) for e in report.errors] == [(3, "与第2行是同一名儿童")]
    assert _count(session, Child) == 0


def test_reimporting_an_unchanged_sheet_changes_nothing(session):
    _import(session, _csv(GOOD))
    report = _import(session, _csv(GOOD))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_reimporting_an_updated_sheet_shows_each_change_before_saving(session):
    _import(session, _csv(GOOD))
    rows = [list(r) for r in GOOD]
    rows[0][9], rows[0][12] = "五年级", "浙江义乌"
    preview = _import(session, _csv(rows), dry_run=True)
    assert preview.updated == 1
    (change,) = preview.changes
    assert change.record == "林小雨"
    shown = {c.column: (c.before, c.after) for c in change.changes}
    assert shown["年级"] == ("四年级", "五年级")
    assert "浙江义乌" in shown["亲属"][1]
    assert session.scalar(select(Child.grade).where(Child.name == "林小雨")) == "四年级"
    _import(session, _csv(rows))
    assert session.scalar(select(Child.grade).where(Child.name == "林小雨")) == "五年级"
    lin = session.scalar(select(Child).where(Child.name == "林小雨"))
    assert [r.work_place for r in lin.relatives] == ["浙江义乌"]  # updated in place
    assert _count(session, Relative) == 2


def test_columns_the_sheet_lacks_keep_their_values(session):
    _import(session, _csv(GOOD))
    short = ["姓名", "性别", "出生日期", "儿童类别", "乡镇(街道)", "村(社区)"]
    keep = [[GOOD[1][i] for i in (0, 1, 2, 4, 6, 7)]]
    report = _import(session, _csv(keep, header=short))
    assert report.unchanged == 1
    wang = session.scalar(select(Child).where(Child.name == "王小明"))
    assert wang.guardian_type is GuardianType.single_parent


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_every_csv_encoding_reads_the_same(session, encoding):
    assert _import(session, _csv(GOOD, encoding=encoding)).created == 2


def test_xlsx_with_real_date_cells_and_serials(session):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    first = list(GOOD[0])
    first[2] = date(2015, 3, 2)
    second = list(GOOD[1])
    second[2] = "41518"  # 2013-09-01 as the serial number of a cell that lost its format
    sheet.append(first)
    sheet.append(second)
    buffer = io.BytesIO()
    book.save(buffer)
    report = _import(session, buffer.getvalue(), filename="名单.xlsx")
    assert report.ok, report.errors
    births = dict(session.execute(select(Child.name, Child.birth_date)).all())
    assert births == {"林小雨": date(2015, 3, 2), "王小明": date(2013, 9, 1)}


def test_a_risk_column_records_an_assessment(session):
    header = [*HEADER, "风险等级"]
    report = _import(session, _csv([[*GOOD[0], "黄"]], header=header))
    assert report.ok
    assert session.scalar(select(Child.risk_level)) is RiskLevel.yellow


def test_a_coordinator_cannot_import_children_of_another_township(session):
    town = make_org(session, "石门镇", OrgKind.town)
    make_org(session, "东乡", OrgKind.town)
    coordinator = actor_for(session, make_user(session, "liu", Role.coordinator, org_unit=town))
    rows = [list(GOOD[0])]
    rows[0][6] = "东乡"
    report = _import(session, _csv(rows), actor=coordinator)
    assert not report.ok
    assert "管辖范围" in report.errors[0].reason
    assert _count(session, Child) == 0


def test_import_history_lists_who_imported_what(session):
    from services.imports import import_history

    liu = actor_for(session, make_user(session, "liu", Role.admin))
    wang = actor_for(session, make_user(session, "wang", Role.coordinator))
    _import(session, _csv(GOOD), actor=liu, filename="石门镇名单.csv")
    (event,) = import_history(session, liu, "roster")
    assert (event.username, event.entity) == ("liu", "roster")
    assert "石门镇名单.csv" in event.summary
    assert "新增2条" in event.summary
    assert import_history(session, wang, "roster") == []  # only admins see everyone's
    assert _import(session, _csv(GOOD), dry_run=True).created == 0
    assert len(import_history(session, liu, "roster")) == 1  # a dry run is not an import
