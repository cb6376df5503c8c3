"""心愿清单: columns, masked names, neutralised cells, one drive only, audit, permissions."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.wish_export import TITLE, WISH_COLUMNS, WISH_EXPORTS, export_wishes
from services.resources.wish_drives import create_drive
from services.resources.wishes import collect_wish, fulfil_wish
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places

HEADERS = ["儿童姓名", "学校/村", "心愿", "类别", "预计金额(元)", "状态", "征集日期", "认领方",
           "认领日期", "实现日期", "心愿活动", "照片"]


def _csv(session, actor: Actor = ADMIN, **options) -> list[dict[str, str]]:
    data = export_wishes(session, actor=actor, fmt="csv", today=TODAY, **options)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def wishes(session):
    """林小雨 (李家村) wants a schoolbag, fulfilled in the drive; 赵小刚 (王家村) a =formula."""
    places = make_places(session)
    lin = make_child_in(session, places.village, "林小雨")
    zhao = make_child_in(session, places.far_village, "赵小刚")
    drive = create_drive(session, actor=ADMIN, name="六一微心愿", starts_on=date(2026, 5, 1),
                         ends_on=date(2026, 6, 15))
    bag = collect_wish(session, actor=ADMIN, child_id=lin.id, content="一个新书包",
                       category="学习用品", estimated_cost_yuan="89",
                       collected_on=date(2026, 5, 10), today=TODAY, drive_id=drive.id)
    fulfil_wish(session, actor=ADMIN, wish_id=bag.id, expected_version=1,
                fulfilled_on=date(2026, 6, 1), today=TODAY, donor="陈女士")
    collect_wish(session, actor=ADMIN, child_id=zhao.id, content="=HYPERLINK(\"x\")",
                 collected_on=date(2026, 9, 1), today=TODAY)
    return places, drive


def test_columns_and_masked_names(session, wishes):
    rows = _csv(session)
    assert list(rows[0]) == HEADERS == [c.header for c in WISH_COLUMNS]
    assert [(r["儿童姓名"], r["状态"]) for r in rows] == [("赵*刚", "已征集"), ("林*雨", "已实现")]
    bag = rows[1]
    assert (bag["心愿"], bag["类别"], bag["预计金额(元)"], bag["认领方"]) == (
        "一个新书包", "学习用品", "89.00", "陈*士")  # a donor written in is a person
    assert (bag["实现日期"], bag["心愿活动"]) == ("2026-06-01", "六一微心愿")


def test_a_wish_that_looks_like_a_formula_is_neutralised(session, wishes):
    assert _csv(session)[0]["心愿"] == "'=HYPERLINK(\"x\")"


def test_one_drive_and_one_scope(session, wishes):
    places, drive = wishes
    assert [r["儿童姓名"] for r in _csv(session, drive_id=drive.id)] == ["林*雨"]
    assert [r["儿童姓名"] for r in _csv(session, coordinator_of(places.town))] == ["林*雨"]


def test_a_sensitive_export_shows_names_and_is_audited(session, wishes):
    assert {r["儿童姓名"] for r in _csv(session, include_sensitive=True)} == {"林小雨", "赵小刚"}
    summary = session.scalar(select(AuditEvent.summary).where(
        AuditEvent.action == "export_sensitive", AuditEvent.entity == "wishes"))
    assert summary.startswith(f"导出含敏感信息的{TITLE}(2条,csv")


def test_xlsx_has_the_same_rows(session, wishes):
    data = WISH_EXPORTS["wishes"].export(session, actor=ADMIN, fmt="xlsx", today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 3


@pytest.mark.parametrize(("role", "sensitive"), [(Role.viewer, False), (Role.helper, False)])
def test_who_may_not_export(session, wishes, role, sensitive):
    with pytest.raises(PermissionDenied):
        _csv(session, Actor(None, "x", role), include_sensitive=sensitive)
