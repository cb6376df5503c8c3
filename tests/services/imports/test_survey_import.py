"""问卷答案导入: the template, matching children, refusing bad cells, all or nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from core.vocab import QuestionKind
from db.models import AuditEvent, Child, SurveyAnswer
from services.imports.surveys import answer_template, import_answers
from services.resources.survey_answers import record_answers
from services.resources.surveys import QuestionInput, SurveyInput, create_survey
from tests.factories import import_probes
from tests.pairing_factories import ADMIN, coordinator_of, make_child_in, make_places

WHO = QuestionInput("你有心里话最想对谁说?", ["父亲", "母亲", "老师"])
HELP = QuestionInput("你最希望得到哪些帮助?", ["学习辅导", "心理疏导", "亲情联系"],
                     QuestionKind.multiple)
HEADER = "儿童姓名,儿童出生日期,你有心里话最想对谁说?,你最希望得到哪些帮助?"


@pytest.fixture
def world(session):
    places = make_places(session)
    for name in ("张一", "张二"):
        make_child_in(session, places.village, name)
    make_child_in(session, places.far_village, "王远")
    survey = create_survey(session, actor=ADMIN,
                           data=SurveyInput("关爱问卷", date(2026, 10, 9), [WHO, HELP]))
    session.commit()
    return places, survey


def _csv(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8-sig")


def _answers(session) -> list[tuple[str, str]]:
    return sorted((a.answer, str(a.child_id)) for a in session.scalars(select(SurveyAnswer)))


def _import(session, survey, data: bytes, actor=ADMIN, **kw):
    return import_answers(session, actor=actor, survey_id=survey.id, data=data,
                          filename="answers.csv", **kw)


def test_the_template_is_the_header_to_fill(world):
    _, survey = world
    text = answer_template(survey).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == [
        "儿童姓名", "儿童出生日期", "儿童身份证号", WHO.text, HELP.text]


def test_a_good_file_writes_each_option_chosen(session, world):
    _, survey = world
    report = _import(session, survey, _csv(HEADER, "张一,2015-03-01,父亲,学习辅导、亲情联系",
                                           "张二,,老师,"))
    assert report.ok, report.errors
    assert (report.rows_read, report.created, report.updated) == (2, 2, 0)
    assert sorted(a for a, _ in _answers(session)) == ["亲情联系", "学习辅导", "父亲", "老师"]
    assert session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "import"))


def test_reimporting_the_same_file_changes_nothing(session, world):
    _, survey = world
    data = _csv(HEADER, "张一,,母亲,心理疏导")
    _import(session, survey, data)
    again = _import(session, survey, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_dry_run_checks_and_writes_nothing(session, world):
    _, survey = world
    report = _import(session, survey, _csv(HEADER, "张一,,母亲,"), dry_run=True)
    assert report.ok and report.created == 1
    assert _answers(session) == []
    assert import_probes(session) == ["import_dry_run"]  # a dry run leaves a trace too


def test_a_refused_file_is_audited_and_writes_nothing(session, world):
    _, survey = world
    report = _import(session, survey, _csv(HEADER, "张一,,叔叔,"))
    assert not report.ok
    assert _answers(session) == []
    assert import_probes(session) == ["import_refused"]


@pytest.mark.parametrize(("line", "column", "why"), [
    ("张一,,父亲、母亲,", "你有心里话最想对谁说?", "单选题只能选一个答案"),
    ("张一,,叔叔,", "你有心里话最想对谁说?", "“叔叔”不是本题的选项"),
    ("张一,,,学习辅导、打游戏", "你最希望得到哪些帮助?", "“打游戏”不是本题的选项"),
    ("李四,,父亲,", "儿童姓名", "找不到儿童“李四”"),
    ("张一,2014-01-01,父亲,", "儿童出生日期", "找不到2014-01-01出生的“张一”"),
])
def test_a_bad_row_is_reported_and_no_row_is_written(session, world, line, column, why):
    _, survey = world
    report = _import(session, survey, _csv(HEADER, "张二,,父亲,", line))
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert why in report.errors[0].reason
    assert _answers(session) == []


def test_a_child_twice_in_the_file_is_an_error(session, world):
    _, survey = world
    report = _import(session, survey, _csv(HEADER, "张一,,父亲,", "张一,,母亲,"))
    assert "与第2行是同一名儿童" in report.errors[0].reason


def test_unknown_columns_and_children_out_of_scope_are_refused(session, world):
    places, survey = world
    report = _import(session, survey, _csv("儿童姓名,你最喜欢的颜色?", "张一,红"))
    assert [e.column for e in report.errors] == ["你最喜欢的颜色?", "表头"]
    report = _import(session, survey, _csv(HEADER, "王远,,父亲,"),
                     actor=coordinator_of(places.town))
    assert "找不到儿童“王远”" in report.errors[0].reason


def test_full_width_punctuation_in_headers_still_matches(session, world):
    _, survey = world
    report = _import(session, survey, _csv("儿童姓名,你有心里话最想对谁说?", "张一,老师"))
    assert report.ok, report.errors


def test_blank_cells_keep_stored_answers(session, world):
    _, survey = world
    child_id = session.scalar(select(Child.id).where(Child.name == "张一"))
    who, _ = (q.id for q in survey.questions)
    record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=child_id,
                   answers={who: ["父亲"]})
    report = _import(session, survey, _csv(HEADER, "张一,,,学习辅导"))
    assert (report.created, report.updated) == (0, 1)
    assert session.scalar(select(func.count()).select_from(SurveyAnswer)) == 2


def test_an_xlsx_file_imports_like_a_csv(session, world):
    _, survey = world
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["儿童姓名", "儿童出生日期", WHO.text, HELP.text])
    sheet.append(["张一", date(2015, 3, 1), "老师", "学习辅导,心理疏导"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_answers(session, actor=ADMIN, survey_id=survey.id, data=buffer.getvalue(),
                            filename="answers.xlsx")
    assert report.ok, report.errors
    assert sorted(a for a, _ in _answers(session)) == ["学习辅导", "心理疏导", "老师"]
