"""Every list the app exports: kind → title, columns, filters and export function.

Each domain module declares its own exports (PAIRING_EXPORTS, CONTACT_EXPORTS, …); this module
only gathers them, so adding a list never means editing the command line. The exports hub
(导出) also needs each list's filters: they are read from the export function's keyword
parameters and described once here, in FILTERS.

The titles and labels here are Chinese: a title names the exported file and its sheet, which
stay Chinese. The UI shows a list's title and a filter's labels in its own language from the
`export_lists.` catalogue, by the list's kind and the filter's name; only the choices, built
here from the data, are composed in the language asked for.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.orm import Session

from core.errors import DomainError
from core.i18n import DEFAULT_LANGUAGE, t
from core.vocab import Category
from services.access.permissions import Actor
from services.exports.tables import (
    ExportColumn,
    ExportOptions,
    ListExport,
    Progress,
    filename_for,
)
from services.privacy.protection import protected_name

ROSTER_KIND = "roster"
# The hub's order: people first, then what is done with and for them, then money and surveys.
HUB_ORDER = ("roster", "unpaired", "pairings", "helpers", "contacts", "activities",
             "attendance", "todo", "no_contact", "campaign_gaps", "needs", "wishes", "ledger",
             "providers", "fairness", "survey_results", "survey_answers")
# Every export function takes these; any other keyword parameter is a filter.
COMMON_PARAMETERS = frozenset({"session", "actor", "fmt", "today", "include_sensitive",
                               "options"})
PERIOD = "period"  # stands for the date_from and date_to parameters together


def list_exports() -> dict[str, ListExport]:
    """All of them except the roster, in the order the CLI lists them."""
    from services.exports.activity_export import ACTIVITY_EXPORTS
    from services.exports.campaign_export import CAMPAIGN_EXPORTS
    from services.exports.contact_export import CONTACT_EXPORTS
    from services.exports.ledger_export import LEDGER_EXPORTS
    from services.exports.need_export import NEED_EXPORTS
    from services.exports.pairing_export import PAIRING_EXPORTS
    from services.exports.survey_export import SURVEY_EXPORTS
    from services.exports.todo_export import TODO_EXPORTS
    from services.exports.wish_export import WISH_EXPORTS

    found: dict[str, ListExport] = {}
    for group in (PAIRING_EXPORTS, CONTACT_EXPORTS, ACTIVITY_EXPORTS, TODO_EXPORTS,
                  CAMPAIGN_EXPORTS, NEED_EXPORTS, WISH_EXPORTS, LEDGER_EXPORTS, SURVEY_EXPORTS):
        found.update(group)
    return found


# ---- filters ---------------------------------------------------------------------------------

class FilterKind(StrEnum):
    """How the hub asks for a filter's value."""

    PERIOD = "period"  # a date range, sent as date_from and date_to
    ORG_UNIT = "org_unit"  # an org unit in the actor's scope, or all of them
    FLAG = "flag"  # a yes/no box, off by default
    CHOICE = "choice"  # one of `choices`, or `none_label` for the function's default


# (session, actor, today, lang) → (value, label in `lang`) pairs.
Choices = Callable[[Session, Actor, date, str], list[tuple[object, str]]]


@dataclass(frozen=True)
class ExportFilter:
    """One filter a list's export function takes: its parameter name, label and kind.

    `label` and `none_label` are the Chinese ones; the UI shows `export_lists.filter.<name>`
    and `export_lists.filter_all.<name>` in its language.
    """

    name: str
    label: str
    kind: FilterKind
    none_label: str = ""
    choices: Choices | None = None


def _campaigns(session: Session, actor: Actor, today: date,
               lang: str = DEFAULT_LANGUAGE) -> list[tuple[object, str]]:
    from services.care.campaign_queries import ENDED, RUNNING, UPCOMING, list_campaigns
    status_keys = {UPCOMING: "campaigns.status.upcoming", RUNNING: "campaigns.status.running",
                   ENDED: "campaigns.status.ended"}

    def status(code: str) -> str:
        return t(status_keys[code], lang) if code in status_keys else code

    return [(c.id, t("export_lists.choice.campaign", lang, name=c.name, status=status(c.status)))
            for c in list_campaigns(session, actor, today=today)]


def _drives(session: Session, actor: Actor, today: date,
            lang: str = DEFAULT_LANGUAGE) -> list[tuple[object, str]]:
    from services.resources.wish_queries import list_drives
    return [(d.id, d.name) for d in list_drives(session, actor)]


def _surveys(session: Session, actor: Actor, today: date,
             lang: str = DEFAULT_LANGUAGE) -> list[tuple[object, str]]:
    from services.resources.survey_results import list_surveys
    return [(s.id, t("export_lists.choice.survey", lang, title=s.title,
                     held_on=f"{s.held_on:%Y-%m-%d}"))
            for s in list_surveys(session, actor)]


def _categories(session: Session, actor: Actor, today: date,
                lang: str = DEFAULT_LANGUAGE) -> list[tuple[object, str]]:
    return [(category, category.label(lang)) for category in Category]


F = FilterKind
FILTERS: dict[str, ExportFilter] = {f.name: f for f in (
    ExportFilter(PERIOD, "日期范围", F.PERIOD),
    ExportFilter("org_unit_id", "组织范围", F.ORG_UNIT, "全部（我的管辖范围）"),
    ExportFilter("include_inactive", "含已停用的帮扶人", F.FLAG),
    ExportFilter("include_ended", "含已结束的结对（结对历史）", F.FLAG),
    ExportFilter("campaign_id", "专项行动", F.CHOICE, "全部进行中的专项行动", _campaigns),
    ExportFilter("drive_id", "心愿征集活动", F.CHOICE, "全部心愿", _drives),
    ExportFilter("survey_id", "问卷", F.CHOICE, "最近一次问卷", _surveys),
    ExportFilter("category", "儿童类别", F.CHOICE, "全部类别", _categories),
)}


def filters_of(export: Callable[..., bytes]) -> tuple[ExportFilter, ...]:
    """The filters an export function takes, in its parameter order; KeyError if undescribed."""
    found: list[ExportFilter] = []
    for name in inspect.signature(export).parameters:
        if name in COMMON_PARAMETERS:
            continue
        described = FILTERS[PERIOD if name in ("date_from", "date_to") else name]
        if described not in found:
            found.append(described)
    return tuple(found)


# ---- the hub's lists -------------------------------------------------------------------------

@dataclass(frozen=True)
class HubList:
    """One list as the hub offers it; `columns` is empty when they depend on the data."""

    kind: str
    title: str
    columns: tuple[ExportColumn, ...]
    filters: tuple[ExportFilter, ...]
    export: Callable[..., bytes]


def export_roster_in(session: Session, *, actor: Actor, fmt: str, today: date,
                     include_sensitive: bool = False, org_unit_id: int | None = None,
                     options: ExportOptions | None = None) -> bytes:
    """儿童名单 of the active children under one org unit (all in scope when None); the hub's
    ListExport records it, so it calls the roster's unaudited writer."""
    from services.exports.roster_export import write_roster
    from services.roster.roster_filter import RosterFilter
    return write_roster(session, actor=actor, roster_filter=RosterFilter(org_unit_id=org_unit_id),
                        fmt=fmt, today=today, include_sensitive=include_sensitive,
                        options=options)


def hub_lists() -> dict[str, HubList]:
    """Every list the hub offers, roster first, in HUB_ORDER."""
    from services.exports.roster_export import ROSTER_COLUMNS, ROSTER_TITLE

    specs = {ROSTER_KIND: ListExport(ROSTER_TITLE, ROSTER_COLUMNS, export_roster_in, "roster"),
             **list_exports()}
    ordered = [k for k in HUB_ORDER if k in specs] + [k for k in specs if k not in HUB_ORDER]
    return {kind: HubList(kind, specs[kind].title, specs[kind].columns,
                          filters_of(specs[kind].export), specs[kind].export)
            for kind in ordered}


@dataclass(frozen=True)
class ExportFile:
    """A built file: its bytes, its download name and how many rows it holds."""

    data: bytes
    filename: str
    rows: int


def _keywords(chosen: HubList, values: Mapping[str, object]) -> dict[str, object]:
    """The filter values as the export function's keyword arguments."""
    known = {f.name for f in chosen.filters}
    unknown = set(values) - known
    if unknown:
        raise DomainError.of("errors.export.unknown_filter", list=chosen.title,
                             filters="、".join(sorted(unknown)))
    keywords = {name: value for name, value in values.items() if name != PERIOD}
    if PERIOD in values and values[PERIOD] is not None:
        bounds = values[PERIOD]
        if not isinstance(bounds, (tuple, list)):
            raise TypeError(f"{PERIOD} is a (date_from, date_to) pair, not {bounds!r}")
        start, end = bounds
        if start is not None and end is not None and start > end:
            raise DomainError.of("errors.period.reversed")
        keywords.update(date_from=start, date_to=end)
    return keywords


def export_list(session: Session, *, actor: Actor, kind: str, fmt: str, today: date,
                include_sensitive: bool = False, columns: Sequence[str] | None = None,
                filters: Mapping[str, object] | None = None,
                progress: Progress | None = None, page: str = "exports",
                password: str | None = None) -> ExportFile:
    """One list as a file: its filters applied, only `columns` (keys) when given.

    The list's own export function checks permissions and audits a sensitive export (once);
    the sheet is named for the list. With `password` the file is encrypted (an XLSX keeps
    its name, a CSV comes in a .zip).
    """
    lists = hub_lists()
    if kind not in lists:
        raise DomainError.of("errors.export.unknown_list", kind=kind, lists="、".join(lists))
    chosen = lists[kind]
    keywords = _keywords(chosen, filters or {})
    if columns is not None and chosen.columns and not columns:
        raise DomainError.of("errors.export.no_columns")
    options = ExportOptions(columns=columns if chosen.columns else None,
                            sheet_name=chosen.title, progress=progress, password=password)
    data = chosen.export(session, actor=actor, fmt=fmt, today=today,
                         include_sensitive=include_sensitive, options=options, page=page,
                         **keywords)
    name = filename_for(chosen.title, fmt, today)
    return ExportFile(data, protected_name(name) if password is not None else name, options.rows)
