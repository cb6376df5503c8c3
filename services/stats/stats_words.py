"""The words the statistics are written in: the sections' shapes (`Section`, `Figure`, `Bar`),
shares ("30.4%"), counted children ("17人，占10.0%"), the period, the unit and the dates in words,
and the full-width punctuation the sentences are built with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from core.i18n import t
from core.vocab import ActivityKind
from services.stats import small_cells
from services.stats.figures import Statistics
from services.stats.small_cells import Cell, exact

# Full-width punctuation, written as escapes so no tool along the way turns it into ASCII.
COMMA, SEMI, COLON, PAUSE = "\uff0c", "\uff1b", "\uff1a", "\u3001"
OPEN, CLOSE, STOP = "\uff08", "\uff09", "\u3002"


@dataclass(frozen=True)
class Bar:
    """One bar or slice: its chart group, label, count, the code that fixes its colour, and the
    roster URL filter that lists the children behind it (None when it is not about children)."""

    group: str
    label: str
    value: int
    code: str
    link: Mapping[str, str | list[str]] | None = None


@dataclass(frozen=True)
class Figure:
    """A headline number for meeting mode and the deck: "留守儿童" / "17人"."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    text: str
    figures: tuple[Figure, ...] = ()
    bars: tuple[Bar, ...] = ()
    empty_hint: str | None = None  # set when there is nothing to show: what to import or log
    page: str | None = None  # where the list behind the bars lives, when not the roster
    extras: dict[str, str] = field(default_factory=dict)
    withheld: bool = False  # some counts are shown as "<5" / "≥5" (small_cells.NOTE says why)

    @property
    def is_empty(self) -> bool:
        return self.empty_hint is not None


def pct(count: float, total: float) -> str:
    """"30.4%": one decimal, as the summaries print shares; "—" when there is no total."""
    return f"{count / total:.1%}" if total else "—"


def phrase(key: str, lang: str, **values: object) -> str:
    """The catalogue's words for a statistics key (`stats.<key>`) in the language."""
    return t(f"stats.{key}", lang, **values)


def counted(count: int | Cell, total: int, lang: str = "zh") -> str:
    """"17人，占10.0%"; a withheld count has no share: "<5人" (English: "17 (10.0%)", "<5")."""
    cell = count if isinstance(count, Cell) else exact(count)
    if cell.withheld:
        return phrase("unit.people", lang, n=cell)
    return phrase("counted", lang, n=cell.value, share=pct(cell.value, total))


# A stored period name (services.care.terms.relative_name) and a unit's kind in words
# (services.stats.figures.LEVEL_WORDS), by the catalogue key that words them in every language.
PERIOD_KEYS = {"本月": "month", "本学期": "term", "本学年": "school_year", "今年": "year",
               "本期": "other"}
LEVEL_KEYS = {"县": "county", "镇": "town", "街道": "subdistrict", "村": "village",
              "社区": "community", "校": "school"}
WHOLE_DATABASE = "全部"  # services.stats.figures._org_name for several counties


def period_name(stats: Statistics, lang: str = "zh") -> str:
    """"本学期" / "this term": the period the figures cover, in words."""
    key = PERIOD_KEYS.get(stats.period_name)
    return phrase(f"period.{key}", lang) if key and lang != "zh" else stats.period_name


def org_name(stats: Statistics, lang: str = "zh") -> str:
    """The unit the figures are about: its stored name, or the words for a helper's own
    children or the whole database."""
    if lang == "zh":
        return stats.org
    if stats.for_helper:
        return phrase("my_children", lang)
    if stats.unit_id is None and stats.org == WHOLE_DATABASE:
        return phrase("whole_database", lang)
    return stats.org


def as_of_text(day: date, lang: str = "zh") -> str:
    """"截至2026年12月3日" / "as of 3/12/2026"."""
    return phrase("as_of", lang, year=day.year, month=day.month, day=day.day)


def activity_label(stats: Statistics, code: str, lang: str = "zh") -> str:
    """An activity kind's label: a built-in kind's in the language, an added kind's as stored."""
    if lang != "zh" and code in ActivityKind.codes():
        return ActivityKind(code).label(lang)
    return stats.activity_labels.get(code, code)


def period_span(stats: Statistics, lang: str = "zh") -> str:
    """"2026-09-01 至 2026-11-30", or for a period still running "2026-09-01 起，截至2026年12月3日"
    (figures cannot run into the future)."""
    start = f"{stats.scope.date_from:%Y-%m-%d}"
    if stats.as_of < stats.scope.date_to:
        return phrase("span.running", lang, start=start, as_of=as_of_text(stats.as_of, lang))
    return phrase("span.closed", lang, start=start, end=f"{stats.scope.date_to:%Y-%m-%d}")


def withheld_note(lang: str = "zh") -> str:
    """`small_cells.NOTE` in the language: why some counts read "<5" or "≥5"."""
    return phrase("withheld_note", lang, small=small_cells.SMALL, under=small_cells.UNDER,
              at_least=small_cells.AT_LEAST, unbounded=small_cells.UNBOUNDED)
