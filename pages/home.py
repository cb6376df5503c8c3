"""首页: the user's scope and its headline counts."""

import streamlit as st

from components.session import current_actor, db_transaction, lang
from services import orgs, stats
from services.i18n import t
from services.vocab import Role

actor = current_actor()
current = lang()
with db_transaction() as session:
    figures = stats.headline(session, actor)
    scope = orgs.scope_label(session, actor.org_unit_id, current) or t("sidebar.whole", current)

st.title(t("home.heading", current, name=st.session_state.get("name") or actor.username))
st.caption(t("home.scope", current, scope=scope))
if st.session_state.get("shouwang_must_change_password"):
    st.warning(t("login.must_change", current))

cols = st.columns(4)
cols[0].metric(t("home.children", current), f"{figures.children:,}")
cols[1].metric(t("home.helpers", current), f"{figures.helpers:,}")
cols[2].metric(t("home.pairings", current), f"{figures.active_pairings:,}")
coverage = "—" if figures.coverage is None else f"{figures.coverage:.1%}"
cols[3].metric(t("home.coverage", current), coverage)

if figures.children == 0:
    st.info(t("home.empty", current))
elif actor.role is Role.helper:
    st.caption(t("home.helper_note", current))
    st.page_link("pages/my_pairings.py", label=t("nav.my_pairings", current),
                 icon=":material/favorite:")
elif actor.role is Role.viewer:
    st.caption(t("home.viewer_note", current))
