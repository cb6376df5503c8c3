"""总览: the live dashboard of the seeds' statistics sections, for the user's scope."""

import streamlit as st

from components.common.markup import md
from components.common.session import current_actor, database_guard, db_transaction, lang
from components.stats import stats_cache
from components.stats.dashboard import (
    data_quality_line,
    render_sections,
    render_tiles,
    updated_caption,
)
from components.stats.dashboard_filters import render_filters
from config import local_today
from core.i18n import t
from core.vocab import Role
from services.access import orgs
from services.access.permissions import Actor
from services.stats.figures import StatsScope

actor = current_actor()
current = lang()
today = local_today()
with db_transaction(write=False) as session:
    scope_name = orgs.scope_label(session, actor.org_unit_id, current) or t("sidebar.whole",
                                                                            current)

title_col, meeting_col = st.columns([4, 1], vertical_alignment="bottom")
title_col.title(t("home.heading", current,
                  name=md(st.session_state.get("name") or actor.username)))
title_col.caption(f"{t('nav.home', current)} · {t('home.scope', current, scope=md(scope_name))}")
if st.session_state.get("shouwang_must_change_password"):
    st.warning(t("login.must_change", current))
if actor.role is Role.helper:
    st.caption(t("home.helper_note", current))
elif actor.role is Role.viewer:
    st.caption(t("home.viewer_note", current))

scope = render_filters(actor, today=today)
if meeting_col.button(t("nav.meeting", current), icon=":material/co_present:",
                      use_container_width=True, disabled=scope is None):
    st.switch_page("pages/meeting.py",
                   query_params={k: st.query_params.get_all(k) for k in st.query_params})


def live(actor: Actor, scope: StatsScope) -> None:
    """The figures as they stand; the page reruns by itself once the data has changed."""
    with database_guard():
        day = local_today()
        seen = stats_cache.current_stamp()  # read first: a change after it reruns the page
        figures = stats_cache.statistics(actor, scope, day)
        view = stats_cache.sections_view(actor, scope, day, lang=current)
    stats_cache.follow_changes(seen, day)
    st.caption(updated_caption(figures, current))
    if figures.children.total == 0:
        st.info(t("home.empty", current))
        if actor.role is Role.helper:
            st.page_link("pages/my_pairings.py", label=t("nav.my_pairings", current),
                         icon=":material/favorite:")
        return
    render_tiles(figures, current, suppress=stats_cache.suppressed(actor))
    data_quality_line(figures, actor, current)
    render_sections(view, actor)


if scope is not None:
    live(actor, scope)
