"""管理 › 操作日志: the newest audit events, before → after."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from components.session import db_transaction
from services import audit
from services.i18n import t, t_or_code
from services.permissions import Actor


def _changes(before: dict | None, after: dict | None) -> str:
    if not before and not after:
        return ""
    keys = sorted(set(before or {}) | set(after or {}))
    return ";".join(f"{k}: {json.dumps((before or {}).get(k), ensure_ascii=False)} → "
                    f"{json.dumps((after or {}).get(k), ensure_ascii=False)}" for k in keys)


def render_audit_log(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        events = audit.recent_events(session, actor, limit=300)
    if not events:
        st.info(t("audit.empty", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("audit.col.at", lang): e.at.strftime("%Y-%m-%d %H:%M:%S"),
        t("audit.col.user", lang): e.username or "",
        t("audit.col.action", lang): t_or_code("audit.action", e.action, lang),
        t("audit.col.entity", lang):
            f"{t_or_code('audit.entity', e.entity, lang)} {e.entity_id or ''}".strip(),
        t("audit.col.summary", lang): e.summary or "",
        t("audit.col.changes", lang): _changes(e.before, e.after),
    } for e in events]), hide_index=True, width="stretch")
