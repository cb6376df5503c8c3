"""待办: what a helper owes, and for coordinators the compliance rates, overdue list and the
children nobody contacted this month. Re-read on every run, so a logged contact shows at once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from config import local_today
from core.i18n import t
from core.vocab import Role
from services.access.permissions import Actor, Capability
from services.care.compliance import ComplianceStatus, Standing, standings
from services.care.terms import Period, month_of, term_of
from services.care.todo import (
    GROUPINGS,
    QuietChild,
    RateRow,
    TodoItem,
    no_contact_this_month,
    rates_of,
    todo_for_helper,
    todo_of,
)
from services.exports.tables import EXPORT_FORMATS, filename_for
from services.exports.todo_export import TODO_EXPORTS

S = ComplianceStatus
# 0 overdue, 1 due this week, 2 due soon, 3 open (TodoItem.urgency): a colour and the status.
URGENCY_COLOURS = {0: "red", 1: "orange", 2: "orange", 3: ""}
URGENCY_STATUS = {0: S.overdue, 2: S.due_soon, 3: S.open}
SHOWN_ROWS = 500
COMPACT_ITEMS = 5
CHART_MAX_BARS = 40


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def group_label(group: str, lang: str) -> str:
    return t(f"todo.group.{group}", lang)


def period_label(period: Period, today: date, lang: str) -> str:
    """A week, month or term in `lang`, told apart by its dates (services name them in
    Chinese: 本周, 上周, 11月, 2026年秋季学期); anything else keeps its own name."""
    if period.end - period.start == timedelta(days=6) and period.start.weekday() == 0:
        return t("todo.period.this_week" if today in period else "todo.period.last_week", lang)
    span = (period.start, period.end)
    if span == (month_of(period.start).start, month_of(period.start).end):
        return t(f"todo.month.{period.start.month}", lang)
    if span == (term_of(period.start).start, term_of(period.start).end):
        term = "spring" if period.start.month == 2 else "autumn"
        return t(f"todo.period.{term}_term", lang, year=period.start.year)
    return period.name


def urgency_text(urgency: int, lang: str) -> str:
    if urgency == 1:
        return t("todo.due_this_week", lang)
    return URGENCY_STATUS[urgency].label(lang)


def urgency_badge(urgency: int, lang: str) -> str:
    text = urgency_text(urgency, lang)
    colour = URGENCY_COLOURS[urgency]
    return f":{colour}[{text}]" if colour else text


def situation(item: TodoItem, today: date, lang: str) -> str:
    """Where the item stands (TodoItem.situation, in `lang`): an overdue item names the period
    it was due in and that it is past, never the current deadline as though still open."""
    period = period_label(item.period, today, lang)
    if item.status is S.overdue:
        return t("todo.situation.overdue", lang, previous=period_label(item.previous, today, lang),
                 needed=item.needed, done=item.done_before, period=period,
                 more=item.needed - item.done)
    return t("todo.situation.open", lang, period=period, done=item.done, needed=item.needed,
             deadline=f"{item.deadline:%m-%d}")


def deadline_text(item: TodoItem, lang: str) -> str:
    """The deadline that matters (TodoItem.deadline_text): the passed one, marked so."""
    if item.status is S.overdue:
        passed = item.previous_deadline or item.previous.end
        return t("todo.deadline_passed", lang, date=passed.isoformat())
    return item.deadline.isoformat()


def todo_frame(items: list[TodoItem], *, with_helper: bool, today: date | None = None,
               lang: str = "zh") -> pd.DataFrame:
    today = today or local_today()
    return pd.DataFrame([{
        t("todo.col.status", lang): urgency_text(1, lang) if item.urgency == 1
        else item.status.label(lang),
        t("todo.col.child", lang): item.child_name, t("todo.col.place", lang): item.place,
        **({t("todo.col.helper", lang): item.helper_name} if with_helper else {}),
        t("todo.col.rule", lang): item.rule_name,
        t("todo.col.situation", lang): situation(item, today, lang),
        t("todo.col.deadline", lang): deadline_text(item, lang),
    } for item in items])


def rates_frame(rows: list[RateRow], group_label: str, lang: str = "zh") -> pd.DataFrame:
    return pd.DataFrame([{group_label: r.label, t("todo.col.due", lang): r.due,
                          t("todo.col.met", lang): r.met, t("todo.col.overdue", lang): r.overdue,
                          t("todo.col.rate", lang): _percent(r.rate)} for r in rows])


def rates_chart(rows: list[RateRow], group_label: str, lang: str = "zh") -> alt.Chart:
    """Completion rate per group as horizontal bars, lowest first."""
    name, rate = t("todo.col.name", lang), t("todo.col.rate", lang)
    due, met = t("todo.col.due", lang), t("todo.col.met", lang)
    data = pd.DataFrame([{name: r.label, rate: r.rate or 0.0, due: r.due, met: r.met}
                         for r in rows])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(field=rate, type="quantitative", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y(field=name, type="nominal", sort=None, title=group_label),
        tooltip=[alt.Tooltip(field=name, type="nominal"),
                 alt.Tooltip(field=due, type="quantitative"),
                 alt.Tooltip(field=met, type="quantitative"),
                 alt.Tooltip(field=rate, type="quantitative", format=".1%")],
    ).properties(height=alt.Step(28))


def render_my_todo(actor: Actor, today: date) -> None:
    """The top of 我的结对: what is overdue or due this week, the first few items."""
    if actor.helper_id is None:
        return
    current = lang()
    with db_transaction() as session:
        items = todo_for_helper(session, actor, today=today)
    urgent = [i for i in items if i.urgency <= 1]
    with st.container(border=True):
        if not urgent:
            st.markdown(t("todo.my.nothing_this_week", current))
            if items:
                st.caption(t("todo.my.later", current, n=len(items)))
            return
        counts = Counter(i.urgency for i in urgent)
        st.markdown(t("todo.my.counts", current, overdue=counts[0], this_week=counts[1]))
        for item in urgent[:COMPACT_ITEMS]:
            # The situation holds numbers, dates and period names only.
            st.markdown(t("todo.my.item", current, urgency=urgency_badge(item.urgency, current),
                          child=md(item.child_name),
                          rule=md(item.rule_name), situation=situation(item, today, current)))
        if len(urgent) > COMPACT_ITEMS:
            st.caption(t("todo.my.more", current, n=len(urgent) - COMPACT_ITEMS))


def render_todo(actor: Actor, today: date) -> None:
    """The 待办 tab: a helper's own list, or a coordinator's overview of their scope."""
    if actor.role is Role.helper or not actor.can(Capability.VIEW_PEOPLE):
        _helper_todo(actor, today)
        return
    with db_transaction() as session:
        judged = list(standings(session, actor, today=today))
        quiet = no_contact_this_month(session, actor, today=today)
    items = todo_of(judged, today)
    if actor.helper_id is not None:
        with st.expander(t("todo.mine", lang())):
            _helper_todo(actor, today)
    if not judged:
        st.info(t("todo.no_pairings", lang()))
        return
    _overview(judged, items, quiet)
    _rates(judged)
    _overdue(actor, today, [i for i in items if i.status is S.overdue])
    _quiet(actor, today, quiet)


def _helper_todo(actor: Actor, today: date) -> None:
    current = lang()
    with db_transaction() as session:
        items = todo_for_helper(session, actor, today=today)
    if not items:
        st.success(t("todo.all_done", current))
        return
    counts = Counter(i.urgency for i in items)
    st.caption(t("todo.helper_counts", current, overdue=counts[0], this_week=counts[1],
                 soon=counts[2], open=counts[3]))
    st.dataframe(todo_frame(items, with_helper=False, today=today, lang=current),
                 hide_index=True, width="stretch")


def _overview(judged: list[Standing], items: list[TodoItem], quiet: list[QuietChild]) -> None:
    current = lang()
    due = [s for s in judged if s.status is not S.paused]
    met = sum(s.status is S.met for s in due)
    cols = st.columns(5)
    cols[0].metric(t("todo.col.rate", current), _percent(met / len(due) if due else None),
                   help=t("todo.rate_help", current))
    cols[1].metric(t("todo.col.met", current), f"{met:,}")
    cols[2].metric(t("todo.col.due", current), f"{len(due):,}", help=t("todo.due_help", current))
    cols[3].metric(t("todo.col.overdue", current),
                   f"{sum(i.status is S.overdue for i in items):,}",
                   help=t("todo.overdue_help", current))
    cols[4].metric(t("todo.quiet_metric", current), f"{len(quiet):,}")
    if paused := len(judged) - len(due):
        st.caption(t("todo.paused", current, n=f"{paused:,}"))


def _rates(judged: list[Standing]) -> None:
    current = lang()
    group = st.segmented_control(t("todo.rates_by", current), list(GROUPINGS), default="helper",
                                 format_func=lambda g: group_label(g, current),
                                 key="todo_rates_by") or "helper"
    rows = rates_of(judged, group)
    label = group_label(group, current)
    st.dataframe(rates_frame(rows, label, current), hide_index=True, width="stretch",
                 height=min(38 + 35 * len(rows), 360))
    # A bar per group reads well up to a few dozen groups (schools, villages, rules).
    if 1 < len(rows) <= CHART_MAX_BARS:
        st.altair_chart(rates_chart(rows, label, current), width="stretch")


def _overdue(actor: Actor, today: date, overdue: list[TodoItem]) -> None:
    current = lang()
    st.subheader(t("todo.overdue_title", current, n=f"{len(overdue):,}"))
    if not overdue:
        st.success(t("todo.no_overdue", current))
        return
    st.dataframe(todo_frame(overdue[:SHOWN_ROWS], with_helper=True, today=today, lang=current),
                 hide_index=True, width="stretch")
    if len(overdue) > SHOWN_ROWS:
        st.caption(t("todo.shown_only", current, n=SHOWN_ROWS))
    _download(actor, today, "todo")


def _quiet(actor: Actor, today: date, quiet: list[QuietChild]) -> None:
    current = lang()
    with st.expander(t("todo.quiet_title", current, n=f"{len(quiet):,}")):
        if not quiet:
            st.success(t("todo.quiet_none", current))
            return
        st.dataframe(pd.DataFrame([{
            t("todo.col.child", current): c.name, t("todo.col.school", current): c.school,
            t("todo.group.village", current): c.village,
            t("todo.col.helper", current): c.helpers,
            t("todo.col.last_contact", current): c.last_contact.isoformat() if c.last_contact
            else t("todo.never_contacted", current),
        } for c in quiet[:SHOWN_ROWS]]), hide_index=True, width="stretch")
        _download(actor, today, "no_contact")


def _download(actor: Actor, today: date, kind: str) -> None:
    if not actor.can(Capability.EXPORT):
        return
    current = lang()
    chosen = TODO_EXPORTS[kind]
    left, middle, right = st.columns([2, 2, 1])
    fmt = left.radio(t("contacts.export.format", current), EXPORT_FORMATS, horizontal=True,
                     key=f"{kind}_export_fmt",
                     format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, middle, key=f"{kind}_export_sensitive",
                                 label=t("contacts.export.sensitive", current),
                                 help_text=t("todo.sensitive_help", current), lang=current)

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options())

    right.download_button(t(f"todo.download.{kind}", current), build,
                          file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                          key=f"{kind}_export_download", on_click="ignore",
                          icon=":material/download:",
                          disabled=not sensitive.ready)
