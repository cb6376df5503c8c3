"""我的结对: a helper's own children, with whom to call and what is due next."""

from datetime import date

import streamlit as st

from components.my_children import render_my_children
from components.session import current_actor, lang
from services.i18n import t
from services.permissions import Capability

actor = current_actor(Capability.LOG_CONTACTS)
st.title(t("nav.my_pairings", lang()))
render_my_children(actor, date.today())
