"""What every section of the statistics is written with (`SectionView`): how counts are shown
(small cells withheld or not), which pages an empty state may name, the roster links behind the
bars, and the helpers that turn counted cells into parts of a sentence, bars and figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypedDict, Unpack

from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    GuardianType,
    LeftBehindType,
    Vocabulary,
)
from services.roster.roster_filter import AgeBand, PairingState, RiskChoice, RosterFilter
from services.stats import small_cells
from services.stats.figures import Statistics
from services.stats.small_cells import Cell, exact
from services.stats.stats_words import Bar, Figure, Section, counted, pct, phrase

# Pages the empty hints send people to, by the page file navigation knows them by.
ROSTER, PAIRING, ACTIVITIES, CONTACTS, RESOURCES, ADMIN = (
    "pages/roster.py", "pages/pairing.py", "pages/activities.py", "pages/contacts.py",
    "pages/resources.py", "pages/admin.py")


class Narrowing(TypedDict, total=False):
    """The roster filters a bar can stand for (fields of `RosterFilter`)."""

    categories: tuple[Category, ...]
    left_behind_types: tuple[LeftBehindType, ...]
    guardian_types: tuple[GuardianType, ...]
    age_bands: tuple[AgeBand, ...]
    economic_statuses: tuple[EconomicStatus, ...]
    academic_levels: tuple[AcademicLevel, ...]
    risk_levels: tuple[RiskChoice, ...]
    pairing: PairingState


class SectionView:
    """What every section needs besides the figures: how counts are shown, which pages the
    reader may open, roster links inside the statistics' own scope, and the language."""

    def __init__(self, stats: Statistics, *, suppress: bool,
                 pages: frozenset[str] | None, lang: str = "zh") -> None:
        self.suppress = suppress
        self.pages = pages
        self.lang = lang
        self.gap = "" if lang == "zh" else " "  # between sentences: none in Chinese
        # The list behind a bar holds the children the bar counts: those living in the unit.
        self.base = RosterFilter(org_unit_id=stats.unit_id, counted_only=stats.unit_id is not None,
                                 categories=stats.scope.categories)
        self.total = shown_total(stats, suppress=suppress)
        self.too_few = self.total.withheld  # only the total is shown

    def t(self, key: str, **values: object) -> str:
        return phrase(key, self.lang, **values)

    def label(self, code: Vocabulary | AgeBand) -> str:
        return code.label(self.lang)

    def counted(self, count: int | Cell, total: int) -> str:
        return counted(count, total, lang=self.lang)

    def item(self, label: str, value: object) -> str:
        """"男生3人，占60.0%" / "Boys: 3 (60.0%)": a label and what is counted of it."""
        return self.t("item", label=label, value=value)

    def people(self, n: object) -> str:
        return self.t("unit.people", n=n)

    def listing(self, parts: list[str]) -> str:
        return self.t("sep.list").join(p for p in parts if p)

    def pause(self, parts: list[str]) -> str:
        return self.t("sep.pause").join(parts)

    def sentences(self, *parts: str) -> str:
        return self.gap.join(p for p in parts if p)

    def link(self, **narrowing: Unpack[Narrowing]) -> dict[str, str | list[str]] | None:
        """The roster's URL filter for the children behind a bar: the base narrowed."""
        if self.suppress:
            return None
        return replace(self.base, **narrowing).to_query_params()

    def hint(self, key: str, *needs: str) -> str:
        """The empty state's advice, or a plain one when it names a page the reader lacks."""
        if self.pages is not None and any(page not in self.pages for page in needs):
            return self.t("ask_coordinator")
        return self.t(f"hint.{key}")

    def cells(self, counts: Mapping[str, int], total: int) -> dict[str, Cell]:
        return small_cells.breakdown(counts, total, suppress=self.suppress)

    def part(self, value: int, total: int) -> Cell:
        return small_cells.part(value, total, suppress=self.suppress)

    def count(self, value: int) -> Cell:
        return small_cells.count(value, suppress=self.suppress)

    def few(self, key: str) -> Section:
        """A unit of fewer than 5 children, or one whose figures would give such a unit back:
        its total only."""
        return Section(key, self.t(f"title.{key}"), self.why_total_only(), withheld=True)

    def why_total_only(self) -> str:
        which = "under" if self.total.shown == small_cells.UNDER else "derivable"
        return self.t(f"few.{which}", small=small_cells.SMALL)


def shown_total(stats: Statistics, *, suppress: bool) -> Cell:
    """The children's total as a reader may see it: "<5" for a small unit, a bound when the
    totals around it would give a small unit back (`Statistics.total_withheld_as`)."""
    total = stats.children.total
    if suppress and small_cells.is_small(total):
        return Cell(total, small_cells.UNDER)
    if suppress and stats.total_withheld_as and total:
        return Cell(total, stats.total_withheld_as)
    return exact(total)


def vocab_parts(cells: Mapping[str, Cell], vocab: type[Vocabulary], total: int,
                v: SectionView) -> list[str]:
    return [v.item(v.label(vocab(code)), v.counted(c, total)) for code, c in cells.items()
            if c.value]


def bars_of(group: str, cells: Mapping[str, Cell], label: Callable[[str], str],
            link: Callable[[str], Mapping[str, str | list[str]] | None], prefix: str = ""
            ) -> list[Bar]:
    """A chart's bars; a withheld count draws no bar (its length would give it back)."""
    return [Bar(group, label(code), c.value, f"{prefix}{code}", link(code))
            for code, c in cells.items() if not c.withheld]


def vocab_bars(group: str, cells: Mapping[str, Cell], vocab: type[Vocabulary],
               link: Callable[[str], Mapping[str, str | list[str]] | None], v: SectionView
               ) -> list[Bar]:
    return bars_of(group, cells, lambda code: v.label(vocab(code)), link)


def share_figure(label: str, cell: Cell, total: int, v: SectionView) -> Figure:
    """A headline share, or the withheld count in its place (its share would give it back)."""
    return Figure(label, v.people(cell) if cell.withheld else pct(cell.value, total))


def any_withheld(*groups: Mapping[str, Cell] | Cell) -> bool:
    return any(g.withheld if isinstance(g, Cell) else any(c.withheld for c in g.values())
               for g in groups)


def children_empty(key: str, v: SectionView) -> Section:
    return Section(key, v.t(f"title.{key}"), v.t("no_children"),
                   empty_hint=v.hint(key, ROSTER))
