"""需求与资源: needs, wishes, resource providers, the donations ledger and surveys."""

import streamlit as st

from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.resources.ledger_panel import render_ledger
from components.resources.needs_panel import render_needs
from components.resources.providers_panel import render_providers
from components.resources.surveys_panel import render_surveys
from components.resources.wishes_panel import render_wishes
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

TABS_KEY = "resources_tabs"
actor = current_actor(Capability.MANAGE_RESOURCES)
today = local_today()

st.title(t("nav.resources", lang()))
show_flash()
# Only the open tab runs, so each part pays only for itself.
tabs = st.tabs([t(f"resources.tab.{name}", lang())
                for name in ("needs", "wishes", "providers", "ledger", "surveys")],
               key=TABS_KEY, on_change="rerun")
for tab, render in zip(tabs, (render_needs, render_wishes, render_providers, render_ledger,
                              render_surveys), strict=True):
    if tab.open:
        with tab:
            render(actor, today)
