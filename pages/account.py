"""我的账户: who I am, and changing my own password."""

import streamlit as st

from components.access.auth import renew_own_session
from components.common.feedback import show_problem
from components.common.markup import md
from components.common.session import current_actor, db_transaction, lang
from core.errors import DomainError
from core.i18n import t
from services.access import orgs, users

actor = current_actor()
current = lang()
st.title(t("account.title", current))
with db_transaction() as session:
    scope = orgs.scope_label(session, actor.org_unit_id, current) or t("sidebar.whole", current)
facts = [(t("login.username", current), md(actor.username)),
         (t("account.role", current), actor.role.label(current)),
         (t("account.scope", current), md(scope))]
st.markdown("  \n".join(t("account.field", current, label=label, value=value)
                        for label, value in facts))

st.subheader(t("account.change_password", current))
with st.form("change_password", clear_on_submit=False, enter_to_submit=False):
    old = st.text_input(t("account.old_password", current), type="password")
    new = st.text_input(t("account.new_password", current), type="password",
                        help=t("account.password_rules", current))
    repeat = st.text_input(t("account.repeat_password", current), type="password")
    st.caption(t("account.password_rules", current))
    if st.form_submit_button(t("common.save", current), type="primary"):
        if new != repeat:
            st.error(t("account.mismatch", current))
        else:
            try:
                with db_transaction() as session:
                    users.change_own_password(session, actor=actor, old_password=old,
                                              new_password=new)
                renew_own_session()  # the change ended every other session, not this one
                st.session_state["shouwang_must_change_password"] = False
                st.success(t("account.changed", current))
            except DomainError as exc:
                show_problem(exc)
