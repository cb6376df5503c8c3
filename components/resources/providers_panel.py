"""资源方: the providers with what each has done, a form to add or edit one, and the export."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version, show_flash
from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from components.resources.ledger_panel import money_and_dates
from core.i18n import t
from core.vocab import NeedKind, NeedStatus, ProviderKind
from services.access.permissions import Actor, Capability
from services.exports.ledger_export import LEDGER_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for
from services.resources.providers import (
    ProviderInput,
    ProviderRow,
    archive_provider,
    create_provider,
    list_providers,
    provider_detail,
    update_provider,
)

EMPTY_STATE = "resources.providers.empty"
NEW = 0


def render_providers(actor: Actor, today: date) -> None:
    """The providers tab: the list with totals, one provider's detail, add/edit/archive, export."""
    show_flash()
    with db_transaction() as session:
        rows = list_providers(session, actor)
    with st.expander(t("resources.providers.new", lang()), expanded=not rows,
                     icon=":material/add:"):
        data = provider_form(key="provider_new", row=None)
        if data is not None:
            apply_change("provider", lambda s: create_provider(s, actor=actor, data=data), NEW,
                         t("resources.providers.created", lang(), name=data.name.strip()))
    if not rows:
        st.info(t(EMPTY_STATE, lang()), icon=":material/handshake:")
        return
    table = _table(rows)
    st.dataframe(table, hide_index=True, width="stretch", column_config=money_and_dates(table))
    by_id = {r.id: r for r in rows}
    chosen = st.selectbox(t("resources.providers.pick", lang()), list(by_id),
                          key="provider_pick", index=None, format_func=lambda i: by_id[i].name,
                          placeholder=t("resources.providers.pick_placeholder", lang()))
    if chosen is not None:
        _one(actor, by_id[chosen])
    _export(actor, today)


def _table(rows: list[ProviderRow]) -> pd.DataFrame:
    lg = lang()
    return pd.DataFrame([{
        t("resources.name", lg): r.name, t("resources.kind", lg): r.kind.label(lg),
        t("resources.providers.contact_person", lg): r.contact_person or "",
        t("resources.providers.phone", lg): r.phone or "",
        t("resources.providers.offers", lg): r.offers or "",
        t("resources.providers.needs_linked", lg): r.needs_linked,
        t("resources.providers.wishes_fulfilled", lg): r.wishes_fulfilled,
        t("resources.providers.donated", lg): float(r.donated_money),
        t("resources.providers.donations", lg): r.donations} for r in rows])


def _one(actor: Actor, row: ProviderRow) -> None:
    with db_transaction() as session:
        detail = provider_detail(session, actor, row.id)
    cols = st.columns(3)
    lg = lang()
    cols[0].metric(t("resources.providers.needs_linked", lg), row.needs_linked)
    cols[1].metric(t("resources.providers.wishes_fulfilled", lg), row.wishes_fulfilled)
    cols[2].metric(t("resources.providers.donated", lg), f"{row.donated_money:,.2f}")
    separator = t("resources.providers.separator", lg)
    if detail.needs:
        # The detail carries the Chinese labels; read back as codes, shown in the page's language.
        st.caption(t("resources.providers.linked_needs", lg, needs=separator.join(
            f"{md(c)} · {md(NeedKind.parse(k).label(lg))} · {md(NeedStatus.parse(s).label(lg))}"
            for c, k, s in detail.needs)))
    if detail.wishes:
        st.caption(t("resources.providers.fulfilled_wishes", lg, wishes=separator.join(
            t("resources.providers.wish_item", lg, child=md(c), wish=md(w))
            for c, w, _ in detail.wishes)))
    version = remembered_version("provider", row.id, row.version)
    with st.expander(t("resources.providers.edit", lg), icon=":material/edit:"):
        data = provider_form(key=f"provider_{row.id}", row=row)
        if data is not None:
            apply_change("provider", lambda s: update_provider(
                s, actor=actor, provider_id=row.id, expected_version=version, data=data),
                row.id, t("resources.providers.saved", lg, name=data.name.strip()))
    with st.expander(t("resources.archive", lg), icon=":material/archive:"), \
            st.form(f"provider_archive_{row.id}", enter_to_submit=False):
        reason = st.text_input(t("resources.archive_reason", lg),
                               key=f"provider_archive_reason_{row.id}")
        if st.form_submit_button(t("resources.archive", lg)):
            apply_change("provider", lambda s: archive_provider(
                s, actor=actor, provider_id=row.id, reason=reason,
                expected_version=version), row.id,
                t("resources.providers.archived", lg, name=row.name))


def provider_form(*, key: str, row: ProviderRow | None) -> ProviderInput | None:
    """The add/edit form; returns what was submitted, or None."""
    kinds = list(ProviderKind)
    lg = lang()
    with st.form(key, enter_to_submit=False):
        name = st.text_input(t("resources.name", lg), value=row.name if row else "",
                             key=f"{key}_name")
        kind = st.selectbox(t("resources.kind", lg), kinds, key=f"{key}_kind",
                            format_func=lambda k: k.label(lg),
                            index=kinds.index(row.kind if row else ProviderKind.enterprise),
                            placeholder=t("common.choose", lg))
        cols = st.columns(2)
        person = cols[0].text_input(t("resources.providers.contact_person", lg),
                                    value=(row.contact_person or "") if row else "",
                                    key=f"{key}_person")
        phone = cols[1].text_input(t("resources.providers.phone", lg),
                                   value=(row.phone or "") if row else "", key=f"{key}_phone")
        offers = st.text_input(t("resources.providers.offers", lg),
                               value=(row.offers or "") if row else "", key=f"{key}_offers",
                               placeholder=t("resources.providers.offers_placeholder", lg))
        notes = st.text_area(t("resources.notes", lg), value=(row.notes or "") if row else "",
                             key=f"{key}_notes")
        if st.form_submit_button(t("common.save", lg) if row else t("resources.providers.add", lg),
                                 type="primary"):
            return ProviderInput(name, kind, person, phone, offers, notes)
    return None


def _export(actor: Actor, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    chosen = LEDGER_EXPORTS["providers"]
    cols = st.columns(2)
    fmt = cols[0].radio(t("resources.format", lang()), EXPORT_FORMATS, horizontal=True,
                        key="provider_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="provider_export_sensitive",
                                 label=t("resources.providers.sensitive", lang()),
                                 help_text=t("resources.providers.sensitive_help", lang()),
                                 lang=lang())

    def build() -> bytes:
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options())

    st.download_button(t("resources.providers.download", lang()), build,
                       file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                       key="provider_export_download", on_click="ignore",
                       icon=":material/download:",
                       disabled=not sensitive.ready)
