"""会议模式: the dashboard's sections one per screen, for a meeting room or a phone."""

from datetime import date

import streamlit as st

from components import stats_cache
from components.dashboard import local_time
from components.dashboard_filters import scope_from_url
from components.markup import md
from components.meeting import current_index, full_screen, render_controls, render_slide
from components.session import current_actor
from services.errors import DomainError, PermissionDenied
from services.stats_text import period_span

actor = current_actor()
today = date.today()
full_screen()
try:
    scope = scope_from_url(actor, today=today)
    figures = stats_cache.statistics(actor, scope, today)
except (DomainError, PermissionDenied) as exc:
    st.error(md(str(exc)) or "无权查看这个单位的数字。")
    st.stop()
view = stats_cache.sections_view(actor, scope, today, big=True)
index = current_index(len(view))

controls, leave = st.container(key="meeting_controls").columns([4, 1],
                                                              vertical_alignment="center")
with controls:
    render_controls(index, len(view), key="meeting")
if leave.button("退出", icon=":material/close:", use_container_width=True):
    params = {k: st.query_params.get_all(k) for k in st.query_params if k != "s"}
    st.switch_page("pages/home.py", query_params=params)
section, specs = view[index]
render_slide(figures, section, specs, period_span(figures))
st.caption(f"会议模式 · 用 ← → 键或按钮翻页 · 数据更新于 {local_time(figures)}")
