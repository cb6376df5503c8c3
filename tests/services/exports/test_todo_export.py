"""Exporting the 待办 list and the children nobody contacted this month: scope, masks, audit."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import ContactKind, RiskLevel, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.export_kinds import list_exports
from services.exports.todo_export import TODO_EXPORTS, export_no_contact, export_todo
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    make_child_in,
    make_contact,
    make_places,
)

FORMULA_NAME = "=1+2"


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def places(session):
    places = make_places(session)
    teacher = make_helper(session, org_unit=places.village, name="李老师", capacity=5)
    ming = make_child_in(session, places.village, "张小明", school_id=places.school.id,
                         risk_level=RiskLevel.red)
    make_pairing(session, ming, teacher)
    make_contact(session, ming, teacher, date(2026, 11, 24), kind=ContactKind.parent_call)
    odd = make_child_in(session, places.other_village, FORMULA_NAME)
    make_pairing(session, odd, teacher, started_on=date(2026, 11, 1))
    far = make_child_in(session, places.far_village, "赵小刚")
    make_pairing(session, far, make_helper(session, org_unit=places.far_village, name="陈老师"))
    return places


def test_the_todo_file_lists_what_is_owed_overdue_first_with_names_masked(session, places):
    data = rows(export_todo(session, actor=coordinator_of(places.town), fmt="csv",
                            today=TODAY))
    assert list(data[0]) == ["儿童姓名", "学校/村", "帮扶人", "要求", "情况", "截止", "状态"]
    red = next(r for r in data if r["要求"].startswith("红色"))
    assert red == {"儿童姓名": "张*明", "学校/村": "石门镇中心小学", "帮扶人": "李*师",
                       "要求": "红色风险儿童每周走访至少1次",
                       "情况": "上周应完成1次\uff0c已完成0次\uff0c已逾期\uff1b本周再完成1次即消除",
                       "截止": "2026-11-22\uff08已过\uff09", "状态": "已逾期"}
    # An open item: this period's count and deadline.
    open_item = next(r for r in data if r["状态"] == "进行中")
    assert "已逾期" not in open_item["情况"] and "已过" not in open_item["截止"]
    assert {r["状态"] for r in data} == {"已逾期", "即将到期", "进行中"}
    assert [r["状态"] for r in data].index("即将到期") > [r["状态"] for r in data].index(
        "已逾期")
    assert "赵*刚" not in {r["儿童姓名"] for r in data}  # another town


def test_names_in_full_only_when_asked_and_then_audited(session, places):
    data = rows(export_todo(session, actor=ADMIN, fmt="csv", today=TODAY,
                            include_sensitive=True))
    names = {r["儿童姓名"] for r in data}
    assert {"张小明", "赵小刚", "'=1+2"} <= names  # the formula is neutralised
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert (event.entity, event.summary) == ("todo", "导出含敏感信息的待办清单(csv)")


def test_the_todo_file_as_xlsx(session, places):
    data = export_todo(session, actor=ADMIN, fmt="xlsx", today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["儿童姓名", "学校/村", "帮扶人"]
    assert sheet.max_row > 1


@pytest.mark.parametrize("export", [export_todo, export_no_contact])
def test_who_may_export(session, places, export):
    for actor in (Actor(None, "v", Role.viewer), Actor(None, "h", Role.helper, helper_id=1)):
        with pytest.raises(PermissionDenied):
            export(session, actor=actor, fmt="csv", today=TODAY)


def test_the_no_contact_file(session, places):
    data = rows(export_no_contact(session, actor=coordinator_of(places.town), fmt="csv",
                                  today=TODAY))
    assert data == [{"儿童姓名": "'=**2", "学校": "", "村(社区)": "张家村", "帮扶人": "李*师",
                     "最近帮扶日期": "从未联系"}]
    assert rows(export_no_contact(session, actor=ADMIN, fmt="csv", today=TODAY,
                                  include_sensitive=True))[-1]["儿童姓名"] == "赵小刚"


def test_the_lists_are_offered_to_the_command_line():
    assert TODO_EXPORTS["todo"].title == "待办清单"
    found = list_exports()
    assert found["todo"].export.__wrapped__ is export_todo
    assert found["no_contact"].title == "本月未联系儿童名单"

