"""The statistics written out as the seeds write them, one section per heading of DESIGN.md:
`sections` builds them in order from the sections about the children (`children_sections`) and
about the work done for them (`work_sections`), in the words of `stats_words`.

Each `Section` carries the sentence ("其中男生8人,占47.1%…"), the headline figures for meeting
mode and the deck, and the bars its chart draws, each bar with the roster filter it stands for.
The dashboard, the CLI, the written 活动总结 and the deck all read these, so a figure is worded
once. Shares have one decimal with the count beside them, and divide by the total the sentence
has just given; a share of another population names it ("占…在籍学生888人的10.1%").

With `suppress` (viewers, meeting mode, the deck, a 脱敏 draft) counts of children go through
`services.stats.small_cells`: small cells become "<5", the cells that would give them back
"≥5", their
shares and bars are left out, and a unit with fewer than 5 children shows only its total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from core.typography import full_width
from services.stats.children_sections import (
    basics,
    distribution,
    family_and_study,
    guardianship,
    safety,
)
from services.stats.figures import Statistics
from services.stats.section_view import SectionView
from services.stats.stats_words import (
    Section,
)
from services.stats.work_sections import (
    activities_and_contacts,
    care_rules,
    needs_and_giving,
    pairing,
    surveys,
)

SECTIONS: tuple[Callable[[Statistics, SectionView], Section], ...] = (
    basics, guardianship, distribution, family_and_study, safety, pairing,
    activities_and_contacts, needs_and_giving, care_rules, surveys)


def sections(stats: Statistics, *, suppress: bool = False,
             pages: frozenset[str] | None = None, lang: str = "zh") -> list[Section]:
    """Every section of the dashboard, in DESIGN.md's order.

    `suppress`: write counts of children for readers who may not see people (small_cells).
    `pages`: the pages the reader may open; empty states name no other page (None: any).
    `lang`: the language of the words ("zh" or "en").
    """
    view = SectionView(stats, suppress=suppress, pages=pages, lang=lang)
    built = [build(stats, view) for build in SECTIONS]
    return [_typeset(section) for section in built] if lang == "zh" else built


def _typeset(s: Section) -> Section:
    """Full-width punctuation in the words, including labels that come from stored data."""
    return replace(
        s, title=full_width(s.title), text=full_width(s.text),
        empty_hint=full_width(s.empty_hint) if s.empty_hint else s.empty_hint,
        extras={k: full_width(v) for k, v in s.extras.items()},
        figures=tuple(replace(f, label=full_width(f.label)) for f in s.figures),
        bars=tuple(replace(b, label=full_width(b.label)) for b in s.bars))

