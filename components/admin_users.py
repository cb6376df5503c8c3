"""管理 › 用户: create accounts, change role and scope, deactivate, reset passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version, show_problem
from components.pickers import org_select, vocab_select
from components.session import db_transaction
from services import orgs, users
from services.errors import DomainError
from services.permissions import Actor
from services.validators import PASSWORD_MAX_BYTES
from services.vocab import Role

PASSWORD_HELP = f"至少8位,须同时包含字母和数字;最多{PASSWORD_MAX_BYTES}字节(约24个汉字)。"


def render_users(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        accounts = users.list_users(session, actor)
        nodes = orgs.org_tree(session, actor)
        scopes = {u.id: orgs.scope_label(session, u.org_unit_id, lang) or "全部" for u in accounts}
    st.dataframe(pd.DataFrame([{
        "登录名": u.username, "姓名": u.display_name, "角色": u.role.label(lang),
        "范围": scopes[u.id], "状态": "启用" if u.is_active else "已停用",
        "最近登录": u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "",
    } for u in accounts]), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        _create_form(actor, nodes, lang)
    with right:
        _edit_forms(actor, accounts, nodes, lang)


def _create_form(actor: Actor, nodes: list, lang: str) -> None:
    st.subheader("新建用户")
    with st.form("create_user", clear_on_submit=False):
        username = st.text_input("登录名", help="2–32位小写字母、数字、汉字或 _ . -")
        display_name = st.text_input("姓名")
        role = vocab_select("角色", Role, key="new_user_role", lang=lang, current=Role.coordinator)
        scope = org_select("管辖范围", nodes, key="new_user_scope", lang=lang,
                           none_label="全部(不限范围)")
        password = st.text_input("初始密码", type="password", help=PASSWORD_HELP)
        st.caption(PASSWORD_HELP + " 新用户首次登录后应修改密码。")
        if st.form_submit_button("创建用户", type="primary"):
            try:
                with db_transaction() as session:
                    users.create_user(session, actor=actor, username=username,
                                      display_name=display_name, role=role, password=password,
                                      org_unit_id=scope, must_change_password=True)
                st.success(f"已创建用户“{username.strip().lower()}”。")
            except DomainError as exc:
                show_problem(exc)


def _edit_forms(actor: Actor, accounts: list, nodes: list, lang: str) -> None:
    st.subheader("修改用户")
    if not accounts:
        return
    by_id = {u.id: u for u in accounts}
    user_id = st.selectbox("选择用户", list(by_id), key="edit_user_id",
                           format_func=lambda i: f"{by_id[i].display_name}({by_id[i].username})")
    user = by_id[user_id]
    opened = remembered_version("user", user.id, user.version)
    with st.form(f"user_role_{user.id}"):
        role = vocab_select("角色", Role, key=f"role_{user.id}", lang=lang, current=user.role)
        scope = org_select("管辖范围", nodes, key=f"scope_{user.id}", lang=lang,
                           none_label="全部(不限范围)", index_of=user.org_unit_id)
        if st.form_submit_button("保存角色和范围"):
            apply_change("user", lambda s: users.set_role_and_scope(
                s, actor=actor, user_id=user.id, role=role, org_unit_id=scope,
                expected_version=opened), user.id, "已保存角色和范围。")
    label = "停用此用户" if user.is_active else "重新启用此用户"
    if st.button(label, key=f"toggle_{user.id}"):
        apply_change("user", lambda s: users.set_active(s, actor=actor, user_id=user.id,
                                          active=not user.is_active, expected_version=opened),
               user.id, "已停用,该用户下次操作时将被退出登录。" if user.is_active else "已启用。")
    with st.form(f"reset_{user.id}", clear_on_submit=True):
        new_password = st.text_input("新的临时密码", type="password", help=PASSWORD_HELP)
        if st.form_submit_button("重置密码"):
            apply_change("user", lambda s: users.reset_password(s, actor=actor, user_id=user.id,
                                                  new_password=new_password),
                   user.id, "已重置密码并解除锁定;该用户登录后需修改密码。")

