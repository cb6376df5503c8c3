"""管理 › 组织机构: the county › town › village/school tree, its flags and enrolment."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.feedback import FLASH_KEY, apply_change, remembered_version, show_problem
from components.pickers import org_label, org_select, vocab_select
from components.session import db_transaction
from services import orgs
from services.errors import DomainError
from services.orgs import OrgNode
from services.permissions import Actor
from services.vocab import OrgKind


def render_orgs(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        nodes = orgs.org_tree(session, actor)
    if nodes:
        st.dataframe(pd.DataFrame([{
            "单位": org_label(n, lang), "类型": n.kind.label(lang),
            "山区": "是" if n.is_mountain_area else "",
            "在籍学生数": n.enrolled_students,
        } for n in nodes]), hide_index=True, width="stretch", height=min(600, 38 + 35 * len(nodes)))
    else:
        st.info("还没有组织机构。请在下方逐个新增,或在“导入组织机构”中上传县、乡镇、村和学校的名单。")
    left, right = st.columns(2)
    with left:
        _create_form(actor, nodes, lang)
    with right:
        if nodes:
            _edit_form(actor, nodes, lang)


def _create_form(actor: Actor, nodes: list[OrgNode], lang: str) -> None:
    st.subheader("新增单位")
    with st.form("create_org", clear_on_submit=False):
        name = st.text_input("名称")
        kind = vocab_select("类型", OrgKind, key="new_org_kind", lang=lang, current=OrgKind.village)
        parent = org_select("上级", nodes, key="new_org_parent", lang=lang, none_label="(无上级)")
        mountain = st.checkbox("山区")
        enrolled = st.number_input("在籍学生数(学校填写)", min_value=0, step=1, value=None)
        if st.form_submit_button("新增", type="primary"):
            try:
                with db_transaction() as session:
                    orgs.create_org_unit(session, actor=actor, name=name, kind=kind,
                                         parent_id=parent, is_mountain_area=mountain,
                                         enrolled_students=enrolled)
            except DomainError as exc:
                show_problem(exc)
                return
            st.session_state[FLASH_KEY] = f"已新增“{name.strip()}”。"
            st.rerun()


def _edit_form(actor: Actor, nodes: list[OrgNode], lang: str) -> None:
    st.subheader("修改或归档单位")
    by_id = {n.id: n for n in nodes}
    unit_id = st.selectbox("选择单位", list(by_id), key="edit_org_id",
                           format_func=lambda i: org_label(by_id[i], lang))
    node = by_id[unit_id]
    opened = remembered_version("org", node.id, node.version)
    with st.form(f"edit_org_{node.id}"):
        name = st.text_input("名称", value=node.name)
        mountain = st.checkbox("山区", value=node.is_mountain_area)
        enrolled = st.number_input("在籍学生数", min_value=0, step=1, value=node.enrolled_students)
        if st.form_submit_button("保存修改"):
            apply_change("org", lambda s: orgs.update_org_unit(
                s, actor=actor, org_unit_id=node.id, expected_version=opened, name=name,
                is_mountain_area=mountain, enrolled_students=enrolled), node.id, "已保存。")
    with st.form(f"archive_org_{node.id}", clear_on_submit=True):
        reason = st.text_input("归档原因", placeholder="如:撤并、更名")
        if st.form_submit_button("归档此单位"):
            apply_change("org", lambda s: orgs.archive_org_unit(
                s, actor=actor, org_unit_id=node.id, expected_version=opened, reason=reason),
                node.id, f"已归档“{node.name}”。")

