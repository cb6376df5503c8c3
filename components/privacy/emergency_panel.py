"""紧急查看: the coordinator's request (on 儿童档案) and the administrators' review (管理)."""

from __future__ import annotations

import functools
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from components.common.feedback import apply_change, show_problem
from components.common.markup import md
from components.common.session import current_page, db_transaction
from config import local_time
from core.errors import DomainError
from core.i18n import t
from services.access.permissions import Actor, Capability
from services.privacy import emergency

OPENED_KEY = "emergency_opened"  # the child just opened, to link to


def render_emergency_request(actor: Actor, today: date, lang: str) -> None:
    """An expander for those with a scope: name one child exactly, say why, open for 24 h."""
    if not actor.can(Capability.EMERGENCY_VIEW) or actor.org_unit_id is None:
        return  # an administrator without a scope sees every child already
    with st.expander(t("privacy.emergency.title", lang), icon=":material/emergency:"):
        st.caption(t("privacy.emergency.intro", lang))
        with st.form("emergency_form", clear_on_submit=False, border=False):
            id_number = st.text_input(t("privacy.emergency.id_number", lang), max_chars=18,
                                      key="emergency_id_number")
            left, right = st.columns(2)
            name = left.text_input(t("privacy.emergency.name", lang), max_chars=50,
                                   key="emergency_name",
                                   help=t("privacy.emergency.name_help", lang))
            born = right.date_input(t("privacy.emergency.birth_date", lang), value=None,
                                    min_value=date(today.year - 20, 1, 1), max_value=today,
                                    format="YYYY-MM-DD", key="emergency_birth_date")
            reason = st.text_area(t("privacy.emergency.reason", lang),
                                  max_chars=emergency.MAX_REASON, key="emergency_reason",
                                  placeholder=t("privacy.emergency.reason_help", lang))
            sent = st.form_submit_button(t("privacy.emergency.open", lang),
                                         icon=":material/lock_open:")
        if sent:
            _open(actor, emergency.EmergencyRequest(reason=reason, id_number=id_number,
                                                    name=name, birth_date=born))
        if (opened := st.session_state.get(OPENED_KEY)) is not None:
            child_id, until = opened
            st.success(t("privacy.emergency.opened", lang, until=until))
            st.page_link("pages/roster.py", label=t("privacy.emergency.go", lang),
                         icon=":material/person:", query_params={"child": str(child_id)})


def _open(actor: Actor, request: emergency.EmergencyRequest) -> None:
    try:
        with db_transaction() as session:
            grant = emergency.open_in_emergency(session, actor, request, page=current_page())
            opened = (grant.child_id, local_time(grant.expires_at))
    except emergency.EmergencyNotFound as exc:
        with db_transaction() as session:  # the try stays on record although nothing opened
            emergency.record_not_found(session, actor, request)
        show_problem(exc)
        return
    except DomainError as exc:
        show_problem(exc)
        return
    st.session_state[OPENED_KEY] = opened
    # The next run re-reads the account, and with it the new grant (users.actor_for).
    st.rerun()


def render_emergency_review(actor: Actor, lang: str) -> None:
    """The grants administrators have not yet acknowledged, each with its button."""
    st.subheader(t("privacy.review.title", lang))
    with db_transaction(write=False) as session:
        pending = emergency.review_list(session, actor)
    if not pending:
        st.caption(t("privacy.review.empty", lang))
        return
    st.caption(t("privacy.review.caption", lang))
    for grant in pending:
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(t("privacy.review.item", lang, user=md(grant.username),
                        child=md(grant.child_name), at=local_time(grant.granted_at),
                        until=local_time(grant.expires_at), reason=md(grant.reason),
                        state=t("privacy.review.active" if grant.active
                                else "privacy.review.expired", lang)))
        if button.button(t("privacy.review.acknowledge", lang), key=f"ack_{grant.id}"):
            apply_change("emergency_grant",
                         functools.partial(_acknowledge, actor=actor, grant_id=grant.id),
                         grant.id, t("privacy.review.done", lang))


def _acknowledge(session: Session, *, actor: Actor, grant_id: int) -> None:
    emergency.acknowledge(session, actor, grant_id)
