"""问卷: defining questionnaires (from scratch or from the seeds' template), changing and
archiving them.

Reading surveys and their shares lives in `survey_results`; each child's answers in
`survey_answers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import QuestionKind
from db.base import utcnow
from db.models import Survey, SurveyQuestion
from services.access import audit
from services.access.permissions import Actor, Capability, org_in_scope
from services.resources.survey_results import (
    WHAT,
    get_survey,
    has_answers,
)

MAX_TITLE, MAX_TEXT, MAX_OPTION = 200, 300, 200


@dataclass(frozen=True)
class QuestionInput:
    text: str
    options: list[str]
    kind: QuestionKind = QuestionKind.single


@dataclass(frozen=True)
class SurveyInput:
    title: str
    held_on: date
    questions: list[QuestionInput]
    org_unit_id: int | None = None


TEMPLATE_TITLE = "留守儿童关爱需求问卷调查"
# The seeds' questionnaire: the first two as their 调查问卷统计 words them, the others from what
# the same reports counted (联系方式主要是打电话, 很少见面, the help they ask for).
SEED_TEMPLATE: tuple[QuestionInput, ...] = (
    QuestionInput("你有心里话最想对谁说？",
                  ["父亲", "母亲", "（外）祖父母", "临时监护人", "老师", "同学朋友", "不想说"]),
    QuestionInput("你在学习方面遇到的最大困难是什么？",
                  ["没人辅导，没人监督", "学习习惯不好", "听不懂课", "作业太多", "没有困难"]),
    QuestionInput("你和父母主要通过什么方式联系？", ["打电话", "视频通话", "书信", "很少联系"]),
    QuestionInput("你多长时间和父母见一次面？", ["每月", "半年", "一年", "一年以上"]),
    QuestionInput("你最希望得到哪些帮助？（可多选）",
                  ["学习辅导", "心理疏导", "亲情联系", "安全教育", "生活物资", "兴趣活动"],
                  QuestionKind.multiple),
)



# ---- defining questionnaires ---------------------------------------------------------------

def split_options(text: str) -> list[str]:
    """Options typed one per line, blanks dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


TITLE, QUESTIONS = field_label("survey_title", "标题"), field_label("questions", "题目")


def _problems(data: SurveyInput) -> dict[str, str]:
    problems: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        problems[TITLE] = Msg("errors.survey.title_missing")
    elif len(title) > MAX_TITLE:
        problems[TITLE] = Msg("errors.survey.title_long", max=MAX_TITLE)
    if data.held_on is None:
        problems[field_label("survey_date", "调查日期")] = Msg("errors.survey.date_missing")
    if not data.questions:
        problems[QUESTIONS] = Msg("errors.survey.no_questions")
    seen: set[str] = set()
    for number, q in enumerate(data.questions, start=1):
        where, text = Msg("errors.field.question_no", number=number), q.text.strip()
        options = [o.strip() for o in q.options if o.strip()]
        if not text:
            problems[where] = Msg("errors.survey.question_missing")
        elif len(text) > MAX_TEXT:
            problems[where] = Msg("errors.survey.question_long", max=MAX_TEXT)
        elif text in seen:
            problems[where] = Msg("errors.survey.question_repeated", text=text)
        elif len(options) < 2:
            problems[where] = Msg("errors.survey.two_options")
        elif len(set(options)) != len(options):
            problems[where] = Msg("errors.survey.options_repeated")
        elif any(len(o) > MAX_OPTION for o in options):
            problems[where] = Msg("errors.survey.option_long", max=MAX_OPTION)
        elif q.kind is QuestionKind.multiple and any("、" in o for o in options):
            problems[where] = Msg("errors.survey.option_separator")
        seen.add(text)
    return problems


def _questions(data: SurveyInput) -> list[SurveyQuestion]:
    return [SurveyQuestion(position=n, text=q.text.strip(), kind=q.kind,
                           options=[o.strip() for o in q.options if o.strip()])
            for n, q in enumerate(data.questions, start=1)]


def _unit(session: Session, actor: Actor, org_unit_id: int | None) -> int | None:
    if org_unit_id is None:
        return actor.org_unit_id
    if not org_in_scope(session, actor, org_unit_id):
        raise PermissionDenied(Msg("errors.permission.unit_out_of_scope"))
    return org_unit_id


def create_survey(session: Session, *, actor: Actor, data: SurveyInput) -> Survey:
    """Define a questionnaire (admins)."""
    actor.require(Capability.MANAGE_RULES)
    if problems := _problems(data):
        raise ValidationFailed(problems)
    survey = Survey(title=data.title.strip(), held_on=data.held_on,
                    org_unit_id=_unit(session, actor, data.org_unit_id))
    survey.questions = _questions(data)
    session.add(survey)
    session.flush()
    audit.record(session, actor, "create", "survey", survey.id, after=audit.snapshot(survey),
                 summary=f"新建问卷 {survey.title}（{len(data.questions)}题）")
    return survey


def create_from_template(session: Session, *, actor: Actor, held_on: date,
                         title: str = TEMPLATE_TITLE, org_unit_id: int | None = None) -> Survey:
    """A new survey with the seeds' questions."""
    return create_survey(session, actor=actor, data=SurveyInput(
        title, held_on, list(SEED_TEMPLATE), org_unit_id))


def _for_change(session: Session, actor: Actor, survey_id: int,
                expected_version: int) -> Survey:
    actor.require(Capability.MANAGE_RULES)
    survey = get_survey(session, actor, survey_id)
    audit.require_version(survey, expected_version, WHAT)
    return survey


def update_survey(session: Session, *, actor: Actor, survey_id: int, expected_version: int,
                  data: SurveyInput) -> Survey:
    """Change a survey; once answered, only the wording of its title and questions."""
    survey = _for_change(session, actor, survey_id, expected_version)
    if problems := _problems(data):
        raise ValidationFailed(problems)
    answered = has_answers(session, survey.id)
    new = _questions(data)
    if answered:
        _check_same_shape(survey, new)
    org_unit_id = _unit(session, actor, data.org_unit_id)
    with audit.tracked(session, actor, survey, "survey", summary=f"修改问卷 {data.title}"):
        survey.title, survey.held_on = data.title.strip(), data.held_on
        survey.org_unit_id = org_unit_id
        survey.updated_at = utcnow()  # a new version even when only questions change
        if answered:
            for old, fixed in zip(survey.questions, new, strict=True):
                old.text = fixed.text
        else:
            _replace_questions(session, survey, new)
    return survey


def _replace_questions(session: Session, survey: Survey, new: list[SurveyQuestion]) -> None:
    for old in survey.questions:
        session.delete(old)
    session.flush()
    for question in new:
        question.survey_id = survey.id
    session.add_all(new)
    session.flush()
    session.expire(survey, ["questions"])


def _check_same_shape(survey: Survey, new: list[SurveyQuestion]) -> None:
    """Once answered, the questions, their kinds and options must stay as they are."""
    same = len(new) == len(survey.questions) and all(
        a.options == b.options and a.kind == b.kind
        for a, b in zip(survey.questions, new, strict=False))
    if not same:
        raise ValidationFailed({QUESTIONS: Msg("errors.survey.answered")})


def archive_survey(session: Session, *, actor: Actor, survey_id: int, expected_version: int,
                   reason: str = "") -> Survey:
    """Take a survey off the lists; its answers stay."""
    survey = _for_change(session, actor, survey_id, expected_version)
    with audit.tracked(session, actor, survey, "survey", action="archive",
                       summary=f"归档问卷 {survey.title}"):
        survey.archived_at, survey.archive_reason = utcnow(), reason.strip()[:200] or "归档"
    return survey

