"""总览's filters: unit (drill-down through the org tree), period preset or dates, categories.

They live in the URL (`?org=12&period=term&cat=left_behind`), so a link or a refresh shows the
same figures, and meeting mode opens on the dashboard's choice.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.common.markup import md
from components.common.pickers import org_label
from components.common.session import db_transaction, lang
from core.errors import DomainError
from core.i18n import t
from core.vocab import Category, Role
from services.access import orgs
from services.access.orgs import OrgNode
from services.access.permissions import Actor, org_in_scope
from services.care.terms import report_periods
from services.stats.figures import StatsScope

CUSTOM = "custom"
# Each preset by the catalogue key of its label.
PRESET_LABELS = {"month": "dashboard.period.month", "term": "dashboard.period.term",
                 "school_year": "dashboard.period.school_year", "year": "dashboard.period.year",
                 CUSTOM: "dashboard.period.custom"}
EVERYWHERE, ALL_LABEL = 0, "dashboard.all_scope"  # a select box shows None as "no choice yet"
KEYS = {"org": "dash_org", "period": "dash_period", "dates": "dash_dates", "cat": "dash_cat"}


def _from_url() -> tuple[int | None, str, tuple[date, date] | None, list[Category]]:
    params = st.query_params
    org = params.get("org")
    preset = params.get("period", "term")
    if preset not in PRESET_LABELS:
        preset = "term"
    dates = None
    try:
        if params.get("from") and params.get("to"):
            dates = (date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
    except ValueError:
        dates = None
    categories = [c for c in Category if c.value in params.get_all("cat")]
    return (int(org) if org and org.isdigit() else None), preset, dates, categories


def _unit_select(nodes: list[OrgNode], org: int | None) -> int | None:
    """County › township › school or village, as an indented tree; 0 is the whole scope."""
    by_id = {n.id: n for n in nodes}
    options = [EVERYWHERE, *by_id]
    current = lang()
    chosen = st.selectbox(t("dashboard.unit", current), options, key=KEYS["org"],
                          index=options.index(org) if org in by_id else 0,
                          format_func=lambda i: t(ALL_LABEL, current) if i == EVERYWHERE
                          else org_label(by_id[i], current),
                          placeholder=t("common.choose", current))
    return None if chosen == EVERYWHERE else chosen


def period_of_choice(preset: str, dates: tuple[date, ...], today: date, lang: str = "zh"
                     ) -> tuple[date, date]:
    """A preset runs from its start to its end (figures are dated, so the future is empty)."""
    if preset != CUSTOM:
        chosen = report_periods(today)[preset]
        return chosen.start, chosen.end
    if len(dates) != 2:
        raise DomainError(t("dashboard.pick_two_dates", lang))
    return dates[0], dates[1]


def render_filters(actor: Actor, *, today: date) -> StatsScope | None:
    """The filter bar; the scope it describes, or None (with a message) while it is incomplete.

    Each widget starts from the URL, which is kept up to date, so a refresh or a shared link
    shows the same figures.
    """
    org, preset, dates, categories = _from_url()
    current = lang()
    with db_transaction(write=False) as session:
        nodes = orgs.org_tree(session, actor) if actor.role is not Role.helper else []
    unit_col, period_col, cat_col = st.columns([1, 2, 1], vertical_alignment="bottom")
    with unit_col:
        org_id = _unit_select(nodes, org) if nodes else None
    with period_col:
        preset = st.segmented_control(t("dashboard.period", current), list(PRESET_LABELS),
                                      default=preset, key=KEYS["period"],
                                      format_func=lambda p: t(PRESET_LABELS[p], current)
                                      ) or "term"
        chosen: tuple[date, ...] = ()
        if preset == CUSTOM:
            start = report_periods(today)["term"].start
            chosen = tuple(st.date_input(t("dashboard.dates", current),
                                         value=dates or (start, today),
                                         key=KEYS["dates"], max_value=today,
                                         format="YYYY-MM-DD"))
    with cat_col:
        picked = st.multiselect(t("dashboard.categories", current), list(Category),
                                default=categories, key=KEYS["cat"],
                                format_func=lambda c: c.label(current),
                                placeholder=t("dashboard.all_categories", current))
    try:
        start, end = period_of_choice(preset, chosen, today, current)
        scope = StatsScope(start, end, org_id, tuple(picked))
    except DomainError as exc:
        st.info(md(exc.text(current)))
        return None
    _to_url(scope, preset)
    return scope


def _to_url(scope: StatsScope, preset: str) -> None:
    params = url_params(scope, preset)
    wanted = {k: [v] if isinstance(v, str) else list(v) for k, v in params.items()}
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:  # writing the same URL again would rerun for nothing
        st.query_params.from_dict(params)


def scope_from_url(actor: Actor, *, today: date) -> StatsScope:
    """The dashboard's scope as its URL gives it (meeting mode opens on it); a unit outside the
    user's scope falls back to their whole scope, as the dashboard's picker does."""
    org, preset, dates, categories = _from_url()
    if org is not None:
        with db_transaction(write=False) as session:
            org = org if org_in_scope(session, actor, org) else None
    if preset == CUSTOM and dates is None:
        preset = "term"
    start, end = period_of_choice(preset, dates or (), today)
    return StatsScope(start, end, org if actor.role is not Role.helper else None,
                      tuple(categories))


def url_params(scope: StatsScope, preset: str) -> dict[str, str | list[str]]:
    """The URL that reopens this scope."""
    params: dict[str, str | list[str]] = {"period": preset}
    if scope.org_unit_id is not None:
        params["org"] = str(scope.org_unit_id)
    if preset == CUSTOM:
        params["from"], params["to"] = scope.date_from.isoformat(), scope.date_to.isoformat()
    if scope.categories:
        params["cat"] = [c.value for c in scope.categories]
    return params
