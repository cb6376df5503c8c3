"""Activity imports: 人次 as the total, children by name, every bad row named, none half-written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import local_today
from core.errors import PermissionDenied
from core.vocab import Role
from db.models import Activity, Attendance, Donation, ResourceProvider
from services.access.permissions import Actor
from services.imports import run_import
from tests.pairing_factories import ADMIN, coordinator_of, make_child_in, make_places

TEMPLATES = Path(__file__).resolve().parents[3] / "sample_data" / "templates"
HEADER = ["名称", "类型", "日期", "地点", "场次", "人次", "参加儿童", "捐助金额(元)", "捐助物资",
          "资源方"]
DAY = (local_today() - timedelta(days=10)).isoformat()


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8-sig")


def _import(session, rows, *, header=HEADER, actor: Actor = ADMIN, dry_run=False):
    return run_import(session, actor=actor, kind="activities", data=_csv(rows, header),
                      filename="活动.csv", dry_run=dry_run)


def _row(**cells: str) -> list[str]:
    """A row of the template; 捐助金额 stands for the 捐助金额(元) column."""
    if "捐助金额" in cells:
        cells["捐助金额(元)"] = cells.pop("捐助金额")
    values = {"名称": "防溺水安全教育", "类型": "安全教育", "日期": DAY, "地点": "学校操场",
              "场次": "2", "人次": "", "参加儿童": "", "捐助金额(元)": "", "捐助物资": "",
              "资源方": ""} | cells
    return [values[h] for h in HEADER]


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _errors(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


@pytest.fixture
def places(session):
    p = make_places(session)
    make_child_in(session, p.village, "张小明")
    make_child_in(session, p.village, "王小红")
    make_child_in(session, p.other_village, "李小刚", birth_date=date(2014, 5, 6))
    make_child_in(session, p.far_village, "李小刚", birth_date=date(2016, 1, 2))
    make_child_in(session, p.far_village, "孙小强")
    return p


@pytest.mark.parametrize(("children", "total", "attending", "extra"), [
    ("张小明、王小红", "320", 2, 318),
    ("张小明", "1", 1, 0),
    ("", "1000", 0, 1000),
    ("张小明，王小红", "", 2, 0),
])
def test_person_times_column_is_the_total(session, places, children, total, attending, extra):
    report = _import(session, [_row(参加儿童=children, 人次=total)])
    assert report.ok, report.errors
    activity = session.scalar(select(Activity))
    assert _count(session, Attendance) == attending
    assert activity.extra_person_times == extra
    assert activity.sessions == 2


def test_person_times_below_the_children_named_is_refused(session, places):
    report = _import(session, [_row(参加儿童="张小明、王小红", 人次="1")])
    assert _errors(report) == [(2, "人次")]
    assert "人次（1）少于参加儿童人数（2）" in report.errors[0].reason
    assert _count(session, Activity) == 0


def test_namesakes_need_a_birth_date_and_it_finds_them(session, places):
    report = _import(session, [_row(参加儿童="李小刚")])
    assert _errors(report) == [(2, "参加儿童")]
    assert "张小明（2015-03-02）" in report.errors[0].reason
    report = _import(session, [_row(参加儿童="李小刚(2014-05-06)、孙小强", 人次="10")])
    assert report.ok, report.errors
    assert _count(session, Attendance) == 2


def test_every_bad_row_is_reported_and_nothing_is_written(session, places):
    future = (local_today() + timedelta(days=3)).isoformat()
    report = _import(session, [
        _row(),
        _row(名称="", 类型="跳舞"),
        _row(日期=future, 场次="0"),
        _row(参加儿童="不存在的孩子"),
        _row(人次="-5", 捐助金额="很多"),
        _row(场次="51"),
    ])
    assert _errors(report) == [(3, "名称"), (3, "类型"), (4, "日期"), (4, "场次"),
                               (5, "参加儿童"), (6, "人次"), (6, "捐助金额(元)"), (7, "场次")]
    assert "可填写：安全教育" in report.errors[1].reason
    assert _count(session, Activity) == 0


def test_unknown_column_and_missing_required_column(session, places):
    report = _import(session, [["x", "安全教育"]], header=["名称", "类型", "照片"])
    assert _errors(report) == [(1, "照片"), (1, "日期")]


def test_donation_and_new_providers_are_recorded(session, places):
    session.add(ResourceProvider(name="县潮汕商会"))
    report = _import(session, [
        _row(参加儿童="张小明", 人次="25", 捐助金额="2000", 捐助物资="书包25个",
             资源方="县潮汕商会"),
        _row(名称="读书会", 资源方="县图书馆、县团委", 捐助物资="图书100册"),
    ])
    assert report.ok, report.errors
    assert _count(session, ResourceProvider) == 3
    gifts = session.execute(select(Donation.money_yuan, Donation.goods, ResourceProvider.name)
                            .outerjoin(ResourceProvider).order_by(Donation.id)).all()
    assert gifts == [(Decimal("2000.00"), "书包25个", "县潮汕商会"),
                     (Decimal("0.00"), "图书100册", None)]


def test_importing_the_same_file_twice_records_nothing_twice(session, places):
    rows = [_row(参加儿童="张小明", 人次="30"), _row(名称="亲情连线", 类型="亲情连线")]
    assert _import(session, rows).created == 2
    again = _import(session, rows)
    assert (again.ok, again.created, again.unchanged) == (True, 0, 2)
    assert _count(session, Activity) == 2


def test_a_row_repeated_in_the_file_is_an_error(session, places):
    report = _import(session, [_row(), _row()])
    assert _errors(report) == [(3, "名称")]
    assert "与第2行重复" in report.errors[0].reason


def test_dry_run_writes_nothing(session, places):
    report = _import(session, [_row(参加儿童="张小明")], dry_run=True)
    assert (report.ok, report.created) == (True, 1)
    assert _count(session, Activity) == 0


def test_a_coordinator_imports_for_their_town_and_sees_only_its_children(session, places):
    coordinator = coordinator_of(places.town)
    report = _import(session, [_row(参加儿童="孙小强")], actor=coordinator)
    assert "不在您的管辖范围内" in report.errors[0].reason
    report = _import(session, [_row(参加儿童="张小明、李小刚")], actor=coordinator)
    assert report.ok, report.errors  # the other 李小刚 lives outside the town
    assert session.scalar(select(Activity.org_unit_id)) == places.town.id


def test_the_unit_column_names_a_unit_in_scope(session, places):
    header = [*HEADER, "单位"]
    report = _import(session, [[*_row(), "石门镇中心小学"], [*_row(名称="b"), "青山乡"]],
                     header=header, actor=coordinator_of(places.town))
    assert _errors(report) == [(3, "单位")]
    report = _import(session, [[*_row(), "石门镇中心小学"]], header=header)
    assert report.ok
    assert session.scalar(select(Activity.org_unit_id)) == places.school.id


def test_an_added_kind_is_accepted_by_its_label(session, places):
    from services.care.activity_kinds import add_activity_kind

    add_activity_kind(session, actor=ADMIN, label_zh="研学旅行")
    assert _import(session, [_row(类型="研学旅行")]).ok


def test_the_template_imports_after_the_other_templates(session):
    for kind in ("orgs", "roster", "activities"):
        path = TEMPLATES / f"{kind}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        report = run_import(session, actor=ADMIN, kind=kind, data=path.read_bytes(),
                            filename=path.name)
        assert report.ok and report.created, (kind, report.errors)
    assert _count(session, Activity) == 3
    assert _count(session, Attendance) == 2
    extra = session.scalar(select(func.sum(Activity.extra_person_times)))
    assert extra == (320 - 1) + (25 - 1) + 12  # 人次 minus the one child named, per row


def test_import_needs_the_right_to_manage_activities(session, places):
    viewer = Actor(user_id=None, username="v", role=Role.viewer)
    with pytest.raises(PermissionDenied):
        _import(session, [_row()], actor=viewer)
