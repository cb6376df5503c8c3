"""知情同意 on a child's page: what is in force, recording consent, and withdrawing it."""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change
from components.common.session import db_transaction, lang
from components.common.uploader import file_uploader
from core.errors import DomainError
from core.i18n import t
from core.vocab import ConsentBasis, ConsentPurpose
from db.models import Child, Consent
from services.access.permissions import Actor, Capability
from services.privacy import consent
from services.privacy.consent import ConsentInput


def _frame(rows: list[Consent], lg: str) -> pd.DataFrame:
    return pd.DataFrame([{
        t("privacy.consent.col.purpose", lg): c.purpose.label(lg),
        t("privacy.consent.col.basis", lg): c.basis.label(lg),
        t("privacy.consent.col.given_by", lg): c.given_by,
        t("privacy.consent.col.given_on", lg): c.given_on.isoformat(),
        t("privacy.consent.col.form", lg): t("privacy.consent.has_form", lg) if c.form_path
        else "",
        t("privacy.consent.col.state", lg): t("privacy.consent.active", lg)
        if c.withdrawn_on is None else t("privacy.consent.withdrawn", lg,
                                         on=c.withdrawn_on.isoformat()),
    } for c in rows])


def _record_form(actor: Actor, child: Child, today: date) -> None:
    lg = lang()
    with st.form(f"consent_{child.id}", clear_on_submit=True, enter_to_submit=False):
        st.markdown(f"**{t('privacy.consent.record', lg)}**")
        left, right = st.columns(2)
        purposes = left.multiselect(t("privacy.consent.field.purposes", lg),
                                    list(ConsentPurpose), format_func=lambda p: p.label(lg),
                                    placeholder=t("common.choose_many", lg))
        basis = right.selectbox(t("privacy.consent.field.basis", lg), list(ConsentBasis),
                                format_func=lambda b: b.label(lg))
        given_by = left.text_input(t("privacy.consent.field.given_by", lg),
                                   max_chars=consent.GIVEN_BY_MAX)
        given_on = right.date_input(t("privacy.consent.field.given_on", lg), value=today,
                                    max_value=today, format="YYYY-MM-DD")
        form = file_uploader(t("privacy.consent.field.form", lg), types=["pdf", "jpg", "png"],
                             key=f"consent_form_{child.id}",
                             max_mb=consent.FORM_MAX_BYTES // 1024 // 1024, lang=lg)
        if st.form_submit_button(t("privacy.consent.save", lg), type="primary"):
            # With its first option chosen by default, the box never returns None.
            data = ConsentInput(basis=basis or ConsentBasis.guardian_consent,
                                purposes=frozenset(purposes), given_by=given_by,
                                given_on=given_on)
            scanned = (form.name, form.getvalue()) if form is not None else None
            apply_change("child", lambda s: consent.record_consent(
                s, actor=actor, child_id=child.id, data=data, today=today, form=scanned),
                child.id, t("privacy.consent.saved", lg))


def _withdraw_form(actor: Actor, child: Child, in_force: list[ConsentPurpose],
                   today: date) -> None:
    lg = lang()
    with st.form(f"consent_withdraw_{child.id}", enter_to_submit=False):
        st.markdown(f"**{t('privacy.consent.withdraw_title', lg)}**")
        purposes = st.multiselect(t("privacy.consent.withdraw_purposes", lg), in_force,
                                  format_func=lambda p: p.label(lg),
                                  placeholder=t("common.choose_many", lg))
        note = st.text_input(t("privacy.consent.field.note", lg), max_chars=consent.NOTE_MAX)
        if st.form_submit_button(t("privacy.consent.withdraw", lg)):
            apply_change("child", lambda s: consent.withdraw_consent(
                s, actor=actor, child_id=child.id, purposes=purposes, today=today, note=note),
                child.id, t("privacy.consent.withdrawn_done", lg))


def _form_downloads(actor: Actor, child: Child, rows: list[Consent]) -> None:
    """One download per scanned form in force (several purposes may share one scan)."""
    lg = lang()
    forms = list(dict.fromkeys(c.form_path for c in rows if c.form_path and c.withdrawn_on is None))
    for number, form_path in enumerate(forms, start=1):
        try:
            with db_transaction(write=False) as session:
                data = consent.read_form(session, actor, child.id, form_path)
        except DomainError:
            st.caption(t("privacy.consent.form_missing", lg))
            continue
        st.download_button(t("privacy.consent.form_download", lg, number=number), data=data,
                           file_name=f"知情同意书_{number}{PurePosixPath(form_path).suffix}",
                           key=f"consent_form_file_{child.id}_{number}",
                           on_click=_form_seen, args=(actor, child.id, form_path),
                           icon=":material/description:")


def _form_seen(actor: Actor, child_id: int, form_path: str) -> None:
    with db_transaction() as session:
        consent.record_form_seen(session, actor, child_id, form_path)


def render_consent(actor: Actor, child: Child, today: date) -> None:
    lg = lang()
    with db_transaction() as session:
        rows = consent.consents_of(session, actor, child.id)
    in_force = [c.purpose for c in rows if c.withdrawn_on is None]
    st.caption(t("privacy.consent.hint", lg))
    if not rows:
        st.info(t("privacy.consent.none", lg))
    else:
        if ConsentPurpose.records not in in_force:
            st.warning(t("privacy.consent.missing_records", lg))
        st.dataframe(_frame(rows, lg), hide_index=True, width="stretch")
        _form_downloads(actor, child, rows)
    if not actor.can(Capability.EDIT_ROSTER) or child.archived_at is not None:
        return
    _record_form(actor, child, today)
    if in_force:
        _withdraw_form(actor, child, in_force, today)
