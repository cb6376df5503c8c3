"""Importing 帮扶记录: the form's rules row by row, nothing half-written, 10,000 rows fast."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from config import local_today
from core.vocab import ContactKind, Gender, Role
from db.models import AuditEvent, CareContact, Child, Helper, Pairing
from services.access.permissions import Actor
from services.imports import run_import
from tests.factories import audited_writes, import_probes, make_helper, make_pairing, make_user
from tests.pairing_factories import make_child_in, make_contact, make_places

ADMIN = Actor.system()
TODAY = local_today()
# Well past tomorrow: the module is read before its tests run, and a run crossing midnight
# (local time) would make tomorrow today.
FUTURE = timedelta(days=30)
TEMPLATES = Path(__file__).resolve().parents[3] / "sample_data" / "templates"
HEADER = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "方式", "日期", "时长(分钟)",
          "记录"]
DAY = (TODAY - timedelta(days=10)).isoformat()


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8-sig")


def _import(session, rows, *, header=HEADER, actor=ADMIN, dry_run=False):
    return run_import(session, actor=actor, kind="contacts", data=_csv(rows, header),
                      filename="帮扶记录.csv", dry_run=dry_run)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))



def _row(child="张小明", birth="", helper="李老师", kind="谈心", on=DAY, minutes="30",
         notes="聊学习") -> list[str]:
    return [child, birth, "", helper, kind, on, minutes, notes]


@pytest.fixture
def world(session):
    places = make_places(session)
    child = make_child_in(session, places.village, "张小明")  # born 2015-03-01
    make_child_in(session, places.village, "王小红", gender=Gender.female)
    make_child_in(session, places.far_village, "赵小刚")
    teacher = make_helper(session, org_unit=places.school, name="李老师")
    make_helper(session, org_unit=places.village, name="刘志愿者")
    make_pairing(session, child, teacher, started_on=date(2026, 1, 5))
    session.commit()
    return places


def test_good_rows_are_saved_with_an_audit_event_each(session, world):
    coordinator = make_user(session, "coord", Role.coordinator, org_unit=world.town)
    actor = Actor(coordinator.id, "coord", Role.coordinator, org_unit_id=world.town.id)
    report = _import(session, [
        _row(),
        _row(child="王小红", helper="刘志愿者", kind="走访", minutes="", notes=""),
        _row(kind="亲情电话", on=f"{TODAY - timedelta(days=3):%Y年%m月%d日}", minutes="15"),
    ], actor=actor)
    assert report.ok, report.errors
    assert (report.created, report.unchanged) == (3, 0)
    saved = session.execute(select(Child.name, Helper.name, CareContact.kind,
                                   CareContact.minutes, CareContact.notes,
                                   CareContact.recorded_by_id)
                            .join(Child).join(Helper).order_by(CareContact.id)).all()
    assert saved == [
        ("张小明", "李老师", ContactKind.talk, 30, "聊学习", coordinator.id),
        ("王小红", "刘志愿者", ContactKind.home_visit, None, None, coordinator.id),
        ("张小明", "李老师", ContactKind.parent_call, 15, "聊学习", coordinator.id)]
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "care_contact")).all()
    assert len(events) == 3 and {e.action for e in events} == {"create"}
    assert events[1].after["kind"] == "home_visit" and events[1].after["minutes"] is None
    assert events[0].summary == f"李老师谈心张小明（{DAY}，导入）"


def test_importing_the_same_file_twice_saves_each_contact_once(session, world):
    rows = [_row(), _row(kind="家访")]
    assert _import(session, rows).created == 2
    again = _import(session, rows)
    assert again.ok and (again.created, again.unchanged) == (0, 2)
    assert _count(session, CareContact) == 2


def test_a_contact_logged_in_the_app_counts_as_already_there(session, world):
    child = session.scalar(select(Child).where(Child.name == "张小明"))
    helper = session.scalar(select(Helper).where(Helper.name == "李老师"))
    make_contact(session, child, helper, date.fromisoformat(DAY), kind=ContactKind.talk)
    report = _import(session, [_row()])
    assert (report.created, report.unchanged) == (0, 1)


def test_a_dry_run_counts_and_writes_nothing(session, world):
    report = _import(session, [_row(), _row(kind="电访")], dry_run=True)
    assert report.ok and report.created == 2
    assert _count(session, CareContact) == 0 and audited_writes(session) == 0
    assert import_probes(session) == ["import_dry_run"]


BAD_ROWS = [
    ("future date", _row(on=(TODAY + FUTURE).isoformat()), "日期", "不能晚于今天"),
    ("before birth", _row(on="2015-02-01"), "日期", "不能早于儿童出生日期"),
    ("bad date", _row(on="2025-13-40"), "日期", "不是有效日期"),
    ("no date", _row(on=""), "日期", "必填"),
    ("negative minutes", _row(minutes="-1"), "时长(分钟)", "不能小于0"),
    ("absurd minutes", _row(minutes="601"), "时长(分钟)", "最多600分钟"),
    ("minutes not a number", _row(minutes="半小时"), "时长(分钟)", "应为整数"),
    ("unknown kind", _row(kind="聊天"), "方式", "可填写:家访、电访、谈心"),
    ("long notes", _row(notes="很" * 2001), "记录", "最多2000个字"),
    ("unknown child", _row(child="钱小多"), "儿童姓名", "找不到儿童“钱小多”"),
    ("wrong birth date", _row(birth="2016-01-01"), "儿童出生日期", "找不到2016-01-01出生"),
    ("child out of scope", _row(child="赵小刚"), "儿童姓名", "不在您的管辖范围内"),
    ("unknown helper", _row(helper="孙老师"), "帮扶人姓名", "找不到帮扶人“孙老师”"),
]


@pytest.mark.parametrize(("row", "column", "reason"), [case[1:] for case in BAD_ROWS],
                         ids=[case[0] for case in BAD_ROWS])
def test_a_bad_row_names_its_column_and_nothing_is_written(session, world, row, column,
                                                             reason):
    coordinator = Actor(None, "coord", Role.coordinator, org_unit_id=world.town.id)
    report = _import(session, [_row(kind="家访"), row], actor=coordinator)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, column)], report.errors
    assert reason in report.errors[0].reason
    assert _count(session, CareContact) == 0 and audited_writes(session) == 0


def test_an_archived_child_is_a_row_error(session, world):
    session.execute(Child.__table__.update().where(Child.name == "王小红")
                    .values(archived_at=datetime(2026, 1, 1), archive_reason="迁出"))
    report = _import(session, [_row(child="王小红")])
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (2, "儿童姓名", "“王小红”的档案已归档，不能记录帮扶")]


def test_a_deactivated_helper_is_accepted_only_up_to_the_day_they_stopped(session, world):
    stopped = datetime.combine(TODAY - timedelta(days=20), datetime.min.time())
    session.execute(Helper.__table__.update().where(Helper.name == "刘志愿者")
                    .values(archived_at=stopped))
    early = (TODAY - timedelta(days=25)).isoformat()
    report = _import(session, [_row(helper="刘志愿者", on=early), _row(helper="刘志愿者")])
    assert [(e.row, e.column) for e in report.errors] == [(3, "帮扶人姓名")]
    assert "停用" in report.errors[0].reason


def test_the_same_contact_twice_in_a_file_is_a_row_error(session, world):
    report = _import(session, [_row(), _row(notes="另一行")])
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "日期", "与第2行重复（同一儿童、帮扶人、方式和日期）")]


def test_follow_up_columns_are_optional_and_checked(session, world):
    header = [*HEADER, "需跟进", "跟进日期"]
    report = _import(session, [[*_row(), "是", ""], [*_row(kind="家访"), "", "2000-01-01"]],
                     header=header)
    assert [(e.row, e.column) for e in report.errors] == [(2, "跟进日期"), (3, "跟进日期")]
    follow = (TODAY + timedelta(days=5)).isoformat()
    report = _import(session, [[*_row(), "", follow], [*_row(kind="家访"), "否", follow]],
                     header=header)
    assert report.ok, report.errors
    assert session.execute(select(CareContact.follow_up, CareContact.follow_up_on)
                           .order_by(CareContact.id)).all() == [
        (True, date.fromisoformat(follow)), (False, None)]


def test_header_problems_are_reported_before_any_row(session, world):
    report = _import(session, [["张小明", "李老师", DAY]], header=["儿童姓名", "帮扶人", "日期"])
    assert {(e.row, e.column, e.reason[:3]) for e in report.errors} == {
        (1, "帮扶人", "未知列"), (1, "帮扶人姓名", "缺少必"), (1, "方式", "缺少必")}


def test_a_helper_imports_only_their_own_contacts_with_their_own_children(session, world):
    user = make_user(session, "teacher", Role.helper)
    teacher = session.scalar(select(Helper).where(Helper.name == "李老师"))
    actor = Actor(user.id, "teacher", Role.helper, helper_id=teacher.id)
    report = _import(session, [_row(), _row(child="王小红"), _row(helper="刘志愿者")],
                     actor=actor)
    assert [(e.row, e.column) for e in report.errors] == [(3, "儿童姓名"), (4, "帮扶人姓名")]
    assert _import(session, [_row()], actor=actor).created == 1


def test_a_viewer_may_not_import(session, world):
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _import(session, [_row()], actor=Actor(None, "v", Role.viewer))


def test_the_template_imports_after_the_other_templates(session):
    for kind in ("orgs", "roster", "helpers", "pairings", "contacts"):
        path = TEMPLATES / f"{kind}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        report = run_import(session, actor=ADMIN, kind=kind, data=path.read_bytes(),
                            filename=path.name)
        assert report.ok and report.created, (kind, report.errors)
    assert _count(session, CareContact) == 4
    assert _count(session, Pairing) == 3


def test_ten_thousand_rows_import_in_a_few_seconds(session, world):
    """Lookups are batched and rows written in bulk: no query per row."""
    rng = random.Random(42)
    village_id, town_id = world.village.id, world.town.id
    names = [f"儿童{i:04d}" for i in range(2000)]
    session.execute(insert(Child), [
        {"name": name, "name_pinyin": f"er{i}", "name_initials": "et", "gender": Gender.male,
         "birth_date": date(2012, 1, 1) + timedelta(days=i), "town_id": town_id,
         "village_id": village_id} for i, name in enumerate(names)])
    session.execute(insert(Helper), [
        {"name": f"帮扶人{i:03d}", "kind": "teacher", "org_unit_id": village_id}
        for i in range(200)])
    session.commit()
    kinds = [k.zh for k in ContactKind]
    rows = set()
    while len(rows) < 10_000:
        rows.add((rng.randrange(2000), rng.randrange(200), rng.choice(kinds),
                  TODAY - timedelta(days=rng.randrange(1, 300))))
    data = [[names[c], "", "", f"帮扶人{h:03d}", kind, f"{on}", str(rng.randrange(10, 90)),
             "电话了解近况"] for c, h, kind, on in sorted(rows)]
    started = time.perf_counter()
    report = _import(session, data)
    elapsed = time.perf_counter() - started
    assert report.ok, report.errors[:3]
    assert report.created == 10_000 and _count(session, CareContact) == 10_000
    assert elapsed < 20, f"10,000 rows took {elapsed:.1f} s"
    print(f"\n10,000 contact rows imported in {elapsed:.2f} s")
