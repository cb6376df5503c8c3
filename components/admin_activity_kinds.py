"""管理 › 活动类型: the built-in kinds and the ones admins add; rename, stop or restore them."""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version
from components.session import db_transaction
from db.models import ActivityKindRow
from services import activities
from services.permissions import Actor


def render_activity_kinds(actor: Actor) -> None:
    with db_transaction() as session:
        kinds = activities.list_activity_kinds(session, include_archived=True)
    st.dataframe(pd.DataFrame([{
        "名称": k.label_zh, "英文名称": k.label_en or "",
        "来源": "内置" if k.is_builtin else "新增",
        "状态": f"已停用（{k.archived_at:%Y-%m-%d}）" if k.archived_at else "在用",
    } for k in kinds]), hide_index=True, width="stretch", height=min(38 + 35 * len(kinds), 560))
    st.caption("内置类型总在列表中，不能停用；统计按类型汇总，改名不影响已有活动。")
    left, right = st.columns(2)
    with left:
        _add(actor)
    with right:
        _change(actor, kinds)


def _add(actor: Actor) -> None:
    st.subheader("新增活动类型")
    with st.form("activity_kind_add", enter_to_submit=False):
        label_zh = st.text_input("名称 *", max_chars=50, placeholder="如：研学旅行")
        label_en = st.text_input("英文名称", max_chars=50, placeholder="Study trip")
        if st.form_submit_button("新增", type="primary"):
            apply_change("activity_kind", lambda s: activities.add_activity_kind(
                s, actor=actor, label_zh=label_zh, label_en=label_en), 0,
                f"已新增活动类型“{label_zh.strip()}”。")


def _change(actor: Actor, kinds: list[ActivityKindRow]) -> None:
    st.subheader("修改或停用")
    by_code = {k.code: k for k in kinds}
    code = st.selectbox("活动类型", list(by_code), key="activity_kind_pick",
                        format_func=lambda c: by_code[c].label_zh
                        + ("（已停用）" if by_code[c].archived_at else ""))
    kind = by_code[code]
    opened = remembered_version("activity_kind", zlib.crc32(code.encode()), kind.version)
    with st.form(f"activity_kind_rename_{code}", enter_to_submit=False):
        label_zh = st.text_input("名称 *", value=kind.label_zh, max_chars=50)
        label_en = st.text_input("英文名称", value=kind.label_en or "", max_chars=50)
        if st.form_submit_button("保存名称"):
            apply_change("activity_kind", lambda s: activities.rename_activity_kind(
                s, actor=actor, code=code, expected_version=opened, label_zh=label_zh,
                label_en=label_en), zlib.crc32(code.encode()), "已保存。")
    if kind.is_builtin:
        st.caption("内置类型不能停用。")
    elif kind.archived_at is None:
        if st.button("停用此类型", key=f"activity_kind_off_{code}"):
            apply_change("activity_kind", lambda s: activities.archive_activity_kind(
                s, actor=actor, code=code, expected_version=opened), zlib.crc32(code.encode()),
                f"已停用活动类型“{kind.label_zh}”；已有活动保留该类型。")
    elif st.button("恢复此类型", key=f"activity_kind_on_{code}"):
        apply_change("activity_kind", lambda s: activities.restore_activity_kind(
            s, actor=actor, code=code, expected_version=opened), zlib.crc32(code.encode()),
            f"已恢复活动类型“{kind.label_zh}”。")
