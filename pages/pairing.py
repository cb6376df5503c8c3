"""结对帮扶: the pairing board, how each pair is going, the helpers, import and export."""

import streamlit as st

from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.imports.importer import import_panel
from components.pairing.match_health_panel import render_match_health
from components.pairing.pairing_board import render_board
from components.pairing.pairing_exports import render_pairing_exports
from components.roster.helper_list import render_helper_list, render_register
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.MANAGE_PAIRINGS)
current = lang()
today = local_today()

st.title(t("nav.pairing", current))
show_flash()
board, health, people, register, imports, exports = st.tabs(
    [t("pairing.tab.board", current), t("pairing.tab.health", current),
     t("pairing.tab.helpers", current), t("pairing.tab.register", current),
     t("pairing.tab.import", current), t("pairing.tab.export", current)])
with board:
    render_board(actor, today)
with health:
    render_match_health(actor, today)
with people:
    render_helper_list(actor, today)
with register:
    render_register(actor, today)
with imports:
    st.markdown(f"**{t('pairing.import.helpers', current)}**")
    import_panel(actor, "helpers", current, template_name="帮扶人导入模板.csv")
    st.markdown(f"**{t('pairing.import.pairings', current)}**")
    import_panel(actor, "pairings", current, template_name="结对导入模板.csv")
with exports:
    render_pairing_exports(actor, today)
