"""问卷 as files: the results (aggregates, no names) and the answers per child (names masked)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied
from core.i18n import Msg
from core.vocab import Category
from services.access import audit
from services.access.permissions import Actor, Capability
from services.exports.tables import (
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)
from services.resources.survey_results import answer_grid, get_survey, list_surveys, results

RESULTS_TITLE, ANSWERS_TITLE = "问卷统计结果", "问卷答案明细"
RESULT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("survey", "问卷"), ExportColumn("question", "题目"),
    ExportColumn("kind", "题型"), ExportColumn("option", "选项"), ExportColumn("count", "人数"),
    ExportColumn("share", "占比"), ExportColumn("respondents", "本题作答人数"),
)
FIXED_ANSWER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "儿童姓名", Sensitivity.NAME), ExportColumn("place", "学校/村"),
    ExportColumn("class_label", "班级"),
)


def _survey_id(session: Session, actor: Actor, survey_id: int | None) -> int:
    """The given survey, or the latest one in scope."""
    if survey_id is not None:
        return survey_id
    surveys = list_surveys(session, actor)
    if not surveys:
        raise NotFound(Msg("errors.what.survey"))
    return surveys[0].id


def result_rows(session: Session, actor: Actor, survey_id: int, *,
                org_unit_id: int | None = None, category: Category | None = None
                ) -> Iterator[dict[str, object]]:
    title = get_survey(session, actor, survey_id).title
    for q in results(session, actor, survey_id, org_unit_id=org_unit_id, category=category):
        for o in q.options:
            yield {"survey": title, "question": q.text, "kind": q.kind.zh, "option": o.option,
                   "count": o.count, "respondents": q.respondents,
                   "share": "" if o.share is None else f"{o.share:.1%}"}


def export_results(session: Session, *, actor: Actor, fmt: str, today: date,
                   include_sensitive: bool = False, survey_id: int | None = None,
                   org_unit_id: int | None = None, category: Category | None = None,
                   options: ExportOptions | None = None) -> bytes:
    """问卷统计结果: counts and shares per option; no child is named, so nothing to mask.

    Asking for sensitive data is refused without the right all the same: the audit log
    would otherwise show a sensitive export by someone who may not make one.
    """
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    chosen = _survey_id(session, actor, survey_id)
    rows = list(result_rows(session, actor, chosen, org_unit_id=org_unit_id, category=category))
    return export_bytes(fmt, rows, RESULT_COLUMNS, include_sensitive=False,
                        sheet_name=RESULTS_TITLE, options=options)


def export_answers(session: Session, *, actor: Actor, fmt: str, today: date,
                   include_sensitive: bool = False, survey_id: int | None = None,
                   org_unit_id: int | None = None,
                   options: ExportOptions | None = None) -> bytes:
    """问卷答案明细: one row per child who answered; a sensitive export goes in the audit log."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    chosen = _survey_id(session, actor, survey_id)
    survey = get_survey(session, actor, chosen)
    columns = FIXED_ANSWER_COLUMNS + tuple(
        ExportColumn(f"q{q.id}", q.text) for q in survey.questions)
    rows = [{"name": r.name, "place": r.place, "class_label": r.class_label,
             **{f"q{qid}": "、".join(picked) for qid, picked in r.answers.items()}}
            for r in answer_grid(session, actor, chosen, org_unit_id=org_unit_id, limit=None)
            if r.answers]
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=ANSWERS_TITLE, options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", "survey", chosen,
                     summary=f"导出含敏感信息的{ANSWERS_TITLE}“{survey.title}”"
                             f"({len(rows)}人,{fmt},{today:%Y-%m-%d})")
    return data


SURVEY_EXPORTS: dict[str, ListExport] = {
    "survey_results": ListExport(RESULTS_TITLE, (), export_results, "survey_results"),
    "survey_answers": ListExport(ANSWERS_TITLE, (), export_answers, "survey_answers"),
}
