"""导出: every list the app shows, filtered, as CSV or XLSX, with the columns chosen."""

import streamlit as st

from components.common.session import current_actor, lang
from components.exports.exports_hub import render_exports_hub
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.EXPORT)
current = lang()

st.title(t("nav.exports", current))
st.caption(t("exports.caption", current))
render_exports_hub(actor, local_today(), current)
