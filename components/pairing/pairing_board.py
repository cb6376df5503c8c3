"""结对看板: children waiting for a helper beside the helpers who have room, paired in one click."""

from __future__ import annotations

import zlib
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from components.common.badges import risk_cell, style_risk
from components.common.feedback import apply_change
from components.common.markup import md
from components.common.session import db_transaction, lang
from core.i18n import t
from services.access.permissions import Actor
from services.pairing import pairing_board, suggestions
from services.pairing.pairing_board import HelperPlace, WaitingChild
from services.pairing.pairings import Assignment, pair_children
from services.stats import headline_counts

BOARD_LIMIT = 200
SEARCH_HINT = "pairing.board.search_hint"
# The two ways of pairing several children: the radio's values, labelled by these keys.
TOP_PICK, ONE_HELPER = "pairing.board.top_pick", "pairing.board.one_helper"


def coverage_metrics(actor: Actor) -> None:
    """The four numbers a coordinator watches while pairing."""
    with db_transaction() as session:
        figures = headline_counts.pairing_stats(session, actor)
    current = lang()
    cols = st.columns(4)
    cols[0].metric(t("home.children", current), f"{figures.children:,}")
    cols[1].metric(t("pairing.board.paired", current), f"{figures.children_paired:,}")
    cols[2].metric(t("home.coverage", current),
                   f"{figures.coverage:.1%}" if figures.children else "—")
    cols[3].metric(t("pairing.board.waiting", current), f"{figures.unpaired:,}")


def _waiting_table(waiting: list[WaitingChild]) -> list[int]:
    """The waiting list; returns the positions of the rows the person picked."""
    current = lang()
    risk = t("pairing.board.col.risk", current)
    frame = pd.DataFrame([{
        risk: risk_cell(c.risk_level, current),
        t("pairing.board.col.name", current): ("⚠ " if c.key_concern else "") + c.name,
        t("pairing.board.col.note", current): c.note_in(current),
        t("pairing.board.col.gender_age", current): t(
            "pairing.board.gender_age", current, gender=c.gender.label(current), age=c.age),
        t("pairing.board.col.category", current): t("pairing.list_sep", current).join(
            x.label(current) for x in c.categories),
        t("pairing.board.col.place", current): f"{c.place} {c.class_label}".strip(),
    } for c in waiting])
    # Keyed by who is listed: after a pairing the list shifts, and an old selection by row
    # position would silently point at other children.
    listed = zlib.crc32(",".join(str(c.id) for c in waiting).encode())
    event = st.dataframe(style_risk(frame, risk), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="multi-row",
                         key=f"board_waiting_{listed}",
                         height=min(38 + 35 * len(frame), 420))
    return list(event.selection.rows)


def suggestion_cards(actor: Actor, child_id: int, child_name: str, started_on: date,
                     today: date) -> None:
    """Ranked helpers for one child, each with its reasons and a one-click pairing button."""
    with db_transaction() as session:
        ranked = suggestions.suggest_helpers(session, actor, child_id, today=today)
    current = lang()
    st.markdown(f"**{t('pairing.board.suggested_for', current, name=md(child_name))}**")
    if not ranked:
        st.info(t("pairing.board.no_helper_near", current))
        return
    for rank, s in enumerate(ranked, start=1):
        with st.container(border=True):
            st.markdown(f"**{rank}. {md(s.helper_name)}** · {s.helper_kind.label(current)}"
                        f" · {md(s.unit)}")
            st.caption(md(s.why_in(current)))
            if st.button(t("pairing.board.pair_with", current, name=md(s.helper_name)),
                         key=f"pair_{child_id}_{s.helper_id}",
                         type="primary", icon=":material/handshake:"):
                apply_change("pairing", partial(
                    pair_children, actor=actor, assignments=[Assignment(child_id, s.helper_id)],
                    started_on=started_on, today=today), child_id,
                    t("pairing.board.paired_one", current, child=child_name,
                      kind=s.helper_kind.label(current), helper=s.helper_name))


def _pair_several(actor: Actor, chosen: list[WaitingChild], started_on: date,
                  today: date) -> None:
    current = lang()
    names = t("pairing.list_sep", current).join(md(c.name) for c in chosen)
    st.markdown(t("pairing.board.chosen", current, n=len(chosen), names=names))
    how = st.radio(t("pairing.board.how", current), [TOP_PICK, ONE_HELPER], horizontal=True,
                   key="board_how", format_func=lambda way: t(way, current))
    if how == ONE_HELPER:
        with db_transaction() as session:
            places = pairing_board.helpers_with_places(session, actor)
        roomy = [p for p in places if p.free >= len(chosen)]
        if not roomy:
            st.warning(t("pairing.board.no_roomy", current, n=len(chosen),
                         top_pick=t(TOP_PICK, current)))
            return
        helper: HelperPlace = st.selectbox(t("pairing.col.helper", current), roomy,
                                           format_func=lambda p: p.label,
                                           key="board_one_helper",
                                           placeholder=t("common.choose", current))
        plan = [Assignment(c.id, helper.id) for c in chosen]
    else:
        picks = _top_picks(actor, chosen, today)
        if picks is None:
            return
        plan = picks
    if st.button(t("pairing.board.pair_many", current, n=len(chosen)), type="primary",
                 key="board_pair_many"):
        apply_change("pairing", lambda session: pair_children(
            session, actor=actor, assignments=plan, started_on=started_on, today=today),
            0, t("pairing.board.paired_many", current, n=len(plan)))


def _top_picks(actor: Actor, chosen: list[WaitingChild], today: date) -> list[Assignment] | None:
    """Each child's best suggestion, skipping a helper once the batch has filled their places."""
    plan: list[Assignment] = []
    shown: list[dict[str, str]] = []
    taken: dict[int, int] = {}  # helper id → places this batch has filled
    current = lang()
    with db_transaction() as session:
        for child in chosen:
            ranked = suggestions.suggest_helpers(session, actor, child.id, today=today, limit=10)
            pick = next((s for s in ranked
                         if s.load + taken.get(s.helper_id, 0) < s.capacity), None)
            if pick is None:
                st.warning(t("pairing.board.nobody_near", current, name=md(child.name)))
                return None
            taken[pick.helper_id] = taken.get(pick.helper_id, 0) + 1
            plan.append(Assignment(child.id, pick.helper_id))
            shown.append({
                t("pairing.col.child", current): child.name,
                t("pairing.board.col.why", current): pick.why_in(current),
                t("pairing.col.helper", current): t(
                    "pairing.name_detail", current, name=pick.helper_name,
                    detail=pick.helper_kind.label(current))})
    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")
    return plan


def render_board(actor: Actor, today: date) -> None:
    coverage_metrics(actor)
    current = lang()
    text = st.text_input(t("pairing.board.search", current), key="board_q",
                         placeholder=t(SEARCH_HINT, current), icon=":material/search:")
    with db_transaction() as session:
        waiting = pairing_board.unpaired_children(session, actor, today=today, limit=BOARD_LIMIT,
                                                  text=text)
        total = pairing_board.count_unpaired(session, actor, text=text)
    if not waiting:
        if text.strip():
            st.info(t("pairing.board.no_match", current, text=md(text.strip())))
        else:
            st.success(t("pairing.board.all_paired", current))
        return
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.markdown(t("pairing.board.waiting_title", current))
        picked = _waiting_table(waiting)
        more = (t("pairing.board.showing_first", current, n=len(waiting))
                if total > len(waiting) else "")
        st.caption(t("pairing.board.total", current, total=f"{total:,}", more=more))
    with right:
        started_on = st.date_input(t("pairing.board.start", current), value=today,
                                   max_value=today,
                                   format="YYYY-MM-DD", key="board_start")
        if not picked:
            st.info(t("pairing.board.pick_hint", current))
        elif len(picked) == 1:
            child = waiting[picked[0]]
            suggestion_cards(actor, child.id, child.name, started_on, today)
        else:
            _pair_several(actor, [waiting[i] for i in picked], started_on, today)
