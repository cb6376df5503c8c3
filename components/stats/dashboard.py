"""总览's body: headline tiles and one section per heading, each a chart and its sentence.

Shared by the dashboard and meeting mode; every figure comes from the cached statistics object.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

import config
from components.common.markup import md, md_block
from components.common.navigation import pages_for
from components.common.session import lang as page_lang
from core.i18n import t
from core.vocab import Category
from services.access.permissions import Actor, Capability
from services.stats import charts, small_cells
from services.stats.charts import SELECTION
from services.stats.figures import Statistics
from services.stats.section_view import shown_total
from services.stats.stats_words import Section, as_of_text, pct, period_name, withheld_note


def local_time(stats: Statistics) -> str:
    """When the figures were computed, on the configured time zone (config.display_zone)."""
    return config.local_time(stats.computed_at, "%H:%M:%S")


def updated_caption(stats: Statistics, lang: str = "zh") -> str:
    return t("dashboard.updated", lang, time=local_time(stats))


def _count(value: int | small_cells.Cell, unit: str, lang: str) -> str:
    """"1,234人" (`unit`: a `stats.unit.*` key; in English the number alone)."""
    shown = f"{value:,}" if isinstance(value, int) else (
        str(value) if value.withheld else f"{value.value:,}")
    return t(f"stats.unit.{unit}", lang, n=shown)


# On a phone Streamlit stacks columns one per row; two tiles per row keep them on one screen.
TILES_CSS = """<style>@media (max-width: 640px) {
.st-key-dash_tiles [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
.st-key-dash_tiles [data-testid="stColumn"] { min-width: 45% !important; flex: 1 1 45% !important; }
}</style>"""


def render_tiles(stats: Statistics, lang: str, *, suppress: bool) -> None:
    st.html(TILES_CSS)
    with st.container(key="dash_tiles"):
        _tiles(stats, lang, suppress)


def _tiles(stats: Statistics, lang: str, suppress: bool) -> None:
    """The headline tiles, every one over the chosen period and unit (labels say which)."""
    c, p, when = stats.children, stats.pairing, period_name(stats, lang)
    total = shown_total(stats, suppress=suppress)
    kinds = " · ".join(
        f"{Category(code).label(lang)} {small_cells.part(n, c.total, suppress=suppress)}"
        for code, n in c.by_category.items() if n) if not total.withheld else ""
    open_needs = stats.needs.by_status["open"] + stats.needs.by_status["linked"]
    enrolled = small_cells.part(c.enrolled_children, c.enrolled_students, suppress=suppress)
    paired = small_cells.part(p.children_paired, p.children, suppress=suppress)
    first = st.columns(4)
    first[0].metric(t("dash.my_children" if stats.for_helper else "dash.children", lang),
                    _count(total, "people", lang), help=kinds or None)
    first[1].metric(t("dash.enrolled", lang),
                    "—" if c.share_of_enrolled is None or enrolled.withheld or total.withheld
                    else pct(c.enrolled_children, c.enrolled_students),
                    help=t("dash.enrolled_help", lang) if c.share_of_enrolled is None else None)
    first[2].metric(t("dash.coverage", lang),
                    "—" if paired.withheld or total.withheld
                    else pct(p.children_paired, p.children),
                    help=None if paired.withheld or total.withheld else
                    t("dash.coverage_help", lang, paired=p.children_paired, unpaired=p.unpaired))
    first[3].metric(t("dash.contacts", lang, when=when),
                    _count(stats.contacts_total, "attendances", lang))
    second = st.columns(4)
    done = stats.activities_total
    second[0].metric(t("dash.activities", lang, when=when), _count(done.sessions, "sessions", lang))
    second[1].metric(t("dash.person_times", lang, when=when),
                     _count(done.person_times, "attendances", lang))
    second[2].metric(t("dash.open_needs", lang),
                     _count(small_cells.count(open_needs, suppress=suppress), "items", lang))
    second[3].metric(t("dash.overdue", lang), _count(stats.overdue, "tasks", lang))
    if kinds:
        st.caption(kinds)
    if stats.as_of < stats.scope.date_to:
        st.caption(t("dashboard.running", lang, when=when, as_of=as_of_text(stats.as_of, lang)))


def data_quality_line(stats: Statistics, actor: Actor, lang: str) -> None:
    """数据质量: children whose record has no consent on file, for whoever can record it, with a
    link to the roster filtered to them."""
    missing = stats.children.consent_missing
    if not missing or not actor.can(Capability.EDIT_ROSTER):
        return
    st.page_link("pages/roster.py", label=t("dashboard.quality.consent_missing", lang,
                                            count=missing),
                 query_params={"noconsent": "1"}, icon=":material/assignment_late:")


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
    current = page_lang()
    st.subheader(md(section.title), anchor=f"sec-{section.key}")
    if section.is_empty:
        st.info(t("dashboard.no_data", current, hint=md(section.empty_hint)),
                icon=":material/info:")
        return
    clickable = any(SELECTION in str(spec.get("params", "")) for spec in specs)
    # A section with nothing to draw (its counts withheld) gives its sentence the whole width.
    chart_col, text_col = st.columns([3, 2], gap="medium") if specs else (None, st.container())
    with text_col:
        # The sentence names units, kinds and survey answers: text, never markup.
        st.markdown(md_block(section.text))
        page = section.page
        if page and page in {spec.path for spec in pages_for(actor)}:
            st.page_link(page, label=t("dashboard.details", current), icon=":material/list:")
        if clickable:
            st.caption(t("dashboard.click_hint", current))
    if chart_col is None:
        return
    with chart_col:
        for number, spec in enumerate(specs):
            key = f"chart_{section.key}_{number}"
            # Only a clickable chart returns its selection state; the others, their element.
            if clickable:
                event = st.vega_lite_chart(spec=spec, key=key, on_select="rerun")
                _open_picked(section, _selected_key(event))
            else:
                st.vega_lite_chart(spec=spec, key=key, on_select="ignore")


def render_sections(view: list[tuple[Section, list[dict]]], actor: Actor) -> None:
    for section, specs in view:
        with st.container(border=True):
            render_section(section, specs, actor)
    if any(section.withheld for section, _ in view):
        st.caption(withheld_note(page_lang()))
