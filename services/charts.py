"""Altair charts of the statistics sections, for the dashboard, meeting mode and the deck.

One builder, so a category has the same colour in every chart and every file: a code's colour
is fixed (semantic ones by hand, the rest by a stable hash of the code). Chinese text needs a
CJK font named explicitly, or the PNG shows empty boxes (NOTES.md).
"""

from __future__ import annotations

import zlib

import altair as alt
import pandas as pd

from services.stats_text import Bar, Section

FONT_STACK = "'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
PNG_FONT = "Noto Sans CJK SC"  # vl-convert takes one installed family
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#B279A2", "#72B7B2", "#EECA3B", "#9D755D",
           "#FF9DA6", "#79706E", "#E45756")
FIXED = {
    "left_behind": "#4C78A8", "in_difficulty": "#F58518", "de_facto_unsupported": "#E45756",
    "scattered_orphan": "#72B7B2", "disabled": "#54A24B",
    "male": "#4C78A8", "female": "#E45756",
    "risk_red": "#D62728", "risk_yellow": "#EECA3B", "risk_blue": "#1F77B4",
    "risk_green": "#2CA02C", "risk_unassessed": "#BAB0AC",
    "hardship": "#E45756", "comfortable": "#54A24B",
    "paired": "#54A24B", "unpaired": "#E45756",
    "excellent": "#54A24B", "poor": "#E45756",
}
SELECTION = "pick"  # the point selection a click sets; the page maps it back to a Bar
ROW_HEIGHT = 26


def colour_of(code: str) -> str:
    """The same colour for a code in every chart."""
    return FIXED.get(code) or PALETTE[zlib.crc32(code.encode()) % len(PALETTE)]


def bar_key(bar: Bar) -> str:
    return f"{bar.group}|{bar.label}"


def _frame(bars: list[Bar]) -> pd.DataFrame:
    return pd.DataFrame({
        "group": [b.group for b in bars], "label": [b.label for b in bars],
        "value": [b.value for b in bars], "colour": [colour_of(b.code) for b in bars],
        "key": [bar_key(b) for b in bars], "linked": [b.link is not None for b in bars]})


def _group_chart(bars: list[Bar], *, big: bool, clickable: bool) -> alt.Chart:
    size = 18 if big else 12
    order = [b.label for b in bars]
    base = alt.Chart(_frame(bars)).encode(
        y=alt.Y("label:N", sort=order, title=None,
                axis=alt.Axis(labelLimit=220, labelFontSize=size)),
        x=alt.X("value:Q", title=None, axis=alt.Axis(tickMinStep=1, tickCount=5, grid=False,
                                                   labelFontSize=size - 2)),
        tooltip=[alt.Tooltip("label:N", title="项目"), alt.Tooltip("value:Q", title="数量")])
    marks = base.mark_bar(cornerRadiusEnd=3).encode(color=alt.Color("colour:N", scale=None))
    if clickable:
        pick = alt.selection_point(name=SELECTION, fields=["key"], on="click")
        marks = marks.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)))
    labels = base.mark_text(align="left", dx=4, fontSize=size).encode(text="value:Q")
    return (marks + labels).properties(
        title=alt.TitleParams(bars[0].group, anchor="start", fontSize=size + 1),
        height=max(len(bars), 1) * (ROW_HEIGHT * (1.5 if big else 1)), width="container")


def section_chart(section: Section, *, big: bool = False, clickable: bool = False,
                  max_groups: int = 3) -> alt.VConcatChart | alt.LayerChart | None:
    """The section's bars, one horizontal bar chart per group; None when it has nothing."""
    if section.is_empty or not section.bars:
        return None
    groups: dict[str, list[Bar]] = {}
    for bar in section.bars:
        groups.setdefault(bar.group, []).append(bar)
    charts = [_group_chart(bars, big=big, clickable=clickable)
              for bars in list(groups.values())[:max_groups]]
    chart = charts[0] if len(charts) == 1 else alt.vconcat(*charts, spacing=18)
    return chart.configure(font=FONT_STACK).configure_view(stroke=None)


def chart_png(section: Section, *, width: int = 900, scale: float = 2.0) -> bytes | None:
    """The section's chart as a PNG (vl-convert), for the deck and the written summary."""
    chart = section_chart(section, big=True)
    if chart is None:
        return None
    chart = chart.properties(width=width) if not isinstance(chart, alt.VConcatChart) else chart
    spec = chart.to_dict()
    _fix_widths(spec, width)
    spec.setdefault("config", {})["font"] = PNG_FONT
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, scale=scale)


def _fix_widths(spec: dict, width: int) -> None:
    """"container" widths mean nothing off screen: give every view a number."""
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("vconcat", "layer"):
        for part in spec.get(key, []):
            _fix_widths(part, width)
