"""儿童档案: the roster list, quick entry, import, and one child's page (?child=ID)."""

import streamlit as st

from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.imports.importer import import_panel
from components.privacy.emergency_panel import render_emergency_request
from components.roster.child_entry import render_quick_entry
from components.roster.child_page import render_child_page
from components.roster.review_panel import render_review
from components.roster.roster_list import export_panel, filter_bar, roster_table, saved_filter_bar
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.VIEW_PEOPLE)
current = lang()
today = local_today()

if child := st.query_params.get("child"):
    render_child_page(actor, int(child) if child.isdigit() else 0, today)
    st.stop()

st.title(t("nav.roster", current))
show_flash()
editable = actor.can(Capability.EDIT_ROSTER)
names = [t("roster.tab.list", current)]
if editable:
    names += [t("roster.tab.entry", current), t("roster.tab.import", current),
              t("roster.tab.review", current)]
tabs = st.tabs(names)
with tabs[0]:
    chosen = filter_bar(actor, current)
    saved_filter_bar(actor, chosen)
    roster_table(actor, chosen, today)
    export_panel(actor, chosen, today)
    render_emergency_request(actor, today, current)
if editable:
    with tabs[1]:
        render_quick_entry(actor, today)
    with tabs[2]:
        import_panel(actor, "roster", current,
                     template_name=t("roster.import.template_file", current))
    with tabs[3]:
        render_review(actor, today)
