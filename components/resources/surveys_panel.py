"""问卷: results as shares with counts, the quick answer grid, answer import, defining surveys."""

from __future__ import annotations

import hashlib
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.orm.exc import StaleDataError

from components.common.feedback import (
    FLASH_KEY,
    apply_change,
    remembered_version,
    show_flash,
    show_problem,
)
from components.common.markup import md
from components.common.pickers import org_select
from components.common.session import current_page, db_transaction, lang
from components.common.uploader import file_uploader
from components.exports.sensitive_choice import sensitive_choice
from core.errors import ConcurrentEdit, DomainError
from core.i18n import Msg, t
from core.vocab import Category, QuestionKind
from db.models import SurveyQuestion
from services.access.orgs import OrgNode, org_tree
from services.access.permissions import Actor, Capability
from services.exports.survey_export import SURVEY_EXPORTS
from services.exports.tables import EXPORT_FORMATS, ListExport, filename_for
from services.imports import ImportReport
from services.imports.reader import MAX_BYTES
from services.imports.surveys import answer_template, import_answers
from services.resources.survey_answers import parse_choices, record_grid
from services.resources.survey_results import (
    GRID_LIMIT,
    GridRow,
    QuestionResult,
    SurveySummary,
    answer_grid,
    get_survey,
    has_answers,
    list_surveys,
    results,
)
from services.resources.surveys import (
    QuestionInput,
    SurveyInput,
    archive_survey,
    create_from_template,
    create_survey,
    split_options,
    update_survey,
)

GRID_GEN = "survey_grid_gen"
FIXED = {"name": "surveys.grid.child", "place": "surveys.grid.place",
         "class_label": "surveys.grid.class"}


def render_surveys(actor: Actor, today: date) -> None:
    """The 问卷 tab: pick a survey, see its results, enter or import answers, define surveys."""
    show_flash()
    with db_transaction() as session:
        surveys = list_surveys(session, actor)
        units = org_tree(session, actor)
    if actor.can(Capability.MANAGE_RULES):
        _define(actor, today, expanded=not surveys)
    if not surveys:
        st.info(t("surveys.empty", lang()), icon=":material/quiz:")
        return
    by_id = {s.id: s for s in surveys}
    chosen = st.selectbox(t("surveys.pick", lang()), list(by_id), key="survey_pick",
                          format_func=lambda i: t("surveys.pick_label", lang(),
                                                  title=by_id[i].title,
                                                  date=f"{by_id[i].held_on:%Y-%m-%d}"),
                          placeholder=t("common.choose", lang()))
    summary = by_id[chosen]
    st.caption(t("surveys.summary", lang(), questions=summary.questions,
                 respondents=summary.respondents))
    tabs = st.tabs([t("surveys.tab.results", lang()), t("surveys.tab.grid", lang()),
                    t("surveys.tab.import", lang())])
    with tabs[0]:
        _results(actor, today, summary, units)
    with tabs[1]:
        _grid(actor, summary, units)
    with tabs[2]:
        _import(actor, summary)
    if actor.can(Capability.MANAGE_RULES):
        _edit_and_archive(actor, summary)


# ---- results -------------------------------------------------------------------------------

def share_chart(result: QuestionResult) -> alt.Chart:
    """One question's options as horizontal bars of their share, labelled "58.0%(29)"."""
    data = pd.DataFrame([{"option": o.option, "share": o.share or 0.0, "count": o.count,
                          "label": o.label} for o in result.options])
    base = alt.Chart(data).encode(
        y=alt.Y("option:N", sort=None, title=None),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title=t("surveys.chart.share_axis", lang())),
        tooltip=[alt.Tooltip("option:N", title=t("surveys.col.option", lang())),
                 alt.Tooltip("count:Q", title=t("surveys.col.count", lang())),
                 alt.Tooltip("share:Q", format=".1%", title=t("surveys.col.share", lang()))])
    return (base.mark_bar() + base.mark_text(align="left", dx=4).encode(text="label:N")
            ).properties(height=alt.Step(28))


def result_frame(result: QuestionResult) -> pd.DataFrame:
    return pd.DataFrame([{t("surveys.col.option", lang()): o.option,
                          t("surveys.col.count", lang()): o.count,
                          t("surveys.col.share", lang()):
                              "—" if o.share is None else f"{o.share:.1%}"}
                         for o in result.options])


def _results(actor: Actor, today: date, summary: SurveySummary, units: list[OrgNode]) -> None:
    cols = st.columns(2)
    with cols[0]:
        place = org_select(t("surveys.place", lang()), units, key="survey_place", lang=lang(),
                           none_label=t("common.all", lang()))
    category = cols[1].selectbox(t("surveys.category", lang()), [None, *Category],
                                 key="survey_category",
                                 format_func=lambda c: (t("common.all", lang()) if c is None
                                                        else c.label(lang())),
                                 placeholder=t("common.choose", lang()))
    try:
        with db_transaction() as session:
            found = results(session, actor, summary.id, org_unit_id=place, category=category)
    except DomainError as exc:
        show_problem(exc)
        return
    for number, result in enumerate(found, start=1):
        st.markdown(f"**{number}. {md(result.text)}**")
        st.caption(t("surveys.question_caption", lang(), kind=result.kind.label(lang()),
                     n=result.respondents)
                   + (t("surveys.multiple_note", lang())
                      if result.kind is QuestionKind.multiple else ""))
        if not result.respondents:
            st.caption(t("surveys.no_answers", lang()))
            continue
        left, right = st.columns([2, 3])
        left.dataframe(result_frame(result), hide_index=True, width="stretch",
                       key=f"survey_table_{result.question_id}")
        right.altair_chart(share_chart(result), width="stretch")
    if actor.can(Capability.EXPORT):
        _downloads(actor, today, summary)


def _downloads(actor: Actor, today: date, summary: SurveySummary) -> None:
    cols = st.columns([1, 1, 2, 2])
    fmt = cols[0].radio(t("surveys.export_format", lang()), EXPORT_FORMATS, horizontal=True,
                        key="survey_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="survey_export_sensitive",
                                 label=t("surveys.export_sensitive", lang()),
                                 help_text=t("surveys.export_sensitive_help", lang()), lang=lang())
    for col, kind in zip(cols[2:], SURVEY_EXPORTS, strict=True):
        export = SURVEY_EXPORTS[kind]

        def build(export: ListExport = export) -> bytes:
            with db_transaction() as session:
                return export.export(session, actor=actor, fmt=fmt, today=today,
                                     page=current_page(),
                                     include_sensitive=sensitive.include,
                                     options=sensitive.options(), survey_id=summary.id)

        col.download_button(t(f"surveys.download.{kind}", lang()), build,
                            key=f"survey_download_{kind}",
                            file_name=sensitive.filename(
                                filename_for(t(f"surveys.file.{kind}", lang(),
                                               title=summary.title), fmt, today)),
                            on_click="ignore", icon=":material/download:",
                            disabled=not sensitive.ready)


# ---- the quick grid ------------------------------------------------------------------------

def grid_frame(rows: list[GridRow], questions: list[SurveyQuestion]) -> pd.DataFrame:
    """One row per child; a single-choice cell holds its option, a multiple one lists them."""
    return pd.DataFrame([{
        "name": r.name, "place": r.place, "class_label": r.class_label,
        **{f"q{q.id}": _cell(q, r.answers.get(q.id, [])) for q in questions},
    } for r in rows], columns=[*FIXED, *(f"q{q.id}" for q in questions)])


def _cell(question: SurveyQuestion, answers: list[str]) -> str | None:
    if question.kind is QuestionKind.single:
        return answers[0] if answers else None
    return "、".join(answers)


def _grid(actor: Actor, summary: SurveySummary, units: list[OrgNode]) -> None:
    if not actor.can(Capability.MANAGE_RESOURCES):
        st.caption(t("surveys.grid_not_allowed", lang()))
        return
    cols = st.columns(2)
    with cols[0]:
        place = org_select(t("surveys.place", lang()), units, key="survey_grid_place",
                           lang=lang(), none_label=t("common.all", lang()))
    class_label = cols[1].text_input(t("surveys.class", lang()), key="survey_grid_class",
                                     placeholder=t("surveys.class_placeholder", lang()))
    with db_transaction() as session:
        survey = get_survey(session, actor, summary.id)
        questions = list(survey.questions)
        rows = answer_grid(session, actor, summary.id, org_unit_id=place,
                           class_label=class_label or None)
    if not rows:
        st.info(t("surveys.no_children", lang()))
        return
    if len(rows) >= GRID_LIMIT:
        st.caption(t("surveys.grid_limit", lang(), n=GRID_LIMIT))
    config = {key: st.column_config.TextColumn(t(label, lang()), disabled=True)
              for key, label in FIXED.items()}
    for q in questions:
        config[f"q{q.id}"] = (
            st.column_config.SelectboxColumn(q.text, options=q.options)
            if q.kind is QuestionKind.single else
            st.column_config.TextColumn(q.text, help=t("surveys.multiple_help", lang())))
    original = grid_frame(rows, questions)
    key = f"survey_grid_{summary.id}_{st.session_state.get(GRID_GEN, 0)}"
    edited = st.data_editor(original, key=key, hide_index=True, num_rows="fixed",
                            column_config=config, width="stretch")
    if st.button(t("surveys.save_answers", lang()), key="survey_grid_save", type="primary"):
        _save_grid(actor, summary, questions, rows, original, edited)


def _changes(questions: list[SurveyQuestion], rows: list[GridRow], original: pd.DataFrame,
             edited: pd.DataFrame) -> dict[int, dict[int, list[str]]]:
    """The answers of the edited cells, by child and question; a cleared cell clears them."""
    changes: dict[int, dict[int, list[str]]] = {}
    for index, row in enumerate(rows):
        for q in questions:
            before, after = original.iloc[index][f"q{q.id}"], edited.iloc[index][f"q{q.id}"]
            after = "" if after is None or pd.isna(after) else str(after).strip()
            if after == ("" if before is None or pd.isna(before) else before):
                continue
            chosen = ([after] if after in q.options or q.kind is QuestionKind.single
                      else parse_choices(after, q.options))
            changes.setdefault(row.child_id, {})[q.id] = [c for c in chosen if c]
    return changes


def _save_grid(actor: Actor, summary: SurveySummary, questions: list[SurveyQuestion],
               rows: list[GridRow], original: pd.DataFrame, edited: pd.DataFrame) -> None:
    changes = _changes(questions, rows, original, edited)
    if not changes:
        st.info(t("surveys.no_changes", lang()))
        return
    loaded = {r.child_id: r.answers for r in rows if r.child_id in changes}
    try:
        with db_transaction() as session:
            saved = record_grid(session, actor=actor, survey_id=summary.id, rows=changes,
                                loaded=loaded)
    except StaleDataError:
        show_problem(ConcurrentEdit(Msg("errors.what.survey_answers")))
        return
    except DomainError as exc:
        show_problem(exc)
        return
    st.session_state[GRID_GEN] = st.session_state.get(GRID_GEN, 0) + 1
    st.session_state[FLASH_KEY] = t("surveys.answers_saved", lang(), n=saved)
    st.rerun()


# ---- import --------------------------------------------------------------------------------

def _import(actor: Actor, summary: SurveySummary) -> None:
    if not actor.can(Capability.MANAGE_RESOURCES):
        st.caption(t("surveys.import_not_allowed", lang()))
        return
    with db_transaction() as session:
        template = answer_template(get_survey(session, actor, summary.id))
    st.markdown(t("surveys.import_help", lang()))
    st.download_button(t("surveys.template", lang()), template,
                       file_name=t("surveys.template_file", lang(), title=summary.title),
                       mime="text/csv", key="survey_template")
    upload = file_uploader(t("surveys.upload", lang()), types=["csv", "xlsx"],
                           key="survey_upload", max_mb=MAX_BYTES // 2**20, lang=lang())
    if upload is None:
        return
    data = upload.getvalue()
    fingerprint = (summary.id, hashlib.sha256(data).hexdigest())
    if st.button(t("import.check", lang()), key="survey_import_check"):
        st.session_state["survey_import_checked"] = (
            fingerprint, _run(actor, summary, data, upload.name, dry_run=True))
    checked = st.session_state.get("survey_import_checked")
    if not checked or checked[0] != fingerprint or checked[1] is None:
        return
    report: ImportReport = checked[1]
    _show_report(report)
    if report.ok and st.button(t("surveys.import", lang()), key="survey_import_commit",
                               type="primary"):
        final = _run(actor, summary, data, upload.name, dry_run=False)
        st.session_state.pop("survey_import_checked", None)
        if final is not None and final.written:
            st.session_state[FLASH_KEY] = t("import.done", lang(), summary=final.summary())
            st.rerun()
        elif final is not None:
            _show_report(final)


def _run(actor: Actor, summary: SurveySummary, data: bytes, filename: str, *,
         dry_run: bool) -> ImportReport | None:
    try:
        with db_transaction() as session:
            return import_answers(session, actor=actor, survey_id=summary.id, data=data,
                                  filename=filename, dry_run=dry_run)
    except DomainError as exc:
        show_problem(exc)
        return None


def _show_report(report: ImportReport) -> None:
    if report.ok:
        st.success(t("import.ok", lang(), summary=report.summary()))
        return
    st.error(t("surveys.import_errors", lang(), n=report.error_count))
    st.dataframe(pd.DataFrame([{t("surveys.col.row", lang()): e.row,
                                t("surveys.col.column", lang()): e.column,
                                t("surveys.col.problem", lang()): e.reason}
                               for e in report.errors]), hide_index=True, width="stretch")


# ---- defining questionnaires (admins) ------------------------------------------------------

def survey_form(*, key: str, today: date, current: SurveyInput | None = None,
                locked: bool = False) -> SurveyInput | None:
    """Title, date and questions; `locked` (answered) allows only the wording to change."""
    data = current or SurveyInput("", today, [])
    count = len(data.questions) if locked else st.number_input(
        t("surveys.form.count", lang()), min_value=1, max_value=30,
        value=max(len(data.questions), 3), key=f"{key}_count")
    with st.form(key):
        title = st.text_input(t("surveys.form.title", lang()), value=data.title, max_chars=200,
                              key=f"{key}_title")
        held_on = st.date_input(t("surveys.form.held_on", lang()), value=data.held_on,
                                key=f"{key}_date", format="YYYY-MM-DD")
        questions = []
        kinds = list(QuestionKind)  # named: inline, mypy takes it for the no-options overload
        for n in range(int(count)):
            q = data.questions[n] if n < len(data.questions) else QuestionInput("", [])
            st.markdown(t("surveys.form.number", lang(), n=n + 1))
            text = st.text_input(t("surveys.form.question", lang()), value=q.text,
                                 key=f"{key}_q{n}_text")
            kind = st.radio(t("surveys.form.kind", lang()), kinds, horizontal=True,
                            disabled=locked, index=kinds.index(q.kind),
                            key=f"{key}_q{n}_kind", format_func=lambda k: k.label(lang()))
            options = st.text_area(t("surveys.form.options", lang()), value="\n".join(q.options),
                                   disabled=locked, key=f"{key}_q{n}_options")
            if text.strip() or options.strip():
                questions.append(QuestionInput(text, split_options(options), kind))
        if locked:
            st.caption(t("surveys.form.locked", lang()))
        if st.form_submit_button(t("common.save", lang())):
            return SurveyInput(title, held_on, questions, data.org_unit_id)
    return None


def _define(actor: Actor, today: date, *, expanded: bool) -> None:
    with st.expander(t("surveys.new", lang()), expanded=expanded, icon=":material/add:"):
        if st.button(t("surveys.from_template", lang()), key="survey_from_template",
                     help=t("surveys.from_template_help", lang())):
            apply_change("survey", lambda s: create_from_template(s, actor=actor, held_on=today),
                         0, t("surveys.from_template_done", lang()))
        data = survey_form(key="survey_new", today=today)
        if data is not None:
            apply_change("survey", lambda s: create_survey(s, actor=actor, data=data), 0,
                         t("surveys.created", lang(), title=data.title.strip()))


def _edit_and_archive(actor: Actor, summary: SurveySummary) -> None:
    opened = remembered_version("survey", summary.id, summary.version)
    with db_transaction() as session:
        survey = get_survey(session, actor, summary.id)
        current = SurveyInput(survey.title, survey.held_on, [
            QuestionInput(q.text, list(q.options), q.kind) for q in survey.questions],
            survey.org_unit_id)
        locked = has_answers(session, survey.id)
    with st.expander(t("surveys.edit", lang()), icon=":material/edit:"):
        data = survey_form(key=f"survey_edit_{summary.id}", today=summary.held_on,
                           current=current, locked=locked)
        if data is not None:
            apply_change("survey", lambda s: update_survey(
                s, actor=actor, survey_id=summary.id, expected_version=opened, data=data),
                summary.id, t("surveys.saved", lang()))
    with st.expander(t("surveys.archive_title", lang()), icon=":material/archive:"), \
            st.form(f"survey_archive_{summary.id}"):
        reason = st.text_input(t("surveys.archive_reason", lang()), max_chars=200)
        st.caption(t("surveys.archive_note", lang()))
        if st.form_submit_button(t("surveys.archive", lang())):
            apply_change("survey", lambda s: archive_survey(
                s, actor=actor, survey_id=summary.id, expected_version=opened, reason=reason),
                summary.id, t("surveys.archived", lang(), title=summary.title))
