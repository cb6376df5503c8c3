"""问卷: defining, answering, refusing bad answers, shares, scope and the dashboard summary."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from core.vocab import Category, QuestionKind
from db.models import AuditEvent, SurveyAnswer
from services.resources.survey_answers import parse_choices, record_answers, record_grid
from services.resources.survey_results import (
    OptionCount,
    answer_grid,
    list_surveys,
    results,
    survey_summary,
)
from services.resources.surveys import (
    SEED_TEMPLATE,
    QuestionInput,
    SurveyInput,
    archive_survey,
    create_from_template,
    create_survey,
    update_survey,
)
from tests.pairing_factories import ADMIN, coordinator_of, make_child_in, make_places

HELD = date(2026, 10, 9)
WHO = QuestionInput("你有心里话最想对谁说?", ["父亲", "母亲", "老师"])
HELP = QuestionInput("你最希望得到哪些帮助?", ["学习辅导", "心理疏导", "亲情联系"],
                     QuestionKind.multiple)
SURVEY = SurveyInput("关爱问卷", HELD, [WHO, HELP])


@pytest.fixture
def setup(session):
    places = make_places(session)
    kids = [make_child_in(session, places.village, name) for name in ("张一", "张二", "张三")]
    far = make_child_in(session, places.far_village, "王远")
    survey = create_survey(session, actor=ADMIN, data=SURVEY)
    session.commit()
    who, help_ = (q.id for q in survey.questions)
    return places, kids, far, survey, who, help_


def _count_answers(session) -> int:
    return session.scalar(select(func.count()).select_from(SurveyAnswer))


@pytest.mark.parametrize(("count", "respondents", "label"), [
    (29, 50, "58.0%(29)"),
    (1, 3, "33.3%(1)"),
    (0, 4, "0.0%(0)"),
    (19, 20, "95.0%(19)"),
    (0, 0, "—"),
])
def test_a_share_is_shown_with_one_decimal_and_its_count(count, respondents, label):
    share = count / respondents if respondents else None
    assert OptionCount("父亲", count, share).label == label


@pytest.mark.parametrize(("cell", "options", "parsed"), [
    ("学习辅导、心理疏导", ["学习辅导", "心理疏导"], ["学习辅导", "心理疏导"]),
    ("学习辅导,心理疏导", ["学习辅导", "心理疏导"], ["学习辅导", "心理疏导"]),
    ("学习辅导,学习辅导", ["学习辅导"], ["学习辅导"]),
    ("没人辅导,没人监督", ["没人辅导,没人监督", "其他"], ["没人辅导,没人监督"]),
    ("没人辅导,没人监督、其他", ["没人辅导,没人监督", "其他"], ["没人辅导,没人监督", "其他"]),
    ("游泳、其他", ["其他"], ["游泳", "其他"]),
    ("  ", ["其他"], []),
])
def test_cells_split_into_options(cell, options, parsed):
    assert parse_choices(cell, options) == parsed


def test_shares_are_counts_over_the_respondents_of_each_question(session, setup):
    _places, kids, _, survey, who, help_ = setup
    answers = [({who: ["父亲"], help_: ["学习辅导", "心理疏导"]}),
               ({who: ["父亲"], help_: ["学习辅导"]}),
               ({who: ["老师"]})]
    for kid, chosen in zip(kids, answers, strict=True):
        record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kid.id,
                       answers=chosen)
    first, second = results(session, ADMIN, survey.id)
    assert first.respondents == 3
    assert [(o.option, o.count, o.label) for o in first.options] == [
        ("父亲", 2, "66.7%(2)"), ("母亲", 0, "0.0%(0)"), ("老师", 1, "33.3%(1)")]
    # A multiple-choice question counts each option chosen; shares may add up past 100%.
    assert second.respondents == 2
    assert [(o.option, o.count) for o in second.options] == [
        ("学习辅导", 2), ("心理疏导", 1), ("亲情联系", 0)]
    assert survey_summary(session, ADMIN) == {
        "你有心里话最想对谁说?": {"父亲": 2, "母亲": 0, "老师": 1},
        "你最希望得到哪些帮助?": {"学习辅导": 2, "心理疏导": 1, "亲情联系": 0}}


def test_recording_again_replaces_the_childs_answers(session, setup):
    _, kids, _, survey, who, _ = setup
    for answer in ("父亲", "母亲"):
        record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kids[0].id,
                       answers={who: [answer]})
    assert session.scalars(select(SurveyAnswer.answer)).all() == ["母亲"]


@pytest.mark.parametrize(("answers", "why"), [
    ({0: ["父亲", "母亲"]}, "单选题只能选一个答案"),
    ({0: ["叔叔"]}, "“叔叔”不是本题的选项"),
    ({1: ["学习辅导", "打游戏"]}, "“打游戏”不是本题的选项"),
])
def test_answers_that_do_not_fit_are_refused_and_nothing_is_written(session, setup, answers,
                                                                     why):
    _, kids, _, survey, who, help_ = setup
    ids = [who, help_]
    chosen = {ids[i]: v for i, v in answers.items()} | {help_ if 0 in answers else who: []}
    with pytest.raises(ValidationFailed) as caught:
        record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kids[0].id,
                       answers=chosen)
    assert why in caught.value.message
    assert "张一" in caught.value.message
    session.rollback()
    assert _count_answers(session) == 0


def test_a_grid_save_with_one_bad_row_writes_no_row(session, setup):
    _, kids, _, survey, who, _ = setup
    with pytest.raises(ValidationFailed) as caught:
        record_grid(session, actor=ADMIN, survey_id=survey.id,
                    rows={kids[0].id: {who: ["父亲"]}, kids[1].id: {who: ["父亲", "老师"]}})
    assert "张二 · 你有心里话最想对谁说?" in caught.value.message
    session.rollback()
    assert _count_answers(session) == 0


def test_a_stale_grid_save_is_refused(session, setup):
    _, kids, _, survey, who, _ = setup
    record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kids[0].id,
                   answers={who: ["母亲"]})
    with pytest.raises(ConcurrentEdit):
        record_grid(session, actor=ADMIN, survey_id=survey.id, rows={kids[0].id: {who: ["老师"]}},
                    loaded={kids[0].id: {}})


def test_children_out_of_scope_or_archived_cannot_be_answered_for(session, setup):
    places, kids, far, survey, who, _ = setup
    coordinator = coordinator_of(places.town)
    with pytest.raises(NotFound):
        record_answers(session, actor=coordinator, survey_id=survey.id, child_id=far.id,
                       answers={who: ["父亲"]})
    kids[0].archived_at = kids[0].created_at
    session.flush()
    with pytest.raises(ValidationFailed, match="已归档"):
        record_answers(session, actor=coordinator, survey_id=survey.id, child_id=kids[0].id,
                       answers={who: ["父亲"]})


def test_results_count_only_children_in_scope_and_filter(session, setup):
    places, kids, far, survey, who, _ = setup
    kids[1].categories[0].category = Category.in_difficulty
    session.flush()
    for kid, answer in ((kids[0], "父亲"), (kids[1], "母亲"), (far, "老师")):
        record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kid.id,
                       answers={who: [answer]})

    def counts(actor=ADMIN, **filters):
        first = results(session, actor, survey.id, **filters)[0]
        return first.respondents, [o.count for o in first.options]

    assert counts() == (3, [1, 1, 1])
    assert counts(coordinator_of(places.town)) == (2, [1, 1, 0])
    assert counts(org_unit_id=places.other_town.id) == (1, [0, 0, 1])
    assert counts(org_unit_id=places.village.id, category=Category.in_difficulty) == (1, [0, 1, 0])


def test_the_answer_grid_lists_children_in_place_with_their_answers(session, setup):
    places, kids, _far, survey, _who, help_ = setup
    record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kids[0].id,
                   answers={help_: ["学习辅导", "亲情联系"]})
    rows = answer_grid(session, coordinator_of(places.town), survey.id)
    assert [r.name for r in rows] == ["张二", "张三", "张一"]
    assert rows[2].answers == {help_: ["学习辅导", "亲情联系"]}
    assert [r.name for r in answer_grid(session, ADMIN, survey.id,
                                        org_unit_id=places.other_town.id)] == ["王远"]


def test_only_admins_define_surveys(session, setup):
    places, *_ = setup
    with pytest.raises(PermissionDenied):
        create_survey(session, actor=coordinator_of(places.town), data=SURVEY)


@pytest.mark.parametrize(("questions", "field", "why"), [
    ([], "题目", "至少要有一道题"),
    ([QuestionInput("", ["a", "b"])], "第1题", "请填写题目"),
    ([QuestionInput("问", ["a"])], "第1题", "至少要有两个选项"),
    ([QuestionInput("问", ["a", "a"])], "第1题", "选项有重复"),
    ([WHO, WHO], "第2题", "重复"),
    ([QuestionInput("问", ["a、b", "c"], QuestionKind.multiple)], "第1题", "不能有“、”"),
])
def test_bad_questionnaires_are_refused(session, questions, field, why):
    with pytest.raises(ValidationFailed) as caught:
        create_survey(session, actor=ADMIN, data=SurveyInput("问卷", HELD, questions))
    assert why in caught.value.problems[field]


def test_the_seed_template_holds_the_seeds_questions(session):
    survey = create_from_template(session, actor=ADMIN, held_on=HELD)
    texts = [q.text for q in survey.questions]
    assert texts[:2] == ["你有心里话最想对谁说？", "你在学习方面遇到的最大困难是什么？"]
    assert len(texts) == len(SEED_TEMPLATE) >= 3
    assert "没人辅导，没人监督" in survey.questions[1].options
    assert [s.title for s in list_surveys(session, ADMIN)] == ["留守儿童关爱需求问卷调查"]


def test_questions_change_freely_until_answered_then_only_their_wording(session, setup):
    _, kids, _, survey, _who, _ = setup
    changed = SurveyInput("关爱问卷(修订)", HELD, [WHO, QuestionInput("新题", ["是", "否"])])
    survey = update_survey(session, actor=ADMIN, survey_id=survey.id, expected_version=1,
                           data=changed)
    assert [q.text for q in survey.questions] == [WHO.text, "新题"]
    assert survey.version == 2
    record_answers(session, actor=ADMIN, survey_id=survey.id, child_id=kids[0].id,
                   answers={survey.questions[0].id: ["父亲"]})
    with pytest.raises(ValidationFailed, match="只能修改标题和题目文字"):
        update_survey(session, actor=ADMIN, survey_id=survey.id, expected_version=2,
                      data=SurveyInput("x", HELD, [WHO]))
    worded = SurveyInput("关爱问卷", HELD, [QuestionInput("你的心里话最想对谁说?", WHO.options),
                                           QuestionInput("新题?", ["是", "否"])])
    survey = update_survey(session, actor=ADMIN, survey_id=survey.id, expected_version=2,
                           data=worded)
    assert survey.questions[0].text == "你的心里话最想对谁说?"
    with pytest.raises(ConcurrentEdit):
        update_survey(session, actor=ADMIN, survey_id=survey.id, expected_version=2,
                      data=worded)


def test_archived_surveys_leave_the_lists(session, setup):
    _, _, _, survey, _, _ = setup
    archive_survey(session, actor=ADMIN, survey_id=survey.id, expected_version=1,
                   reason="已结束")
    assert list_surveys(session, ADMIN) == []
    assert survey_summary(session, ADMIN) == {}
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "survey")) == 2
