"""End or reassign one open pairing: used on the match-health list and on a child's page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.common.feedback import apply_change, remembered_version
from components.common.session import db_transaction, lang
from core.i18n import t
from core.vocab import PairingEndReason
from services.access.permissions import Actor
from services.pairing import pairing_board
from services.pairing.pairing_board import HelperPlace
from services.pairing.pairings import end_pairing, reassign

# Archiving a child ends pairings by itself; a person picks one of the others.
CHOSEN_REASONS: list[PairingEndReason] = [
    r for r in PairingEndReason if r is not PairingEndReason.child_archived]


def _reason_and_date(key: str, started_on: date, today: date,
                     default: PairingEndReason) -> tuple[PairingEndReason, date, str]:
    current = lang()
    cols = st.columns(2)
    reason = cols[0].selectbox(t("pairing.actions.reason", current), CHOSEN_REASONS,
                               index=CHOSEN_REASONS.index(default),
                               format_func=lambda r: r.label(current), key=f"{key}_reason",
                 placeholder=t("common.choose", lang()))
    on = cols[1].date_input(t("pairing.actions.date", current), value=today,
                            min_value=started_on, max_value=today,
                            format="YYYY-MM-DD", key=f"{key}_date")
    note = st.text_input(t("pairing.actions.note", current), key=f"{key}_note",
                         placeholder=t("pairing.actions.note_hint", current))
    return reason, on, note


def pairing_actions(actor: Actor, *, pairing_id: int, version: int, child_name: str,
                    helper_id: int, helper_name: str, started_on: date, today: date,
                    key: str) -> None:
    """Two small forms: end the pairing, or hand the child to another helper the same day."""
    opened = remembered_version("pairing", pairing_id, version)
    current = lang()
    end_tab, move_tab = st.tabs([t("pairing.actions.end", current),
                                 t("pairing.actions.change_helper", current)])
    with end_tab, st.form(f"{key}_end", enter_to_submit=False):
        reason, on, note = _reason_and_date(f"{key}_end", started_on, today,
                                            PairingEndReason.parents_returned)
        st.caption(t("pairing.actions.end_note", current))
        if st.form_submit_button(t("pairing.actions.end", current)):
            apply_change("pairing", lambda s: end_pairing(
                s, actor=actor, pairing_id=pairing_id, expected_version=opened, ended_on=on,
                reason=reason, note=note, today=today), pairing_id,
                t("pairing.actions.ended", current, child=child_name, helper=helper_name))
    with move_tab:
        with db_transaction() as session:
            places = [p for p in pairing_board.helpers_with_places(session, actor)
                      if p.id != helper_id]
        if not places:
            st.info(t("pairing.actions.no_other_helper", current))
            return
        with st.form(f"{key}_move", enter_to_submit=False):
            helper: HelperPlace = st.selectbox(t("pairing.actions.new_helper", current), places,
                                               format_func=lambda p: p.label,
                                               key=f"{key}_helper",
                                               placeholder=t("common.choose", current))
            reason, on, note = _reason_and_date(f"{key}_move", started_on, today,
                                                PairingEndReason.reassigned)
            st.caption(t("pairing.actions.change_note", current))
            if st.form_submit_button(t("pairing.actions.change", current), type="primary"):
                apply_change("pairing", lambda s: reassign(
                    s, actor=actor, pairing_id=pairing_id, expected_version=opened,
                    helper_id=helper.id, on=on, reason=reason, note=note, today=today),
                    pairing_id, t("pairing.actions.changed", current, child=child_name,
                                  helper=helper.name))
