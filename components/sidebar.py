"""The sidebar: who is logged in, their role and scope, the language switch and logout."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from components.auth import logout
from components.markup import md
from components.session import LANG_KEY, db_transaction, lang
from services import orgs, users
from services.i18n import LANGUAGES, t
from services.permissions import Actor


def render_sidebar(actor: Actor, authenticator: stauth.Authenticate) -> None:
    current = lang()
    with db_transaction(write=False) as session:
        scope = orgs.scope_label(session, actor.org_unit_id, current) or t("sidebar.whole", current)
    with st.sidebar:
        st.markdown(f"**{md(st.session_state.get('name') or actor.username)}**")
        st.caption(f"{t('sidebar.role', current)}:{actor.role.label(current)}  \n"
                   f"{t('sidebar.scope', current)}:{md(scope)}")
        choice = st.segmented_control(t("sidebar.language", current), list(LANGUAGES),
                                      format_func=LANGUAGES.get, default=current,
                                      key="language_switch")
        if choice and choice != current:
            st.session_state[LANG_KEY] = choice
            with db_transaction() as session:
                users.set_language(session, actor=actor, language=choice)
            st.rerun()
        if st.button(t("sidebar.logout", current), icon=":material/logout:",
                     key="shouwang_logout_button"):
            logout(authenticator, actor)
