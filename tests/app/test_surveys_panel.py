"""The 问卷 panel in AppTest: empty states, the seeds' template, results, the quick grid."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.session import ACTOR_KEY
from db.models import Child, Survey, SurveyAnswer
from services.permissions import Actor
from services.surveys import QuestionInput, SurveyInput, create_survey, record_answers
from services.vocab import QuestionKind, Role

WHO = QuestionInput("你有心里话最想对谁说?", ["父亲", "母亲", "老师"])
HELP = QuestionInput("你最希望得到哪些帮助?", ["学习辅导", "心理疏导"], QuestionKind.multiple)
ADMIN = Actor(user_id=None, username="admin", role=Role.admin)


def _panel() -> None:
    """The panel alone, as pages/resources.py shows it in its 问卷 tab."""
    from datetime import date

    import streamlit as st

    from components.session import ACTOR_KEY
    from components.surveys_panel import render_surveys

    render_surveys(st.session_state[ACTOR_KEY], date(2026, 11, 28))


def _app(actor: Actor) -> AppTest:
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


@pytest.fixture
def coordinator(world) -> Actor:
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _seed(engine, answers: dict[str, tuple[list[str], list[str]]] | None = None) -> int:
    """A survey of two questions; `answers` maps a child's name to its answers to both."""
    with Session(engine) as session, session.begin():
        survey = create_survey(session, actor=ADMIN,
                               data=SurveyInput("关爱问卷", date(2026, 10, 9), [WHO, HELP]))
        ids = [q.id for q in survey.questions]
        for name, chosen in (answers or {}).items():
            child = session.scalar(select(Child).where(Child.name == name))
            record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=child.id,
                           answers=dict(zip(ids, chosen, strict=True)))
        return survey.id


def _stored(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return sorted((name, answer) for name, answer in session.execute(
            select(Child.name, SurveyAnswer.answer).join(Child, Child.id == SurveyAnswer.child_id)))


def test_without_surveys_a_coordinator_is_told_and_cannot_define(world, coordinator):
    at = _app(coordinator)
    assert not at.exception
    assert "还没有问卷" in _texts(at.info)
    assert [e.label for e in at.expander] == []


def test_an_admin_creates_the_seeds_questionnaire(world, engine):
    at = _app(ADMIN)
    assert at.expander[0].label == "新建问卷"
    at.button(key="survey_from_template").click().run()
    assert not at.exception
    assert "已用调查模板新建问卷" in _texts(at.success)
    with Session(engine) as session:
        survey = session.scalar(select(Survey))
        assert survey.questions[0].text == "你有心里话最想对谁说？"
    assert at.selectbox(key="survey_pick").value == survey.id


def test_an_admin_defines_a_questionnaire_in_the_form(world, engine):
    at = _app(ADMIN)
    at.number_input(key="survey_new_count").set_value(1).run()
    at.text_input(key="survey_new_title").input("期末问卷")
    at.text_input(key="survey_new_q0_text").input("你喜欢上学吗?")
    at.text_area(key="survey_new_q0_options").input("喜欢\n一般\n不喜欢")
    at.button(key="FormSubmitter:survey_new-保存").click().run()
    assert "已新建问卷“期末问卷”" in _texts(at.success)
    with Session(engine) as session:
        assert session.scalar(select(Survey)).questions[0].options == ["喜欢", "一般", "不喜欢"]


def test_a_bad_questionnaire_shows_why(world, engine):
    at = _app(ADMIN)
    at.number_input(key="survey_new_count").set_value(1).run()
    at.text_input(key="survey_new_title").input("期末问卷")
    at.text_input(key="survey_new_q0_text").input("你喜欢上学吗?")
    at.text_area(key="survey_new_q0_options").input("喜欢")
    at.button(key="FormSubmitter:survey_new-保存").click().run()
    assert "至少要有两个选项" in _texts(at.error)
    with Session(engine) as session:
        assert session.scalar(select(Survey)) is None


def test_results_show_shares_with_counts_in_scope(world, engine, coordinator):
    _seed(engine, {"张小明": (["父亲"], ["学习辅导", "心理疏导"]), "王小红": (["父亲"], []),
                   "赵小刚": (["老师"], ["学习辅导"])})
    at = _app(coordinator)
    assert not at.exception
    assert "2名儿童作答" in _texts(at.caption)
    who, help_ = at.dataframe[0].value, at.dataframe[1].value
    # 赵小刚 lives in 东乡, outside the coordinator's 石门镇.
    assert list(who["人数"]) == [2, 0, 0]
    assert list(who["占比"]) == ["100.0%", "0.0%", "0.0%"]
    assert list(help_["人数"]) == [1, 1]
    assert len(at.get("vega_lite_chart")) == 2


def test_the_grid_saves_edited_answers(world, engine, coordinator):
    survey_id = _seed(engine)
    at = _app(coordinator)
    with Session(engine) as session:
        who, help_ = (q.id for q in session.get(Survey, survey_id).questions)
    # Rows are 王小红 then 张小明 (by pinyin).
    at.session_state[f"survey_grid_{survey_id}_0"] = {
        "edited_rows": {0: {f"q{who}": "母亲"}, 1: {f"q{help_}": "学习辅导、心理疏导"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="survey_grid_save").click().run()
    assert not at.exception
    assert "已保存2名儿童的问卷答案" in _texts(at.success)
    assert _stored(engine) == [("张小明", "学习辅导"), ("张小明", "心理疏导"), ("王小红", "母亲")]


def test_a_bad_cell_in_the_grid_names_child_and_question_and_saves_nothing(world, engine,
                                                                          coordinator):
    survey_id = _seed(engine)
    at = _app(coordinator)
    with Session(engine) as session:
        who, help_ = (q.id for q in session.get(Survey, survey_id).questions)
    at.session_state[f"survey_grid_{survey_id}_0"] = {
        "edited_rows": {0: {f"q{who}": "母亲"}, 1: {f"q{help_}": "学习辅导、打游戏"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="survey_grid_save").click().run()
    errors = _texts(at.error)
    assert "张小明 · 你最希望得到哪些帮助?" in errors and "“打游戏”不是本题的选项" in errors
    assert _stored(engine) == []


def test_an_admin_fixes_the_wording_of_an_answered_survey_then_archives_it(world, engine):
    survey_id = _seed(engine, {"张小明": (["父亲"], [])})
    at = _app(ADMIN)
    assert [e.label for e in at.expander] == ["新建问卷", "修改问卷", "归档问卷"]
    key = f"survey_edit_{survey_id}"
    assert at.text_area(key=f"{key}_q0_options").disabled
    at.text_input(key=f"{key}_q0_text").input("你的心里话最想对谁说?")
    at.button(key=f"FormSubmitter:{key}-保存").click().run()
    assert "已保存修改" in _texts(at.success)
    at.button(key=f"FormSubmitter:survey_archive_{survey_id}-归档").click().run()
    assert "已归档问卷“关爱问卷”" in _texts(at.success)
    assert "还没有问卷" in _texts(at.info)
    with Session(engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey.questions[0].text == "你的心里话最想对谁说?"
        assert survey.archived_at is not None


def test_a_coordinator_neither_edits_nor_archives_surveys(world, engine, coordinator):
    _seed(engine)
    at = _app(coordinator)
    assert [e.label for e in at.expander] == []
