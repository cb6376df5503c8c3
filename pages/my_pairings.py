"""我的结对: a helper's own children, what they owe this week, and one-tap logging."""

import streamlit as st

from components.care.todo_panel import render_my_todo
from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.pairing.my_children import render_my_children
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.LOG_CONTACTS)
today = local_today()
st.title(t("nav.my_pairings", lang()))
show_flash()
render_my_todo(actor, today)
render_my_children(actor, today)
