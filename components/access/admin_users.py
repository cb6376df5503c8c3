"""管理 › 用户: create accounts, change role and scope, deactivate, reset passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common.feedback import apply_change, remembered_version, show_problem
from components.common.markup import md
from components.common.pickers import org_select, vocab_select
from components.common.session import db_transaction
from config import local_time
from core.errors import DomainError
from core.i18n import t
from core.vocab import Role
from db.models import User
from services.access import orgs, users
from services.access.orgs import OrgNode
from services.access.permissions import Actor


def render_users(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        accounts = users.list_users(session, actor)
        nodes = orgs.org_tree(session, actor)
        scopes = {u.id: orgs.scope_label(session, u.org_unit_id, lang) or t("sidebar.whole", lang)
                  for u in accounts}
    st.dataframe(pd.DataFrame([{
        t("users.col.username", lang): u.username,
        t("users.col.name", lang): u.display_name,
        t("users.col.role", lang): u.role.label(lang),
        t("users.col.scope", lang): scopes[u.id],
        t("users.col.status", lang): t("users.active" if u.is_active else "users.inactive", lang),
        t("users.col.last_login", lang):
            local_time(u.last_login_at) if u.last_login_at else "",
    } for u in accounts]), hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left:
        _create_form(actor, nodes, lang)
    with right:
        _edit_forms(actor, accounts, nodes, lang)


def _create_form(actor: Actor, nodes: list[OrgNode], lang: str) -> None:
    st.subheader(t("users.create", lang))
    rules = t("account.password_rules", lang)
    with st.form("create_user", clear_on_submit=False, enter_to_submit=False):
        username = st.text_input(t("users.col.username", lang), help=t("users.username_help", lang))
        display_name = st.text_input(t("users.col.name", lang))
        role = vocab_select(t("users.col.role", lang), Role, key="new_user_role", lang=lang,
                            current=Role.coordinator)
        scope = org_select(t("users.scope", lang), nodes, key="new_user_scope", lang=lang,
                           none_label=t("common.all_scope", lang))
        password = st.text_input(t("users.initial_password", lang), type="password", help=rules)
        st.caption(f"{rules} {t('users.first_login', lang)}")
        if st.form_submit_button(t("users.create_submit", lang), type="primary"):
            try:
                with db_transaction() as session:
                    users.create_user(session, actor=actor, username=username,
                                      display_name=display_name, role=role, password=password,
                                      org_unit_id=scope, must_change_password=True)
                st.success(t("users.created", lang, username=md(username.strip().lower())))
            except DomainError as exc:
                show_problem(exc)


def _edit_forms(actor: Actor, accounts: list[User], nodes: list[OrgNode], lang: str) -> None:
    st.subheader(t("users.edit", lang))
    if not accounts:
        return
    by_id = {u.id: u for u in accounts}
    user_id = st.selectbox(t("users.pick", lang), list(by_id), key="edit_user_id",
                           format_func=lambda i: t("admin.users.option", lang,
                                                   name=by_id[i].display_name,
                                                   username=by_id[i].username),
                  placeholder=t("common.choose", lang))
    user = by_id[user_id]
    opened = remembered_version("user", user.id, user.version)
    with st.form(f"user_role_{user.id}", enter_to_submit=False):
        role = vocab_select(t("users.col.role", lang), Role, key=f"role_{user.id}", lang=lang,
                            current=user.role)
        scope = org_select(t("users.scope", lang), nodes, key=f"scope_{user.id}", lang=lang,
                           none_label=t("common.all_scope", lang), index_of=user.org_unit_id)
        if st.form_submit_button(t("users.save_role", lang)):
            apply_change("user", lambda s: users.set_role_and_scope(
                s, actor=actor, user_id=user.id, role=role, org_unit_id=scope,
                expected_version=opened), user.id, t("users.role_saved", lang))
    toggle = "users.deactivate" if user.is_active else "users.reactivate"
    if st.button(t(toggle, lang), key=f"toggle_{user.id}"):
        done = "users.deactivated" if user.is_active else "users.reactivated"
        apply_change("user", lambda s: users.set_active(
            s, actor=actor, user_id=user.id, active=not user.is_active,
            expected_version=opened), user.id, t(done, lang))
    with st.form(f"reset_{user.id}", clear_on_submit=True, enter_to_submit=False):
        new_password = st.text_input(t("users.temp_password", lang), type="password",
                                     help=t("account.password_rules", lang))
        if st.form_submit_button(t("users.reset", lang)):
            apply_change("user", lambda s: users.reset_password(
                s, actor=actor, user_id=user.id, new_password=new_password),
                user.id, t("users.reset_done", lang))
