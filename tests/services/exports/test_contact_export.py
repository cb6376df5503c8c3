"""Exporting 帮扶记录: scope, masks, the period, formulas neutralised, sensitive exports audited."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from core.errors import DomainError, PermissionDenied
from core.vocab import ContactKind, HelperKind, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.contact_export import CONTACT_COLUMNS, CONTACT_EXPORTS, export_contacts
from tests.factories import make_helper, make_user
from tests.pairing_factories import (
    TODAY,
    coordinator_of,
    make_child_in,
    make_contact,
    make_places,
)

ADMIN = Actor.system()
HEADERS = ["日期", "儿童姓名", "学校/村", "帮扶人", "帮扶人类型", "方式", "时长(分钟)", "记录",
           "需跟进", "跟进日期", "记录人"]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _fill(session: Session) -> object:
    """石门镇: two contacts with 林小雨 (one withdrawn), one older; 青山乡: one contact."""
    places = make_places(session)
    lin = make_child_in(session, places.village, "林小雨", school_id=places.school.id)
    wang = make_child_in(session, places.village, "王小红")
    far = make_child_in(session, places.far_village, "赵小刚")
    teacher = make_helper(session, org_unit=places.school, name="李老师")
    volunteer = make_helper(session, org_unit=places.village, name="刘建国",
                            kind=HelperKind.volunteer)
    recorder = make_user(session, "liu", Role.coordinator, display_name="刘主任")
    make_contact(session, lin, teacher, date(2026, 11, 20), kind=ContactKind.home_visit,
                 minutes=60, notes="看望奶奶", follow_up=True, follow_up_on=date(2026, 12, 1),
                 recorded_by_id=recorder.id)
    make_contact(session, lin, teacher, date(2026, 11, 21), notes="重复",
                 archived_at=datetime(2026, 11, 22), archive_reason="重复记录")
    make_contact(session, wang, volunteer, date(2026, 9, 3), kind=ContactKind.phone_visit,
                 notes="=1+1")
    make_contact(session, far, volunteer, date(2026, 11, 1))
    session.commit()
    return places


def test_columns_and_rows_masked_by_default_newest_first(session):
    places = _fill(session)
    data = export_contacts(session, actor=coordinator_of(places.town), fmt="csv", today=TODAY)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _rows(data)
    assert list(rows[0]) == HEADERS == [c.header for c in CONTACT_COLUMNS]
    assert rows == [
        {"日期": "2026-11-20", "儿童姓名": "林*雨", "学校/村": "石门镇中心小学", "帮扶人": "李*师",
         "帮扶人类型": "教师", "方式": "家访", "时长(分钟)": "60", "记录": "看望奶奶",
         "需跟进": "是", "跟进日期": "2026-12-01", "记录人": "刘*任"},
        {"日期": "2026-09-03", "儿童姓名": "王*红", "学校/村": "李家村", "帮扶人": "刘*国",
         "帮扶人类型": "志愿者", "方式": "电访", "时长(分钟)": "", "记录": "'=1+1",
         "需跟进": "否", "跟进日期": "", "记录人": ""},
    ]
    assert session.scalar(select(AuditEvent.id)) is None  # masked exports are not audited


def test_sensitive_export_is_in_full_and_audited(session):
    places = _fill(session)
    coordinator = coordinator_of(places.town)
    data = export_contacts(session, actor=coordinator, fmt="csv", today=TODAY,
                           include_sensitive=True, date_from=date(2026, 11, 1))
    assert [(r["儿童姓名"], r["帮扶人"]) for r in _rows(data)] == [("林小雨", "李老师")]
    event = session.scalar(select(AuditEvent))
    assert (event.action, event.entity, event.username) == (
        "export_sensitive", "contacts", coordinator.username)
    assert event.summary == "导出含敏感信息的帮扶记录(2026-11-01至2026-11-28,csv)"


@pytest.mark.parametrize(("date_from", "date_to", "expected"), [
    (None, None, ["2026-11-20", "2026-11-01", "2026-09-03"]),
    (date(2026, 11, 1), None, ["2026-11-20", "2026-11-01"]),
    (None, date(2026, 11, 1), ["2026-11-01", "2026-09-03"]),
    (date(2026, 11, 2), date(2026, 11, 19), []),
])
def test_the_period_narrows_the_list(session, date_from, date_to, expected):
    _fill(session)
    data = export_contacts(session, actor=ADMIN, fmt="csv", today=TODAY, date_from=date_from,
                           date_to=date_to)
    assert [r["日期"] for r in _rows(data)] == expected


def test_a_period_ending_before_it_starts_is_refused(session):
    with pytest.raises(DomainError, match="开始日期不能晚于结束日期"):
        export_contacts(session, actor=ADMIN, fmt="csv", today=TODAY,
                        date_from=date(2026, 11, 2), date_to=date(2026, 11, 1))


@pytest.mark.parametrize(("actor", "sensitive"), [
    (Actor(None, "h", Role.helper, helper_id=1), False),
    (Actor(None, "v", Role.viewer), False),
    (Actor(None, "c", Role.helper, helper_id=1), True),
])
def test_who_may_not_export(session, actor, sensitive):
    _fill(session)
    with pytest.raises(PermissionDenied):
        export_contacts(session, actor=actor, fmt="csv", today=TODAY,
                        include_sensitive=sensitive)


def test_xlsx_has_a_header_row_and_text_cells(session):
    _fill(session)
    data = CONTACT_EXPORTS["contacts"].export(session, actor=ADMIN, fmt="xlsx", today=TODAY,
                                              include_sensitive=True)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert (sheet["A2"].value, sheet["B2"].value, sheet["G2"].value) == ("2026-11-20", "林小雨", 60)
    assert CONTACT_EXPORTS["contacts"].title == "帮扶记录"


def test_cli_exports_contacts(db_url, engine, monkeypatch, tmp_path):
    with Session(engine) as session:
        _fill(session)
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "帮扶记录.csv"
    assert cli.main(["export", "contacts", "--out", str(out)]) == 0
    assert [r["儿童姓名"] for r in _rows(out.read_bytes())] == ["林*雨", "赵*刚", "王*红"]
