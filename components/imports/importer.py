"""An import panel: template download, upload, a dry run that lists every bad row, then import."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from components.common.feedback import FLASH_KEY, show_problem
from components.common.session import db_transaction
from components.common.uploader import file_uploader
from config import local_time
from core.errors import DomainError
from core.i18n import render, t
from services.access.permissions import Actor
from services.imports import ImportReport, import_history, run_import
from services.imports.reader import MAX_BYTES

TEMPLATES = Path(__file__).resolve().parents[2] / "sample_data" / "templates"


def import_panel(actor: Actor, kind: str, lang: str, *, template_name: str) -> None:
    """One import kind: the help text, its template, upload, check, then import."""
    st.markdown(t(f"import.help.{kind}", lang))
    template = TEMPLATES / f"{kind}.csv"
    if template.is_file():
        st.download_button(t("import.template", lang), template.read_bytes(),
                           file_name=template_name, mime="text/csv", key=f"template_{kind}")
    _history(actor, kind, lang)
    upload = file_uploader(t("import.upload", lang), types=["csv", "xlsx"], key=f"upload_{kind}",
                           max_mb=MAX_BYTES // 2**20, lang=lang)
    if upload is None:
        st.caption(t("import.hint", lang))
        return
    data = upload.getvalue()
    fingerprint = hashlib.sha256(data).hexdigest()
    checked_key = f"import_checked_{kind}"
    if st.button(t("import.check", lang), key=f"check_{kind}"):
        trial = _run(actor, kind, data, upload.name, lang, dry_run=True)
        st.session_state[checked_key] = (fingerprint, trial)
    checked = st.session_state.get(checked_key)
    # Only the file that was checked may be imported: a new upload must be checked again.
    if not checked or checked[0] != fingerprint or checked[1] is None:
        return
    report: ImportReport = checked[1]
    _show_report(report, lang)
    if report.ok and st.button(t("import.commit", lang), key=f"commit_{kind}", type="primary"):
        final = _run(actor, kind, data, upload.name, lang, dry_run=False)
        st.session_state.pop(checked_key, None)
        if final is not None and final.written:
            st.session_state[FLASH_KEY] = t("import.done", lang, summary=final.summary())
            st.rerun()
        elif final is not None:
            _show_report(final, lang)


def _history(actor: Actor, kind: str, lang: str) -> None:
    with db_transaction() as session:
        events = import_history(session, actor, kind)
    if not events:
        return
    with st.expander(t("import.history", lang)):
        st.dataframe(pd.DataFrame([{
            t("audit.col.at", lang): local_time(e.at),
            t("audit.col.user", lang): e.username or "",
            t("audit.col.summary", lang): e.summary or "",
        } for e in events]), hide_index=True, width="stretch")


def _run(actor: Actor, kind: str, data: bytes, filename: str, lang: str, *,
         dry_run: bool) -> ImportReport | None:
    bar = st.progress(0.0, text=t("import.checking" if dry_run else "import.importing", lang))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{done:,}/{total:,}")

    try:
        with db_transaction() as session:
            return run_import(session, actor=actor, kind=kind, data=data, filename=filename,
                              dry_run=dry_run, progress=progress)
    except DomainError as exc:
        show_problem(exc)
        return None
    finally:
        bar.empty()


def _show_report(report: ImportReport, lang: str) -> None:
    if report.ok:
        st.success(t("import.ok", lang, summary=report.summary()))
        if report.changes:
            st.dataframe(pd.DataFrame([{
                t("import.col.row", lang): change.row, t("import.col.record", lang): change.record,
                t("import.col.column", lang): field.column,
                t("import.col.before", lang): field.before,
                t("import.col.after", lang): field.after,
            } for change in report.changes for field in change.changes]),
                hide_index=True, width="stretch")
        return
    st.error(t("import.errors", lang, count=report.error_count))
    if report.error_count > len(report.errors):
        st.caption(t("import.errors_cut", lang, shown=len(report.errors)))
    st.dataframe(pd.DataFrame([{
        t("import.col.row", lang): e.row, t("import.col.column", lang): e.column,
        t("import.col.reason", lang): render(e.reason, lang),
    } for e in report.errors]), hide_index=True, width="stretch")
