"""管理 › 活动类型: the built-in kinds and the ones admins add; rename, stop or restore them."""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from components.care.activity_form import kind_label
from components.common.feedback import apply_change, remembered_version
from components.common.session import db_transaction, lang
from core.i18n import t
from db.models import ActivityKindRow
from services.access.permissions import Actor
from services.care import activity_kinds


def render_activity_kinds(actor: Actor) -> None:
    with db_transaction() as session:
        kinds = activity_kinds.list_activity_kinds(session, include_archived=True)
    language = lang()
    st.dataframe(pd.DataFrame([{
        t("admin.kinds.col.name", language): k.label_zh,
        t("admin.kinds.col.name_en", language): k.label_en or "",
        t("admin.kinds.col.source", language): t(
            "admin.kinds.builtin" if k.is_builtin else "admin.kinds.added", language),
        t("admin.kinds.col.status", language):
            t("admin.kinds.stopped_on", language, day=f"{k.archived_at:%Y-%m-%d}")
            if k.archived_at else t("admin.kinds.in_use", language),
    } for k in kinds]), hide_index=True, width="stretch", height=min(38 + 35 * len(kinds), 560))
    st.caption(t("admin.kinds.caption", language))
    left, right = st.columns(2)
    with left:
        _add(actor)
    with right:
        _change(actor, kinds)


def _add(actor: Actor) -> None:
    st.subheader(t("admin.kinds.add", lang()))
    with st.form("activity_kind_add", enter_to_submit=False):
        label_zh = st.text_input(t("admin.kinds.name", lang()), max_chars=50,
                                 placeholder=t("admin.kinds.name_hint", lang()))
        label_en = st.text_input(t("admin.kinds.name_en", lang()), max_chars=50,
                                 placeholder="Study trip")
        if st.form_submit_button(t("admin.kinds.add_submit", lang()), type="primary"):
            apply_change("activity_kind", lambda s: activity_kinds.add_activity_kind(
                s, actor=actor, label_zh=label_zh, label_en=label_en), 0,
                t("admin.kinds.added_done", lang(), name=label_zh.strip()))


def _change(actor: Actor, kinds: list[ActivityKindRow]) -> None:
    st.subheader(t("admin.kinds.change", lang()))
    by_code = {k.code: k for k in kinds}
    code = st.selectbox(t("admin.kinds.pick", lang()), list(by_code), key="activity_kind_pick",
                        placeholder=t("common.choose", lang()),
                        format_func=lambda c: t("admin.kinds.stopped_option", lang(),
                                                name=kind_label(by_code[c], lang()))
                        if by_code[c].archived_at else kind_label(by_code[c], lang()))
    kind = by_code[code]
    opened = remembered_version("activity_kind", zlib.crc32(code.encode()), kind.version)
    with st.form(f"activity_kind_rename_{code}", enter_to_submit=False):
        label_zh = st.text_input(t("admin.kinds.name", lang()), value=kind.label_zh,
                                 max_chars=50)
        label_en = st.text_input(t("admin.kinds.name_en", lang()), value=kind.label_en or "",
                                 max_chars=50)
        if st.form_submit_button(t("admin.kinds.save_names", lang())):
            apply_change("activity_kind", lambda s: activity_kinds.rename_activity_kind(
                s, actor=actor, code=code, expected_version=opened, label_zh=label_zh,
                label_en=label_en), zlib.crc32(code.encode()), t("common.saved", lang()))
    if kind.is_builtin:
        st.caption(t("admin.kinds.builtin_stays", lang()))
    elif kind.archived_at is None:
        if st.button(t("admin.kinds.stop", lang()), key=f"activity_kind_off_{code}"):
            apply_change("activity_kind", lambda s: activity_kinds.archive_activity_kind(
                s, actor=actor, code=code, expected_version=opened), zlib.crc32(code.encode()),
                t("admin.kinds.stopped", lang(), name=kind_label(kind, lang())))
    elif st.button(t("admin.kinds.restore", lang()), key=f"activity_kind_on_{code}"):
        apply_change("activity_kind", lambda s: activity_kinds.restore_activity_kind(
            s, actor=actor, code=code, expected_version=opened), zlib.crc32(code.encode()),
            t("admin.kinds.restored", lang(), name=kind_label(kind, lang())))
