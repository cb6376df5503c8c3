"""导出: every list the app shows, filtered, as CSV or XLSX, with the columns chosen."""

import streamlit as st

from components.exports_hub import render_exports_hub
from components.session import current_actor, lang
from config import local_today
from services.i18n import t
from services.permissions import Capability

actor = current_actor(Capability.EXPORT)
current = lang()

st.title(t("nav.exports", current))
st.caption(t("exports.caption", current))
render_exports_hub(actor, local_today(), current)
