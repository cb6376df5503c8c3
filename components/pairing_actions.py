"""End or reassign one open pairing: used on the match-health list and on a child's page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.feedback import apply_change, remembered_version
from components.session import db_transaction
from services import pairing_board
from services.pairing import end_pairing, reassign
from services.pairing_board import HelperPlace
from services.permissions import Actor
from services.vocab import PairingEndReason

# Archiving a child ends pairings by itself; a person picks one of the others.
CHOSEN_REASONS = [r for r in PairingEndReason if r is not PairingEndReason.child_archived]


def _reason_and_date(key: str, started_on: date, today: date,
                     default: PairingEndReason) -> tuple[PairingEndReason, date, str]:
    cols = st.columns(2)
    reason = cols[0].selectbox("原因", CHOSEN_REASONS, index=CHOSEN_REASONS.index(default),
                               format_func=lambda r: r.zh, key=f"{key}_reason")
    on = cols[1].date_input("日期", value=today, min_value=started_on, max_value=today,
                            format="YYYY-MM-DD", key=f"{key}_date")
    note = st.text_input("说明", key=f"{key}_note", placeholder="如：父母已返乡照顾")
    return reason, on, note


def pairing_actions(actor: Actor, *, pairing_id: int, version: int, child_name: str,
                    helper_id: int, helper_name: str, started_on: date, today: date,
                    key: str) -> None:
    """Two small forms: end the pairing, or hand the child to another helper the same day."""
    opened = remembered_version("pairing", pairing_id, version)
    end_tab, move_tab = st.tabs(["结束结对", "更换帮扶人"])
    with end_tab, st.form(f"{key}_end", enter_to_submit=False):
        reason, on, note = _reason_and_date(f"{key}_end", started_on, today,
                                            PairingEndReason.parents_returned)
        st.caption("结束后仍保留在儿童和帮扶人的结对历史中。")
        if st.form_submit_button("结束结对"):
            apply_change("pairing", lambda s: end_pairing(
                s, actor=actor, pairing_id=pairing_id, expected_version=opened, ended_on=on,
                reason=reason, note=note, today=today), pairing_id,
                f"已结束{child_name}与{helper_name}的结对。")
    with move_tab:
        with db_transaction() as session:
            places = [p for p in pairing_board.helpers_with_places(session, actor)
                      if p.id != helper_id]
        if not places:
            st.info("没有还能结对的其他帮扶人。可先登记新的帮扶人或调高可结对人数。")
            return
        with st.form(f"{key}_move", enter_to_submit=False):
            helper: HelperPlace = st.selectbox("新的帮扶人", places, format_func=lambda p: p.label,
                                               key=f"{key}_helper")
            reason, on, note = _reason_and_date(f"{key}_move", started_on, today,
                                                PairingEndReason.reassigned)
            st.caption("原结对在当天结束，新结对同日开始，一步完成。")
            if st.form_submit_button("更换", type="primary"):
                apply_change("pairing", lambda s: reassign(
                    s, actor=actor, pairing_id=pairing_id, expected_version=opened,
                    helper_id=helper.id, on=on, reason=reason, note=note, today=today),
                    pairing_id, f"已将{child_name}改由{helper.name}帮扶。")
