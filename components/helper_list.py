"""帮扶人: the helpers with their load and flags; register, change, deactivate, see their pairs."""

from __future__ import annotations

import zlib
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from components.feedback import apply_change, remembered_version, show_problem
from components.helper_form import helper_form
from components.markup import md
from components.match_health_panel import render_match_health
from components.session import db_transaction
from services import helpers, orgs, pairing
from services.errors import DomainError
from services.match_health import HelperHealth, helper_health
from services.permissions import Actor
from services.vocab import HelperKind, OrgKind

REGISTER_ROUND = "helper_register_round"
LEAVE_REASONS = ("工作调动", "服务期满", "本人申请退出", "外出务工", "其他")


def _form_choices(actor: Actor, helper_id: int | None) -> dict:
    with db_transaction() as session:
        return {"units": orgs.org_tree(session, actor),
                "schools": orgs.places_in_scope(session, actor, {OrgKind.school}),
                "accounts": helpers.linkable_accounts(session, actor, helper_id)}


def render_register(actor: Actor, today: date) -> None:
    """登记帮扶人: the empty form; the saved helper appears in the list and on the board."""
    # A saved form starts afresh under a new key; a refused one keeps what was typed.
    round_ = st.session_state.setdefault(REGISTER_ROUND, 0)
    result = helper_form(key=f"helper_new_{round_}", today=today,
                         default_unit=actor.org_unit_id, submit_label="登记",
                         **_form_choices(actor, None))
    if result is not None:
        def register(session: Session) -> None:
            helpers.create_helper(session, actor=actor, data=result, today=today)
            st.session_state[REGISTER_ROUND] = round_ + 1

        apply_change("helper", register, 0, f"已登记帮扶人“{result.name.strip()}”。")


def _table(rows: list[HelperHealth], today: date) -> list[int]:
    frame = pd.DataFrame([{
        "姓名": h.name, "提示": ";".join(h.flags(today)), "类型": h.kind.zh,
        "已结对/可结对": f"{h.load}/{h.capacity}",
        "最近帮扶": h.last_contact.isoformat() if h.last_contact else "无记录",
        "单位": h.unit, "电话": h.phone or "", "状态": "在岗" if h.active else "已停用",
    } for h in rows])
    flagged = "background-color: #fef08a; color: #713f12"
    styled = frame.style.map(lambda v: flagged if v else "", subset=["提示"])
    listed = zlib.crc32(",".join(str(h.helper_id) for h in rows).encode())
    event = st.dataframe(styled, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"helpers_table_{listed}",
                         height=min(38 + 35 * len(frame), 460))
    return list(event.selection.rows)


def render_helper_list(actor: Actor, today: date) -> None:
    cols = st.columns([2, 2, 1], vertical_alignment="bottom")
    text = cols[0].text_input("姓名", key="helpers_q", placeholder="输入姓名查找")
    kind = cols[1].selectbox("类型", [None, *HelperKind], key="helpers_kind",
                             format_func=lambda k: "全部" if k is None else k.zh)
    inactive = cols[2].checkbox("含已停用", key="helpers_inactive")
    with db_transaction() as session:
        rows = helper_health(session, actor, today=today, include_inactive=inactive,
                             kind=kind, text=text)
    if not rows:
        st.info("没有符合条件的帮扶人。可在“登记帮扶人”中逐个登记，或在“导入”中上传帮扶人名单。")
        return
    flagged = sum(bool(h.flags(today)) for h in rows)
    picked = _table(rows, today)
    st.caption(f"共 {len(rows):,} 人" + (f",{flagged} 人需要留意（已排在最前）" if flagged else "")
               + "。点选一行查看其结对、修改或停用。")
    if picked:
        _details(actor, rows[picked[0]], today)


def _details(actor: Actor, row: HelperHealth, today: date) -> None:
    st.subheader(f"{md(row.name)}({row.kind.zh})")
    if not row.active:
        st.warning(f"已停用：{md(row.archive_reason)}")
    tabs = st.tabs(["结对情况", "结对历史", "修改", "停用" if row.active else "恢复"])
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
    if not records:
        st.caption("还没有结对记录。")
        return
    st.dataframe(pd.DataFrame([{
        "儿童": r.child_name, "开始日期": r.started_on.isoformat(),
        "结束日期": r.ended_on.isoformat() if r.ended_on else "进行中", "结束原因": r.ending,
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
                         submit_label="保存修改", **_form_choices(actor, helper_id))
    if result is not None:
        apply_change("helper", lambda s: helpers.update_helper(
            s, actor=actor, helper_id=helper_id, expected_version=opened, data=result,
            today=today), helper_id, "已保存修改。")


def _deactivate(actor: Actor, row: HelperHealth) -> None:
    opened = remembered_version("helper", row.helper_id, row.version)
    with st.form(f"helper_off_{row.helper_id}", enter_to_submit=False):
        reason = st.selectbox("停用原因", LEAVE_REASONS)
        note = st.text_input("说明（可选）", placeholder="如：调往县城小学")
        if row.load:
            st.caption(f"停用后，其结对的{row.load}名儿童会出现在结对看板的待结对名单中"
                       "（标注“原帮扶人已停用”），为其重新结对时原结对自动结束。")
        if st.form_submit_button("停用"):
            text = reason + (f":{note.strip()}" if note.strip() else "")
            message = f"已停用帮扶人“{row.name}”。" + (
                f"其{row.load}名结对儿童待重新结对，请到“结对看板”安排。" if row.load else "")
            apply_change("helper", lambda s: helpers.deactivate_helper(
                s, actor=actor, helper_id=row.helper_id, expected_version=opened, reason=text),
                row.helper_id, message)


def _reactivate(actor: Actor, row: HelperHealth) -> None:
    opened = remembered_version("helper", row.helper_id, row.version)
    if st.button("恢复为在岗", key=f"helper_on_{row.helper_id}"):
        apply_change("helper", lambda s: helpers.reactivate_helper(
            s, actor=actor, helper_id=row.helper_id, expected_version=opened), row.helper_id,
            f"已恢复帮扶人“{row.name}”。")
