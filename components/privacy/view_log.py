"""管理 › 访问记录: who saw which children, filtered, and the patterns worth a second look."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.common.session import db_transaction
from components.privacy.emergency_panel import render_emergency_review
from config import display_zone, local_time, local_today
from core.i18n import t, t_or_code
from core.vocab import Role, ViewKind
from services.access import users
from services.access.permissions import Actor
from services.privacy import views
from services.privacy.views import UnusualViews, ViewLogFilter, ViewRow

DEFAULT_DAYS = 7


def children_text(row: ViewRow, lang: str) -> str:
    """张小明、王小红等5人; only a count when the reader may see none of them."""
    if not row.children:
        return ""
    if not row.names:
        return t("privacy.children.count", lang, count=row.children)
    shown = t("privacy.children.separator", lang).join(row.names)
    if row.children == len(row.names):
        return shown
    return t("privacy.children.more", lang, names=shown, count=row.children)


def view_frame(rows: list[ViewRow], lang: str, *, children: bool = True) -> pd.DataFrame:
    """The view events as a table: when, who and in what role, how, where, which list or
    which children (left out on a child's own page)."""
    columns = ["at", "user", "role", "kind", "page", "subject", "children", "rows"]
    if not children:
        columns.remove("children")
    return pd.DataFrame([{
        t("privacy.col.at", lang): local_time(r.at, "%Y-%m-%d %H:%M"),
        t("privacy.col.user", lang): r.display_name,
        t("privacy.col.role", lang): Role(r.role).label(lang) if r.role in Role.codes()
        else r.role,
        t("privacy.col.kind", lang): r.kind.label(lang),
        t("privacy.col.page", lang): t_or_code("nav", r.page, lang),
        t("privacy.col.subject", lang): r.subject or "",
        t("privacy.col.children", lang): children_text(r, lang),
        t("privacy.col.rows", lang): r.rows,
    } for r in rows], columns=[t(f"privacy.col.{c}", lang) for c in columns])


def _flag_text(flag: UnusualViews, lang: str) -> str:
    if flag.reason == "many_children":
        return t("privacy.flag.many_children", lang, count=flag.count,
                 limit=views.DAILY_CHILDREN_LIMIT)
    return t("privacy.flag.night_export", lang,
             at=local_time(flag.at, "%H:%M") if flag.at else "", subject=flag.subject or "",
             rows=flag.count)


def _filters(actor: Actor, lang: str) -> tuple[ViewLogFilter, date, date]:
    with db_transaction() as session:
        people = {u.id: t("admin.users.option", lang, name=u.display_name, username=u.username)
                  for u in users.list_users(session, actor)}
    today = local_today()
    left, middle, right = st.columns([2, 2, 3])
    user_id = left.selectbox(t("privacy.filter.user", lang), [None, *people],
                             format_func=lambda u: t("privacy.filter.everyone", lang)
                             if u is None else people[u], key="views_user")
    kind = middle.selectbox(t("privacy.filter.kind", lang), [None, *ViewKind],
                            format_func=lambda k: t("privacy.filter.every_kind", lang)
                            if k is None else k.label(lang), key="views_kind")
    chosen = right.date_input(t("privacy.filter.dates", lang),
                              value=(today - timedelta(days=DEFAULT_DAYS - 1), today),
                              max_value=today, format="YYYY-MM-DD", key="views_dates")
    start, end = (chosen if isinstance(chosen, tuple) and len(chosen) == 2
                  else (today - timedelta(days=DEFAULT_DAYS - 1), today))
    child_name = st.text_input(t("privacy.filter.child", lang), max_chars=50,
                               key="views_child")
    return (ViewLogFilter(user_id=user_id, child_name=child_name, kind=kind, date_from=start,
                          date_to=end), start, end)


def render_view_log(actor: Actor, lang: str) -> None:
    render_emergency_review(actor, lang)
    st.caption(t("privacy.log.note", lang))
    wanted, start, end = _filters(actor, lang)
    zone = display_zone()
    with db_transaction() as session:
        flags = views.unusual_views(session, actor, start, end, zone)
        rows, total = views.view_log(session, actor, wanted, zone)
    st.subheader(t("privacy.flags.title", lang))
    if flags:
        st.dataframe(pd.DataFrame([{
            t("privacy.col.day", lang): f.day.isoformat(),
            t("privacy.col.user", lang): f.display_name,
            t("privacy.col.why", lang): _flag_text(f, lang),
        } for f in flags]), hide_index=True, width="stretch")
    else:
        st.caption(t("privacy.flags.none", lang))
    st.subheader(t("privacy.log.title", lang))
    if not rows:
        st.info(t("privacy.log.empty", lang))
        return
    if total > len(rows):
        st.caption(t("privacy.log.newest", lang, shown=len(rows), total=total))
    st.dataframe(view_frame(rows, lang), hide_index=True, width="stretch")
