"""结对情况: every open pairing with its last contact and status; pick one to end or reassign it."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import date

import pandas as pd
import streamlit as st

from components.markup import md
from components.pairing_actions import pairing_actions
from components.session import db_transaction
from services.match_health import PairingHealth, pairing_health
from services.permissions import Actor, Capability
from services.vocab import MatchHealth

STATUS_STYLES = {MatchHealth.attention.zh: "background-color: #fef08a; color: #713f12",
                 MatchHealth.new.zh: "background-color: #bfdbfe; color: #1e3a8a",
                 "帮扶人已停用": "background-color: #fecaca; color: #7f1d1d"}


def _status_word(row: PairingHealth) -> str:
    return row.status.zh if row.helper_active else "帮扶人已停用"


def health_frame(rows: list[PairingHealth], today: date, *, with_helper: bool = True
                 ) -> pd.DataFrame:
    """The pairings as a table, the status column coloured."""
    return pd.DataFrame([{
        "状态": _status_word(r), "儿童": r.child_name,
        **({"帮扶人": f"{r.helper_name}({r.helper_kind.zh})"} if with_helper else {}),
        "开始日期": r.started_on.isoformat(),
        "最近帮扶": r.last_contact.isoformat() if r.last_contact else "无记录",
        "距今": "—" if r.last_contact is None else f"{r.days_since_contact(today)}天",
        "本月": r.contacts_this_month,
        "本学期": r.contacts_this_term,
        "说明": r.attention_reason,  # why 需关注: the overdue rules, or the silence
    } for r in rows])


def styled(frame: pd.DataFrame) -> object:
    return frame.style.map(lambda v: STATUS_STYLES.get(v, ""), subset=["状态"])


def render_match_health(actor: Actor, today: date, *, helper_id: int | None = None,
                        key: str = "health") -> None:
    with db_transaction() as session:
        rows = pairing_health(session, actor, today=today, helper_id=helper_id)
    if not rows:
        st.info("还没有进行中的结对。在“结对看板”中为儿童结对后,这里会显示每对的帮扶情况。")
        return
    counts = Counter(r.status for r in rows)
    stopped = sum(not r.helper_active for r in rows)
    summary = " · ".join(f"{s.zh} {counts.get(s, 0)}" for s in
                         (MatchHealth.attention, MatchHealth.new, MatchHealth.healthy))
    st.caption(f"进行中的结对 {len(rows):,} 对\uff1a{summary}"
               + (f" · 帮扶人已停用 {stopped}" if stopped else "")
               + "。需关注\uff1a有帮扶要求已逾期\uff0c或结对满30天且30天内无帮扶记录"
               "\uff08见“说明”列\uff09。")
    wanted = st.segmented_control("只看", ["需关注", "新结对", "正常", "帮扶人已停用"],
                                  selection_mode="multi", key=f"{key}_status")
    shown = [r for r in rows if not wanted or _status_word(r) in wanted]
    if not shown:
        st.info("没有符合条件的结对。")
        return
    listed = zlib.crc32(",".join(str(r.pairing_id) for r in shown).encode())
    event = st.dataframe(styled(health_frame(shown, today)), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="single-row",
                         key=f"{key}_table_{listed}", height=min(38 + 35 * len(shown), 460))
    if not actor.can(Capability.MANAGE_PAIRINGS):
        return
    if not event.selection.rows:
        st.caption("点选一行可结束该结对或更换帮扶人。")
        return
    chosen = shown[event.selection.rows[0]]
    st.markdown(f"**{md(chosen.child_name)} · {md(chosen.helper_name)}**"
                f"(自{chosen.started_on:%Y-%m-%d}起)")
    pairing_actions(actor, pairing_id=chosen.pairing_id, version=chosen.version,
                    child_name=chosen.child_name, helper_id=chosen.helper_id,
                    helper_name=chosen.helper_name, started_on=chosen.started_on, today=today,
                    key=f"{key}_act_{chosen.pairing_id}")
