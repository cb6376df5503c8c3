"""An import panel: template download, upload, a dry run that lists every bad row, then import."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from components.feedback import FLASH_KEY, show_problem
from components.session import db_transaction
from services.errors import DomainError
from services.imports import ImportReport, run_import
from services.permissions import Actor

TEMPLATES = Path(__file__).resolve().parent.parent / "sample_data" / "templates"


def import_panel(actor: Actor, kind: str, title: str, help_text: str) -> None:
    st.markdown(help_text)
    template = TEMPLATES / f"{kind}.csv"
    if template.is_file():
        st.download_button("下载导入模板(CSV)", template.read_bytes(), file_name=f"{title}模板.csv",
                           mime="text/csv", key=f"template_{kind}")
    upload = st.file_uploader("选择 CSV 或 Excel 文件", type=["csv", "xlsx"], key=f"upload_{kind}")
    if upload is None:
        st.caption("上传后先检查:全部行无误才会导入,有错误的文件一行也不会写入。")
        return
    data = upload.getvalue()
    fingerprint = hashlib.sha256(data).hexdigest()
    checked_key = f"import_checked_{kind}"
    if st.button("检查文件", key=f"check_{kind}", type="secondary"):
        report = _run(actor, kind, data, upload.name, dry_run=True)
        st.session_state[checked_key] = (fingerprint, report)
    checked = st.session_state.get(checked_key)
    if not checked or checked[0] != fingerprint or checked[1] is None:
        return
    report: ImportReport = checked[1]
    _show_report(report)
    if report.ok and st.button("确认导入", key=f"commit_{kind}", type="primary"):
        final = _run(actor, kind, data, upload.name, dry_run=False)
        st.session_state.pop(checked_key, None)
        if final is not None and final.written:
            st.session_state[FLASH_KEY] = f"导入完成。{final.summary()}"
            st.rerun()
        elif final is not None:
            _show_report(final)


def _run(actor: Actor, kind: str, data: bytes, filename: str, *,
         dry_run: bool) -> ImportReport | None:
    try:
        with st.spinner("正在检查…" if dry_run else "正在导入…"), db_transaction() as session:
            return run_import(session, actor=actor, kind=kind, data=data, filename=filename,
                              dry_run=dry_run)
    except DomainError as exc:
        show_problem(exc)
        return None


def _show_report(report: ImportReport) -> None:
    if report.ok:
        st.success(f"检查通过。{report.summary()}")
        return
    st.error(f"发现{len(report.errors)}处问题,文件未导入。请按下表修改后重新上传:")
    st.dataframe(pd.DataFrame([{"行号": e.row, "列": e.column, "原因": e.reason}
                               for e in report.errors]), hide_index=True, width="stretch")
