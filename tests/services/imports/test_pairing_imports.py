"""Helper and pairing imports: the pairing page's rules, row by row, and nothing half-written."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from config import local_today
from core.errors import PermissionDenied
from core.validators import id_number_checksum
from core.vocab import Gender, HelperKind, OrgKind, PairingEndReason, Role
from db.base import utcnow
from db.models import AuditEvent, Helper, OrgUnit, Pairing
from services.access.permissions import Actor
from services.access.users import actor_for
from services.imports import run_import
from services.imports.child_lookup import ChildKey, ChildLookup, ChildNotFound
from tests.factories import (
    audited_writes,
    import_probes,
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_town_with_village,
    make_user,
)

ADMIN = Actor.system()
TODAY = local_today()
# Well past tomorrow: the module is read before its tests run, and a run crossing midnight
# (local time) would make tomorrow today.
FUTURE = timedelta(days=30)
TEMPLATES = Path(__file__).resolve().parents[3] / "sample_data" / "templates"
HELPER_HEADER = ["姓名", "类型", "单位", "电话", "可结对人数"]
PAIRING_HEADER = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "开始日期"]


def _id(birth: str, seq: str = "002") -> str:
    first17 = f"110101{birth.replace('-', '')}{seq}"
    return first17 + id_number_checksum(first17)


def _csv(header: list[str], rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode(encoding)


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))



def _helpers(session, rows, *, header=HELPER_HEADER, actor=ADMIN, dry_run=False,
             data: bytes | None = None, filename="帮扶人.csv"):
    return run_import(session, actor=actor, kind="helpers", data=data or _csv(header, rows),
                      filename=filename, dry_run=dry_run)


def _pairings(session, rows, *, header=PAIRING_HEADER, actor=ADMIN, dry_run=False,
              data: bytes | None = None, filename="结对.csv"):
    return run_import(session, actor=actor, kind="pairings", data=data or _csv(header, rows),
                      filename=filename, dry_run=dry_run)


def _errors(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


# --- helpers --------------------------------------------------------------------------------

@pytest.fixture
def places(session):
    """石门镇 › 李家村 with 石门镇中心小学, and 东乡 › 王家村 next door."""
    town, village = make_town_with_village(session)
    school = make_org(session, "石门镇中心小学", OrgKind.school, parent=town)
    other_town, other_village = make_town_with_village(session, "东乡", "王家村")
    return town, village, school, other_town, other_village


@pytest.mark.parametrize(("header", "expected"), [
    (["姓名", "单位"], [(1, "类型")]),
    (["姓名", "类型", "微信"], [(1, "微信")]),
    (["类型", "年龄"], [(1, "年龄"), (1, "姓名")]),
])
def test_helper_files_with_unknown_or_missing_columns_are_refused(session, header, expected):
    report = _helpers(session, [], header=header)
    assert _errors(report) == expected
    assert _count(session, Helper) == 0


def test_an_unknown_helper_kind_lists_the_accepted_labels(session, places):
    report = _helpers(session, [["陈丽华", "辅导员", "李家村", "", ""]])
    (error,) = report.errors
    assert (error.row, error.column) == (2, "类型")
    assert "可填写:班主任、教师、志愿者、爱心家长、结对同学、社工、儿童主任、其他" in error.reason


def test_helper_kind_synonyms_and_a_blank_capacity_of_two_are_accepted(session, places):
    report = _helpers(session, [["陈丽华", "爱心妈妈", "李家村", "139 0745 1234", ""],
                                ["刘建国", "志愿者", "李家村", "", "3"]])
    assert (report.ok, report.created) == (True, 2)
    chen, liu = session.scalars(select(Helper).order_by(Helper.id))
    assert (chen.kind, chen.capacity, chen.phone) == (HelperKind.caring_parent, 2, "13907451234")
    assert liu.capacity == 3


def test_a_unit_that_names_a_school_puts_the_helper_in_its_scope(session, places):
    _, village, school, _, _ = places
    _helpers(session, [["陈丽华", "班主任", "石门镇中心小学", "", ""],
                       ["王秀英", "儿童主任", "李家村", "", ""]])
    chen, wang = session.scalars(select(Helper).order_by(Helper.id))
    assert (chen.work_unit, chen.org_unit_id, chen.school_id) == (
        "石门镇中心小学", school.id, school.id)
    assert (wang.org_unit_id, wang.school_id) == (village.id, None)


def test_any_other_unit_is_kept_as_written_in_the_coordinators_scope(session, places):
    town = places[0]
    coordinator = actor_for(session, make_user(session, "liu", Role.coordinator, org_unit=town))
    report = _helpers(session, [["刘建国", "志愿者", "青山县志愿者协会", "", ""],
                                ["赵强", "志愿者", "王家村", "", ""]], actor=coordinator)
    assert report.ok, report.errors
    assert {(h.work_unit, h.org_unit_id) for h in session.scalars(select(Helper))} == {
        ("青山县志愿者协会", town.id), ("王家村", town.id)}  # 王家村 is not in their scope


@pytest.mark.parametrize(("unit", "reason"), [
    ("青山县志愿者协会", "单位“青山县志愿者协会”不是系统中的单位，请先在管理页添加"),
    ("", "请填写帮扶人所属的乡镇、村（社区）或学校名称"),
    ("李家村", "有2个名为“李家村”的单位，无法确定帮扶人所属单位"),
])
def test_without_a_scope_of_their_own_the_unit_must_name_one_org_unit(session, places, unit,
                                                                    reason):
    make_org(session, "李家村", OrgKind.village, parent=places[3])
    report = _helpers(session, [["刘建国", "志愿者", unit, "", ""]])
    assert _errors(report) == [(2, "单位")]
    assert reason in report.errors[0].reason


def test_with_one_county_an_association_helper_belongs_to_the_county(session, places):
    county = make_org(session, "青山县", OrgKind.county)
    report = _helpers(session, [["刘建国", "志愿者", "青山县志愿者协会", "", ""]])
    assert report.ok, report.errors
    helper = session.scalar(select(Helper))
    assert (helper.work_unit, helper.org_unit_id) == ("青山县志愿者协会", county.id)


def test_reimporting_helpers_shows_each_change_then_updates_in_place(session, places):
    _helpers(session, [["陈丽华", "班主任", "石门镇中心小学", "13907451234", "3"]])
    changed = [["陈丽华", "教师", "石门镇中心小学", "13907451234", "4"]]
    preview = _helpers(session, changed, dry_run=True)
    assert (preview.created, preview.updated) == (0, 1)
    (change,) = preview.changes
    assert (change.row, change.record) == (2, "陈丽华")
    assert {(c.column, c.before, c.after) for c in change.changes} == {
        ("类型", "班主任", "教师"), ("可结对人数", "3", "4")}
    assert session.scalar(select(Helper.capacity)) == 3
    report = _helpers(session, changed)
    assert (report.updated, _count(session, Helper)) == (1, 1)
    assert session.scalar(select(Helper.capacity)) == 4
    assert session.scalar(select(func.count()).where(
        AuditEvent.entity == "helper", AuditEvent.action == "update")) == 1
    assert _helpers(session, changed).unchanged == 1


def test_a_helper_is_known_by_name_and_phone_when_the_unit_changes(session, places):
    _helpers(session, [["陈丽华", "教师", "李家村", "13907451234", ""]])
    report = _helpers(session, [["陈丽华", "教师", "石门镇中心小学", "13907451234", ""]])
    assert (report.created, report.updated) == (0, 1)
    shown = {c.column: (c.before, c.after) for c in report.changes[0].changes}
    assert shown["单位"] == ("李家村", "石门镇中心小学")
    assert shown["所属单位"] == ("李家村", "石门镇中心小学")


def test_a_blank_capacity_keeps_an_existing_helpers_number(session, places):
    _helpers(session, [["陈丽华", "教师", "李家村", "", "5"]])
    assert _helpers(session, [["陈丽华", "教师", "李家村", "", ""]]).unchanged == 1
    assert session.scalar(select(Helper.capacity)) == 5


def test_namesakes_with_other_phones_are_different_helpers(session, places):
    report = _helpers(session, [["王芳", "志愿者", "", "13900000001", ""],
                                ["王芳", "志愿者", "", "13900000002", ""]],
                      actor=actor_for(session, make_user(session, role=Role.coordinator,
                                                         org_unit=places[0])))
    assert (report.ok, report.created) == (True, 2)


def test_the_same_helper_twice_in_one_file_is_a_row_error(session, places):
    row = ["陈丽华", "教师", "李家村", "13907451234", ""]
    report = _helpers(session, [row, ["陈丽华", "班主任", "石门镇", "13907451234", "1"]])
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "姓名", "与第2行是同一名帮扶人")]
    assert _count(session, Helper) == 0


@pytest.mark.parametrize(("cells", "column", "reason"), [
    (["陈丽华", "教师", "李家村", "12345", ""], "电话", "11位手机号"),
    (["陈丽华", "教师", "李家村", "", "31"], "可结对人数", "应在0到30之间"),
    (["陈丽华", "教师", "李家村", "", "两个"], "可结对人数", "应为整数"),
    (["", "教师", "李家村", "", ""], "姓名", "必填"),
])
def test_a_bad_helper_cell_is_reported_in_its_column_and_nothing_is_written(session, places,
                                                                          cells, column,
                                                                          reason):
    report = _helpers(session, [["刘建国", "志愿者", "李家村", "", ""], cells])
    assert _errors(report) == [(3, column)]
    assert reason in report.errors[0].reason
    assert _count(session, Helper) == 0


PEER_HEADER = [*HELPER_HEADER, "性别", "出生日期", "学校", "班级"]


def test_a_peer_student_needs_school_gender_and_birth_date(session, places):
    report = _helpers(session, [["张小雪", "结对同学", "李家村", "", "1", "", "", "", ""]],
                      header=PEER_HEADER)
    assert sorted(_errors(report)) == [(2, "出生日期"), (2, "学校"), (2, "性别")]
    report = _helpers(session, [["张小雪", "结对同学", "李家村", "", "1", "女", "2014-05-10",
                                 "石门镇中心小学", "四年级2班"]], header=PEER_HEADER)
    assert report.ok, report.errors
    peer = session.scalar(select(Helper))
    assert (peer.gender, peer.birth_date, peer.class_name) == (
        Gender.female, date(2014, 5, 10), "四年级2班")
    assert peer.school_id == places[2].id


def test_an_unknown_school_is_a_row_error(session, places):
    report = _helpers(session, [["张小雪", "结对同学", "李家村", "", "1", "女", "2014-05-10",
                                 "东风小学", ""]], header=PEER_HEADER)
    assert _errors(report) == [(2, "学校")]
    assert "不是系统中的学校" in report.errors[0].reason


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_helper_csv_in_gb18030_or_without_bom_reads_the_same(session, places, encoding):
    data = _csv(HELPER_HEADER, [["陈丽华", "班主任", "石门镇中心小学", "", ""]], encoding)
    assert _helpers(session, [], data=data).created == 1


def test_helpers_from_xlsx_with_numeric_cells(session, places):
    data = _xlsx(HELPER_HEADER, [["陈丽华", "班主任", "石门镇中心小学", 13907451234, 3]])
    report = _helpers(session, [], data=data, filename="帮扶人.xlsx")
    assert report.ok, report.errors
    assert session.execute(select(Helper.phone, Helper.capacity)).one() == ("13907451234", 3)


def test_a_viewer_may_not_import_helpers(session, places):
    viewer = actor_for(session, make_user(session, role=Role.viewer))
    with pytest.raises(PermissionDenied):
        _helpers(session, [["陈丽华", "教师", "李家村", "", ""]], actor=viewer)


# --- finding the child a row names ------------------------------------------------------------

@pytest.fixture
def namesakes(session):
    """Two 张小明 in one village, one 林小雨 with an ID number, one 王丽 without."""
    _, village = make_town_with_village(session)
    make_child(session, village=village, name="张小明", birth_date=date(2015, 3, 1))
    make_child(session, village=village, name="张小明", birth_date=date(2016, 7, 9))
    make_child(session, village=village, name="林小雨", gender=Gender.female,
               birth_date=date(2015, 3, 2), id_number=_id("2015-03-02"))
    make_child(session, village=village, name="王丽", birth_date=date(2014, 1, 5))
    make_child(session, village=village, name="赵六", birth_date=date(2013, 1, 5),
               archived_at=utcnow(), archive_reason="迁出")
    make_child(session, village=village, name="赵六", birth_date=date(2014, 2, 6))


@pytest.mark.parametrize(("key", "found"), [
    (ChildKey("林小雨"), date(2015, 3, 2)),
    (ChildKey("张小明", date(2016, 7, 9)), date(2016, 7, 9)),
    (ChildKey("林小雨", id_number=_id("2015-03-02").lower()), date(2015, 3, 2)),
    (ChildKey("王丽", id_number=_id("2014-01-05")), date(2014, 1, 5)),  # not recorded yet
    (ChildKey("赵六"), date(2014, 2, 6)),  # the active one of an archived namesake
])
def test_a_child_is_found_by_name_birth_date_or_id_number(session, namesakes, key, found):
    lookup = ChildLookup.load(session, ADMIN, [key])
    assert lookup.find(key).birth_date == found


@pytest.mark.parametrize(("key", "field", "reason"), [
    (ChildKey("赵四"), "name", "找不到儿童“赵四”"),
    (ChildKey("张小明"), "name", "找到2名同名儿童，请填写出生日期或身份证号"),
    (ChildKey("张小明", date(2017, 1, 1)), "birth_date", "出生日期：2015-03-01、2016-07-09"),
    (ChildKey("林小雨", id_number="110101201503020013"), "id_number", "校验位"),
    (ChildKey("林小雨", date(2015, 3, 3), _id("2015-03-02")), "id_number", "不一致"),
    (ChildKey("王丽", id_number=_id("2015-03-02")), "id_number", "登记的儿童是“林小雨”"),
    (ChildKey("王丽", id_number=_id("2014-01-06")), "id_number", "找不到身份证号为"),
])
def test_an_unknown_or_ambiguous_child_says_why(session, namesakes, key, field, reason):
    lookup = ChildLookup.load(session, ADMIN, [key])
    with pytest.raises(ChildNotFound) as caught:
        lookup.find(key)
    assert caught.value.field == field
    assert reason in caught.value.message


def test_child_lookup_sees_only_the_actors_scope(session, namesakes):
    town, _ = make_town_with_village(session, "东乡", "王家村")
    coordinator = actor_for(session, make_user(session, role=Role.coordinator, org_unit=town))
    key = ChildKey("林小雨")
    with pytest.raises(ChildNotFound, match="不在您的管辖范围内"):
        ChildLookup.load(session, coordinator, [key]).find(key)


# --- pairings -------------------------------------------------------------------------------

@pytest.fixture
def world(session):
    """石门镇 › 李家村 with two children and two helpers; 东乡 has a child of its own."""
    town, village = make_town_with_village(session)
    other_town, other_village = make_town_with_village(session, "东乡", "王家村")
    kids = {
        "林小雨": make_child(session, village=village, name="林小雨", gender=Gender.female,
                          birth_date=date(2015, 3, 2), id_number=_id("2015-03-02")),
        "王小明": make_child(session, village=village, name="王小明", birth_date=date(2013, 9, 1)),
        "李东": make_child(session, village=other_village, name="李东",
                         birth_date=date(2014, 4, 4)),
    }
    helpers = {
        "陈丽华": make_helper(session, org_unit=village, name="陈丽华", work_unit="李家村小学"),
        "刘建国": make_helper(session, org_unit=town, name="刘建国", kind=HelperKind.volunteer,
                           capacity=1),
    }
    return town, other_town, kids, helpers


def test_pairing_files_with_unknown_or_missing_columns_are_refused(session):
    report = _pairings(session, [], header=["儿童姓名", "儿童年龄"])
    assert _errors(report) == [(1, "儿童年龄"), (1, "帮扶人姓名")]


def test_a_good_pairing_file_pairs_audits_and_starts_today_when_blank(session, world):
    report = _pairings(session, [["林小雨", "2015-03-02", "", "陈丽华", "2025-09-01"],
                                 ["王小明", "", "", "陈丽华", ""]])
    assert (report.ok, report.created) == (True, 2)
    started = dict(session.execute(select(Pairing.child_id, Pairing.started_on)).all())
    kids = world[2]
    assert started == {kids["林小雨"].id: date(2025, 9, 1), kids["王小明"].id: TODAY}
    summaries = session.scalars(select(AuditEvent.summary).where(
        AuditEvent.entity == "pairing", AuditEvent.action == "create")).all()
    assert sorted(summaries) == ["林小雨 与教师陈丽华结对", "王小明 与教师陈丽华结对"]


def test_a_helper_filled_up_by_earlier_rows_of_the_same_file_is_refused(session, world):
    report = _pairings(session, [["林小雨", "", "", "刘建国", ""],
                                 ["王小明", "", "", "刘建国", ""]])
    assert _errors(report) == [(3, "帮扶人姓名")]
    assert "可结对1人，目前已结对1人" in report.errors[0].reason
    assert _count(session, Pairing) == 0


def test_existing_pairings_count_against_capacity(session, world):
    chen = world[3]["陈丽华"]
    make_pairing(session, make_child(session, name="赵六"), chen)
    make_pairing(session, make_child(session, name="钱七"), chen)
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""]])
    assert _errors(report) == [(2, "帮扶人姓名")]
    assert "可结对2人，目前已结对2人" in report.errors[0].reason


def test_a_peer_student_of_the_other_gender_is_refused(session, world):
    town = world[0]
    make_helper(session, org_unit=town, name="张小雪", kind=HelperKind.peer_student,
                gender=Gender.female, birth_date=date(2012, 5, 10), capacity=1)
    report = _pairings(session, [["王小明", "", "", "张小雪", ""]])
    assert _errors(report) == [(2, "帮扶人姓名")]
    assert "同性别" in report.errors[0].reason


def test_an_inactive_helper_is_a_row_error(session, world):
    world[3]["陈丽华"].archived_at = utcnow()
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""]])
    assert [(e.column, e.reason) for e in report.errors] == [
        ("帮扶人姓名", "帮扶人“陈丽华”已停用，不能结对")]


def test_an_archived_child_is_a_row_error(session, world):
    world[2]["林小雨"].archived_at = utcnow()
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""]])
    assert [(e.column, e.reason) for e in report.errors] == [
        ("儿童姓名", "“林小雨”的档案已归档，不能结对")]


@pytest.mark.parametrize(("started", "reason"), [
    ((TODAY + FUTURE).isoformat(), "开始日期不能晚于今天"),
    ("2015-01-01", "开始日期不能早于儿童出生日期"),
    ("2025-02-30", "不是有效日期"),
])
def test_a_bad_start_date_is_reported_in_its_column(session, world, started, reason):
    report = _pairings(session, [["林小雨", "", "", "陈丽华", started]])
    assert [(e.column, e.reason) for e in report.errors] == [("开始日期", reason)]


def test_row_errors_name_the_column_of_the_child_or_helper(session, world):
    report = _pairings(session, [["赵四", "", "", "陈丽华", ""],
                                 ["林小雨", "", "110101201503020013", "陈丽华", ""],
                                 ["林小雨", "2015-03-09", "", "陈丽华", ""],
                                 ["王小明", "", "", "孙老师", ""]])
    assert _errors(report) == [(2, "儿童姓名"), (3, "儿童身份证号"), (4, "儿童出生日期"),
                               (5, "帮扶人姓名")]
    assert "找不到帮扶人“孙老师”" in report.errors[3].reason


def test_namesake_helpers_are_told_apart_by_phone(session, world):
    village_id = world[3]["陈丽华"].org_unit_id
    make_helper(session, name="王芳", org_unit=session.get(OrgUnit, village_id),
                work_unit="李家村", phone="13900000001")
    make_helper(session, name="王芳", org_unit=session.get(OrgUnit, village_id),
                work_unit="石门镇", phone="13900000002")
    report = _pairings(session, [["林小雨", "", "", "王芳", ""]])
    assert "找到2名同名帮扶人“王芳”（李家村、石门镇）" in report.errors[0].reason
    header = [*PAIRING_HEADER, "帮扶人电话"]
    report = _pairings(session, [["林小雨", "", "", "王芳", "", "139 0000 0002"]], header=header)
    assert report.ok, report.errors
    assert session.scalar(select(Helper.work_unit).join(Pairing)) == "石门镇"


def test_the_same_pair_twice_in_one_file_is_a_row_error(session, world):
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""],
                                 ["林小雨", "2015-03-02", "", "陈丽华", "2025-09-01"]])
    assert [(e.row, e.reason) for e in report.errors] == [
        (3, "与第2行重复（同一儿童与同一帮扶人）")]


def test_reimporting_the_same_pairings_changes_nothing(session, world):
    rows = [["林小雨", "", "", "陈丽华", ""], ["王小明", "", "", "刘建国", ""]]
    assert _pairings(session, rows).created == 2
    report = _pairings(session, rows)
    assert (report.ok, report.created, report.unchanged) == (True, 0, 2)
    assert _count(session, Pairing) == 2


def test_a_pairing_dry_run_writes_nothing(session, world):
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""]], dry_run=True)
    assert (report.ok, report.created) == (True, 1)
    assert _count(session, Pairing) == 0
    assert audited_writes(session) == 0
    assert import_probes(session) == ["import_dry_run"]


def test_one_bad_pairing_row_means_nothing_is_written(session, world):
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""],
                                 ["王小明", "", "", "孙老师", ""]])
    assert not report.ok
    assert (_count(session, Pairing), audited_writes(session)) == (0, 0)


def test_a_coordinator_cannot_pair_children_outside_their_town(session, world):
    town = world[0]
    coordinator = actor_for(session, make_user(session, role=Role.coordinator, org_unit=town))
    report = _pairings(session, [["林小雨", "", "", "陈丽华", ""],
                                 ["李东", "", "", "陈丽华", ""]], actor=coordinator)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "儿童姓名", "找不到儿童“李东”（或不在您的管辖范围内）")]
    assert _count(session, Pairing) == 0


def test_a_child_waiting_after_their_helper_left_has_that_pairing_ended(session, world):
    kids, helpers = world[2], world[3]
    old = make_pairing(session, kids["林小雨"], helpers["刘建国"], started_on=date(2025, 3, 1))
    helpers["刘建国"].archived_at = utcnow()
    report = _pairings(session, [["林小雨", "", "", "陈丽华", "2025-09-01"]])
    assert report.ok, report.errors
    assert (old.ended_on, old.end_reason) == (date(2025, 9, 1), PairingEndReason.helper_left)


def test_pairings_from_gb18030_csv_and_xlsx(session, world):
    rows = [["林小雨", "", "", "陈丽华", "2025-09-01"]]
    report = _pairings(session, [], data=_csv(PAIRING_HEADER, rows, "gb18030"), dry_run=True)
    assert report.created == 1
    data = _xlsx(PAIRING_HEADER, [["林小雨", date(2015, 3, 2), _id("2015-03-02"), "陈丽华",
                                   date(2025, 9, 1)]])
    report = _pairings(session, [], data=data, filename="结对.xlsx")
    assert report.ok, report.errors
    assert session.scalar(select(Pairing.started_on)) == date(2025, 9, 1)


def test_the_templates_import_cleanly_one_after_another(session):
    for kind in ("orgs", "roster", "helpers", "pairings"):
        path = TEMPLATES / f"{kind}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        report = run_import(session, actor=ADMIN, kind=kind, data=path.read_bytes(),
                            filename=path.name)
        assert report.ok and report.created, (kind, report.errors)
    assert _count(session, Pairing) == 3
