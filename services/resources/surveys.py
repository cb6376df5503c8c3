"""Surveys (问卷): questionnaires, each child's answers, and the shares of each option."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, delete, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    field_label,
)
from core.i18n import Msg
from core.vocab import Category, QuestionKind
from db.base import utcnow
from db.models import Child, ChildCategory, OrgUnit, Survey, SurveyAnswer, SurveyQuestion
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_visible,
    org_in_scope,
    org_subtree_ids,
)

WHAT = Msg("errors.what.survey")
MAX_TITLE, MAX_TEXT, MAX_OPTION = 200, 300, 200
# How a cell lists several options: 、 , ; and their full-width forms.
SEPARATORS = "、,;\uff0c\uff1b"
GRID_LIMIT = 500
Answers = Mapping[int, Sequence[str]]


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


@dataclass(frozen=True)
class SurveySummary:
    id: int
    title: str
    held_on: date
    version: int
    org_unit_id: int | None
    questions: int
    respondents: int


@dataclass(frozen=True)
class OptionCount:
    option: str
    count: int
    share: float | None  # count / respondents of the question

    @property
    def label(self) -> str:
        """58.0%(29): the share with its count, as the reports write it."""
        return "—" if self.share is None else f"{self.share:.1%}({self.count})"


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    text: str
    kind: QuestionKind
    respondents: int
    options: list[OptionCount]


@dataclass
class GridRow:
    child_id: int
    name: str
    place: str
    class_label: str
    answers: dict[int, list[str]] = field(default_factory=dict)


# ---- reading -------------------------------------------------------------------------------

def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Active surveys of everyone, of the actor's units, and of the units above them."""
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return Survey.archived_at.is_(None)
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == actor.org_unit_id)) or ""
    above = [int(part) for part in path.strip("/").split("/") if part]
    return Survey.archived_at.is_(None) & or_(
        Survey.org_unit_id.is_(None), Survey.org_unit_id.in_(subtree),
        Survey.org_unit_id.in_(above))


def children_under(org_unit_id: int | None) -> ColumnElement[bool]:
    """Children living or at school inside the unit's subtree (everyone for None)."""
    if org_unit_id is None:
        return true()
    root = select(OrgUnit.path).where(OrgUnit.id == org_unit_id).scalar_subquery()
    units = select(OrgUnit.id).where(OrgUnit.path.startswith(root, autoescape=False))
    return or_(Child.town_id.in_(units), Child.village_id.in_(units), Child.school_id.in_(units))


def get_survey(session: Session, actor: Actor, survey_id: int) -> Survey:
    """One active survey the actor may see, with its questions."""
    survey = session.scalar(select(Survey).options(selectinload(Survey.questions)).where(
        Survey.id == survey_id, _visible(session, actor)))
    if survey is None:
        raise NotFound(WHAT)
    return survey


def list_surveys(session: Session, actor: Actor) -> list[SurveySummary]:
    """The active surveys in scope, newest first, with how many children answered."""
    questions = (select(func.count(SurveyQuestion.id))
                 .where(SurveyQuestion.survey_id == Survey.id).scalar_subquery())
    answered = (select(func.count(func.distinct(SurveyAnswer.child_id)))
                .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                .join(Child, Child.id == SurveyAnswer.child_id)
                .where(SurveyQuestion.survey_id == Survey.id, children_counted(actor))
                .scalar_subquery())
    stmt = (select(Survey.id, Survey.title, Survey.held_on, Survey.version, Survey.org_unit_id,
                   questions, answered)
            .where(_visible(session, actor)).order_by(Survey.held_on.desc(), Survey.id.desc()))
    return [SurveySummary(*row) for row in session.execute(stmt)]


def has_answers(session: Session, survey_id: int) -> bool:
    return session.scalar(select(SurveyAnswer.id).join(SurveyQuestion).where(
        SurveyQuestion.survey_id == survey_id).limit(1)) is not None


def results(session: Session, actor: Actor, survey_id: int, *, org_unit_id: int | None = None,
            category: Category | None = None,
            among: ColumnElement[bool] | None = None) -> list[QuestionResult]:
    """Per question, each option's count and share of that question's respondents."""
    survey = get_survey(session, actor, survey_id)
    filters = [children_counted(actor), children_under(org_unit_id)]
    if among is not None:
        filters.append(among)
    if category is not None:
        filters.append(Child.id.in_(select(ChildCategory.child_id).where(
            ChildCategory.category == category)))
    ids = [q.id for q in survey.questions]
    base = (select(SurveyAnswer.question_id).join(Child, Child.id == SurveyAnswer.child_id)
            .where(SurveyAnswer.question_id.in_(ids), *filters))
    counts = {(qid, answer): n for qid, answer, n in session.execute(
        base.add_columns(SurveyAnswer.answer, func.count(func.distinct(SurveyAnswer.child_id)))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.answer))}
    respondents = {qid: n for qid, n in session.execute(
        base.add_columns(func.count(func.distinct(SurveyAnswer.child_id)))
        .group_by(SurveyAnswer.question_id))}
    found = []
    for q in survey.questions:
        total = respondents.get(q.id, 0)
        options = [OptionCount(o, counts.get((q.id, o), 0),
                               counts.get((q.id, o), 0) / total if total else None)
                   for o in q.options]
        found.append(QuestionResult(q.id, q.text, q.kind, total, options))
    return found


def survey_summary(session: Session, actor: Actor, *,
                   among: ColumnElement[bool] | None = None) -> dict[str, dict[str, int]]:
    """The dashboard's 问卷 section (CONTRACTS.md): the latest active survey's counts
    (answers of children `among` only, when given)."""
    latest = session.scalar(select(Survey.id).where(_visible(session, actor))
                            .order_by(Survey.held_on.desc(), Survey.id.desc()).limit(1))
    if latest is None:
        return {}
    return {r.text: {o.option: o.count for o in r.options}
            for r in results(session, actor, latest, among=among)}


def answer_grid(session: Session, actor: Actor, survey_id: int, *,
                org_unit_id: int | None = None, class_label: str | None = None,
                limit: int | None = GRID_LIMIT) -> list[GridRow]:
    """Active children in the survey's and the filter's place, with their answers so far."""
    survey = get_survey(session, actor, survey_id)
    village, school = aliased(OrgUnit), aliased(OrgUnit)
    label = func.coalesce(Child.grade, "") + func.coalesce(Child.class_name, "")
    stmt = (select(Child.id, Child.name, func.coalesce(school.name, village.name), label)
            .join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .where(children_visible(actor), Child.archived_at.is_(None),
                   children_under(survey.org_unit_id), children_under(org_unit_id))
            .order_by(func.coalesce(school.name, village.name), label, Child.name_pinyin,
                      Child.id).limit(limit))
    if class_label:
        stmt = stmt.where(label == class_label.strip())
    rows = {cid: GridRow(cid, name, place or "", cls or "")
            for cid, name, place, cls in session.execute(stmt)}
    stored = stored_answers(session, [q.id for q in survey.questions], list(rows))
    for cid, answers in stored.items():
        rows[cid].answers = answers
    return list(rows.values())


def stored_answers(session: Session, question_ids: list[int], child_ids: list[int]
            ) -> dict[int, dict[int, list[str]]]:
    found: dict[int, dict[int, list[str]]] = {}
    for start in range(0, len(child_ids), 900):
        stmt = (select(SurveyAnswer.child_id, SurveyAnswer.question_id, SurveyAnswer.answer)
                .where(SurveyAnswer.question_id.in_(question_ids),
                       SurveyAnswer.child_id.in_(child_ids[start:start + 900]))
                .order_by(SurveyAnswer.id))
        for cid, qid, answer in session.execute(stmt):
            found.setdefault(cid, {}).setdefault(qid, []).append(answer)
    return found


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


# ---- answers -------------------------------------------------------------------------------

def parse_choices(cell: str, options: Sequence[str]) -> list[str]:
    """Split a cell listing options; an option that itself holds a comma stays whole."""
    text, found, at = cell.strip(), [], 0
    ordered = sorted(options, key=len, reverse=True)
    while at < len(text):
        if text[at] in SEPARATORS or text[at].isspace():
            at += 1
            continue
        rest = text[at:]
        match = next((o for o in ordered if rest.startswith(o) and (
            len(rest) == len(o) or rest[len(o)] in SEPARATORS or rest[len(o)].isspace())), None)
        if match is None:
            match = re.split(f"[{SEPARATORS}]", rest, maxsplit=1)[0].strip()
        if match not in found:
            found.append(match)
        at += len(match)
    return found


def answer_problem(question: SurveyQuestion, chosen: Sequence[str]) -> str | None:
    """Why these answers do not fit the question, or None."""
    unknown = [c for c in chosen if c not in question.options]
    if unknown:
        return Msg("errors.survey.not_an_option", answers="、".join(unknown),
                   options="、".join(question.options))
    if question.kind is QuestionKind.single and len(chosen) > 1:
        return Msg("errors.survey.single", count=len(chosen), answers="、".join(chosen))
    return None


def _answerable_children(session: Session, actor: Actor, survey: Survey,
                         child_ids: Sequence[int]) -> dict[int, Child]:
    """The children, all in scope and in the survey's place, and none archived."""
    found: dict[int, Child] = {}
    for start in range(0, len(child_ids), 900):
        found.update((c.id, c) for c in session.scalars(select(Child).where(
            Child.id.in_(child_ids[start:start + 900]), children_visible(actor),
            children_under(survey.org_unit_id))))
    if len(found) < len(set(child_ids)):
        raise NotFound(Msg("errors.what.child"))
    if archived := [c.name for c in found.values() if c.archived_at is not None]:
        raise ValidationFailed({"、".join(archived): Msg("errors.survey.archived_children")})
    return found


def _clean(answers: Answers) -> dict[int, list[str]]:
    cleaned: dict[int, list[str]] = {}
    for qid, chosen in answers.items():
        values = [c.strip() for c in chosen if c and c.strip()]
        cleaned[qid] = list(dict.fromkeys(values))
    return cleaned


def check_answers(survey: Survey, child_name: str, answers: Answers) -> dict[str, str]:
    """Problems keyed "child · question", empty when every answer fits its question."""
    by_id = {q.id: q for q in survey.questions}
    problems: dict[str, str] = {}
    for qid, chosen in _clean(answers).items():
        question = by_id.get(qid)
        if question is None:
            problems[Msg("errors.field.child_question_id", child=child_name, id=qid)] = Msg(
                "errors.survey.not_a_question")
        elif why := answer_problem(question, chosen):
            problems[f"{child_name} · {question.text}"] = why
    return problems


def write_answers(session: Session, child_id: int, answers: Answers) -> None:
    """Replace the child's answers to the given questions (already checked)."""
    cleaned = _clean(answers)
    if not cleaned:
        return
    session.execute(delete(SurveyAnswer).where(SurveyAnswer.child_id == child_id,
                                               SurveyAnswer.question_id.in_(list(cleaned))))
    session.add_all(SurveyAnswer(question_id=qid, child_id=child_id, answer=a)
                    for qid, chosen in cleaned.items() for a in chosen)


def record_answers(session: Session, *, actor: Actor, survey_id: int, child_id: int,
                   answers: Answers) -> None:
    """Replace one child's answers; any answer that does not fit refuses them all."""
    record_grid(session, actor=actor, survey_id=survey_id, rows={child_id: answers})


def record_grid(session: Session, *, actor: Actor, survey_id: int,
                rows: Mapping[int, Answers],
                loaded: Mapping[int, Answers] | None = None) -> int:
    """Save several children's answers at once, or none of them; returns children saved.

    `loaded` holds the answers as the grid showed them: a child whose stored answers differ
    meanwhile is refused as a concurrent edit rather than overwritten.
    """
    actor.require(Capability.MANAGE_RESOURCES)
    survey = get_survey(session, actor, survey_id)
    children = _answerable_children(session, actor, survey, list(rows))
    problems: dict[str, str] = {}
    for cid, answers in rows.items():
        problems.update(check_answers(survey, children[cid].name, answers))
    if problems:
        raise ValidationFailed(problems)
    if loaded is not None:
        _refuse_stale(session, survey, children, loaded)
    for cid, answers in rows.items():
        write_answers(session, cid, answers)
    session.flush()
    names = "、".join(c.name for c in list(children.values())[:5])
    audit.record(session, actor, "answer", "survey", survey.id,
                 summary=f"录入问卷“{survey.title}”答案：{names}等{len(rows)}人"
                 if len(rows) > 5 else f"录入问卷“{survey.title}”答案：{names}")
    return len(rows)


def _refuse_stale(session: Session, survey: Survey, children: Mapping[int, Child],
                  loaded: Mapping[int, Answers]) -> None:
    stored = stored_answers(session, [q.id for q in survey.questions], list(children))
    for cid in children:
        before = {qid: sorted(v) for qid, v in _clean(loaded.get(cid, {})).items() if v}
        now = {qid: sorted(v) for qid, v in stored.get(cid, {}).items()}
        if before != now:
            raise ConcurrentEdit(Msg("errors.what.answers_of", name=children[cid].name))
