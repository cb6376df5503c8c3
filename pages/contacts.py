"""帮扶记录: log a care contact, the recent ones, 待办 and compliance, 专项行动, import, export."""

import streamlit as st

from components.care.campaign_panel import render_campaigns
from components.care.contact_form import render_log_contact
from components.care.contact_list import render_contact_exports, render_recent_contacts
from components.care.todo_panel import render_todo
from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.imports.importer import import_panel
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

TABS_KEY = "contacts_tabs"
actor = current_actor(Capability.LOG_CONTACTS)
current = lang()
today = local_today()

st.title(t("nav.contacts", current))
show_flash()
coordinating = actor.can(Capability.MANAGE_PAIRINGS)
names = [t(f"contacts.tab.{tab}", current) for tab in ("log", "recent", "todo")]
if coordinating:
    names += [t(f"contacts.tab.{tab}", current) for tab in ("campaigns", "import", "export")]
# Only the open tab runs: a county's 待办 takes seconds and must not slow down logging.
tabs = st.tabs(names, key=TABS_KEY, on_change="rerun")
with tabs[0]:
    render_log_contact(actor, today)
if tabs[1].open:
    with tabs[1]:
        render_recent_contacts(actor, today)
if tabs[2].open:
    with tabs[2]:
        render_todo(actor, today)
if coordinating and tabs[3].open:
    with tabs[3]:
        render_campaigns(actor, today)
if coordinating and tabs[4].open:
    with tabs[4]:
        import_panel(actor, "contacts", current,
                     template_name=t("contacts.import_template", current))
if coordinating and tabs[5].open:
    with tabs[5]:
        render_contact_exports(actor, today)
