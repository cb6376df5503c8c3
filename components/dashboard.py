"""总览's body: headline tiles and one section per heading, each a chart and its sentence.

Shared by the dashboard and meeting mode; every figure comes from the cached statistics object.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from zoneinfo import ZoneInfo

import streamlit as st

from components.markup import md, md_block
from services import charts
from services.charts import SELECTION
from services.i18n import t
from services.permissions import Actor, Capability
from services.stats import Statistics, Tiles
from services.stats_text import Section, pct
from services.vocab import Category

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
PAGE_OF_SECTION = {"activities": "pages/activities.py", "needs": "pages/resources.py",
                   "surveys": "pages/resources.py", "compliance": "pages/contacts.py"}


def local_time(stats: Statistics) -> str:
    """When the figures were computed, on Beijing time."""
    return f"{stats.computed_at.replace(tzinfo=UTC).astimezone(LOCAL_TIME):%H:%M:%S}"


def updated_caption(stats: Statistics) -> str:
    return f"数据更新于 {local_time(stats)}(每 10 秒自动刷新)"


def _count(value: int, unit: str, lang: str) -> str:
    return f"{value:,}{unit}" if lang == "zh" else f"{value:,}"


# On a phone Streamlit stacks columns one per row; two tiles per row keep them on one screen.
TILES_CSS = """<style>@media (max-width: 640px) {
.st-key-dash_tiles [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
.st-key-dash_tiles [data-testid="stColumn"] { min-width: 45% !important; flex: 1 1 45% !important; }
}</style>"""


def render_tiles(stats: Statistics, tiles: Tiles, lang: str) -> None:
    st.html(TILES_CSS)
    with st.container(key="dash_tiles"):
        _tiles(stats, tiles, lang)


def _tiles(stats: Statistics, tiles: Tiles, lang: str) -> None:
    c, p = stats.children, stats.pairing
    kinds = " · ".join(f"{Category(code).label(lang)} {n}" for code, n in c.by_category.items()
                       if n)
    open_needs = stats.needs.by_status["open"] + stats.needs.by_status["linked"]
    first = st.columns(4)
    first[0].metric(t("dash.children", lang), _count(c.total, "人", lang), help=kinds or None)
    first[1].metric(t("dash.enrolled", lang), "—" if c.share_of_enrolled is None
                    else pct(c.enrolled_children, c.enrolled_students),
                    help=t("dash.enrolled_help", lang) if c.share_of_enrolled is None else None)
    first[2].metric(t("dash.coverage", lang), pct(p.children_paired, p.children),
                    help=t("dash.coverage_help", lang, paired=p.children_paired,
                           unpaired=p.unpaired))
    first[3].metric(t("dash.contacts_month", lang),
                    _count(tiles.contacts_this_month, "人次", lang))
    second = st.columns(4)
    term = tiles.activities_this_term
    second[0].metric(t("dash.activities_term", lang), _count(term.sessions, "场", lang))
    second[1].metric(t("dash.person_times_term", lang), _count(term.person_times, "人次", lang))
    second[2].metric(t("dash.open_needs", lang), _count(open_needs, "个", lang))
    second[3].metric(t("dash.overdue", lang), _count(stats.overdue, "项", lang))
    if kinds:
        st.caption(kinds)


def _selected_key(event: Mapping | None) -> str | None:
    """The bar a click picked, from Streamlit's selection state ({"pick0": [{"key": …}]})."""
    if not event:
        return None
    for points in (event.get("selection") or {}).values():
        for point in points or []:
            if isinstance(point, Mapping) and point.get("key"):
                return str(point["key"])
    return None


def _open_picked(section: Section, picked: str | None) -> None:
    bar = next((b for b in section.bars if charts.bar_key(b) == picked), None)
    if bar is not None and bar.link is not None:
        st.switch_page("pages/roster.py", query_params=dict(bar.link))


def render_section(section: Section, specs: list[dict], actor: Actor) -> None:
    """Title, charts (a click opens the matching list) and the sentence as the seeds write it."""
    st.subheader(md(section.title), anchor=f"sec-{section.key}")
    if section.is_empty:
        st.info(f"暂无数据。{md(section.empty_hint)}", icon=":material/info:")
        return
    clickable = any(SELECTION in str(spec.get("params", "")) for spec in specs)
    chart_col, text_col = st.columns([3, 2], gap="medium")
    with text_col:
        # The sentence names units, kinds and survey answers: text, never markup.
        st.markdown(md_block(section.text))
        page = PAGE_OF_SECTION.get(section.key)
        if page and actor.can(Capability.MANAGE_ACTIVITIES):
            st.page_link(page, label="查看明细", icon=":material/list:")
        if clickable:
            st.caption("点击图中的条形,打开对应的儿童名单。")
    with chart_col:
        for number, spec in enumerate(specs):
            event = st.vega_lite_chart(spec=spec, key=f"chart_{section.key}_{number}",
                                       on_select="rerun" if clickable else "ignore")
            if clickable:
                _open_picked(section, _selected_key(event))


def render_sections(view: list[tuple[Section, list[dict]]], actor: Actor) -> None:
    for section, specs in view:
        with st.container(border=True):
            render_section(section, specs, actor)
