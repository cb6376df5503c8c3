"""管理 › 操作日志: the newest audit events, before → after, in words and local time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.session import db_transaction
from config import local_time
from services import audit
from services.i18n import t, t_or_code
from services.permissions import Actor


def render_audit_log(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        events = audit.recent_events(session, actor, limit=300)
        names = audit.entity_names(session, events)
    if not events:
        st.info(t("audit.empty", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("audit.col.at", lang): local_time(e.at, "%Y-%m-%d %H:%M:%S"),
        t("audit.col.user", lang): e.username or "",
        t("audit.col.action", lang): t_or_code("audit.action", e.action, lang),
        t("audit.col.entity", lang): audit.describe_entity(e, names, lang),
        t("audit.col.summary", lang): e.summary or "",
        t("audit.col.changes", lang): audit.describe_changes(e.before, e.after, lang),
    } for e in events]), hide_index=True, width="stretch")
