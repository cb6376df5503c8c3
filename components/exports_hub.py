"""导出: pick a list, its filters, columns and format; build the file with a progress bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from components.feedback import show_problem
from components.markup import md
from components.pickers import org_select
from components.session import db_transaction
from services.errors import DomainError
from services.export_kinds import (
    ExportFile,
    ExportFilter,
    FilterKind,
    HubList,
    export_list,
    hub_lists,
)
from services.exports import EXPORT_FORMATS
from services.orgs import org_tree
from services.permissions import Actor, Capability
from services.terms import term_of

FILE_KEY = "exports_hub_file"  # (the choices it was built from, the ExportFile)
FORMAT_LABELS = {"csv": "CSV（UTF-8,Excel/WPS 可直接打开）", "xlsx": "Excel(XLSX)"}
SENSITIVE_HELP = ("默认打码：每一列中的人名（儿童、亲属、帮扶人、记录人等）、电话、身份证号和住址，"
                  "以及备注、记录等文字中出现的本条记录相关人员姓名和号码；"
                  "勾选后导出原文，并记入操作日志。请妥善保管文件，用完即删。")


def _period_input(chosen: HubList, spec: ExportFilter, today: date) -> tuple[date, date | None]:
    term = term_of(today)
    picked = st.date_input(spec.label, value=(term.start, term.end), format="YYYY-MM-DD",
                           key=f"exports_{chosen.kind}_period",
                           help=f"默认本学期（{term.name}）。")
    if isinstance(picked, date):
        return picked, picked
    start = picked[0] if picked else term.start
    return start, picked[1] if len(picked) > 1 else None


def _filter_input(session: Session, actor: Actor, chosen: HubList, spec: ExportFilter,
                  today: date, lang: str) -> object:
    """One filter's widget; returns the value to pass (None for the function's default)."""
    key = f"exports_{chosen.kind}_{spec.name}"
    if spec.kind is FilterKind.PERIOD:
        return _period_input(chosen, spec, today)
    if spec.kind is FilterKind.ORG_UNIT:
        return org_select(spec.label, org_tree(session, actor), key=key, lang=lang,
                          none_label=spec.none_label)
    if spec.kind is FilterKind.FLAG:
        return st.checkbox(spec.label, key=key)
    options = spec.choices(session, actor, today) if spec.choices else []
    labels: dict[object, str] = {None: spec.none_label, **dict(options)}
    return st.selectbox(spec.label, list(labels), key=key, format_func=labels.__getitem__)


def _filter_values(actor: Actor, chosen: HubList, today: date, lang: str) -> dict[str, object]:
    if not chosen.filters:
        return {}
    values: dict[str, object] = {}
    with db_transaction() as session:
        for spec in chosen.filters:
            values[spec.name] = _filter_input(session, actor, chosen, spec, today, lang)
    return values


def _column_keys(chosen: HubList) -> list[str] | None:
    if not chosen.columns:
        st.caption("列随问卷题目而定，导出全部列。")
        return None
    headers = {c.key: c.header for c in chosen.columns}
    return st.multiselect("列", list(headers), default=list(headers),
                          key=f"exports_{chosen.kind}_columns", format_func=headers.__getitem__,
                          help="默认全部列；删去不需要的列，顺序与名单一致。", placeholder="请选择")


def _progress_bar() -> tuple[Callable[[int, int | None], None], Callable[[], None]]:
    """A progress callback for export_list and a function that removes the bar."""
    bar = st.progress(0.0, text="正在读取数据…")

    def report(done: int, total: int | None) -> None:
        if total is None:
            bar.progress(0.0, text="正在读取数据…")
        elif total:
            bar.progress(min(done / total, 1.0), text=f"正在写入文件：{done:,} / {total:,} 行")

    return report, bar.empty


def _build(actor: Actor, chosen: HubList, today: date, choices: dict[str, object]) -> None:
    report, clear = _progress_bar()
    try:
        with db_transaction() as session:
            built = export_list(session, actor=actor, kind=chosen.kind, fmt=choices["fmt"],
                                today=today, include_sensitive=choices["sensitive"],
                                columns=choices["columns"], filters=choices["filters"],
                                progress=report)
    except DomainError as exc:
        st.session_state.pop(FILE_KEY, None)
        show_problem(exc)
        return
    finally:
        clear()
    st.session_state[FILE_KEY] = (choices, built)


def _empty_advice(chosen: HubList) -> str:
    if chosen.filters:
        loosen = "、".join(f.label for f in chosen.filters)
        return (f"没有符合条件的记录，未生成文件。请放宽筛选条件（{loosen}）后再点“生成文件”，"
                "例如把日期范围改到上个学期，或把组织范围选为“全部”。")
    return "这份名单目前是空的，未生成文件。请先在相应页面录入数据，或换一份名单导出。"


def _show_file(chosen: HubList, built: ExportFile) -> None:
    if built.rows == 0:
        st.info(_empty_advice(chosen), icon=":material/info:")
        return
    size = f"{len(built.data) / 1024:,.0f} KB"
    st.success(f"已生成“{md(built.filename)}”：共 {built.rows:,} 行，{size}。")
    st.download_button("下载文件", built.data, file_name=built.filename, type="primary",
                       key="exports_download", on_click="ignore", icon=":material/download:")


def render_exports_hub(actor: Actor, today: date, lang: str) -> None:
    """The whole hub: list, filters, columns, format, sensitivity, build and download."""
    lists = hub_lists()
    kind = st.selectbox("名单", list(lists), key="exports_kind",
                        format_func=lambda k: lists[k].title)
    chosen = lists[kind]
    filters = _filter_values(actor, chosen, today, lang)
    columns = _column_keys(chosen)
    left, right = st.columns(2)
    fmt = left.radio("格式", EXPORT_FORMATS, index=1, horizontal=True, key="exports_fmt",
                     format_func=FORMAT_LABELS.__getitem__)
    sensitive = False
    if actor.can(Capability.EXPORT_SENSITIVE):
        sensitive = right.checkbox("含敏感信息", key="exports_sensitive", help=SENSITIVE_HELP)
    choices = {"kind": kind, "fmt": fmt, "sensitive": sensitive, "columns": columns,
               "filters": filters}
    if st.button("生成文件", type="primary", key="exports_build", icon=":material/build:",
                 disabled=columns == []):
        _build(actor, chosen, today, choices)
    if columns == []:
        st.warning("请至少选择一列。")
    stored = st.session_state.get(FILE_KEY)
    if stored is not None and stored[0] == choices:
        _show_file(chosen, stored[1])
    elif stored is not None and stored[0]["kind"] == kind:
        st.caption("选项已改变，请重新点“生成文件”。")
