"""管理 › 组织机构: the county › town › village/school tree, its flags and enrolment."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common.feedback import FLASH_KEY, apply_change, remembered_version, show_problem
from components.common.pickers import org_label, org_select, vocab_select
from components.common.session import db_transaction
from core.errors import DomainError
from core.i18n import t
from core.vocab import OrgKind
from services.access import orgs
from services.access.orgs import OrgNode
from services.access.permissions import Actor


def render_orgs(actor: Actor, lang: str) -> None:
    with db_transaction() as session:
        nodes = orgs.org_tree(session, actor)
    if nodes:
        st.dataframe(pd.DataFrame([{
            t("orgs.col.unit", lang): org_label(n, lang),
            t("orgs.col.kind", lang): n.kind.label(lang),
            t("orgs.col.mountain", lang): t("orgs.yes", lang) if n.is_mountain_area else "",
            t("orgs.col.enrolled", lang): "" if n.enrolled_students is None
            else f"{n.enrolled_students:,}",
        } for n in nodes]), hide_index=True, width="stretch", height=min(600, 38 + 35 * len(nodes)))
    else:
        st.info(t("orgs.empty", lang))
    left, right = st.columns(2)
    with left:
        _create_form(actor, nodes, lang)
    with right:
        if nodes:
            _edit_form(actor, nodes, lang)


def _create_form(actor: Actor, nodes: list[OrgNode], lang: str) -> None:
    st.subheader(t("orgs.create", lang))
    with st.form("create_org", clear_on_submit=False, enter_to_submit=False):
        name = st.text_input(t("orgs.name", lang))
        kind = vocab_select(t("orgs.kind", lang), OrgKind, key="new_org_kind", lang=lang,
                            current=OrgKind.village)
        parent = org_select(t("orgs.parent", lang), nodes, key="new_org_parent", lang=lang,
                            none_label=t("common.no_parent", lang))
        mountain = st.checkbox(t("orgs.mountain", lang))
        enrolled = st.number_input(t("orgs.enrolled_for_school", lang), min_value=0, step=1,
                                   value=None)
        if st.form_submit_button(t("orgs.create_submit", lang), type="primary"):
            try:
                with db_transaction() as session:
                    orgs.create_org_unit(session, actor=actor, name=name, kind=kind,
                                         parent_id=parent, is_mountain_area=mountain,
                                         enrolled_students=enrolled)
            except DomainError as exc:
                show_problem(exc)
                return
            st.session_state[FLASH_KEY] = t("orgs.created", lang, name=name.strip())
            st.rerun()


def _edit_form(actor: Actor, nodes: list[OrgNode], lang: str) -> None:
    st.subheader(t("orgs.edit", lang))
    by_id = {n.id: n for n in nodes}
    unit_id = st.selectbox(t("orgs.pick", lang), list(by_id), key="edit_org_id",
                           format_func=lambda i: org_label(by_id[i], lang),
                  placeholder=t("common.choose", lang))
    node = by_id[unit_id]
    opened = remembered_version("org", node.id, node.version)
    with st.form(f"edit_org_{node.id}", enter_to_submit=False):
        name = st.text_input(t("orgs.name", lang), value=node.name)
        mountain = st.checkbox(t("orgs.mountain", lang), value=node.is_mountain_area)
        enrolled = st.number_input(t("orgs.col.enrolled", lang), min_value=0, step=1,
                                   value=node.enrolled_students)
        if st.form_submit_button(t("orgs.save", lang)):
            apply_change("org", lambda s: orgs.update_org_unit(
                s, actor=actor, org_unit_id=node.id, expected_version=opened, name=name,
                is_mountain_area=mountain, enrolled_students=enrolled), node.id,
                t("common.saved", lang))
    with st.form(f"archive_org_{node.id}", clear_on_submit=True, enter_to_submit=False):
        reason = st.text_input(t("orgs.archive_reason", lang),
                               placeholder=t("orgs.archive_placeholder", lang))
        if st.form_submit_button(t("orgs.archive", lang)):
            apply_change("org", lambda s: orgs.archive_org_unit(
                s, actor=actor, org_unit_id=node.id, expected_version=opened, reason=reason),
                node.id, t("orgs.archived", lang, name=node.name))
