"""Altair charts of the statistics sections, for the dashboard, meeting mode and the deck.

One builder, so a category has the same colour in every chart and every file: a code's colour
is fixed (semantic ones by hand, the rest by a stable hash of the code). Chinese text needs a
CJK font named explicitly, or the PNG shows empty boxes (NOTES.md).
"""

from __future__ import annotations

import zlib
from typing import TypeVar

import altair as alt

from core.i18n import t
from core.vocab import (
    AcademicLevel,
    ActivityKind,
    Category,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedStatus,
)
from services.roster.roster_filter import AgeBand
from services.stats.stats_words import Bar, Section

Styled = TypeVar("Styled", alt.LayerChart, alt.VConcatChart)

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
SELECTION = "pick"  # prefix of each group's point selection; the page maps it back to a Bar
ROW_HEIGHT = 26


def _vocabulary_colours() -> dict[str, str]:
    """Each vocabulary's codes in order around the palette, so no two in one chart match."""
    colours: dict[str, str] = {}
    for codes in (Category.codes(), Gender.codes(), [b.value for b in AgeBand],
                  GuardianType.codes(), LeftBehindType.codes(), EconomicStatus.codes(),
                  AcademicLevel.codes(), HelperKind.codes(), ContactKind.codes(),
                  ActivityKind.codes(), NeedKind.codes(), NeedStatus.codes()):
        for index, code in enumerate(codes):
            colours.setdefault(code, PALETTE[index % len(PALETTE)])
    return colours | FIXED


COLOURS = _vocabulary_colours()


def colour_of(code: str) -> str:
    """The same colour for a code in every chart ("act_tutoring" as "tutoring"; "q2_3" as the
    fourth option; anything unknown by a stable hash)."""
    if code in COLOURS:
        return COLOURS[code]
    rest = code.partition("_")[2]
    if rest in COLOURS:
        return COLOURS[rest]
    if rest.isdigit():
        return PALETTE[int(rest) % len(PALETTE)]
    return PALETTE[zlib.crc32(code.encode()) % len(PALETTE)]


def bar_key(bar: Bar) -> str:
    return f"{bar.group}|{bar.label}"


def _values(bars: list[Bar]) -> alt.Data:
    # Plain records, not a DataFrame: Altair sanitises a frame on every to_dict (~25 ms each).
    return alt.Data(values=[{"group": b.group, "label": b.label, "value": b.value,
                             "colour": colour_of(b.code), "key": bar_key(b)} for b in bars])


def _step(bars: int, big: bool) -> int:
    """Pixels per bar: roomy on a projector, yet two charts of many bars still fit one screen."""
    if not big:
        return ROW_HEIGHT
    return max(16, min(round(ROW_HEIGHT * 1.5), 280 // max(bars, 1)))


def _group_chart(bars: list[Bar], *, big: bool, clickable: bool, number: int,
                 lang: str = "zh") -> alt.LayerChart:
    size = 18 if big else 12
    order = [b.label for b in bars]
    base = alt.Chart(_values(bars)).encode(
        y=alt.Y("label:N", sort=order, title=None,
                axis=alt.Axis(labelLimit=340 if big else 220, labelFontSize=size)),
        # On a projector the bars carry their numbers: the axis would only take height.
        x=alt.X("value:Q", title=None, axis=None if big else alt.Axis(
            tickMinStep=1, tickCount=5, grid=False, labelFontSize=size - 2)),
        tooltip=[alt.Tooltip("label:N", title=t("stats.chart.item", lang)),
                 alt.Tooltip("value:Q", title=t("stats.chart.count", lang))])
    marks = base.mark_bar(cornerRadiusEnd=3).encode(color=alt.Color("colour:N", scale=None))
    if clickable:
        # One name per group: charts stacked in one view may not share a selection's name.
        pick = alt.selection_point(name=f"{SELECTION}{number}", fields=["key"], on="click")
        marks = marks.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)))
    labels = base.mark_text(align="left", dx=4, fontSize=size).encode(text="value:Q")
    # `marks + labels`, built directly: `+` is typed as possibly a facet, which these are not.
    return alt.LayerChart(layer=[marks, labels]).properties(
        title=alt.TitleParams(bars[0].group, anchor="start", fontSize=size + 1),
        height=alt.Step(_step(len(bars), big)), width="container")


def _groups(section: Section, max_groups: int) -> list[list[Bar]]:
    """The section's bars by group, in order (none when the section is empty)."""
    if section.is_empty:
        return []
    groups: dict[str, list[Bar]] = {}
    for bar in section.bars:
        groups.setdefault(bar.group, []).append(bar)
    return list(groups.values())[:max_groups]


def _styled(chart: Styled) -> Styled:
    return chart.configure(font=FONT_STACK).configure_view(stroke=None)


def group_charts(section: Section, *, big: bool = False, clickable: bool = False,
                 max_groups: int = 3, lang: str = "zh") -> list[alt.LayerChart]:
    """One horizontal bar chart per group of the section's bars (none when it is empty).

    Separate charts rather than one concatenated view: only a single view can take its
    container's width, which keeps the bars inside their column at any screen width.
    """
    return [_styled(_group_chart(bars, big=big, clickable=clickable, number=number, lang=lang))
            for number, bars in enumerate(_groups(section, max_groups))]


def group_specs(section: Section, *, big: bool = False, clickable: bool = False,
                max_groups: int = 3, lang: str = "zh") -> list[dict]:
    """`group_charts` as Vega-Lite dicts: built once per statistics object and cached, so a
    rerun of the page draws them without building Altair objects again."""
    return [chart.to_dict() for chart in group_charts(section, big=big, clickable=clickable,
                                                      max_groups=max_groups, lang=lang)]


def section_chart(section: Section, *, big: bool = False, max_groups: int = 3,
                  lang: str = "zh") -> alt.VConcatChart | alt.LayerChart | None:
    """The section's groups stacked in one chart (for images); None when it has nothing."""
    charts = [_group_chart(bars, big=big, clickable=False, number=number, lang=lang)
              for number, bars in enumerate(_groups(section, max_groups))]
    if not charts:
        return None
    if len(charts) == 1:
        return _styled(charts[0])
    return _styled(alt.vconcat(*charts, spacing=18))


def chart_png(section: Section, *, width: int = 900, scale: float = 2.0,
              lang: str = "zh") -> bytes | None:
    """The section's chart as a PNG (vl-convert), for the deck and the written summary."""
    chart = section_chart(section, big=True, lang=lang)
    if chart is None:
        return None
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
