"""会议模式's screens: a section whose charts would run past one screen becomes several.

A projector shows 1920×1080 or 1280×720; the slide must fit the smaller without scrolling, so
charts are packed into screens by their height rather than shrunk below legibility. A section
split in two is titled "活动与走访（1/2）", "活动与走访（2/2）"; its figures and sentence stay on
each part, so every screen reads on its own.
"""

from __future__ import annotations

from dataclasses import replace

from core.i18n import t
from services.stats.charts import ROW_HEIGHT
from services.stats.stats_words import Bar, Section

# Pixels the charts of one screen may take at 1280×720, below the page turners, the title and
# the figures (tests/browser/test_meeting_fit.py measures the whole screen).
CHART_BUDGET = 400
GROUP_CHROME = 64  # a chart's title, padding and the gap to the next element


def bar_step(bars: int) -> int:
    """Pixels per bar on a meeting screen (`services.stats.charts._step` with big=True)."""
    return max(16, min(round(ROW_HEIGHT * 1.5), 280 // max(bars, 1)))


def chart_height(bars: int) -> int:
    """What one group's chart takes on screen, roughly."""
    return bars * bar_step(bars) + GROUP_CHROME


def bar_groups(section: Section) -> list[list[Bar]]:
    """The section's bars by group, in order."""
    groups: dict[str, list[Bar]] = {}
    for bar in section.bars:
        groups.setdefault(bar.group, []).append(bar)
    return list(groups.values())


def pack(groups: list[list[Bar]], budget: int = CHART_BUDGET) -> list[list[list[Bar]]]:
    """The groups in order, as few screens as keep each screen's charts within the budget
    (a group taller than the budget alone has a screen of its own)."""
    screens: list[list[list[Bar]]] = []
    used = budget + 1
    for group in groups:
        height = chart_height(len(group))
        if screens and used + height <= budget:
            screens[-1].append(group)
            used += height
        else:
            screens.append([group])
            used = height
    return screens


def split(section: Section, budget: int = CHART_BUDGET, lang: str = "zh") -> list[Section]:
    """The section as one or more screens, each with the bars of its own charts."""
    if section.is_empty:
        return [section]
    screens = pack(bar_groups(section), budget)
    if len(screens) <= 1:
        return [section]
    return [replace(section, title=t("meeting.part", lang, title=section.title, number=number,
                                     count=len(screens)),
                    bars=tuple(bar for group in groups for bar in group))
            for number, groups in enumerate(screens, start=1)]
