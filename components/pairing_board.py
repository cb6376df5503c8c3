"""结对看板: children waiting for a helper beside the helpers who have room, paired in one click."""

from __future__ import annotations

import zlib
from datetime import date

import pandas as pd
import streamlit as st

from components.badges import risk_cell, style_risk
from components.feedback import apply_change
from components.markup import md
from components.session import db_transaction
from services import pairing_board, stats, suggestions
from services.pairing import Assignment, pair_children
from services.pairing_board import HelperPlace, WaitingChild
from services.permissions import Actor

BOARD_LIMIT = 200
SEARCH_HINT = "姓名、拼音或首字母（如 lxy）、身份证号后几位"
TOP_PICK, ONE_HELPER = "各自按首选推荐结对", "都交给同一位帮扶人"


def coverage_metrics(actor: Actor) -> None:
    """The four numbers a coordinator watches while pairing."""
    with db_transaction() as session:
        figures = stats.pairing_stats(session, actor)
    cols = st.columns(4)
    cols[0].metric("在册儿童", f"{figures.children:,}")
    cols[1].metric("已结对", f"{figures.children_paired:,}")
    cols[2].metric("结对覆盖率", f"{figures.coverage:.1%}" if figures.children else "—")
    cols[3].metric("待结对", f"{figures.unpaired:,}")


def _waiting_table(waiting: list[WaitingChild]) -> list[int]:
    """The waiting list; returns the positions of the rows the person picked."""
    frame = pd.DataFrame([{
        "风险": risk_cell(c.risk_level), "姓名": ("⚠ " if c.key_concern else "") + c.name,
        "说明": c.note,
        "性别年龄": f"{c.gender.zh} {c.age}岁", "类别": "、".join(x.zh for x in c.categories),
        "学校/村": f"{c.place} {c.class_label}".strip(),
    } for c in waiting])
    # Keyed by who is listed: after a pairing the list shifts, and an old selection by row
    # position would silently point at other children.
    listed = zlib.crc32(",".join(str(c.id) for c in waiting).encode())
    event = st.dataframe(style_risk(frame, "风险"), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="multi-row",
                         key=f"board_waiting_{listed}",
                         height=min(38 + 35 * len(frame), 420))
    return list(event.selection.rows)


def suggestion_cards(actor: Actor, child_id: int, child_name: str, started_on: date,
                     today: date) -> None:
    """Ranked helpers for one child, each with its reasons and a one-click pairing button."""
    with db_transaction() as session:
        ranked = suggestions.suggest_helpers(session, actor, child_id, today=today)
    st.markdown(f"**为 {md(child_name)} 推荐的帮扶人**")
    if not ranked:
        st.info("附近没有还能结对的帮扶人。可在“帮扶人”中登记新的帮扶人,或调高某位帮扶人的"
                "可结对人数。")
        return
    for rank, s in enumerate(ranked, start=1):
        with st.container(border=True):
            st.markdown(f"**{rank}. {md(s.helper_name)}** · {s.helper_kind.zh} · {md(s.unit)}")
            st.caption(md(s.why))
            if st.button(f"与{md(s.helper_name)}结对", key=f"pair_{child_id}_{s.helper_id}",
                         type="primary", icon=":material/handshake:"):
                apply_change("pairing", lambda session, s=s: pair_children(
                    session, actor=actor, assignments=[Assignment(child_id, s.helper_id)],
                    started_on=started_on, today=today), child_id,
                    f"已将{child_name}与{s.helper_kind.zh}{s.helper_name}结对。")


def _pair_several(actor: Actor, chosen: list[WaitingChild], started_on: date,
                  today: date) -> None:
    st.markdown(f"**已选 {len(chosen)} 名儿童:**{'、'.join(md(c.name) for c in chosen)}")
    how = st.radio("结对方式", [TOP_PICK, ONE_HELPER], horizontal=True, key="board_how")
    if how == ONE_HELPER:
        with db_transaction() as session:
            places = pairing_board.helpers_with_places(session, actor)
        roomy = [p for p in places if p.free >= len(chosen)]
        if not roomy:
            st.warning(f"没有可再结对{len(chosen)}人的帮扶人,请改为“{TOP_PICK}”或少选几名儿童。")
            return
        helper: HelperPlace = st.selectbox("帮扶人", roomy, format_func=lambda p: p.label,
                                           key="board_one_helper")
        plan = [Assignment(c.id, helper.id) for c in chosen]
    else:
        plan = _top_picks(actor, chosen, today)
        if plan is None:
            return
    if st.button(f"为这 {len(chosen)} 名儿童结对", type="primary", key="board_pair_many"):
        apply_change("pairing", lambda session: pair_children(
            session, actor=actor, assignments=plan, started_on=started_on, today=today),
            0, f"已为{len(plan)}名儿童结对。")


def _top_picks(actor: Actor, chosen: list[WaitingChild], today: date) -> list[Assignment] | None:
    """Each child's best suggestion, skipping a helper once the batch has filled their places."""
    plan, shown, taken = [], [], {}
    with db_transaction() as session:
        for child in chosen:
            ranked = suggestions.suggest_helpers(session, actor, child.id, today=today, limit=10)
            pick = next((s for s in ranked
                         if s.load + taken.get(s.helper_id, 0) < s.capacity), None)
            if pick is None:
                st.warning(f"{md(child.name)}附近没有还能结对的帮扶人,请先取消选择该儿童。")
                return None
            taken[pick.helper_id] = taken.get(pick.helper_id, 0) + 1
            plan.append(Assignment(child.id, pick.helper_id))
            shown.append({"儿童": child.name, "理由": pick.why,
                          "帮扶人": f"{pick.helper_name}({pick.helper_kind.zh})"})
    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")
    return plan


def render_board(actor: Actor, today: date) -> None:
    coverage_metrics(actor)
    text = st.text_input("搜索待结对儿童", key="board_q", placeholder=SEARCH_HINT,
                         icon=":material/search:")
    with db_transaction() as session:
        waiting = pairing_board.unpaired_children(session, actor, today=today, limit=BOARD_LIMIT,
                                                  text=text)
        total = pairing_board.count_unpaired(session, actor, text=text)
    if not waiting:
        if text.strip():
            st.info(f"待结对儿童中没有与“{md(text.strip())}”相符的。"
                    "已结对的儿童请在“结对情况”或名单中查找。")
        else:
            st.success("范围内的儿童都已结对。新建档的儿童会出现在这里等待结对。")
        return
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.markdown("**待结对儿童**\uff08红、黄色风险和未评估的在前\uff0c然后是困境儿童\uff09")
        picked = _waiting_table(waiting)
        more = f"\uff0c显示前{len(waiting)}人" if total > len(waiting) else ""
        st.caption(f"共 {total:,} 人待结对{more}。点选一名儿童查看推荐\uff1b可多选后一次结对。")
    with right:
        started_on = st.date_input("结对开始日期", value=today, max_value=today,
                                   format="YYYY-MM-DD", key="board_start")
        if not picked:
            st.info("在左侧名单中点选一名儿童,这里会列出推荐的帮扶人及理由。")
        elif len(picked) == 1:
            child = waiting[picked[0]]
            suggestion_cards(actor, child.id, child.name, started_on, today)
        else:
            _pair_several(actor, [waiting[i] for i in picked], started_on, today)
