"""Activity exports: a row per activity with 场次 and 人次, or per child; names masked, audited."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import ProviderKind, Role
from db.models import AuditEvent, ResourceProvider
from services.access.permissions import Actor
from services.care import activities
from services.care.activity_checks import ActivityInput, DonationInput
from services.exports.activity_export import ACTIVITY_EXPORTS, export_activities, export_attendance
from services.exports.export_kinds import list_exports
from tests.factories import make_helper
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def world(session):
    p = make_places(session)
    kids = [make_child_in(session, p.village, name, school_id=p.school.id, grade="三年级",
                          class_name="2班") for name in ("张小明", "王小红")]
    teacher = make_helper(session, org_unit=p.school, name="李老师", school_id=p.school.id)
    volunteer = make_helper(session, org_unit=p.town, name="王芳")
    coordinator = coordinator_of(p.town)
    # An organisation: its name stays readable in a masked export (a person's would not).
    session.add(ResourceProvider(name="县潮汕商会", kind=ProviderKind.chamber_of_commerce))
    activities.create_activity(session, actor=coordinator, today=TODAY, data=ActivityInput(
        kind="festival_visit", title="六一慰问", held_on=date(2026, 6, 1),
        org_unit_id=p.school.id, place="学校礼堂", sessions=2, extra_person_times=30,
        child_ids=tuple(k.id for k in kids), helper_ids=(teacher.id, volunteer.id),
        provider_names=("县潮汕商会",),
        donations=(DonationInput(Decimal("1500.50"), "书包2个", provider_name="县潮汕商会"),)))
    activities.create_activity(session, actor=ADMIN, today=TODAY, data=ActivityInput(
        kind="safety_education", title="青山乡安全讲座", held_on=date(2026, 9, 3),
        org_unit_id=p.other_town.id, extra_person_times=80))
    return p, coordinator


def test_activity_list_has_one_row_per_activity_with_person_times(session, world):
    _, coordinator = world
    header, *rows = _rows(export_activities(session, actor=coordinator, fmt="csv",
                                            today=TODAY))
    assert header == ["日期", "名称", "类型", "地点", "单位", "场次", "参加儿童数", "其他人次",
                      "人次", "服务人员", "资源方", "捐助金额", "物资"]
    assert rows == [["2026-06-01", "六一慰问", "节日慰问", "学校礼堂", "石门镇中心小学", "2", "2",
                     "30", "32", "李*师、王*", "县潮汕商会", "1500.50", "书包2个"]]
    rows = _rows(export_activities(session, actor=coordinator, fmt="csv", today=TODAY,
                                   include_sensitive=True))[1:]
    assert rows[0][9] == "李老师、王芳"  # each name masked on its own, or none


def test_period_and_scope_narrow_the_list(session, world):
    rows = _rows(export_activities(session, actor=ADMIN, fmt="csv", today=TODAY))[1:]
    assert [r[1] for r in rows] == ["青山乡安全讲座", "六一慰问"]
    rows = _rows(export_activities(session, actor=ADMIN, fmt="csv", today=TODAY,
                                   date_from=date(2026, 9, 1), date_to=date(2026, 9, 30)))[1:]
    assert [r[1] for r in rows] == ["青山乡安全讲座"]


def test_attendance_list_masks_names_unless_asked_and_audits_then(session, world):
    _, coordinator = world
    header, *rows = _rows(export_attendance(session, actor=coordinator, fmt="csv",
                                            today=TODAY))
    assert header == ["日期", "活动名称", "类型", "单位", "儿童姓名", "性别", "学校", "班级",
                      "村(社区)"]
    assert [r[4] for r in rows] == ["王*红", "张*明"]  # by pinyin
    assert rows[0][6:] == ["石门镇中心小学", "三年级2班", "李家村"]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive")
                          ) is None
    rows = _rows(export_attendance(session, actor=coordinator, fmt="csv", today=TODAY,
                                   include_sensitive=True))[1:]
    assert [r[4] for r in rows] == ["王小红", "张小明"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert (event.entity, event.summary) == ("attendance", "导出含敏感信息的活动参加儿童名单(csv)")


def test_xlsx_export_opens_with_numbers_as_numbers(session, world):
    book = load_workbook(io.BytesIO(export_activities(session, actor=ADMIN, fmt="xlsx",
                                                      today=TODAY)))
    sheet = book.active
    assert [c.value for c in sheet[1]][:3] == ["日期", "名称", "类型"]
    assert sheet.cell(row=3, column=9).value == 32


@pytest.mark.parametrize("role", [Role.viewer, Role.helper])
def test_only_those_who_manage_activities_may_export_them(session, world, role):
    actor = Actor(user_id=None, username="x", role=role)
    for export in (export_activities, export_attendance):
        with pytest.raises(PermissionDenied):
            export(session, actor=actor, fmt="csv", today=TODAY)


def test_the_cli_offers_both_lists(session, world):
    assert set(ACTIVITY_EXPORTS) == {"activities", "attendance"}
    lists = list_exports()
    assert lists["activities"].title == "活动名单"
    assert _rows(lists["attendance"].export(session, actor=ADMIN, fmt="csv", today=TODAY,
                                            include_sensitive=False))[1][4] == "王*红"
