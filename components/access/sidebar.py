"""The sidebar: who is logged in, their role and scope, the language switch and logout."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from components.access.auth import login_cookie_script, logout
from components.common.markup import md
from components.common.session import LANG_KEY, db_transaction, lang
from core.i18n import LANGUAGES, t
from services.access import orgs, users
from services.access.permissions import Actor

# Streamlit closes the sidebar after a page choice only when the browser says it is a phone;
# a narrow window (a tablet, a phone browser asking for the desktop site, WeChat on some
# devices) kept it open over the page. Below Streamlit's own narrow-screen width (768 px)
# a choice in the sidebar closes it, unless Streamlit already has.
CLOSE_AFTER_CHOICE_JS = """<script>
(() => {
  if (window.__shouwangNavCloses) { return; }
  window.__shouwangNavCloses = true;
  document.addEventListener("click", (event) => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const link = event.target.closest && event.target.closest("a");
    if (!sidebar || !link || !sidebar.contains(link) || window.innerWidth >= 768) { return; }
    setTimeout(() => {
      const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (open && close) { close.click(); }
    }, 50);
  }, true);
})();
</script>"""


def render_sidebar(actor: Actor, authenticator: stauth.Authenticate) -> None:
    current = lang()
    with db_transaction(write=False) as session:
        scope = orgs.scope_label(session, actor.org_unit_id, current) or t("sidebar.whole", current)
    with st.sidebar:
        st.markdown(f"**{md(st.session_state.get('name') or actor.username)}**")
        st.caption(f"{t('sidebar.role', current, role=actor.role.label(current))}  \n"
                   f"{t('sidebar.scope', current, scope=md(scope))}")
        choice = st.segmented_control(t("sidebar.language", current), list(LANGUAGES),
                                      format_func=LANGUAGES.__getitem__, default=current,
                                      key="language_switch")
        if choice and choice != current:
            st.session_state[LANG_KEY] = choice
            with db_transaction() as session:
                users.set_language(session, actor=actor, language=choice)
            st.rerun()
        if st.button(t("sidebar.logout", current), icon=":material/logout:",
                     key="shouwang_logout_button"):
            logout(authenticator, actor)
        st.html(CLOSE_AFTER_CHOICE_JS + login_cookie_script(), unsafe_allow_javascript=True)
