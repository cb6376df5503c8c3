"""最近记录 (edit your own for a week; a coordinator corrects on record; record a need found on
the visit) and 导出 of 帮扶记录."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version
from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import sensitive_choice
from components.resources.needs_panel import need_from_contact
from core.i18n import t
from core.vocab import ContactKind, Role
from services.access.permissions import Actor, Capability
from services.care.contacts import (
    EDIT_DAYS,
    MAX_MINUTES,
    MAX_NOTES,
    ContactRow,
    archive_contact,
    edit_contact,
    recent_contacts,
)
from services.care.terms import term_of
from services.exports.contact_export import CONTACT_EXPORTS
from services.exports.tables import EXPORT_FORMATS, filename_for

KIND = "care_contact"
PERIODS = (7, 30, 90, 365)  # days; labelled contacts.period.<days>
ACCESS_WORDS = {"edit": "edit", "correct": "correct", None: "locked"}  # contacts.access.<word>


def _period(days: int, lang: str) -> str:
    return t(f"contacts.period.{days}", lang)


def _table(rows: list[ContactRow], *, with_helper: bool, lang: str = "zh") -> pd.DataFrame:
    def col(name: str) -> str:
        return t(f"contacts.col.{name}", lang)

    table = pd.DataFrame([{
        col("date"): f"{r.contact_date:%Y-%m-%d}", col("child"): r.child_name,
        col("helper"): r.helper_name, col("kind"): r.kind.label(lang),
        col("status"): t(f"contacts.access.{ACCESS_WORDS[r.access]}", lang),
        col("minutes"): "" if r.minutes is None else str(r.minutes),  # blank, not "None"
        col("follow_up"): f"{r.follow_up_on:%m-%d}" if r.follow_up and r.follow_up_on else "",
        col("recorded_by"): r.recorded_by, col("notes"): r.notes} for r in rows])
    # A helper's list holds only their own contacts: their name in every row says nothing.
    return table if with_helper else table.drop(columns=col("helper"))


def _label(row: ContactRow, lang: str = "zh") -> str:
    return t("contacts.record_choice", lang, date=f"{row.contact_date:%m-%d}",
             child=row.child_name, kind=row.kind.label(lang), helper=row.helper_name)


def render_recent_contacts(actor: Actor, today: date) -> None:
    """The recent contacts in scope; pick one to edit, correct or withdraw."""
    current = lang()
    days = st.segmented_control(t("contacts.time", current), list(PERIODS),
                                format_func=lambda d: _period(d, current), default=30,
                                key="recent_contacts_days") or 30
    with db_transaction() as session:
        rows = recent_contacts(session, actor, today=today, days=days)
    if not rows:
        st.info(t("contacts.none_in_period", current, period=_period(days, current)))
        return
    st.dataframe(_table(rows, with_helper=actor.role is not Role.helper, lang=current),
                 hide_index=True, width="stretch")
    st.caption(t("contacts.edit_window", current, days=EDIT_DAYS)
               + t("contacts.coordinator_corrects" if actor.can(Capability.MANAGE_PAIRINGS)
                   else "contacts.ask_coordinator", current))
    changeable = [r for r in rows if r.editable]
    if not changeable:
        return
    row = st.selectbox(t("contacts.pick_record", current), changeable, index=None,
                       key="recent_contact_pick", format_func=lambda r: _label(r, current),
                       placeholder=t("contacts.pick_record_placeholder", current))
    if row is not None:
        _edit(actor, row, today)
        need_from_contact(actor, row.id, row.child_id, today, key=f"contact_need_{row.id}",
                          found_on=row.contact_date)


def _edit(actor: Actor, row: ContactRow, today: date) -> None:
    current = lang()
    correcting = row.access == "correct"
    version = remembered_version(KIND, row.id, row.version)
    if correcting:
        st.warning(t("contacts.correcting", current))
    key = f"contact_edit_{row.id}_{version}"
    with st.form(key):
        kind = st.pills(t("contacts.kind_required", current), list(ContactKind), default=row.kind,
                        format_func=lambda k: k.label(current), key=f"{key}_kind")
        cols = st.columns(2)
        day = cols[0].date_input(t("contacts.date_required", current), value=row.contact_date,
                                 max_value=today, min_value=date(today.year - 19, 1, 1),
                                 format="YYYY-MM-DD", key=f"{key}_date")
        minutes = cols[1].number_input(t("contacts.minutes", current), min_value=0,
                                       max_value=MAX_MINUTES, value=row.minutes, step=5,
                                       placeholder=t("contacts.optional", current),
                                       key=f"{key}_minutes")
        notes = st.text_area(t("contacts.notes", current), value=row.notes, max_chars=MAX_NOTES,
                             height=90, key=f"{key}_notes")
        cols = st.columns(2, vertical_alignment="bottom")
        follow_up = cols[0].checkbox(t("contacts.follow_up", current), value=row.follow_up,
                                     key=f"{key}_follow")
        follow_up_on = cols[1].date_input(t("contacts.follow_up_on", current),
                                          value=row.follow_up_on, format="YYYY-MM-DD",
                                          key=f"{key}_follow_on")
        reason = ""
        if correcting:
            reason = st.text_input(t("contacts.correct_reason", current), key=f"{key}_reason",
                                   placeholder=t("contacts.correct_reason_placeholder", current))
        submitted = st.form_submit_button(
            t("contacts.save_correction" if correcting else "contacts.save_changes", current),
            type="primary")
    if submitted:
        apply_change(KIND, lambda s: edit_contact(
            s, actor=actor, contact_id=row.id, expected_version=version,
            kind=kind or row.kind, contact_date=day,
            minutes=None if minutes is None else int(minutes), notes=notes,
            follow_up=follow_up, follow_up_on=follow_up_on, reason=reason, today=today),
            row.id, t("contacts.corrected" if correcting else "contacts.changes_saved", current))
    with st.expander(t("contacts.withdraw", current), icon=":material/undo:"):
        why = st.text_input(t("contacts.withdraw_reason", current), key=f"{key}_why",
                            placeholder=t("contacts.withdraw_reason_placeholder", current))
        if st.button(t("contacts.withdraw_button", current), key=f"{key}_archive"):
            apply_change(KIND, lambda s: archive_contact(
                s, actor=actor, contact_id=row.id, expected_version=version, reason=why,
                today=today), row.id, t("contacts.withdrawn", current))


def render_contact_exports(actor: Actor, today: date) -> None:
    """帮扶记录 as CSV or Excel for a period; names masked unless a coordinator asks."""
    if not actor.can(Capability.EXPORT):
        return
    current = lang()
    chosen = CONTACT_EXPORTS["contacts"]
    cols = st.columns(2)
    date_from = cols[0].date_input(t("contacts.export.from", current), value=term_of(today).start,
                                   max_value=today, format="YYYY-MM-DD",
                                   key="contact_export_from")
    date_to = cols[1].date_input(t("contacts.export.to", current), value=today, max_value=today,
                                 format="YYYY-MM-DD", key="contact_export_to")
    cols = st.columns(2)
    fmt = cols[0].radio(t("contacts.export.format", current), EXPORT_FORMATS, horizontal=True,
                        key="contact_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = sensitive_choice(actor, cols[1], key="contact_export_sensitive",
                                 label=t("contacts.export.sensitive", current),
                                 help_text=t("contacts.export.sensitive_help", current),
                                 lang=current)
    # The file's own column headers, in Chinese whatever the language (the import reads them).
    st.caption(t("contacts.export.columns", current,
                 columns="、".join(c.header for c in chosen.columns)))
    if date_from and date_to and date_from > date_to:
        st.error(t("contacts.export.bad_range", current))
        return

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today, page=current_page(),
                                 include_sensitive=sensitive.include,
                                 options=sensitive.options(), date_from=date_from,
                                 date_to=date_to)

    st.download_button(t("contacts.export.download", current), build,
                       file_name=sensitive.filename(filename_for(chosen.title, fmt, today)),
                       key="contact_export_download", type="primary", on_click="ignore",
                       icon=":material/download:",
                       disabled=not sensitive.ready)
