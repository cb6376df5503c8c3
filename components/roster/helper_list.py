"""帮扶人: the helpers with their load and flags; register, change, deactivate, see their pairs."""

from __future__ import annotations

import zlib
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from components.common.feedback import apply_change, remembered_version, show_problem
from components.common.markup import md
from components.common.session import db_transaction, lang
from components.pairing.match_health_panel import render_match_health
from components.roster.helper_form import helper_form
from core.errors import DomainError
from core.i18n import t
from core.vocab import HelperKind, OrgKind
from services.access import orgs
from services.access.permissions import Actor
from services.pairing import pairings as pairing
from services.pairing.match_health import HelperHealth, helper_health
from services.roster import helpers

REGISTER_ROUND = "helper_register_round"
# The reason is stored as written in Chinese (it is the helper's record), shown by its key.
LEAVE_REASONS = {"工作调动": "pairing.leave.transferred", "服务期满": "pairing.leave.term_ended",
                 "本人申请退出": "pairing.leave.asked_to_leave",
                 "外出务工": "pairing.leave.working_away", "其他": "pairing.leave.other"}


def _form_choices(actor: Actor, helper_id: int | None) -> dict:
    with db_transaction() as session:
        return {"units": orgs.org_tree(session, actor),
                "schools": orgs.places_in_scope(session, actor, {OrgKind.school}),
                "accounts": helpers.linkable_accounts(session, actor, helper_id)}


def render_register(actor: Actor, today: date) -> None:
    """登记帮扶人: the empty form; the saved helper appears in the list and on the board."""
    # A saved form starts afresh under a new key; a refused one keeps what was typed.
    round_ = st.session_state.setdefault(REGISTER_ROUND, 0)
    current = lang()
    result = helper_form(key=f"helper_new_{round_}", today=today,
                         default_unit=actor.org_unit_id,
                         submit_label=t("pairing.helpers.register", current),
                         **_form_choices(actor, None))
    if result is not None:
        def register(session: Session) -> None:
            helpers.create_helper(session, actor=actor, data=result, today=today)
            st.session_state[REGISTER_ROUND] = round_ + 1

        apply_change("helper", register, 0,
                     t("pairing.helpers.registered", current, name=result.name.strip()))


def _table(rows: list[HelperHealth], today: date) -> list[int]:
    current = lang()
    flags = t("pairing.helpers.col.flags", current)
    frame = pd.DataFrame([{
        t("pairing.helpers.col.name", current): h.name,
        flags: t("pairing.flag_sep", current).join(h.flags(today, current)),
        t("pairing.helpers.col.kind", current): h.kind.label(current),
        t("pairing.helpers.col.load", current): f"{h.load}/{h.capacity}",
        t("pairing.col.last_contact", current): (
            h.last_contact.isoformat() if h.last_contact else t("pairing.no_record", current)),
        t("pairing.helpers.col.unit", current): h.unit,
        t("pairing.helpers.col.phone", current): h.phone or "",
        t("pairing.col.status", current): t(
            "pairing.helpers.active" if h.active else "pairing.helpers.inactive", current),
    } for h in rows])
    flagged = "background-color: #fef08a; color: #713f12"
    styled = frame.style.map(lambda v: flagged if v else "", subset=[flags])
    listed = zlib.crc32(",".join(str(h.helper_id) for h in rows).encode())
    event = st.dataframe(styled, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"helpers_table_{listed}",
                         height=min(38 + 35 * len(frame), 460))
    return list(event.selection.rows)


def render_helper_list(actor: Actor, today: date) -> None:
    current = lang()
    cols = st.columns([2, 2, 1], vertical_alignment="bottom")
    text = cols[0].text_input(t("pairing.helpers.col.name", current), key="helpers_q",
                              placeholder=t("pairing.helpers.name_hint", current))
    kind = cols[1].selectbox(t("pairing.helpers.col.kind", current), [None, *HelperKind],
                             key="helpers_kind",
                             format_func=lambda k: t("common.all", current) if k is None
                             else k.label(current),
               placeholder=t("common.choose", lang()))
    inactive = cols[2].checkbox(t("pairing.helpers.with_inactive", current),
                                key="helpers_inactive")
    with db_transaction() as session:
        rows = helper_health(session, actor, today=today, include_inactive=inactive,
                             kind=kind, text=text)
    if not rows:
        st.info(t("pairing.helpers.none_found", current))
        return
    flagged = sum(bool(h.flags(today)) for h in rows)
    picked = _table(rows, today)
    note = t("pairing.helpers.flagged", current, n=flagged) if flagged else ""
    st.caption(t("pairing.helpers.total", current, n=f"{len(rows):,}", flagged=note))
    if picked:
        _details(actor, rows[picked[0]], today)


def _details(actor: Actor, row: HelperHealth, today: date) -> None:
    current = lang()
    st.subheader(t("pairing.name_detail", current, name=md(row.name),
                   detail=row.kind.label(current)))
    if not row.active:
        st.warning(t("pairing.helpers.deactivated_because", current,
                     reason=md(row.archive_reason)))
    tabs = st.tabs([t("pairing.tab.health", current), t("pairing.helpers.history", current),
                    t("pairing.helpers.edit", current),
                    t("pairing.helpers.deactivate" if row.active else "pairing.helpers.reactivate",
                      current)])
    with tabs[0]:
        render_match_health(actor, today, helper_id=row.helper_id, key=f"hh_{row.helper_id}")
    with tabs[1]:
        _history(actor, row.helper_id)
    with tabs[2]:
        _edit(actor, row.helper_id, today)
    with tabs[3]:
        if row.active:
            _deactivate(actor, row)
        else:
            _reactivate(actor, row)


def _history(actor: Actor, helper_id: int) -> None:
    with db_transaction() as session:
        records = pairing.helper_pairings(session, actor, helper_id)
    current = lang()
    if not records:
        st.caption(t("pairing.helpers.no_history", current))
        return
    st.dataframe(pd.DataFrame([{
        t("pairing.col.child", current): r.child_name,
        t("pairing.col.started", current): r.started_on.isoformat(),
        t("pairing.col.ended", current): (r.ended_on.isoformat() if r.ended_on
                                          else t("pairing.helpers.ongoing", current)),
        t("pairing.col.end_reason", current): r.ending,
    } for r in records]), hide_index=True, width="stretch")


def _edit(actor: Actor, helper_id: int, today: date) -> None:
    try:
        with db_transaction() as session:
            helper = helpers.get_helper(session, actor, helper_id)
            current, version = helpers.helper_to_input(helper), helper.version
    except DomainError as exc:
        show_problem(exc)
        return
    opened = remembered_version("helper", helper_id, version)
    result = helper_form(key=f"helper_edit_{helper_id}", today=today, current=current,
                         submit_label=t("pairing.helpers.save_changes", lang()),
                         **_form_choices(actor, helper_id))
    if result is not None:
        apply_change("helper", lambda s: helpers.update_helper(
            s, actor=actor, helper_id=helper_id, expected_version=opened, data=result,
            today=today), helper_id, t("pairing.helpers.changes_saved", lang()))


def _deactivate(actor: Actor, row: HelperHealth) -> None:
    opened = remembered_version("helper", row.helper_id, row.version)
    current = lang()
    with st.form(f"helper_off_{row.helper_id}", enter_to_submit=False):
        reason = st.selectbox(t("pairing.helpers.leave_reason", current), list(LEAVE_REASONS),
                              format_func=lambda r: t(LEAVE_REASONS[r], current),
                     placeholder=t("common.choose", lang()))
        note = st.text_input(t("pairing.helpers.leave_note", current),
                             placeholder=t("pairing.helpers.leave_note_hint", current))
        if row.load:
            st.caption(t("pairing.helpers.leave_effect", current, n=row.load))
        if st.form_submit_button(t("pairing.helpers.deactivate", current)):
            text = reason + (f":{note.strip()}" if note.strip() else "")
            message = t("pairing.helpers.deactivated", current, name=row.name) + (
                t("pairing.helpers.to_repair", current, n=row.load) if row.load else "")
            apply_change("helper", lambda s: helpers.deactivate_helper(
                s, actor=actor, helper_id=row.helper_id, expected_version=opened, reason=text),
                row.helper_id, message)


def _reactivate(actor: Actor, row: HelperHealth) -> None:
    opened = remembered_version("helper", row.helper_id, row.version)
    current = lang()
    if st.button(t("pairing.helpers.reactivate_button", current),
                 key=f"helper_on_{row.helper_id}"):
        apply_change("helper", lambda s: helpers.reactivate_helper(
            s, actor=actor, helper_id=row.helper_id, expected_version=opened), row.helper_id,
            t("pairing.helpers.reactivated", current, name=row.name))
