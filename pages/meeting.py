"""会议模式: the dashboard's sections one per screen, for a meeting room or a phone."""

import streamlit as st

from components.common.markup import md
from components.common.session import current_actor, lang
from components.stats import stats_cache
from components.stats.dashboard import local_time
from components.stats.dashboard_filters import scope_from_url
from components.stats.meeting import current_index, full_screen, render_controls, render_slide
from config import local_today
from core.errors import DomainError, PermissionDenied
from core.i18n import t
from services.stats.stats_words import period_span

actor = current_actor()
current = lang()
today = local_today()
full_screen()
try:
    scope = scope_from_url(actor, today=today)
    seen = stats_cache.current_stamp()  # read first: a change after it reruns the page
    figures = stats_cache.statistics(actor, scope, today)
except (DomainError, PermissionDenied) as exc:
    st.error(md(exc.text(current)) or t("meeting.no_access", current))
    st.stop()
view = stats_cache.sections_view(actor, scope, today, big=True, lang=current)
index = current_index(len(view))

controls, leave = st.container(key="meeting_controls").columns([4, 1],
                                                              vertical_alignment="center")
with controls:
    render_controls(index, len(view), key="meeting")
if leave.button(t("meeting.leave", current), icon=":material/close:", use_container_width=True):
    params = {k: st.query_params.get_all(k) for k in st.query_params if k != "s"}
    st.switch_page("pages/home.py", query_params=params)
section, specs = view[index]
render_slide(figures, section, specs, period_span(figures, current))
st.caption(t("meeting.footer", current, time=local_time(figures)))
stats_cache.follow_changes(seen, today)
