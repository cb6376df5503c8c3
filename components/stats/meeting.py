"""会议模式: one section per screen, large numbers and chart, for a projector or a phone.

Full screen by hiding Streamlit's sidebar and header; the arrow keys (and PageUp/PageDown, which
presentation clickers send) press the 上一页 / 下一页 buttons. Only aggregates are shown.
"""

from __future__ import annotations

import json

import streamlit as st

from components.common.markup import html_text, md
from components.common.session import lang
from core.i18n import LANGUAGES, t
from services.stats.figures import Statistics
from services.stats.stats_words import Section, org_name, withheld_note

PREVIOUS, NEXT = "meeting.previous", "meeting.next"  # the page turners' catalogue keys

FULL_SCREEN_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding-top: 1rem !important; padding-bottom: 1rem !important; max-width: 100% !important; }
/* The style and key-script elements take no room on the screen. */
[data-testid="stElementContainer"]:has(.shouwang-meeting-chrome) { display: none !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem; line-height: 1.1; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem; }
.meeting-title { font-size: 2.6rem !important; font-weight: 700; margin: 0 !important;
  line-height: 1.25; }
.meeting-sub { font-size: 1.2rem !important; color: #555; margin: 0 !important; }
.meeting-text, .meeting-text p { font-size: 1.45rem !important; line-height: 1.65; }
.st-key-meeting_controls [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; }
.st-key-meeting_controls [data-testid="stColumn"] { min-width: 0 !important; }
/* A 1280×720 projector: the same screen, in type that still reads across a room. */
@media (max-height: 800px) and (min-width: 641px) {
  [data-testid="stMetricValue"] { font-size: 2.4rem; }
  [data-testid="stMetricLabel"] p { font-size: 1.15rem; }
  .meeting-title { font-size: 2rem !important; }
  .meeting-sub { font-size: 1rem !important; }
  .meeting-text, .meeting-text p { font-size: 1.15rem !important; line-height: 1.6; }
}
/* On a phone: the page turners stay on one row, the figures two by two. */
@media (max-width: 640px) {
  .st-key-meeting_figures [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
  .st-key-meeting_figures [data-testid="stColumn"] { min-width: 45% !important; }
  .st-key-meeting_controls [data-testid="stIconMaterial"] { display: none; }
  .st-key-meeting_controls button { padding-left: .3rem; padding-right: .3rem; }
  [data-testid="stMetricValue"] { font-size: 2.1rem; }
  [data-testid="stMetricLabel"] p { font-size: 1rem; }
  .meeting-title { font-size: 1.7rem !important; }
  .meeting-text, .meeting-text p { font-size: 1.05rem !important; }
}
</style>
<span class="shouwang-meeting-chrome"></span>
"""

ARROW_KEYS_JS = """
<span id="shouwang-meeting" class="shouwang-meeting-chrome"></span>
<script>
if (!window.__shouwangMeetingKeys) {
  window.__shouwangMeetingKeys = true;
  document.addEventListener("keydown", (event) => {
    if (!document.getElementById("shouwang-meeting")) return;
    const typing = event.target.closest && event.target.closest("input, textarea");
    if (typing) return;
    const forward = ["ArrowRight", "PageDown", " "].includes(event.key);
    const back = ["ArrowLeft", "PageUp"].includes(event.key);
    if (!forward && !back) return;
    const labels = forward ? NEXT_LABELS : PREVIOUS_LABELS;
    const button = [...document.querySelectorAll("button")]
      .find((b) => labels.some((label) => b.innerText.trim().endsWith(label)));
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
  });
}
</script>
""".replace("NEXT_LABELS", json.dumps([t(NEXT, code) for code in LANGUAGES])).replace(
    "PREVIOUS_LABELS", json.dumps([t(PREVIOUS, code) for code in LANGUAGES]))


def full_screen() -> None:
    st.html(FULL_SCREEN_CSS)
    st.html(ARROW_KEYS_JS, unsafe_allow_javascript=True)


def current_index(count: int) -> int:
    """The section shown, 0-based, kept in the URL as ?s=1…count."""
    raw = st.query_params.get("s", "1")
    number = int(raw) if raw.isdigit() else 1
    return min(max(number, 1), count) - 1


def go_to(index: int) -> None:
    st.query_params["s"] = str(index + 1)


def render_controls(index: int, count: int, *, key: str) -> None:
    current = lang()
    back, where, forward = st.columns([1, 1, 1], vertical_alignment="center")
    if back.button(t(PREVIOUS, current), icon=":material/arrow_back:", key=f"{key}_prev",
                   disabled=index == 0, use_container_width=True):
        go_to(index - 1)
        st.rerun()
    where.markdown(f"<p style='text-align:center;margin:0'>{int(index) + 1} / {int(count)}</p>",
                   unsafe_allow_html=True)
    if forward.button(t(NEXT, current), icon=":material/arrow_forward:", key=f"{key}_next",
                      disabled=index == count - 1, use_container_width=True):
        go_to(index + 1)
        st.rerun()


def render_slide(stats: Statistics, section: Section, specs: list[dict], period: str) -> None:
    current = lang()
    # Layout needs HTML here; every value in it is escaped (the org name is user text).
    st.markdown(f"<div class='meeting-title'>{html_text(section.title)}</div>"
                f"<div class='meeting-sub'>{html_text(org_name(stats, current))} · "
                f"{html_text(period)}</div>",
                unsafe_allow_html=True)
    if section.is_empty:
        st.info(t("dashboard.no_data", current, hint=md(section.empty_hint)))
        return
    if section.figures:
        columns = st.container(key="meeting_figures").columns(min(len(section.figures), 4))
        for column, figure in zip(columns, section.figures[:4], strict=False):
            # A value is a number and a unit ("<5人"), never user text; a label can be
            # (a survey's answer).
            column.metric(md(figure.label), figure.value)
    chart_col, text_col = st.columns([1, 1], gap="large")
    with chart_col:
        for spec in specs:
            st.vega_lite_chart(spec=spec)
    text_col.markdown(f"<div class='meeting-text'>{html_text(section.text)}</div>",
                      unsafe_allow_html=True)
    if section.withheld:
        text_col.caption(withheld_note(current))
