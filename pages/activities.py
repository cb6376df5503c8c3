"""活动: group activities with their 场次 and 人次, photos and donations; import and export."""

import streamlit as st

from components.care.activity_form import render_new_activity
from components.care.activity_list import render_activities, render_activity_exports
from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.imports.importer import import_panel
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.MANAGE_ACTIVITIES)
current = lang()
today = local_today()

st.title(t("nav.activities", current))
show_flash()
listing, new, imports, exports = st.tabs([
    t("activities.tab.list", current), t("activities.tab.new", current),
    t("activities.tab.import", current), t("activities.tab.export", current)])
with listing:
    render_activities(actor, today)
with new:
    render_new_activity(actor, today)
with imports:
    import_panel(actor, "activities", current, template_name="活动导入模板.csv")
with exports:
    render_activity_exports(actor, today)
