"""汇报: the 活动总结 draft to edit and download, and the meeting deck with a progress bar."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from core.i18n import t
from services.access.permissions import Actor
from services.reports.reporting import build_report, page_draft
from services.stats.figures import StatsScope

FORMAT_LABELS = {"docx": "reports.format.docx", "pdf": "reports.format.pdf",
                 "md": "reports.format.md"}
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf", "md": "text/markdown",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
DRAFT_KEY, DRAFT_SCOPE, FILE_KEY = "report_draft", "report_draft_scope", "report_file"
DECK_KEY, DECK_SCOPE = "deck_file", "deck_scope"
# The draft and the deck stay Chinese in both languages (official documents); the page's own
# words are the catalogue's.
DRAFT_LABEL = "reports.draft_label"
MASKED_LABEL = "reports.masked"
MASKED_HELP = "reports.masked_help"


def _fresh_draft(actor: Actor, scope: StatsScope, today: date, masked: bool) -> None:
    with db_transaction() as session:
        st.session_state[DRAFT_KEY] = page_draft(session, actor, scope, today=today,
                                                 masked=masked, page=current_page())
    st.session_state[DRAFT_SCOPE] = (scope, masked)
    st.session_state.pop(FILE_KEY, None)


def render_draft(actor: Actor, scope: StatsScope, *, today: date) -> None:
    """The draft, written from the figures once per scope; the user's edits are kept."""
    current = lang()
    masked = st.toggle(t(MASKED_LABEL, current), key="report_masked",
                       help=t(MASKED_HELP, current))
    if st.session_state.get(DRAFT_SCOPE) != (scope, masked):
        with st.spinner(t("reports.writing_draft", current)):
            _fresh_draft(actor, scope, today, masked)
    st.caption(t("reports.draft_note", current))
    st.text_area(t(DRAFT_LABEL, current), key=DRAFT_KEY, height=560)
    rewrite, fmt_col, make = st.columns([1, 2, 1], vertical_alignment="bottom")
    # A callback: it runs before the text area exists, so it may replace the text.
    rewrite.button(t("reports.rewrite", current), icon=":material/refresh:",
                   help=t("reports.rewrite_help", current),
                   on_click=_fresh_draft, args=(actor, scope, today, masked))
    fmt = fmt_col.radio(t("reports.format", current), list(FORMAT_LABELS),
                        format_func=lambda f: t(FORMAT_LABELS[f], current),
                        horizontal=True, key="report_format")
    if make.button(t("reports.build", current), type="primary", icon=":material/description:"):
        text = st.session_state[DRAFT_KEY]
        if not text.strip():
            st.error(t("reports.draft_empty", current))
            return
        with st.spinner(t("reports.building", current)), db_transaction() as session:
            st.session_state[FILE_KEY] = build_report(session, actor, scope, fmt, today=today,
                                                      text=text, masked=masked,
                                                      page=current_page())
    _offer_file("report_download")


def render_deck(actor: Actor, scope: StatsScope, *, today: date) -> None:
    current = lang()
    st.write(t("reports.deck_note", current))
    if st.session_state.get(DECK_SCOPE) != scope:
        st.session_state.pop(DECK_KEY, None)  # a deck of other figures must not be offered
    if st.button(t("reports.build_deck", current), type="primary", icon=":material/slideshow:"):
        bar = st.progress(0.0, text=t("reports.preparing", current))
        st.session_state[DECK_SCOPE] = scope

        def advance(fraction: float, message: str) -> None:
            bar.progress(min(fraction, 1.0), text=md(message))

        with db_transaction() as session:
            st.session_state[DECK_KEY] = build_report(
                session, actor, scope, "pptx", today=today,
                progress=advance)
        bar.empty()
    _offer_file("deck_download", key=DECK_KEY)


def _offer_file(button_key: str, *, key: str = FILE_KEY) -> None:
    made = st.session_state.get(key)
    if not made:
        return
    data, name = made
    fmt = name.rsplit(".", 1)[-1]
    st.download_button(t("reports.download", lang(), name=md(name)), data, file_name=name,
                       mime=MIME[fmt],
                       icon=":material/download:", key=button_key)


