"""管理: users, the org tree, care rules, activity kinds, org imports, the audit and view logs,
the yearly audit draft, backups."""

import streamlit as st

from components.access.admin_backup import render_backup
from components.access.admin_orgs import render_orgs
from components.access.admin_users import render_users
from components.access.audit_log import render_audit_log
from components.care.admin_activity_kinds import render_activity_kinds
from components.care.admin_care_rules import render_care_rules
from components.common.feedback import show_flash
from components.common.session import current_actor, lang
from components.imports.importer import import_panel
from components.privacy.audit_pack_panel import render_audit_pack
from components.privacy.view_log import render_view_log
from config import local_today
from core.i18n import t
from services.access.permissions import Capability

actor = current_actor(Capability.MANAGE_USERS)
current = lang()
st.title(t("admin.title", current))
show_flash()
(users_tab, orgs_tab, rules_tab, kinds_tab, import_tab, audit_tab, views_tab, pack_tab,
 backup_tab) = st.tabs([
    t("admin.tab.users", current), t("admin.tab.orgs", current),
    t("admin.tab.care_rules", current), t("admin.tab.activity_kinds", current),
    t("admin.tab.import", current), t("admin.tab.audit", current),
    t("admin.tab.views", current), t("admin.tab.audit_pack", current),
    t("admin.tab.backup", current)])
with users_tab:
    render_users(actor, current)
with orgs_tab:
    render_orgs(actor, current)
with rules_tab:
    render_care_rules(actor, local_today())
with kinds_tab:
    render_activity_kinds(actor)
with import_tab:
    import_panel(actor, "orgs", current, template_name="组织机构导入模板.csv")
with audit_tab:
    render_audit_log(actor, current)
with views_tab:
    render_view_log(actor, current)
with pack_tab:
    render_audit_pack(actor, local_today(), current)
with backup_tab:
    render_backup(actor)
