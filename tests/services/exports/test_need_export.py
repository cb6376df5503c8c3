"""Exporting 需求清单: scope, order, masked names, no formulas, sensitive exports audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.vocab import NeedKind, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.need_export import NEED_COLUMNS, NEED_EXPORTS, export_needs
from services.resources.needs import record_need
from tests.pairing_factories import TODAY, make_child_in, make_places

ADMIN = Actor.system()


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _need(session: Session, child_id: int, description: str, **fields: object) -> None:
    values: dict[str, object] = {"kind": NeedKind.economic, "found_on": TODAY,
                                 "priority": "normal", "today": TODAY}
    values.update(fields)
    record_need(session, actor=ADMIN, child_id=child_id, description=description, **values)


@pytest.fixture
def town(session) -> Actor:
    """石门镇: 林小雨 (one overdue need, one with a formula), 青山乡: 赵小刚; its coordinator."""
    places = make_places(session)
    lin = make_child_in(session, places.village, "林小雨")
    far = make_child_in(session, places.far_village, "赵小刚")
    _need(session, lin.id, "=HYPERLINK(\"x\")")
    _need(session, lin.id, "学费困难", found_on=TODAY - timedelta(days=20),
          due_on=TODAY - timedelta(days=2), kind=NeedKind.study)
    _need(session, far.id, "外乡的需求")
    session.commit()
    return Actor(user_id=None, username="liu", role=Role.coordinator,
                 org_unit_id=places.town.id)


def test_the_export_lists_needs_in_scope_overdue_first_with_names_masked(session, town):
    rows = _rows(export_needs(session, actor=town, fmt="csv", today=TODAY))
    assert list(rows[0]) == [c.header for c in NEED_COLUMNS]
    assert [(r["儿童姓名"], r["需求类型"], r["逾期"], r["已过天数"]) for r in rows] == [
        ("林*雨", "学业", "是\uff082天\uff09", "20"), ("林*雨", "经济困难", "未设期限", "0")]
    assert rows[1]["需求描述"].startswith("'=")  # never run as a formula
    assert rows[0]["乡镇村"] == "石门镇李家村"


def test_a_sensitive_export_shows_names_and_is_audited(session, town):
    data = export_needs(session, actor=town, fmt="xlsx", today=TODAY, include_sensitive=True)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"]][1:] == ["林小雨", "林小雨"]
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_sensitive")).one()
    assert (event.entity, event.summary) == ("needs", "导出含敏感信息的需求清单(xlsx)")


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_helpers_and_viewers_may_not_export(session, town, role):
    actor = Actor(user_id=None, username="x", role=role)
    with pytest.raises(PermissionDenied):
        export_needs(session, actor=actor, fmt="csv", today=TODAY)


def test_the_export_is_offered_under_its_title():
    assert NEED_EXPORTS["needs"].title == "需求清单"
    assert NEED_EXPORTS["needs"].export.__wrapped__ is export_needs
