"""资源方: the providers with what each has done, a form to add or edit one, and the export."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version, show_flash
from components.markup import md
from components.session import db_transaction
from services.exports import EXPORT_FORMATS, filename_for
from services.ledger_export import LEDGER_EXPORTS
from services.permissions import Actor, Capability
from services.providers import (
    ProviderInput,
    ProviderRow,
    archive_provider,
    create_provider,
    list_providers,
    provider_detail,
    update_provider,
)
from services.vocab import ProviderKind

EMPTY_STATE = ("还没有资源方。资源方是为儿童提供帮助的单位和个人，例如商会、志愿者协会、"
               "公安局、媒体、爱心企业和爱心人士。登记后可在需求、心愿和捐助台账中选择。")
NEW = 0


def render_providers(actor: Actor, today: date) -> None:
    """The providers tab: the list with totals, one provider's detail, add/edit/archive, export."""
    show_flash()
    with db_transaction() as session:
        rows = list_providers(session, actor)
    with st.expander("新增资源方", expanded=not rows, icon=":material/add:"):
        data = provider_form(key="provider_new", row=None)
        if data is not None:
            apply_change("provider", lambda s: create_provider(s, actor=actor, data=data), NEW,
                         f"已新增资源方“{data.name.strip()}”。")
    if not rows:
        st.info(EMPTY_STATE, icon=":material/handshake:")
        return
    st.dataframe(_table(rows), hide_index=True, width="stretch")
    by_id = {r.id: r for r in rows}
    chosen = st.selectbox("查看或修改", list(by_id), key="provider_pick", index=None,
                          format_func=lambda i: by_id[i].name, placeholder="选择资源方")
    if chosen is not None:
        _one(actor, by_id[chosen])
    _export(actor, today)


def _table(rows: list[ProviderRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "名称": r.name, "类型": r.kind.zh, "联系人": r.contact_person or "",
        "电话": r.phone or "", "可提供": r.offers or "", "链接需求": r.needs_linked,
        "实现心愿": r.wishes_fulfilled, "捐助金额（元）": float(r.donated_money),
        "捐助笔数": r.donations} for r in rows])


def _one(actor: Actor, row: ProviderRow) -> None:
    with db_transaction() as session:
        detail = provider_detail(session, actor, row.id)
    cols = st.columns(3)
    cols[0].metric("链接需求", row.needs_linked)
    cols[1].metric("实现心愿", row.wishes_fulfilled)
    cols[2].metric("捐助金额（元）", f"{row.donated_money:,.2f}")
    if detail.needs:
        st.caption("链接的需求：" + ";".join(f"{md(c)} · {md(k)} · {md(s)}"
                                            for c, k, s in detail.needs))
    if detail.wishes:
        st.caption("实现的心愿：" + ";".join(f"{md(c)}:{md(w)}" for c, w, _ in detail.wishes))
    version = remembered_version("provider", row.id, row.version)
    with st.expander("修改", icon=":material/edit:"):
        data = provider_form(key=f"provider_{row.id}", row=row)
        if data is not None:
            apply_change("provider", lambda s: update_provider(
                s, actor=actor, provider_id=row.id, expected_version=version, data=data),
                row.id, f"已保存资源方“{data.name.strip()}”。")
    with st.expander("归档", icon=":material/archive:"), \
            st.form(f"provider_archive_{row.id}", enter_to_submit=False):
        reason = st.text_input("归档原因", key=f"provider_archive_reason_{row.id}")
        if st.form_submit_button("归档"):
            apply_change("provider", lambda s: archive_provider(
                s, actor=actor, provider_id=row.id, reason=reason,
                expected_version=version), row.id, f"已归档资源方“{row.name}”。")


def provider_form(*, key: str, row: ProviderRow | None) -> ProviderInput | None:
    """The add/edit form; returns what was submitted, or None."""
    kinds = list(ProviderKind)
    with st.form(key, enter_to_submit=False):
        name = st.text_input("名称", value=row.name if row else "", key=f"{key}_name")
        kind = st.selectbox("类型", kinds, key=f"{key}_kind", format_func=lambda k: k.zh,
                            index=kinds.index(row.kind if row else ProviderKind.enterprise))
        cols = st.columns(2)
        person = cols[0].text_input("联系人", value=(row.contact_person or "") if row else "",
                                    key=f"{key}_person")
        phone = cols[1].text_input("电话", value=(row.phone or "") if row else "",
                                   key=f"{key}_phone")
        offers = st.text_input("可提供", value=(row.offers or "") if row else "",
                               key=f"{key}_offers", placeholder="助学金、辅具、法律咨询、志愿服务")
        notes = st.text_area("备注", value=(row.notes or "") if row else "", key=f"{key}_notes")
        if st.form_submit_button("保存" if row else "新增", type="primary"):
            return ProviderInput(name, kind, person, phone, offers, notes)
    return None


def _export(actor: Actor, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    chosen = LEDGER_EXPORTS["providers"]
    cols = st.columns(2)
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="provider_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox("含联系人和电话原文", key="provider_export_sensitive",
                                 disabled=not actor.can(Capability.EXPORT_SENSITIVE),
                                 help="默认打码；勾选后导出原文，并记入操作日志。")

    def build() -> bytes:
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                 include_sensitive=sensitive)

    st.download_button("导出资源方名单", build, file_name=filename_for(chosen.title, fmt, today),
                       key="provider_export_download", on_click="ignore",
                       icon=":material/download:")
