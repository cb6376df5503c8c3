"""汇报: the 活动总结 draft to edit and download, and the meeting deck with a progress bar."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.markup import md
from components.session import db_transaction
from services.permissions import Actor
from services.report_draft import draft_markdown
from services.reporting import build_report
from services.stats import StatsScope

FORMAT_LABELS = {"docx": "Word(DOCX)", "pdf": "PDF", "md": "Markdown"}
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf", "md": "text/markdown",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
DRAFT_KEY, DRAFT_SCOPE, FILE_KEY = "report_draft", "report_draft_scope", "report_file"
DECK_KEY, DECK_SCOPE = "deck_file", "deck_scope"
DRAFT_LABEL = "活动总结草稿（Markdown，可直接修改）"
MASKED_LABEL = "脱敏"
MASKED_HELP = ("用于会上宣读或对外报送：人数少于5人的数字写作“<5”，可据以反推的数字写作“≥5”，"
               "人数少于5人的单位只写总数。")


def _fresh_draft(actor: Actor, scope: StatsScope, today: date, masked: bool) -> None:
    with db_transaction() as session:
        st.session_state[DRAFT_KEY] = draft_markdown(session, actor, scope, today=today,
                                                     masked=masked)
    st.session_state[DRAFT_SCOPE] = (scope, masked)
    st.session_state.pop(FILE_KEY, None)


def render_draft(actor: Actor, scope: StatsScope, *, today: date) -> None:
    """The draft, written from the figures once per scope; the user's edits are kept."""
    masked = st.toggle(MASKED_LABEL, key="report_masked", help=MASKED_HELP)
    if st.session_state.get(DRAFT_SCOPE) != (scope, masked):
        with st.spinner("正在根据数据撰写草稿…"):
            _fresh_draft(actor, scope, today, masked)
    st.caption("草稿中的数字全部来自系统数据；请补充“五、下一步打算”，修改后再下载。")
    st.text_area(DRAFT_LABEL, key=DRAFT_KEY, height=560)
    rewrite, fmt_col, make = st.columns([1, 2, 1], vertical_alignment="bottom")
    # A callback: it runs before the text area exists, so it may replace the text.
    rewrite.button("按最新数据重写", icon=":material/refresh:",
                   help="丢弃当前修改，按最新数据重新生成草稿",
                   on_click=_fresh_draft, args=(actor, scope, today, masked))
    fmt = fmt_col.radio("格式", list(FORMAT_LABELS), format_func=FORMAT_LABELS.get,
                        horizontal=True, key="report_format")
    if make.button("生成文件", type="primary", icon=":material/description:"):
        text = st.session_state[DRAFT_KEY]
        if not text.strip():
            st.error("草稿是空的，请先生成或填写内容。")
            return
        with st.spinner("正在生成文件…"), db_transaction() as session:
            st.session_state[FILE_KEY] = build_report(session, actor, scope, fmt, today=today,
                                                      text=text, masked=masked)
    _offer_file("report_download")


def render_deck(actor: Actor, scope: StatsScope, *, today: date) -> None:
    st.write("标题页、每个统计部分一页（图表和主要数字）、活动照片、存在问题；"
             "不含任何儿童的姓名、电话和身份证号，人数少于5人的数字写作“<5”。")
    if st.session_state.get(DECK_SCOPE) != scope:
        st.session_state.pop(DECK_KEY, None)  # a deck of other figures must not be offered
    if st.button("生成会议汇报 PPT", type="primary", icon=":material/slideshow:"):
        bar = st.progress(0.0, text="准备中…")
        st.session_state[DECK_SCOPE] = scope
        with db_transaction() as session:
            st.session_state[DECK_KEY] = build_report(
                session, actor, scope, "pptx", today=today,
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0),
                                                                text=md(message)))
        bar.empty()
    _offer_file("deck_download", key=DECK_KEY)


def _offer_file(button_key: str, *, key: str = FILE_KEY) -> None:
    made = st.session_state.get(key)
    if not made:
        return
    data, name = made
    fmt = name.rsplit(".", 1)[-1]
    st.download_button(f"下载 {md(name)}", data, file_name=name, mime=MIME[fmt],
                       icon=":material/download:", key=button_key)


