"""问卷 answers: reading a cell's choices, checking each answer against its question, and
saving one child's answers or a whole grid at once (or none of them)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import ConcurrentEdit, NotFound, ValidationFailed
from core.i18n import Msg
from core.vocab import QuestionKind
from db.models import Child, Survey, SurveyAnswer, SurveyQuestion
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible
from services.resources.survey_results import children_under, get_survey, stored_answers

# How a cell lists several options: 、 , ; and their full-width forms.
SEPARATORS = "、,;\uff0c\uff1b"
Answers = Mapping[int, Sequence[str]]


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
