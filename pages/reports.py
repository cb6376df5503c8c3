"""汇报: the written 活动总结 draft and the meeting deck for a unit and period."""

import streamlit as st

from components.common.session import current_actor, lang
from components.reports.report_panel import render_deck, render_draft
from components.stats.dashboard_filters import render_filters
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.EXPORT)
current = lang()
today = local_today()
st.title(t("nav.reports", current))
scope = render_filters(actor, today=today)
if scope is not None:
    draft_tab, deck_tab = st.tabs([t("reports.tab.summary", current),
                                   t("reports.tab.deck", current)])
    with draft_tab:
        render_draft(actor, scope, today=today)
    with deck_tab:
        render_deck(actor, scope, today=today)
