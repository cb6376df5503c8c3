"""结对情况: every open pairing with its last contact and status; pick one to end or reassign it."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import date

import pandas as pd
import streamlit as st

from components.common.markup import md
from components.common.session import db_transaction, lang
from components.pairing.pairing_actions import pairing_actions
from core.i18n import t
from core.vocab import MatchHealth
from services.access.permissions import Actor, Capability
from services.pairing.match_health import PairingHealth, pairing_health

HELPER_OFF = "helper_off"  # the status of a pairing whose helper was deactivated
STATUSES = (MatchHealth.attention, MatchHealth.new, MatchHealth.healthy, HELPER_OFF)
STATUS_STYLES = {MatchHealth.attention: "background-color: #fef08a; color: #713f12",
                 MatchHealth.new: "background-color: #bfdbfe; color: #1e3a8a",
                 HELPER_OFF: "background-color: #fecaca; color: #7f1d1d"}


def _status(row: PairingHealth) -> str:
    return row.status if row.helper_active else HELPER_OFF


def _status_label(status: str, lang: str) -> str:
    if status == HELPER_OFF:
        return t("pairing.health.helper_off", lang)
    return MatchHealth(status).label(lang)


def health_frame(rows: list[PairingHealth], today: date, lang: str, *,
                 with_helper: bool = True) -> pd.DataFrame:
    """The pairings as a table, the status column coloured."""
    return pd.DataFrame([{
        t("pairing.col.status", lang): _status_label(_status(r), lang),
        t("pairing.col.child", lang): r.child_name,
        **({t("pairing.col.helper", lang): t(
            "pairing.name_detail", lang, name=r.helper_name,
            detail=r.helper_kind.label(lang))} if with_helper else {}),
        t("pairing.col.started", lang): r.started_on.isoformat(),
        t("pairing.col.last_contact", lang): (
            r.last_contact.isoformat() if r.last_contact else t("pairing.no_record", lang)),
        t("pairing.health.col.days_since", lang): (
            "—" if r.last_contact is None
            else t("pairing.health.days", lang, n=r.days_since_contact(today))),
        t("pairing.health.col.this_month", lang): r.contacts_this_month,
        t("pairing.health.col.this_term", lang): r.contacts_this_term,
        # why it needs attention: the overdue rules, or the silence
        t("pairing.health.col.note", lang): r.attention_reason_in(lang),
    } for r in rows])


def styled(frame: pd.DataFrame, lang: str) -> object:
    styles = {_status_label(status, lang): style for status, style in STATUS_STYLES.items()}
    return frame.style.map(lambda v: styles.get(v, ""),
                           subset=[t("pairing.col.status", lang)])


def render_match_health(actor: Actor, today: date, *, helper_id: int | None = None,
                        key: str = "health") -> None:
    with db_transaction() as session:
        rows = pairing_health(session, actor, today=today, helper_id=helper_id)
    current = lang()
    if not rows:
        st.info(t("pairing.health.none", current))
        return
    counts = Counter(r.status for r in rows)
    stopped = sum(not r.helper_active for r in rows)
    summary = " · ".join(f"{s.label(current)} {counts.get(s, 0)}" for s in
                         (MatchHealth.attention, MatchHealth.new, MatchHealth.healthy))
    if stopped:
        summary += f" · {t('pairing.health.helper_off', current)} {stopped}"
    st.caption(t("pairing.health.summary", current, n=f"{len(rows):,}", summary=summary))
    wanted = st.segmented_control(t("pairing.health.only", current), list(STATUSES),
                                  format_func=lambda s: _status_label(s, current),
                                  selection_mode="multi", key=f"{key}_status")
    shown = [r for r in rows if not wanted or _status(r) in wanted]
    if not shown:
        st.info(t("pairing.health.none_match", current))
        return
    listed = zlib.crc32(",".join(str(r.pairing_id) for r in shown).encode())
    event = st.dataframe(styled(health_frame(shown, today, current), current), hide_index=True,
                         width="stretch", on_select="rerun", selection_mode="single-row",
                         key=f"{key}_table_{listed}", height=min(38 + 35 * len(shown), 460))
    if not actor.can(Capability.MANAGE_PAIRINGS):
        return
    if not event.selection.rows:
        st.caption(t("pairing.health.pick_hint", current))
        return
    chosen = shown[event.selection.rows[0]]
    st.markdown(f"**{md(chosen.child_name)} · {md(chosen.helper_name)}**"
                + t("pairing.health.since", current, date=f"{chosen.started_on:%Y-%m-%d}"))
    pairing_actions(actor, pairing_id=chosen.pairing_id, version=chosen.version,
                    child_name=chosen.child_name, helper_id=chosen.helper_id,
                    helper_name=chosen.helper_name, started_on=chosen.started_on, today=today,
                    key=f"{key}_act_{chosen.pairing_id}")
