"""守望 Shouwang: page config, login gate and the navigation this user's role may open."""

import streamlit as st

from components.access.auth import require_login
from components.access.sidebar import render_sidebar
from components.common.branding import ICON, apply_page_style
from components.common.navigation import build_navigation, reserve_page_urls
from components.common.session import PAGE_KEY, database_guard, engine, lang, settings
from config import ConfigError
from core.i18n import t
from db.field_crypto import check_field_key

SIGNED_IN_KEY = "shouwang_signed_in"

# A local icon: a Material icon name makes every browser fetch the favicon from Google's fonts.
st.set_page_config(page_title="守望", page_icon=str(ICON), layout="wide")
apply_page_style(lang())
if not st.session_state.get("authentication_status"):
    entry = reserve_page_urls(lang())
    if st.session_state.pop(SIGNED_IN_KEY, False):
        # Logged out (or revoked): back to "/", so the next login lands on that role's own
        # first page rather than on the page the last user left open.
        st.switch_page(entry)

try:
    settings().check_secret()
    check_field_key()
except ConfigError as exc:
    st.error(f"**{t('error.config', lang())}**\n\n{exc}")
    st.stop()

with database_guard():
    engine()
    actor, authenticator = require_login()
    st.session_state[SIGNED_IN_KEY] = True
    navigation = build_navigation(actor, lang())
    st.session_state[PAGE_KEY] = navigation.url_path or "home"
    render_sidebar(actor, authenticator)
    navigation.run()
