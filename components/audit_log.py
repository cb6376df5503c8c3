"""管理 › 操作日志: the newest audit events, before → after."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from components.session import db_transaction
from services import audit
from services.permissions import Actor


def _changes(before: dict | None, after: dict | None) -> str:
    if not before and not after:
        return ""
    keys = sorted(set(before or {}) | set(after or {}))
    return ";".join(f"{k}: {json.dumps((before or {}).get(k), ensure_ascii=False)} → "
                    f"{json.dumps((after or {}).get(k), ensure_ascii=False)}" for k in keys)


def render_audit_log(actor: Actor) -> None:
    with db_transaction() as session:
        events = audit.recent_events(session, actor, limit=300)
    if not events:
        st.info("还没有操作记录。")
        return
    st.dataframe(pd.DataFrame([{
        "时间(UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"), "用户": e.username or "",
        "操作": e.action, "对象": f"{e.entity} {e.entity_id or ''}".strip(),
        "说明": e.summary or "", "变化": _changes(e.before, e.after),
    } for e in events]), hide_index=True, width="stretch")
