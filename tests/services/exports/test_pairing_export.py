"""Exporting helpers, pairings and unpaired children: scope, masks, history, audit, board order."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import (
    Category,
    ContactKind,
    Gender,
    HelperKind,
    OrgKind,
    PairingEndReason,
    Relation,
    RiskLevel,
    Role,
)
from db.models import AuditEvent, CareContact, Relative
from services.access.permissions import Actor
from services.access.users import actor_for
from services.exports.pairing_export import (
    PAIRING_EXPORTS,
    export_helpers,
    export_pairings,
    export_unpaired,
)
from services.pairing.pairing_board import unpaired_children
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user

TODAY = date(2026, 11, 28)
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
KINDS = list(PAIRING_EXPORTS)


@pytest.fixture
def county(session):
    """Two towns; 石门镇 has open, new, quiet, ended and orphaned pairings, 东乡 one of each."""
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    school = make_org(session, "石门镇中心小学", OrgKind.school, parent=town)
    li = make_helper(session, org_unit=town, name="李老师", gender=Gender.female,
                     work_unit="石门镇中心小学", phone="13812345678", capacity=1)
    odd = make_helper(session, org_unit=village, name=FORMULA_NAME, kind=HelperKind.volunteer,
                      phone="+8613900001111")
    zhou = make_helper(session, org_unit=town, name="周老师", phone="13600001111",
                       archived_at=datetime(2026, 11, 1), archive_reason="调离本校")
    lin = make_child(session, village=village, name="林小雨", school_id=school.id,
                     grade="三年级", class_name="2班", gender=Gender.female)
    make_pairing(session, lin, li, started_on=date(2026, 9, 1))
    for day in (date(2026, 9, 15), date(2026, 11, 20)):
        session.add(CareContact(child_id=lin.id, helper_id=li.id, kind=ContactKind.home_visit,
                                contact_date=day))
    sun = make_child(session, village=village, name="孙小燕")
    make_pairing(session, sun, li, started_on=date(2026, 11, 20))
    zhou_child = make_child(session, village=village, name="周小亮")
    make_pairing(session, zhou_child, odd, started_on=date(2026, 6, 1))
    liu = make_child(session, village=village, name="刘小花", risk_level=RiskLevel.red)
    make_pairing(session, liu, li, started_on=date(2026, 3, 1), ended_on=date(2026, 9, 1),
                 end_reason=PairingEndReason.helper_left, end_note="工作调动")
    session.add(CareContact(child_id=liu.id, helper_id=li.id, kind=ContactKind.talk,
                            contact_date=date(2026, 5, 10)))
    wang = make_child(session, village=village, name="王小红",
                      categories=(Category.in_difficulty,), created_at=datetime(2026, 10, 5, 9))
    session.add(Relative(child=wang, relation=Relation.guardian, name="王奶奶",
                         phone="13812345678"))
    chen = make_child(session, village=village, name="陈小军")
    make_pairing(session, chen, zhou, started_on=date(2026, 2, 1))
    make_child(session, village=village, name="吴已归档", archived_at=datetime(2026, 10, 1))

    east = make_org(session, "东乡", OrgKind.town)
    new_village = make_org(session, "新村", OrgKind.village, parent=east)
    zhao = make_helper(session, org_unit=east, name="赵志愿", phone="13700002222")
    make_pairing(session, make_child(session, village=new_village, name="赵小刚"), zhao)
    make_child(session, village=new_village, name="钱小多")
    session.flush()
    coordinator = actor_for(session, make_user(session, "liu", Role.coordinator, org_unit=town))
    return SimpleNamespace(town=town, village=village, coordinator=coordinator, li=li, lin=lin)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _export(session, kind: str, actor: Actor | None = None, fmt: str = "csv",
            **options) -> bytes:
    return PAIRING_EXPORTS[kind].export(session, actor=actor or Actor.system(), fmt=fmt,
                                        today=TODAY, **options)


def _by(rows: list[dict[str, str]], column: str) -> dict[str, dict[str, str]]:
    return {row[column]: row for row in rows}


@pytest.mark.parametrize(("kind", "headers"), [
    ("helpers", ["姓名", "类型", "性别", "单位", "所属组织", "电话", "可结对人数", "已结对人数",
                 "最近帮扶日期", "状态", "提示"]),
    ("pairings", ["儿童姓名", "性别", "年龄", "学校", "班级", "村(社区)", "帮扶人", "帮扶人类型",
                  "帮扶人电话", "开始日期", "结束日期", "结束原因", "最近帮扶日期", "本月次数",
                  "本学期次数", "状态"]),
    ("unpaired", ["姓名", "性别", "年龄", "儿童类别", "风险等级", "重点关注", "乡镇(街道)",
                  "村(社区)", "学校", "班级", "监护人电话", "登记日期", "优先原因"]),
])
def test_each_list_has_its_chinese_headers_in_csv_and_xlsx(session, county, kind, headers):
    assert next(csv.reader(io.StringIO(_export(session, kind).decode("utf-8-sig")))) == headers
    sheet = openpyxl.load_workbook(io.BytesIO(_export(session, kind, fmt="xlsx"))).active
    assert [cell.value for cell in sheet[1]] == headers


def test_registry_names_each_list_with_a_chinese_file_title():
    assert {kind: spec.title for kind, spec in PAIRING_EXPORTS.items()} == {
        "helpers": "帮扶人名单", "pairings": "结对名单", "unpaired": "未结对儿童名单"}
    assert PAIRING_EXPORTS["helpers"].export.__wrapped__ is export_helpers


@pytest.mark.parametrize(("kind", "name_column", "phone_column", "name", "phone"), [
    ("helpers", "姓名", "电话", "李*师", "138****5678"),
    ("pairings", "帮扶人", "帮扶人电话", "李*师", "138****5678"),
    ("unpaired", "姓名", "监护人电话", "王*红", "138****5678"),
])
def test_names_and_phones_are_masked_unless_sensitive_data_is_asked_for(
        session, county, kind, name_column, phone_column, name, phone):
    masked = _rows(_export(session, kind))
    assert (name, phone) in {(r[name_column], r[phone_column]) for r in masked}
    assert "林小雨" not in {r.get("儿童姓名") for r in masked}
    full = _rows(_export(session, kind, include_sensitive=True))
    assert "13812345678" in {r[phone_column] for r in full}
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == kind)) is not None


@pytest.mark.parametrize("kind", KINDS)
def test_a_coordinators_sensitive_export_is_audited(session, county, kind):
    _export(session, kind, county.coordinator, include_sensitive=True)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert (event.entity, event.username) == (kind, "liu")
    assert PAIRING_EXPORTS[kind].title in event.summary


@pytest.mark.parametrize("kind", KINDS)
def test_a_masked_export_writes_no_audit_event(session, county, kind):
    _export(session, kind, county.coordinator)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive")) is None


@pytest.mark.parametrize("sensitive", [False, True])
@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
@pytest.mark.parametrize("kind", KINDS)
def test_helpers_and_viewers_cannot_export_at_all(session, county, kind, role, sensitive):
    user = make_user(session, f"u_{role.value}", role, org_unit=county.town)
    if role is Role.helper:
        county.li.user_id = user.id
        session.flush()
    actor = actor_for(session, user)
    with pytest.raises(PermissionDenied):
        _export(session, kind, actor, include_sensitive=sensitive)
    assert session.scalar(select(AuditEvent)) is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("sensitive", "name", "phone"), [
    (False, "'=" + "*" * (len(FORMULA_NAME) - 2) + ")", "'+*********1111"),
    (True, "'" + FORMULA_NAME, "'+8613900001111"),
])
def test_formula_like_names_and_phones_are_neutralised(session, county, fmt, sensitive, name,
                                                       phone):
    data = _export(session, "helpers", fmt=fmt, include_sensitive=sensitive)
    if fmt == "csv":
        cells = [list(r.values()) for r in _rows(data)]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    volunteer = next(row for row in cells if row[1] == "志愿者")
    assert (volunteer[0], volunteer[5]) == (name, phone)


def test_xlsx_keeps_phones_as_text(session, county):
    sheet = openpyxl.load_workbook(io.BytesIO(_export(
        session, "helpers", fmt="xlsx", include_sensitive=True))).active
    phones = {row[0].value: row[5] for row in sheet.iter_rows(min_row=2)}
    assert (phones["李老师"].value, phones["李老师"].data_type) == ("13812345678", "s")


@pytest.mark.parametrize(("kind", "column", "ours", "theirs"), [
    ("helpers", "姓名", {"李老师", "'" + FORMULA_NAME}, {"赵志愿"}),
    ("pairings", "儿童姓名", {"林小雨", "孙小燕", "周小亮", "陈小军"}, {"赵小刚"}),
    ("unpaired", "姓名", {"王小红", "陈小军", "刘小花"}, {"钱小多"}),
])
def test_a_town_coordinator_gets_only_their_towns_people(session, county, kind, column, ours,
                                                         theirs):
    mine = {r[column] for r in _rows(_export(session, kind, county.coordinator,
                                             include_sensitive=True))}
    assert mine == ours
    everyone = {r[column] for r in _rows(_export(session, kind, include_sensitive=True))}
    assert everyone == ours | theirs


def test_helpers_show_load_last_contact_status_and_flags(session, county):
    rows = _by(_rows(_export(session, "helpers", include_sensitive=True)), "姓名")
    li = rows["李老师"]
    assert (li["类型"], li["性别"], li["单位"], li["所属组织"]) == ("教师", "女", "石门镇中心小学",
                                                                   "石门镇")
    assert (li["可结对人数"], li["已结对人数"], li["最近帮扶日期"]) == ("1", "2", "2026-11-20")
    assert (li["状态"], li["提示"]) == ("在岗", "超出可结对人数（2/1）")
    assert rows["'" + FORMULA_NAME]["提示"] == "30天内无帮扶记录"
    assert "周老师" not in rows


def test_deactivated_helpers_are_listed_with_their_reason_only_when_asked(session, county):
    rows = _by(_rows(_export(session, "helpers", include_sensitive=True,
                             include_inactive=True)), "姓名")
    assert rows["周老师"]["状态"] == "已停用(调离本校)"
    assert rows["李老师"]["状态"] == "在岗"


def test_pairings_are_the_open_ones_with_how_they_are_going(session, county):
    rows = _by(_rows(_export(session, "pairings", include_sensitive=True)), "儿童姓名")
    assert "刘小花" not in rows
    lin = rows["林小雨"]
    assert (lin["性别"], lin["年龄"], lin["学校"], lin["班级"], lin["村(社区)"]) == (
        "女", "11", "石门镇中心小学", "三年级2班", "李家村")
    assert (lin["帮扶人"], lin["帮扶人类型"], lin["帮扶人电话"]) == (
        "李老师", "教师", "13812345678")
    assert (lin["开始日期"], lin["结束日期"], lin["最近帮扶日期"]) == (
        "2026-09-01", "", "2026-11-20")
    # Visited this month, but 每月谈心 and 每周亲情电话 are overdue (待办 says so): 需关注.
    assert (lin["本月次数"], lin["本学期次数"], lin["状态"]) == ("1", "2", "需关注")
    assert {name: rows[name]["状态"] for name in ("孙小燕", "周小亮", "陈小军")} == {
        "孙小燕": "新结对", "周小亮": "需关注", "陈小军": "帮扶人已停用"}


def test_include_ended_adds_the_history_with_end_date_and_reason(session, county):
    rows = _rows(_export(session, "pairings", include_sensitive=True, include_ended=True))
    liu = _by(rows, "儿童姓名")["刘小花"]
    assert (liu["帮扶人"], liu["开始日期"], liu["结束日期"]) == (
        "李老师", "2026-03-01", "2026-09-01")
    assert (liu["结束原因"], liu["最近帮扶日期"], liu["状态"]) == (
        "帮扶人离开:工作调动", "2026-05-10", "已结束")
    assert (liu["本月次数"], liu["本学期次数"]) == ("", "")
    assert rows[-1]["儿童姓名"] == "刘小花"  # history after the open pairings


def test_a_paired_helper_outside_the_coordinators_scope_shows_no_phone(session, county):
    outsider = make_helper(session, name="吴社工", kind=HelperKind.social_worker,
                           phone="13500003333")
    make_pairing(session, county.lin, outsider)
    rows = _rows(_export(session, "pairings", county.coordinator, include_sensitive=True))
    wu = next(r for r in rows if r["帮扶人"] == "吴社工")
    assert (wu["儿童姓名"], wu["帮扶人电话"]) == ("林小雨", "")


def test_unpaired_leaves_out_children_with_an_active_helper_but_not_those_whose_helper_left(
        session, county):
    rows = _by(_rows(_export(session, "unpaired", include_sensitive=True)), "姓名")
    assert {"林小雨", "孙小燕", "周小亮", "赵小刚"}.isdisjoint(rows)
    assert "吴已归档" not in rows
    assert rows["陈小军"]["优先原因"] == "原帮扶人已停用"
    wang = rows["王小红"]
    assert (wang["儿童类别"], wang["乡镇(街道)"], wang["村(社区)"], wang["监护人电话"]) == (
        "困境儿童", "石门镇", "李家村", "13812345678")
    assert (wang["优先原因"], wang["登记日期"]) == ("困境儿童", "2026-10-05")
    assert (rows["刘小花"]["风险等级"], rows["刘小花"]["优先原因"]) == ("红", "红色风险")


def test_unpaired_follows_the_pairing_boards_order_without_its_limit(session, county):
    village = county.village
    for index in range(5):
        make_child(session, village=village, name=f"排队{index}", key_concern=index % 2 == 0)
    names = [r["姓名"] for r in _rows(export_unpaired(
        session, actor=county.coordinator, fmt="csv", today=TODAY, include_sensitive=True))]
    board = unpaired_children(session, county.coordinator, today=TODAY, limit=3)
    assert names[:3] == [c.name for c in board]
    assert names == [c.name for c in unpaired_children(session, county.coordinator,
                                                       today=TODAY, limit=100)]
    assert len(names) == 8


def test_an_unknown_format_is_refused_before_anything_is_audited(session, county):
    from core.errors import DomainError

    with pytest.raises(DomainError, match="不支持的导出格式"):
        export_pairings(session, actor=Actor.system(), fmt="pdf", today=TODAY,
                        include_sensitive=True)
    assert session.scalar(select(AuditEvent)) is None
