"""我的结对: a helper's own children, what they owe this week, and one-tap logging."""

import streamlit as st

from components.feedback import show_flash
from components.my_children import render_my_children
from components.session import current_actor, lang
from components.todo_panel import render_my_todo
from config import local_today
from services.i18n import t
from services.permissions import Capability

actor = current_actor(Capability.LOG_CONTACTS)
today = local_today()
st.title(t("nav.my_pairings", lang()))
show_flash()
render_my_todo(actor, today)
render_my_children(actor, today)
