"""问卷: results as shares with counts, the quick answer grid, answer import, defining surveys."""

from __future__ import annotations

import hashlib
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.orm.exc import StaleDataError

from components.feedback import (
    FLASH_KEY,
    apply_change,
    remembered_version,
    show_flash,
    show_problem,
)
from components.markup import md
from components.pickers import org_select
from components.session import db_transaction, lang
from db.models import SurveyQuestion
from services.errors import ConcurrentEdit, DomainError
from services.exports import EXPORT_FORMATS, ListExport, filename_for
from services.imports import ImportReport
from services.orgs import OrgNode, org_tree
from services.permissions import Actor, Capability
from services.survey_export import SURVEY_EXPORTS
from services.survey_import import answer_template, import_answers
from services.surveys import (
    GRID_LIMIT,
    GridRow,
    QuestionInput,
    QuestionResult,
    SurveyInput,
    SurveySummary,
    answer_grid,
    archive_survey,
    create_from_template,
    create_survey,
    get_survey,
    has_answers,
    list_surveys,
    parse_choices,
    record_grid,
    results,
    split_options,
    update_survey,
)
from services.vocab import Category, QuestionKind

EMPTY_STATE = ("还没有问卷。管理员可以新建问卷,或直接用调查模板"
               "(你有心里话最想对谁说?你在学习方面遇到的最大困难是什么?……)新建。")
GRID_GEN = "survey_grid_gen"
FIXED = {"name": "儿童", "place": "学校/村", "class_label": "班级"}


def render_surveys(actor: Actor, today: date) -> None:
    """The 问卷 tab: pick a survey, see its results, enter or import answers, define surveys."""
    show_flash()
    with db_transaction() as session:
        surveys = list_surveys(session, actor)
        units = org_tree(session, actor)
    if actor.can(Capability.MANAGE_RULES):
        _define(actor, today, expanded=not surveys)
    if not surveys:
        st.info(EMPTY_STATE, icon=":material/quiz:")
        return
    by_id = {s.id: s for s in surveys}
    chosen = st.selectbox("选择问卷", list(by_id), key="survey_pick",
                          format_func=lambda i: f"{by_id[i].title}({by_id[i].held_on:%Y-%m-%d})")
    summary = by_id[chosen]
    st.caption(f"{summary.questions}道题 · {summary.respondents}名儿童作答")
    tabs = st.tabs(["统计结果", "快速录入", "导入答案"])
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
    data = pd.DataFrame([{"选项": o.option, "占比": o.share or 0.0, "人数": o.count,
                          "标注": o.label} for o in result.options])
    base = alt.Chart(data).encode(
        y=alt.Y("选项:N", sort=None, title=None),
        x=alt.X("占比:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="占作答人数的比例"),
        tooltip=["选项", "人数", alt.Tooltip("占比:Q", format=".1%")])
    return (base.mark_bar() + base.mark_text(align="left", dx=4).encode(text="标注:N")
            ).properties(height=alt.Step(28))


def result_frame(result: QuestionResult) -> pd.DataFrame:
    return pd.DataFrame([{"选项": o.option, "人数": o.count,
                          "占比": "—" if o.share is None else f"{o.share:.1%}"}
                         for o in result.options])


def _results(actor: Actor, today: date, summary: SurveySummary, units: list[OrgNode]) -> None:
    cols = st.columns(2)
    with cols[0]:
        place = org_select("地点", units, key="survey_place", lang=lang(), none_label="全部")
    category = cols[1].selectbox("儿童类别", [None, *Category], key="survey_category",
                                 format_func=lambda c: "全部" if c is None else c.zh)
    try:
        with db_transaction() as session:
            found = results(session, actor, summary.id, org_unit_id=place, category=category)
    except DomainError as exc:
        show_problem(exc)
        return
    for number, result in enumerate(found, start=1):
        st.markdown(f"**{number}. {md(result.text)}**")
        st.caption(f"{result.kind.zh}题 · 作答{result.respondents}人"
                   + (" · 多选题各选项占比之和可超过100%" if result.kind is QuestionKind.multiple
                      else ""))
        if not result.respondents:
            st.caption("该范围内还没有人回答这道题。")
            continue
        left, right = st.columns([2, 3])
        left.dataframe(result_frame(result), hide_index=True, width="stretch",
                       key=f"survey_table_{result.question_id}")
        right.altair_chart(share_chart(result), width="stretch")
    if actor.can(Capability.EXPORT):
        _downloads(actor, today, summary)


def _downloads(actor: Actor, today: date, summary: SurveySummary) -> None:
    cols = st.columns([1, 1, 2, 2])
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="survey_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox(
        "含敏感信息", key="survey_export_sensitive",
        disabled=not actor.can(Capability.EXPORT_SENSITIVE),
        help="答案明细中的儿童姓名默认打码;勾选后导出原文,并记入操作日志。")
    for col, kind in zip(cols[2:], SURVEY_EXPORTS, strict=True):
        export = SURVEY_EXPORTS[kind]

        def build(export: ListExport = export) -> bytes:
            with db_transaction() as session:
                return export.export(session, actor=actor, fmt=fmt, today=today,
                                     include_sensitive=sensitive, survey_id=summary.id)

        col.download_button(f"下载{export.title}", build, key=f"survey_download_{kind}",
                            file_name=filename_for(f"{summary.title}_{export.title}", fmt, today),
                            on_click="ignore", icon=":material/download:")


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
        st.caption("只有负责人和管理员可以录入问卷答案。")
        return
    cols = st.columns(2)
    with cols[0]:
        place = org_select("地点", units, key="survey_grid_place", lang=lang(),
                           none_label="全部")
    class_label = cols[1].text_input("班级", key="survey_grid_class", placeholder="如:三年级2班")
    with db_transaction() as session:
        survey = get_survey(session, actor, summary.id)
        questions = list(survey.questions)
        rows = answer_grid(session, actor, summary.id, org_unit_id=place,
                           class_label=class_label or None)
    if not rows:
        st.info("该范围内没有在册儿童。")
        return
    if len(rows) >= GRID_LIMIT:
        st.caption(f"只显示前{GRID_LIMIT}名儿童,请选择地点或班级缩小范围。")
    config = {key: st.column_config.TextColumn(label, disabled=True)
              for key, label in FIXED.items()}
    for q in questions:
        config[f"q{q.id}"] = (
            st.column_config.SelectboxColumn(q.text, options=q.options)
            if q.kind is QuestionKind.single else
            st.column_config.TextColumn(q.text, help="多选:选项之间用“、”分隔"))
    original = grid_frame(rows, questions)
    key = f"survey_grid_{summary.id}_{st.session_state.get(GRID_GEN, 0)}"
    edited = st.data_editor(original, key=key, hide_index=True, num_rows="fixed",
                            column_config=config, width="stretch")
    if st.button("保存答案", key="survey_grid_save", type="primary"):
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
        st.info("没有修改。")
        return
    loaded = {r.child_id: r.answers for r in rows if r.child_id in changes}
    try:
        with db_transaction() as session:
            saved = record_grid(session, actor=actor, survey_id=summary.id, rows=changes,
                                loaded=loaded)
    except StaleDataError:
        show_problem(ConcurrentEdit("问卷答案"))
        return
    except DomainError as exc:
        show_problem(exc)
        return
    st.session_state[GRID_GEN] = st.session_state.get(GRID_GEN, 0) + 1
    st.session_state[FLASH_KEY] = f"已保存{saved}名儿童的问卷答案。"
    st.rerun()


# ---- import --------------------------------------------------------------------------------

def _import(actor: Actor, summary: SurveySummary) -> None:
    if not actor.can(Capability.MANAGE_RESOURCES):
        st.caption("只有负责人和管理员可以导入问卷答案。")
        return
    with db_transaction() as session:
        template = answer_template(get_survey(session, actor, summary.id))
    st.markdown("每行一名儿童:儿童姓名,加儿童出生日期或儿童身份证号(同名时必填),"
                "然后每道题一列;多选题的多个答案用“、”分隔。空白单元格保留原有答案。")
    st.download_button("下载导入模板", template, file_name=f"{summary.title}_答案导入模板.csv",
                       mime="text/csv", key="survey_template")
    upload = st.file_uploader("上传答案文件", type=["csv", "xlsx"], key="survey_upload")
    if upload is None:
        return
    data = upload.getvalue()
    fingerprint = (summary.id, hashlib.sha256(data).hexdigest())
    if st.button("检查文件", key="survey_import_check"):
        st.session_state["survey_import_checked"] = (
            fingerprint, _run(actor, summary, data, upload.name, dry_run=True))
    checked = st.session_state.get("survey_import_checked")
    if not checked or checked[0] != fingerprint or checked[1] is None:
        return
    report: ImportReport = checked[1]
    _show_report(report)
    if report.ok and st.button("导入", key="survey_import_commit", type="primary"):
        final = _run(actor, summary, data, upload.name, dry_run=False)
        st.session_state.pop("survey_import_checked", None)
        if final is not None and final.written:
            st.session_state[FLASH_KEY] = f"导入完成。{final.summary()}"
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
        st.success(f"检查通过。{report.summary()}")
        return
    st.error(f"有{report.error_count}处问题,整个文件未导入。请修改后重新上传:")
    st.dataframe(pd.DataFrame([{"行": e.row, "列": e.column, "问题": e.reason}
                               for e in report.errors]), hide_index=True, width="stretch")


# ---- defining questionnaires (admins) ------------------------------------------------------

def survey_form(*, key: str, today: date, current: SurveyInput | None = None,
                locked: bool = False) -> SurveyInput | None:
    """Title, date and questions; `locked` (answered) allows only the wording to change."""
    data = current or SurveyInput("", today, [])
    count = len(data.questions) if locked else st.number_input(
        "题目数量", min_value=1, max_value=30, value=max(len(data.questions), 3),
        key=f"{key}_count")
    with st.form(key):
        title = st.text_input("问卷标题", value=data.title, max_chars=200, key=f"{key}_title")
        held_on = st.date_input("调查日期", value=data.held_on, key=f"{key}_date")
        questions = []
        for n in range(int(count)):
            q = data.questions[n] if n < len(data.questions) else QuestionInput("", [])
            st.markdown(f"**第{n + 1}题**")
            text = st.text_input("题目", value=q.text, key=f"{key}_q{n}_text")
            kind = st.radio("题型", list(QuestionKind), horizontal=True, disabled=locked,
                            index=list(QuestionKind).index(q.kind), key=f"{key}_q{n}_kind",
                            format_func=lambda k: k.zh)
            options = st.text_area("选项(每行一个)", value="\n".join(q.options),
                                   disabled=locked, key=f"{key}_q{n}_options")
            if text.strip() or options.strip():
                questions.append(QuestionInput(text, split_options(options), kind))
        if locked:
            st.caption("已有答案:只能修改标题、日期和题目文字。")
        if st.form_submit_button("保存"):
            return SurveyInput(title, held_on, questions, data.org_unit_id)
    return None


def _define(actor: Actor, today: date, *, expanded: bool) -> None:
    with st.expander("新建问卷", expanded=expanded, icon=":material/add:"):
        if st.button("用调查模板新建", key="survey_from_template",
                     help="你有心里话最想对谁说?你在学习方面遇到的最大困难是什么?等题目"):
            apply_change("survey", lambda s: create_from_template(s, actor=actor, held_on=today),
                         0, "已用调查模板新建问卷。")
        data = survey_form(key="survey_new", today=today)
        if data is not None:
            apply_change("survey", lambda s: create_survey(s, actor=actor, data=data), 0,
                         f"已新建问卷“{data.title.strip()}”。")


def _edit_and_archive(actor: Actor, summary: SurveySummary) -> None:
    opened = remembered_version("survey", summary.id, summary.version)
    with db_transaction() as session:
        survey = get_survey(session, actor, summary.id)
        current = SurveyInput(survey.title, survey.held_on, [
            QuestionInput(q.text, list(q.options), q.kind) for q in survey.questions],
            survey.org_unit_id)
        locked = has_answers(session, survey.id)
    with st.expander("修改问卷", icon=":material/edit:"):
        data = survey_form(key=f"survey_edit_{summary.id}", today=summary.held_on,
                           current=current, locked=locked)
        if data is not None:
            apply_change("survey", lambda s: update_survey(
                s, actor=actor, survey_id=summary.id, expected_version=opened, data=data),
                summary.id, "已保存修改。")
    with st.expander("归档问卷", icon=":material/archive:"), \
            st.form(f"survey_archive_{summary.id}"):
        reason = st.text_input("归档原因(可选)", max_chars=200)
        st.caption("归档后不再出现在列表和看板中;答案仍保留。")
        if st.form_submit_button("归档"):
            apply_change("survey", lambda s: archive_survey(
                s, actor=actor, survey_id=summary.id, expected_version=opened, reason=reason),
                summary.id, f"已归档问卷“{summary.title}”。")
