"""管理 › 合规审计 › 保存期限: the records due for anonymisation, and the button that does it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.common.feedback import show_problem
from components.common.session import db_transaction, engine
from core.errors import DomainError
from core.i18n import t
from db.engine import checkpoint
from services.access.permissions import Actor
from services.privacy.retention import RetentionPolicy, anonymise_due, retention_schedule

HORIZON_DAYS = 90  # also show what falls due within the next three months


def render_retention(actor: Actor, today: date, lang: str) -> None:
    policy = RetentionPolicy.configured()
    st.subheader(t("privacy.retention.title", lang))
    st.caption(t("privacy.retention.rule", lang, years=policy.years,
                 longer=policy.years_in_difficulty))
    with db_transaction(write=False) as session:
        soon = retention_schedule(session, actor, today=today, policy=policy,
                                  horizon_days=HORIZON_DAYS)
    due = [d for d in soon if d.due_on <= today]
    if not soon:
        st.caption(t("privacy.retention.none", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("privacy.retention.col.child", lang): d.child_id,
        t("privacy.retention.col.archived", lang): d.archived_on.isoformat(),
        t("privacy.retention.col.due", lang): d.due_on.isoformat(),
        t("privacy.retention.col.state", lang): t(
            "privacy.retention.due" if d.due_on <= today else "privacy.retention.soon", lang),
    } for d in soon]), hide_index=True, width="stretch")
    if not due:
        return
    sure = st.checkbox(t("privacy.retention.confirm", lang, count=len(due)),
                       key="retention_confirm")
    if st.button(t("privacy.retention.apply", lang, count=len(due)), type="primary",
                 key="retention_apply", disabled=not sure, icon=":material/auto_delete:"):
        try:
            with db_transaction() as session:
                result = anonymise_due(session, actor, today=today, policy=policy)
        except DomainError as exc:
            show_problem(exc)
            return
        checkpoint(engine())  # the replaced pages leave the SQLite file now
        st.success(t("privacy.retention.done", lang, children=result.children,
                     files=result.files))
