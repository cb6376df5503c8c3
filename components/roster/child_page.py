"""One child's page: the 档案, editing, risk assessment, the growth timeline, archiving."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.care.contact_cards_panel import contact_card_buttons
from components.common.badges import archived_badge, key_concern_badge, risk_badge
from components.common.feedback import (
    FLASH_KEY,
    apply_change,
    forget_version,
    remembered_version,
    show_flash,
    show_problem,
)
from components.common.markup import md
from components.common.session import current_page, db_transaction, lang
from components.pairing.pairing_actions import pairing_actions
from components.pairing.pairing_board import suggestion_cards
from components.privacy.consent_panel import render_consent
from components.privacy.view_log import view_frame
from components.roster.child_entry import save_child
from components.roster.child_form import child_form
from core.errors import DomainError
from core.i18n import t
from core.validators import age_on
from core.vocab import ArchiveReason, OrgKind, RiskLevel, ViewKind
from db.models import Child
from services.access import orgs
from services.access.permissions import Actor, Capability
from services.pairing import pairings as pairing
from services.privacy import views
from services.roster import records as roster
from services.roster import risk, timeline
from services.roster.child_input import child_to_input


def _header(child: Child, places: dict[int, str], today: date) -> None:
    lg = lang()
    badges = [risk_badge(child.risk_level, lg)]
    if child.key_concern:
        badges.append(key_concern_badge(lg))
    if child.archived_at:
        badges.append(archived_badge(lg))
    st.title(md(child.name))
    st.markdown(" ".join(badges))
    parts = [child.gender.label(lg),
             t("roster.child.age", lg, age=age_on(child.birth_date, today)),
             t("roster.list_separator", lg).join(c.label(lg) for c in child.category_codes),
             places.get(child.village_id, "")]
    if school := places.get(child.school_id or 0):
        parts.append(f"{school} {child.grade or ''}{child.class_name or ''}".strip())
    st.caption(" · ".join(md(part) for part in parts))


def _facts(child: Child) -> None:
    lg = lang()
    yes, no = t("roster.child.yes", lg), t("roster.child.no", lg)
    rows = [(t("roster.form.birth_date_plain", lg), child.birth_date.isoformat()),
            (t("roster.form.id_number", lg), child.id_number or ""),
            (t("roster.form.guardian_type", lg),
             child.guardian_type.label(lg) if child.guardian_type else ""),
            (t("roster.form.left_behind_type", lg),
             child.left_behind_type.label(lg) if child.left_behind_type else ""),
            (t("roster.form.economic_status", lg),
             child.economic_status.label(lg) if child.economic_status else ""),
            (t("roster.form.academic_level", lg),
             child.academic_level.label(lg) if child.academic_level else ""),
            (t("roster.form.contact_with_parents", lg), child.contact_with_parents or ""),
            (t("roster.form.address", lg), child.address or ""),
            (t("roster.form.health", lg), child.health or ""),
            (t("roster.form.psychological", lg), child.psychological_notes or ""),
            (t("roster.form.hobbies", lg), child.hobbies or ""),
            (t("roster.form.safety_incident", lg), yes if child.safety_incident else no),
            (t("roster.form.boarding", lg), yes if child.boarding else no),
            (t("roster.form.concern_tags", lg), child.concern_tags or ""),
            (t("roster.form.notes", lg), child.notes or "")]
    st.dataframe(pd.DataFrame(rows, columns=[t("roster.child.col.item", lg),
                                             t("roster.child.col.value", lg)]),
                 hide_index=True, width="stretch", height=38 + 35 * len(rows))
    relatives = [{t("roster.child.col.relation", lg): r.relation_detail or r.relation.label(lg),
                  t("roster.child.col.name", lg): r.name,
                  t("roster.child.col.phone", lg): r.phone or "",
                  t("roster.child.col.work_place", lg): r.work_place or r.address or ""}
                 for r in child.relatives if r.archived_at is None]
    st.markdown(t("roster.child.family", lg))
    if relatives:
        st.dataframe(pd.DataFrame(relatives), hide_index=True, width="stretch")
    else:
        st.caption(t("roster.child.no_family", lg))


def _edit(actor: Actor, child: Child, today: date) -> None:
    with db_transaction() as session:
        villages = orgs.places_in_scope(session, actor, {OrgKind.village, OrgKind.community})
        schools = orgs.places_in_scope(session, actor, {OrgKind.school})
    opened = remembered_version("child", child.id, child.version)
    result = child_form(key=f"edit_child_{child.id}", villages=villages, schools=schools,
                        today=today, current=child_to_input(child),
                        submit_labels=(t("roster.child.save_changes", lang()),))
    if result is None:
        return
    # After a stale save the form keeps what this person typed; the 档案 tab shows the other change.
    saved = save_child(lambda s: roster.update_child(
        s, actor=actor, child_id=child.id, expected_version=opened, data=result[0], today=today),
        on_stale=lambda: forget_version("child", child.id))
    if saved is None:
        return
    forget_version("child", child.id)
    st.session_state[FLASH_KEY] = t("roster.child.changes_saved", lang())
    st.rerun()


def _risk(actor: Actor, child: Child, today: date) -> None:
    lg = lang()
    with db_transaction() as session:
        history = risk.assessments_of(session, actor, child.id)
    if actor.can(Capability.EDIT_ROSTER):
        with st.form(f"risk_{child.id}", clear_on_submit=True, enter_to_submit=False):
            cols = st.columns(4)
            levels = list(RiskLevel)  # named: inline, mypy takes it for the no-options overload
            level = cols[0].selectbox(t("roster.risk.overall", lg), levels,
                                      format_func=lambda r: r.label(lg),
                        placeholder=t("common.choose", lang()))
            # The widget keys stay the Chinese names they have always had.
            aspects = [cols[i + 1].selectbox(t(label_key, lg), [None, *RiskLevel],
                                             key=f"risk_{key_name}",
                                             format_func=lambda r: "—" if r is None
                                             else r.label(lg),
                           placeholder=t("common.choose", lang()))
                       for i, (label_key, key_name) in enumerate((
                           ("roster.risk.guardianship", "监护风险"),
                           ("roster.risk.physical", "身体风险"),
                           ("roster.risk.behavioural", "行为风险")))]
            assessed_on = st.date_input(t("roster.risk.assessed_on", lg), value=today,
                                        max_value=today, format="YYYY-MM-DD")
            notes = st.text_input(t("roster.risk.notes", lg))
            if st.form_submit_button(t("roster.risk.record", lg), type="primary"):
                apply_change("child", lambda s: risk.record_assessment(
                    s, actor=actor, child_id=child.id, assessed_on=assessed_on, level=level,
                    today=today, guardianship=aspects[0], physical=aspects[1],
                    behavioural=aspects[2], notes=notes), child.id,
                    t("roster.risk.recorded", lg))
    if history:
        st.dataframe(pd.DataFrame([{
            t("roster.risk.col.date", lg): a.assessed_on.isoformat(),
            t("roster.risk.col.overall", lg): a.level.label(lg),
            t("roster.risk.col.guardianship", lg):
                a.guardianship_risk.label(lg) if a.guardianship_risk else "",
            t("roster.risk.col.physical", lg):
                a.physical_risk.label(lg) if a.physical_risk else "",
            t("roster.risk.col.behavioural", lg):
                a.behavioural_risk.label(lg) if a.behavioural_risk else "",
            t("roster.risk.col.notes", lg): a.notes or "",
        } for a in history]), hide_index=True, width="stretch")
    else:
        st.caption(t("roster.risk.none", lg))


def _timeline(actor: Actor, child: Child) -> None:
    with db_transaction() as session:
        entries = timeline.child_timeline(session, actor, child.id, lang())
    lg = lang()
    if not entries:
        st.caption(t("roster.timeline.none", lg))
        return
    st.dataframe(pd.DataFrame([{t("roster.timeline.col.date", lg): e.on.isoformat(),
                                t("roster.timeline.col.kind", lg): e.kind,
                                t("roster.timeline.col.text", lg): e.text,
                                t("roster.timeline.col.by", lg): e.by or ""} for e in entries]),
                 hide_index=True, width="stretch")


def _pairings(actor: Actor, child: Child, today: date) -> None:
    with db_transaction() as session:
        records = pairing.child_pairings(session, actor, child.id)
    lg = lang()
    manage = actor.can(Capability.MANAGE_PAIRINGS)
    if not records:
        st.caption(t("roster.pairings.none", lg))
    else:
        st.dataframe(pd.DataFrame([{
            t("roster.pairings.col.helper", lg): t("roster.pairings.helper", lg,
                                                   name=r.helper_name,
                                                   kind=r.helper_kind.label(lg)),
            t("roster.pairings.col.started_on", lg): r.started_on.isoformat(),
            t("roster.pairings.col.ended_on", lg):
                r.ended_on.isoformat() if r.ended_on else t("roster.pairings.ongoing", lg),
            t("roster.pairings.col.ending", lg): r.ending,
        } for r in records]), hide_index=True, width="stretch")
    if not manage or child.archived_at is not None:
        return
    if current := [r for r in records if r.is_open]:
        chosen = st.selectbox(t("roster.pairings.adjust", lg), current,
                              key=f"child_pairing_{child.id}",
                              format_func=lambda r: t("roster.pairings.helper", lg,
                                                      name=r.helper_name,
                                                      kind=r.helper_kind.label(lg)),
                     placeholder=t("common.choose", lang()))
        pairing_actions(actor, pairing_id=chosen.id, version=chosen.version,
                        child_name=child.name, helper_id=chosen.helper_id,
                        helper_name=chosen.helper_name, started_on=chosen.started_on,
                        today=today, key=f"child_pair_{chosen.id}")
    if st.toggle(t("roster.pairings.add_helper" if current else "roster.pairings.pair", lg),
                 key=f"child_add_helper_{child.id}", value=not current):
        suggestion_cards(actor, child.id, child.name, today, today)


def _archive(actor: Actor, child: Child) -> None:
    lg = lang()
    opened = remembered_version("child", child.id, child.version)
    if child.archived_at is not None:
        st.info(t("roster.archive.is_archived", lg, on=f"{child.archived_at:%Y-%m-%d}"))
        if st.button(t("roster.archive.restore", lg), key=f"restore_{child.id}"):
            apply_change("child", lambda s: roster.restore_child(
                s, actor=actor, child_id=child.id, expected_version=opened),
                child.id, t("roster.archive.restored", lg))
        return
    with st.form(f"archive_{child.id}", enter_to_submit=False):
        reasons = list(ArchiveReason)  # named: inline, mypy takes it for the no-options overload
        reason = st.selectbox(t("roster.archive.reason", lg), reasons,
                              format_func=lambda r: r.label(lg),
                     placeholder=t("common.choose", lang()))
        note = st.text_input(t("roster.archive.note", lg),
                             placeholder=t("roster.archive.note_placeholder", lg))
        st.caption(t("roster.archive.hint", lg))
        if st.form_submit_button(t("roster.archive.submit", lg)):
            apply_change("child", lambda s: roster.archive_child(
                s, actor=actor, child_id=child.id, expected_version=opened, reason=reason,
                note=note), child.id, t("roster.archive.archived", lg))


def _who_looked(actor: Actor, child: Child) -> None:
    lg = lang()
    with db_transaction() as session:
        seen = views.who_looked(session, actor, child.id)
    st.caption(t("privacy.who_looked.note", lg))
    st.dataframe(view_frame(seen, lg, children=False), hide_index=True, width="stretch")


def render_child_page(actor: Actor, child_id: int, today: date) -> None:
    lg = lang()
    st.page_link("pages/roster.py", label=t("roster.child.back", lg),
                 icon=":material/arrow_back:")
    show_flash()
    try:
        with db_transaction() as session:
            child = roster.get_child(session, actor, child_id)
            views.record_view(session, actor, ViewKind.child_page, current_page(),
                              child_ids=[child.id])
            places = {p.id: p.label for p in orgs.places_in_scope(
                session, actor, {OrgKind.village, OrgKind.community, OrgKind.school})}
    except DomainError as exc:
        show_problem(exc)
        return
    _header(child, places, today)
    if child.id not in actor.emergency_child_ids:  # 紧急查看 opens the page, not 联系卡
        contact_card_buttons(actor, lambda: [child.id],
                             title=t("roster.child.cards_title", lg, name=child.name),
                             today=today, key=f"child_cards_{child.id}")
    editable = actor.can(Capability.EDIT_ROSTER)
    names = ["facts", "timeline", "pairings", "risk", "consent"] + (
        ["edit", "archive"] if editable else [])
    if actor.can(Capability.SEE_WHO_LOOKED):
        names.append("views")
    tabs = dict(zip(names, st.tabs([t(f"roster.child.tab_{name}", lg) for name in names]),
                    strict=True))
    with tabs["facts"]:
        _facts(child)
    with tabs["timeline"]:
        _timeline(actor, child)
    with tabs["pairings"]:
        _pairings(actor, child, today)
    with tabs["risk"]:
        _risk(actor, child, today)
    with tabs["consent"]:
        render_consent(actor, child, today)
    if editable:
        with tabs["edit"]:
            _edit(actor, child, today)
        with tabs["archive"]:
            _archive(actor, child)
    if "views" in tabs:
        with tabs["views"]:
            _who_looked(actor, child)
