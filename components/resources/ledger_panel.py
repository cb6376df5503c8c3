"""捐助台账: balances, recording money and goods in and out, the ledger, fairness, exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.lib.column_types import ColumnConfig

from components.common.feedback import apply_change, show_flash
from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from core.i18n import t
from services.access.permissions import Actor, Capability
from services.exports.ledger_export import LEDGER_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for
from services.resources.ledger import archive_entry, record_given, record_received
from services.resources.ledger_balance import Balances, balances
from services.resources.ledger_reading import (
    EntryRow,
    fairness,
    list_entries,
    totals_by_month,
    totals_by_provider,
)
from services.resources.wish_queries import child_options, provider_options

EQUAL, SHARES = "equal", "shares"  # labels: resources.ledger.equal / .shares
NO_GOODS = ("", "")
EMPTY_STATE = "resources.ledger.empty"
# Column names that hold money or a date, in either language (money_and_dates).
MONEY_MARKS = ("（元）", "(yuan)")
DATE_ENDINGS = ("日期", "Date")


def render_ledger(actor: Actor, today: date) -> None:
    """The ledger tab: what is left, record in/out, the period's entries and who was helped."""
    show_flash()
    with db_transaction() as session:
        left = balances(session, actor)
        providers = provider_options(session)
    _metrics(left)
    lg = lang()
    with st.expander(t("resources.ledger.record_received_title", lg),
                     icon=":material/call_received:"):
        _received_form(actor, today, providers)
    with st.expander(t("resources.ledger.record_given_title", lg), icon=":material/call_made:"):
        _given_form(actor, today, left)
    cols = st.columns(2)
    date_from = cols[0].date_input(t("resources.ledger.date_from", lg), date(today.year, 1, 1),
                                   key="ledger_from", max_value=today, format="YYYY-MM-DD")
    date_to = cols[1].date_input(t("resources.ledger.date_to", lg), today, key="ledger_to",
                                 max_value=today, format="YYYY-MM-DD")
    with db_transaction() as session:
        entries = list_entries(session, actor, date_from=date_from, date_to=date_to)
        by_provider = totals_by_provider(session, actor, date_from=date_from, date_to=date_to)
        by_month = totals_by_month(session, actor, date_from=date_from, date_to=date_to)
        fair = fairness(session, actor, date_from=date_from, date_to=date_to)
    st.subheader(t("resources.ledger.title", lg))
    if not entries:
        st.info(t(EMPTY_STATE, lg), icon=":material/receipt_long:")
    else:
        _table(_entries_table(entries), stretch=True)
        _archive_form(actor, entries)
        left_col, right_col = st.columns(2)
        left_col.caption(t("resources.ledger.by_provider", lg))
        _table(pd.DataFrame([{
            t("resources.provider", lg): p.provider_name,
            t("resources.ledger.col.received_money", lg): float(p.received_money),
            t("resources.ledger.col.goods_value", lg): float(p.received_goods_value),
            t("resources.ledger.col.direct", lg): float(p.direct_money),
            t("resources.ledger.col.entries", lg): p.entries} for p in by_provider]),
            into=left_col)
        right_col.caption(t("resources.ledger.by_month", lg))
        _table(pd.DataFrame([{
            t("resources.ledger.col.month", lg): m.period,
            t("resources.ledger.col.received", lg): float(m.received_money),
            t("resources.ledger.col.given", lg): float(m.given_money),
            t("resources.ledger.col.direct", lg): float(m.direct_money)}
            for m in by_month]), into=right_col)
    st.subheader(t("resources.ledger.fairness", lg))
    st.caption(t("resources.ledger.fairness_caption", lg, helped=len(fair.rows),
                 never=fair.never_helped))
    if fair.rows:
        _table(pd.DataFrame([{
            t("resources.child", lg): r.child_name,
            t("resources.ledger.col.times_helped", lg): r.times_helped,
            t("resources.ledger.col.money_helped", lg): float(r.money_yuan),
            t("resources.ledger.col.goods_helped", lg): r.goods} for r in fair.rows]),
            stretch=True)
    _export(actor, today, date_from, date_to)


def money_and_dates(frame: pd.DataFrame) -> dict[str, ColumnConfig]:
    """Column formats as every other page writes them: 8,300.00 and 2026-01-01."""
    config: dict[str, ColumnConfig] = {}
    for name in frame.columns:
        if any(mark in name for mark in MONEY_MARKS):
            config[name] = st.column_config.NumberColumn(format="%,.2f")
        elif name.endswith(DATE_ENDINGS):
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
    return config


def _table(frame: pd.DataFrame, *, stretch: bool = False,
           into: DeltaGenerator | None = None) -> None:
    """`frame` in `into` (the page itself by default), its money and dates formatted."""
    show = st.dataframe if into is None else into.dataframe
    if stretch:
        show(frame, hide_index=True, column_config=money_and_dates(frame), width="stretch")
    else:
        show(frame, hide_index=True, column_config=money_and_dates(frame))


def _metrics(left: Balances) -> None:
    cols = st.columns(min(len(left.goods) + 1, 4))
    cols[0].metric(t("resources.ledger.balance", lang()), f"{left.money_yuan:,.2f}")
    for i, g in enumerate(left.goods, start=1):
        cols[i % len(cols)].metric(t("resources.ledger.goods_balance", lang(), goods=md(g.goods)),
                                  f"{g.quantity.normalize():f}{md(g.unit)}")


def _received_form(actor: Actor, today: date, providers: dict[int, str]) -> None:
    with st.form("ledger_received"):
        cols = st.columns(2)
        provider = cols[0].selectbox(t("resources.provider", lang()), list(providers),
                                     index=None, key="ledger_in_provider",
                                     format_func=providers.__getitem__,
                                     placeholder=t("resources.ledger.anonymous", lang()))
        on = cols[1].date_input(t("resources.ledger.date", lang()), today, key="ledger_in_date",
                                max_value=today, format="YYYY-MM-DD")
        money = st.number_input(t("resources.ledger.money", lang()), min_value=0.0, step=100.0,
                                key="ledger_in_money")
        goods, quantity, unit = _goods_inputs("ledger_in")
        value = st.number_input(t("resources.ledger.col.goods_value", lang()), min_value=0.0,
                                step=10.0, key="ledger_in_value")
        notes = st.text_input(t("resources.notes", lang()), key="ledger_in_notes")
        if st.form_submit_button(t("resources.ledger.record_received", lang()), type="primary"):
            apply_change("donation", lambda s: record_received(
                s, actor=actor, provider_id=provider, donated_on=on, money_yuan=_yuan(money),
                goods=goods, goods_quantity=_yuan(quantity) if goods else None, goods_unit=unit,
                goods_value_yuan=_yuan(value) if value else None, notes=notes, today=today),
                0, t("resources.ledger.received_saved", lang()))


def _goods_inputs(key: str) -> tuple[str, float, str]:
    cols = st.columns(3)
    goods = cols[0].text_input(t("resources.ledger.goods_name", lang()), key=f"{key}_goods",
                               placeholder=t("resources.ledger.goods_placeholder", lang()))
    quantity = cols[1].number_input(t("resources.ledger.quantity", lang()), min_value=0.0,
                                    step=1.0, key=f"{key}_quantity")
    unit = cols[2].text_input(t("resources.ledger.unit", lang()), key=f"{key}_unit",
                              placeholder=t("resources.ledger.unit_placeholder", lang()))
    return goods, quantity, unit


def _yuan(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _given_form(actor: Actor, today: date, left: Balances) -> None:
    text = st.text_input(t("resources.ledger.find_children", lang()), key="ledger_out_search",
                         placeholder=t("resources.ledger.find_children_placeholder", lang()))
    with db_transaction() as session:
        options = {o.child_id: o.label for o in child_options(session, actor, today=today,
                                                              text=text)}
    chosen = st.multiselect(t("resources.ledger.children", lang()), list(options),
                            key="ledger_out_children",
                            format_func=lambda i: options.get(i, str(i)),
                            placeholder=t("common.choose_many", lang()))
    split = st.radio(t("resources.ledger.split", lang()), (EQUAL, SHARES), horizontal=True,
                     key="ledger_out_split",
                     format_func=lambda s: t(f"resources.ledger.{s}", lang()))
    goods_choices = [NO_GOODS] + [(g.goods, g.unit) for g in left.goods]
    with st.form("ledger_given"):
        cols = st.columns(2)
        on = cols[0].date_input(t("resources.ledger.date", lang()), today,
                                key="ledger_out_date", max_value=today, format="YYYY-MM-DD")
        money = cols[1].number_input(t("resources.ledger.given_money", lang()), min_value=0.0,
                                     step=100.0, key="ledger_out_money")
        cols = st.columns(2)
        goods = cols[0].selectbox(
            t("resources.ledger.given_goods", lang()), goods_choices, key="ledger_out_goods",
            format_func=lambda g: t("resources.ledger.goods_option", lang(), goods=g[0],
                                    unit=g[1] or t("resources.ledger.no_unit", lang()))
            if g[0] else t("resources.ledger.no_goods", lang()),
            placeholder=t("common.choose", lang()))
        quantity = cols[1].number_input(t("resources.ledger.goods_quantity", lang()),
                                        min_value=0.0, step=1.0, key="ledger_out_quantity")
        shares = _share_inputs(chosen, options) if split == SHARES else {}
        notes = st.text_input(t("resources.notes", lang()), key="ledger_out_notes")
        if st.form_submit_button(t("resources.ledger.record_given", lang()), type="primary"):
            recipients = ([(c, _yuan(m), _yuan(g) if goods[0] else None)
                           for c, (m, g) in shares.items()] if shares else list(chosen))
            apply_change("donation", lambda s: record_given(
                s, actor=actor, donated_on=on, money_yuan=_yuan(money), goods=goods[0] or None,
                goods_quantity=_yuan(quantity) if goods[0] else None, goods_unit=goods[1],
                recipients=recipients, notes=notes, today=today), 0,
                t("resources.ledger.given_saved", lang(), n=len(recipients)))


def _share_inputs(chosen: list[int], options: dict[int, str]) -> dict[int, tuple[float, float]]:
    shares = {}
    for child_id in chosen:
        cols = st.columns(3)
        cols[0].markdown(md(options.get(child_id, str(child_id))))
        shares[child_id] = (
            cols[1].number_input(t("resources.ledger.money", lang()), min_value=0.0,
                                 key=f"ledger_share_money_{child_id}"),
            cols[2].number_input(t("resources.ledger.goods_quantity", lang()), min_value=0.0,
                                 key=f"ledger_share_goods_{child_id}"))
    return shares


def _entries_table(entries: list[EntryRow]) -> pd.DataFrame:
    lg = lang()
    return pd.DataFrame([{
        t("resources.ledger.date", lg): e.donated_on,
        t("resources.kind", lg): e.direction.label(lg),
        t("resources.provider", lg): e.provider_name,
        t("resources.ledger.money", lg): float(e.money_yuan),
        t("resources.ledger.col.goods", lg): e.goods or "",
        t("resources.ledger.quantity", lg): f"{e.goods_quantity.normalize():f}{e.goods_unit or ''}"
        if e.goods_quantity is not None else "",
        t("resources.ledger.children", lg): "、".join(e.recipients),
        t("resources.ledger.col.activity", lg): e.activity_title or "",
        t("resources.notes", lg): e.notes or ""}
        for e in entries])


def _archive_form(actor: Actor, entries: list[EntryRow]) -> None:
    by_id = {e.id: e for e in entries}
    with (st.expander(t("resources.ledger.archive_title", lang()), icon=":material/archive:"),
          st.form("ledger_archive")):
        entry = st.selectbox(t("resources.ledger.entry", lang()), list(by_id),
                             key="ledger_archive_entry",
                             format_func=lambda i: _entry_label(by_id[i]),
                             placeholder=t("common.choose", lang()))
        reason = st.text_input(t("resources.archive_reason", lang()), key="ledger_archive_reason")
        if st.form_submit_button(t("resources.archive", lang())):
            apply_change("donation", lambda s: archive_entry(
                s, actor=actor, entry_id=entry, reason=reason,
                expected_version=by_id[entry].version), entry,
                t("resources.ledger.archived", lang()))


def _entry_label(e: EntryRow) -> str:
    goods = f" {e.goods}" if e.goods else ""
    return t("resources.ledger.entry_label", lang(), date=f"{e.donated_on:%Y-%m-%d}",
             direction=e.direction.label(lang()), money=f"{e.money_yuan:,.2f}", goods=goods,
             provider=e.provider_name)


def _export(actor: Actor, today: date, date_from: date, date_to: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    st.subheader(t("resources.ledger.export", lang()))
    kinds = ["ledger", "fairness"]
    kind = st.radio(t("resources.ledger.export_list", lang()), kinds, horizontal=True,
                    key="ledger_export_kind",
                    format_func=lambda k: t(f"resources.ledger.export.{k}", lang()))
    chosen = LEDGER_EXPORTS[kind]
    cols = st.columns(2)
    fmt = cols[0].radio(t("resources.format", lang()), EXPORT_FORMATS, horizontal=True,
                        key="ledger_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="ledger_export_sensitive",
                                 label=t("resources.ledger.sensitive", lang()),
                                 help_text=t("resources.ledger.sensitive_help", lang()),
                                 lang=lang())

    def build() -> bytes:
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options(), date_from=date_from,
                                 date_to=date_to)

    st.download_button(t("resources.ledger.download", lang()), build,
                       file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                       key="ledger_export_download", type="primary", on_click="ignore",
                       icon=":material/download:",
                       disabled=not sensitive.ready)
