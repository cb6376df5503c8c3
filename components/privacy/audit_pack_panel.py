"""管理 › 合规审计: the records due for anonymisation (保存期限), and the yearly audit draft
(年度合规审计) as a Word file, built from the data."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.common.feedback import show_problem
from components.common.session import db_transaction
from components.privacy.retention_panel import render_retention
from core.errors import DomainError
from core.i18n import t
from services.access.audit import record_disclosure
from services.access.permissions import Actor
from services.privacy.audit_pack import audit_pack
from services.privacy.audit_pack_text import audit_pack_docx

FILE_KEY = "audit_pack_file"  # (year, bytes) of the draft last built
YEARS_BACK = 5


def render_audit_pack(actor: Actor, today: date, lang: str) -> None:
    render_retention(actor, today, lang)
    st.subheader(t("privacy.pack.title", lang))
    st.caption(t("privacy.pack.intro", lang))
    years = list(range(today.year, today.year - YEARS_BACK, -1))
    year = st.selectbox(t("privacy.pack.year", lang), years, key="audit_pack_year")
    if st.button(t("privacy.pack.build", lang), type="primary", key="audit_pack_build",
                 icon=":material/fact_check:"):
        try:
            with st.spinner(t("privacy.pack.building", lang)), db_transaction() as session:
                pack = audit_pack(session, actor, year, today=today)
                data = audit_pack_docx(pack)
                record_disclosure(session, actor, "compliance_report", "audit_pack",
                                  what=f"生成{year}年度合规审计报告", rows=len(pack.accounts),
                                  detail={"年度": year})
        except DomainError as exc:
            show_problem(exc)
            return
        st.session_state[FILE_KEY] = (year, data)
    built = st.session_state.get(FILE_KEY)
    if built is not None and built[0] == year:
        st.download_button(t("privacy.pack.download", lang), built[1],
                           file_name=f"{year}年度合规审计报告（草稿）.docx",
                           key="audit_pack_download", on_click="ignore",
                           icon=":material/download:")
