"""捐助台账: balances, recording money and goods in and out, the ledger, fairness, exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st

from components.feedback import apply_change, show_flash
from components.markup import md
from components.session import db_transaction
from services.exports import EXPORT_FORMATS, filename_for
from services.ledger import (
    Balances,
    EntryRow,
    archive_entry,
    balances,
    fairness,
    list_entries,
    record_given,
    record_received,
    totals_by_month,
    totals_by_provider,
)
from services.ledger_export import LEDGER_EXPORTS
from services.permissions import Actor, Capability
from services.wishes import child_options, provider_options

EQUAL, SHARES = "平均分配", "按人填写"
NO_GOODS = ("", "")
EMPTY_STATE = "这段时间还没有台账记录。先登记收到的捐款或物资,再登记发放给哪些儿童。"


def render_ledger(actor: Actor, today: date) -> None:
    """The ledger tab: what is left, record in/out, the period's entries and who was helped."""
    show_flash()
    with db_transaction() as session:
        left = balances(session, actor)
        providers = provider_options(session)
    _metrics(left)
    with st.expander("登记收入(收到捐款或物资)", icon=":material/call_received:"):
        _received_form(actor, today, providers)
    with st.expander("登记发放(发给儿童)", icon=":material/call_made:"):
        _given_form(actor, today, left)
    cols = st.columns(2)
    date_from = cols[0].date_input("起始日期", date(today.year, 1, 1), key="ledger_from",
                                   max_value=today)
    date_to = cols[1].date_input("截止日期", today, key="ledger_to", max_value=today)
    with db_transaction() as session:
        entries = list_entries(session, actor, date_from=date_from, date_to=date_to)
        by_provider = totals_by_provider(session, actor, date_from=date_from, date_to=date_to)
        by_month = totals_by_month(session, actor, date_from=date_from, date_to=date_to)
        fair = fairness(session, actor, date_from=date_from, date_to=date_to)
    st.subheader("台账")
    if not entries:
        st.info(EMPTY_STATE, icon=":material/receipt_long:")
    else:
        _table(_entries_table(entries), stretch=True)
        _archive_form(actor, entries)
        left_col, right_col = st.columns(2)
        left_col.caption("按资源方合计")
        _table(pd.DataFrame([{
            "资源方": t.provider_name, "收入金额(元)": float(t.received_money),
            "物资价值(元)": float(t.received_goods_value),
            "直接捐赠(元)": float(t.direct_money), "笔数": t.entries} for t in by_provider]),
            into=left_col)
        right_col.caption("按月合计")
        _table(pd.DataFrame([{
            "月份": m.period, "收入(元)": float(m.received_money),
            "发放(元)": float(m.given_money), "直接捐赠(元)": float(m.direct_money)}
            for m in by_month]), into=right_col)
    st.subheader("受助公平性")
    st.caption(f"这段时间有{len(fair.rows)}名儿童受助,"
               f"{fair.never_helped}名在册儿童一次也没有受助。受助最多的排在最前。")
    if fair.rows:
        _table(pd.DataFrame([{
            "儿童": r.child_name, "受助次数": r.times_helped,
            "受助金额(元)": float(r.money_yuan), "受助物资": r.goods} for r in fair.rows]),
            stretch=True)
    _export(actor, today, date_from, date_to)


def money_and_dates(frame: pd.DataFrame) -> dict[str, object]:
    """Column formats as every other page writes them: 8,300.00 and 2026-01-01."""
    config: dict[str, object] = {}
    for name in frame.columns:
        if "(元)" in name or "（元）" in name:
            config[name] = st.column_config.NumberColumn(format="%,.2f")
        elif name.endswith("日期"):
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
    return config


def _table(frame: pd.DataFrame, *, stretch: bool = False, into: object = st) -> None:
    into.dataframe(frame, hide_index=True, column_config=money_and_dates(frame),
                   **({"width": "stretch"} if stretch else {}))


def _metrics(left: Balances) -> None:
    cols = st.columns(min(len(left.goods) + 1, 4))
    cols[0].metric("资金结余(元)", f"{left.money_yuan:,.2f}")
    for i, g in enumerate(left.goods, start=1):
        cols[i % len(cols)].metric(f"{md(g.goods)}结余",
                                  f"{g.quantity.normalize():f}{md(g.unit)}")


def _received_form(actor: Actor, today: date, providers: dict[int, str]) -> None:
    with st.form("ledger_received"):
        cols = st.columns(2)
        provider = cols[0].selectbox("资源方", list(providers), index=None,
                                     key="ledger_in_provider", format_func=providers.get,
                                     placeholder="未注明(匿名)")
        on = cols[1].date_input("日期", today, key="ledger_in_date", max_value=today)
        money = st.number_input("金额(元)", min_value=0.0, step=100.0, key="ledger_in_money")
        goods, quantity, unit = _goods_inputs("ledger_in")
        value = st.number_input("物资价值(元)", min_value=0.0, step=10.0, key="ledger_in_value")
        notes = st.text_input("备注", key="ledger_in_notes")
        if st.form_submit_button("登记收入", type="primary"):
            apply_change("donation", lambda s: record_received(
                s, actor=actor, provider_id=provider, donated_on=on, money_yuan=_yuan(money),
                goods=goods, goods_quantity=_yuan(quantity) if goods else None, goods_unit=unit,
                goods_value_yuan=_yuan(value) if value else None, notes=notes, today=today),
                0, "已登记收入。")


def _goods_inputs(key: str) -> tuple[str, float, str]:
    cols = st.columns(3)
    goods = cols[0].text_input("物资名称", key=f"{key}_goods", placeholder="如:书包")
    quantity = cols[1].number_input("数量", min_value=0.0, step=1.0, key=f"{key}_quantity")
    unit = cols[2].text_input("单位", key=f"{key}_unit", placeholder="个、箱、套")
    return goods, quantity, unit


def _yuan(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _given_form(actor: Actor, today: date, left: Balances) -> None:
    text = st.text_input("查找受助儿童", key="ledger_out_search", placeholder="姓名、拼音或首字母")
    with db_transaction() as session:
        options = {o.child_id: o.label for o in child_options(session, actor, today=today,
                                                              text=text)}
    chosen = st.multiselect("受助儿童", list(options), key="ledger_out_children",
                            format_func=lambda i: options.get(i, str(i)))
    split = st.radio("分配方式", (EQUAL, SHARES), horizontal=True, key="ledger_out_split")
    goods_choices = [NO_GOODS] + [(g.goods, g.unit) for g in left.goods]
    with st.form("ledger_given"):
        cols = st.columns(2)
        on = cols[0].date_input("日期", today, key="ledger_out_date", max_value=today)
        money = cols[1].number_input("发放金额(元)", min_value=0.0, step=100.0,
                                     key="ledger_out_money")
        cols = st.columns(2)
        goods = cols[0].selectbox("发放物资", goods_choices, key="ledger_out_goods",
                                  format_func=lambda g: f"{g[0]}({g[1] or '无单位'})" if g[0]
                                  else "不发物资")
        quantity = cols[1].number_input("物资数量", min_value=0.0, step=1.0,
                                        key="ledger_out_quantity")
        shares = _share_inputs(chosen, options) if split == SHARES else {}
        notes = st.text_input("备注", key="ledger_out_notes")
        if st.form_submit_button("登记发放", type="primary"):
            recipients = ([(c, _yuan(m), _yuan(g) if goods[0] else None)
                           for c, (m, g) in shares.items()] if shares else list(chosen))
            apply_change("donation", lambda s: record_given(
                s, actor=actor, donated_on=on, money_yuan=_yuan(money), goods=goods[0] or None,
                goods_quantity=_yuan(quantity) if goods[0] else None, goods_unit=goods[1],
                recipients=recipients, notes=notes, today=today), 0,
                f"已登记发放,{len(recipients)}名儿童。")


def _share_inputs(chosen: list[int], options: dict[int, str]) -> dict[int, tuple[float, float]]:
    shares = {}
    for child_id in chosen:
        cols = st.columns(3)
        cols[0].markdown(md(options.get(child_id, str(child_id))))
        shares[child_id] = (
            cols[1].number_input("金额(元)", min_value=0.0, key=f"ledger_share_money_{child_id}"),
            cols[2].number_input("物资数量", min_value=0.0, key=f"ledger_share_goods_{child_id}"))
    return shares


def _entries_table(entries: list[EntryRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "日期": e.donated_on, "类型": e.direction.zh, "资源方": e.provider_name,
        "金额(元)": float(e.money_yuan), "物资": e.goods or "",
        "数量": f"{e.goods_quantity.normalize():f}{e.goods_unit or ''}"
        if e.goods_quantity is not None else "",
        "受助儿童": "、".join(e.recipients), "活动": e.activity_title or "", "备注": e.notes or ""}
        for e in entries])


def _archive_form(actor: Actor, entries: list[EntryRow]) -> None:
    by_id = {e.id: e for e in entries}
    with (st.expander("归档一条记录(如重复登记)", icon=":material/archive:"),
          st.form("ledger_archive")):
        entry = st.selectbox("记录", list(by_id), key="ledger_archive_entry",
                             format_func=lambda i: _entry_label(by_id[i]))
        reason = st.text_input("归档原因", key="ledger_archive_reason")
        if st.form_submit_button("归档"):
            apply_change("donation", lambda s: archive_entry(
                s, actor=actor, entry_id=entry, reason=reason,
                expected_version=by_id[entry].version), entry, "已归档该台账记录。")


def _entry_label(e: EntryRow) -> str:
    goods = f" {e.goods}" if e.goods else ""
    return (f"{e.donated_on:%Y-%m-%d} {e.direction.zh} {e.money_yuan:,.2f}元{goods} "
            f"{e.provider_name}")


def _export(actor: Actor, today: date, date_from: date, date_to: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    st.subheader("导出")
    kinds = ["ledger", "fairness"]
    kind = st.radio("名单", kinds, horizontal=True, key="ledger_export_kind",
                    format_func=lambda k: LEDGER_EXPORTS[k].title)
    chosen = LEDGER_EXPORTS[kind]
    cols = st.columns(2)
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="ledger_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox("含儿童姓名原文", key="ledger_export_sensitive",
                                 disabled=not actor.can(Capability.EXPORT_SENSITIVE),
                                 help="姓名默认打码;勾选后导出原文,并记入操作日志。")

    def build() -> bytes:
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                 include_sensitive=sensitive, date_from=date_from,
                                 date_to=date_to)

    st.download_button("下载", build, file_name=filename_for(chosen.title, fmt, today),
                       key="ledger_export_download", type="primary", on_click="ignore",
                       icon=":material/download:")
