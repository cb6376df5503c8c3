"""Reading 问卷: the surveys an actor may see, the shares of each option, the dashboard's
figures and the answer grid of a survey's children."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from core.errors import NotFound
from core.i18n import Msg
from core.vocab import Category, QuestionKind
from db.models import Child, ChildCategory, OrgUnit, Survey, SurveyAnswer, SurveyQuestion
from services.access.permissions import (
    Actor,
    children_counted,
    children_listed,
    org_subtree_ids,
)

WHAT = Msg("errors.what.survey")
GRID_LIMIT = 500


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
    latest = latest_survey_id(session, actor)
    if latest is None:
        return {}
    return {r.text: {o.option: o.count for o in r.options}
            for r in results(session, actor, latest, among=among)}


def latest_survey_id(session: Session, actor: Actor) -> int | None:
    """The survey the dashboard shows: the latest held of those the actor sees."""
    return session.scalar(select(Survey.id).where(_visible(session, actor))
                          .order_by(Survey.held_on.desc(), Survey.id.desc()).limit(1))


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
            .where(children_listed(actor), Child.archived_at.is_(None),
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

