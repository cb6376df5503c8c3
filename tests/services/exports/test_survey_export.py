"""问卷 exports: results carry no names; answers are masked unless sensitive, then audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from core.errors import NotFound, PermissionDenied
from core.vocab import QuestionKind, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.survey_export import SURVEY_EXPORTS, export_answers, export_results
from services.resources.survey_answers import record_answers
from services.resources.surveys import QuestionInput, SurveyInput, create_survey
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places

WHO = QuestionInput("你有心里话最想对谁说?", ["父亲", "=母亲", "老师"])
HELP = QuestionInput("你最希望得到哪些帮助?", ["学习辅导", "心理疏导"], QuestionKind.multiple)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def world(session):
    places = make_places(session)
    survey = create_survey(session, actor=ADMIN,
                           data=SurveyInput("关爱问卷", date(2026, 10, 9), [WHO, HELP]))
    who, help_ = (q.id for q in survey.questions)
    for name, answers in (("张小明", {who: ["父亲"], help_: ["学习辅导", "心理疏导"]}),
                          ("李小红", {who: ["=母亲"]})):
        child = make_child_in(session, places.village, name)
        record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=child.id,
                       answers=answers)
    make_child_in(session, places.village, "未作答")
    session.commit()
    return places, survey


def test_results_are_counts_and_shares_without_names(session, world):
    rows = _rows(export_results(session, actor=ADMIN, fmt="csv", today=TODAY))
    assert list(rows[0]) == ["问卷", "题目", "题型", "选项", "人数", "占比", "本题作答人数"]
    assert [(r["选项"], r["人数"], r["占比"]) for r in rows[:3]] == [
        ("父亲", "1", "50.0%"), ("'=母亲", "1", "50.0%"), ("老师", "0", "0.0%")]
    assert rows[3]["题型"] == "多选"


def test_answers_mask_names_unless_sensitive_and_audit_that(session, world):
    places, survey = world
    coordinator = coordinator_of(places.town)
    rows = _rows(export_answers(session, actor=coordinator, fmt="csv", today=TODAY))
    assert [r["儿童姓名"] for r in rows] == ["李*红", "张*明"]
    assert rows[1]["你最希望得到哪些帮助?"] == "学习辅导、心理疏导"
    assert rows[0]["你有心里话最想对谁说?"] == "'=母亲"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive")) \
        is None
    data = export_answers(session, actor=coordinator, fmt="xlsx", today=TODAY,
                          include_sensitive=True, survey_id=survey.id)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"]][1:] == ["李小红", "张小明"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert "问卷答案明细" in event.summary


def test_who_may_export(session, world):
    viewer = Actor(user_id=None, username="v", role=Role.viewer)
    with pytest.raises(PermissionDenied):
        export_results(session, actor=viewer, fmt="csv", today=TODAY)


def test_the_exports_are_offered_by_kind(session, world):
    assert set(SURVEY_EXPORTS) == {"survey_results", "survey_answers"}
    for export in SURVEY_EXPORTS.values():
        assert export.export(session, actor=ADMIN, fmt="csv", today=TODAY,
                             include_sensitive=False)


def test_without_a_survey_there_is_nothing_to_export(session):
    with pytest.raises(NotFound):
        export_results(session, actor=ADMIN, fmt="csv", today=TODAY)
