"""需求与资源 › 需求: counts, the coordinator's list (overdue first), recording, moves, export.

`need_from_contact` is the small form 帮扶记录 › 最近记录 offers for a need found on a visit.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version
from components.markup import md
from components.pickers import org_select
from components.session import db_transaction
from services.contacts import loggable_children
from services.exports import EXPORT_FORMATS, filename_for
from services.need_export import NEED_EXPORTS
from services.needs import (
    LONG_WAIT_DAYS,
    MAX_DESCRIPTION,
    TRANSITIONS,
    UNFINISHED,
    NeedRow,
    close_need,
    link_need,
    list_needs,
    long_waiting_count,
    need_counts,
    overdue_count,
    owner_choices,
    provider_choices,
    record_need,
    reopen_need,
    resolve_need,
)
from services.orgs import org_tree
from services.permissions import Actor, Capability
from services.vocab import NeedKind, NeedPriority, NeedStatus

KIND = "need"
OVERDUE_STYLE = "background-color: #fde2e2"
MOVE_WORDS = {NeedStatus.linked: "对接资源方", NeedStatus.resolved: "标记已解决",
              NeedStatus.closed: "关闭", NeedStatus.open: "重新打开"}


def _summary(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        counts = need_counts(session, actor)
        late = overdue_count(session, actor, today=today)
        waiting = long_waiting_count(session, actor, today=today)
    cols = st.columns(len(NeedStatus) + 1)
    for col, status in zip(cols, NeedStatus, strict=False):
        col.metric(status.zh, counts.by_status[status.value])
    cols[-1].metric("逾期", late, help="只计定了期限、已过期限而未解决的需求。")
    if waiting:
        st.caption(f"另有 {waiting} 项需求未定期限\uff0c已等待超过{LONG_WAIT_DAYS}天"
                   "\uff08不算逾期\uff0c见列表中的“已等待”\uff09。")


def _table(rows: list[NeedRow]) -> object:
    table = pd.DataFrame([{
        # No deadline: nothing in 逾期 (not "0"), and how long it has waited instead.
        "逾期": f"逾期{r.days_late}天" if r.days_late is not None else "",
        "儿童": r.child_name, "地点": r.place,
        "类型": r.kind.zh, "优先级": r.priority.zh, "状态": r.status.zh,
        "描述": r.description, "发现日期": f"{r.found_on:%Y-%m-%d}", "已等待": r.waiting_text,
        "期限": f"{r.due_on:%Y-%m-%d}" if r.due_on else "未定期限",
        "资源方": r.provider_name,
    } for r in rows])
    return table.style.apply(
        lambda row: [OVERDUE_STYLE if row["逾期"] else ""] * len(row), axis=1)


def _filtered(actor: Actor, today: date) -> list[NeedRow]:
    cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    statuses = cols[0].multiselect("状态", list(NeedStatus), default=list(UNFINISHED),
                                   format_func=lambda s: s.zh, key="needs_status")
    kinds = cols[1].multiselect("类型", list(NeedKind), format_func=lambda k: k.zh,
                                key="needs_kind", placeholder="全部类型")
    with db_transaction() as session:
        nodes = org_tree(session, actor)
    with cols[2]:
        org_unit_id = org_select("地点", nodes, key="needs_place", lang="zh",
                                 none_label="全部地点")
    overdue_only = cols[3].checkbox("只看逾期", key="needs_overdue")
    with db_transaction() as session:
        return list_needs(session, actor, today=today, statuses=statuses, kinds=kinds,
                          org_unit_id=org_unit_id, overdue_only=overdue_only)


def render_needs(actor: Actor, today: date) -> None:
    """The needs tab: counts, a form to record one, the filtered list, moves and export."""
    _summary(actor, today)
    _record_form(actor, today)
    rows = _filtered(actor, today)
    if not rows:
        st.info("没有符合条件的需求。")
    else:
        st.dataframe(_table(rows), hide_index=True, width="stretch")
        late = sum(r.overdue for r in rows)
        st.caption(f"共 {len(rows)} 项" + (f",其中 {late} 项已过期限(标红,排在最前)。"
                                          if late else "。"))
        # Picked by id: a need changed by someone else stays picked, so a save is refused
        # as stale rather than silently dropped.
        by_id = {r.id: r for r in rows}
        picked = st.selectbox("选择需求", list(by_id), index=None, key="need_pick",
                              format_func=lambda i: _label(by_id[i]),
                              placeholder="选择一项需求以对接、解决或关闭")
        if picked is not None:
            _moves(actor, by_id[picked], today)
    _export(actor, today)


def _label(row: NeedRow) -> str:
    # Nothing a move changes: the browser keeps a pick by its label across reruns.
    return f"{row.child_name} · {row.kind.zh}:{row.description[:20]}(#{row.id})"


def _need_fields(key: str, today: date) -> tuple[NeedKind, NeedPriority, str, date | None]:
    cols = st.columns(2)
    kind = cols[0].selectbox("需求类型 *", list(NeedKind), format_func=lambda k: k.zh,
                             key=f"{key}_kind")
    priority = cols[1].selectbox("优先级", list(NeedPriority), index=1,
                                 format_func=lambda p: p.zh, key=f"{key}_priority")
    description = st.text_area("需求描述 *", max_chars=MAX_DESCRIPTION, height=80,
                               key=f"{key}_description",
                               placeholder="如:残障儿童需适配辅具,家庭无力承担")
    due_on = st.date_input("期限", value=None, min_value=today, format="YYYY-MM-DD",
                           key=f"{key}_due")
    return kind, priority, description, due_on


def _record_form(actor: Actor, today: date) -> None:
    with st.expander("登记需求", icon=":material/add:"):
        text = st.text_input("查找儿童", key="need_child_search",
                             placeholder="姓名、拼音或首字母,如 zxm")
        with db_transaction() as session:
            children = loggable_children(session, actor, today=today, text=text)
        if not children:
            st.info("没有找到符合的儿童。")
            return
        child = st.selectbox("儿童 *", children, key="need_child", format_func=lambda c: c.label)
        with db_transaction() as session:
            owners = {u.id: f"{u.display_name}({u.username})"
                      for u in owner_choices(session, actor)}
        with st.form("need_record"):
            kind, priority, description, due_on = _need_fields("need_record", today)
            cols = st.columns(2)
            found_on = cols[0].date_input("发现日期 *", value=today, max_value=today,
                                          format="YYYY-MM-DD", key="need_record_found")
            owner_id = cols[1].selectbox("负责人", list(owners), format_func=owners.get,
                                         key="need_record_owner")
            submitted = st.form_submit_button("登记", type="primary")
    if submitted and child is not None:
        apply_change(KIND, lambda s: record_need(
            s, actor=actor, child_id=child.child_id, kind=kind, description=description,
            found_on=found_on, priority=priority, due_on=due_on, owner_id=owner_id,
            today=today), 0, f"已登记需求:{child.name} · {kind.zh}。")


def need_from_contact(actor: Actor, contact_id: int, child_id: int, today: date, key: str,
                      found_on: date | None = None) -> None:
    """登记发现的需求: a need found on this visit, dated the visit's day."""
    with st.expander("登记发现的需求", icon=":material/flag:"), st.form(key):
        kind, priority, description, due_on = _need_fields(key, today)
        submitted = st.form_submit_button("登记需求", type="primary")
    if submitted:
        apply_change(KIND, lambda s: record_need(
            s, actor=actor, child_id=child_id, kind=kind, description=description,
            found_on=found_on or today, priority=priority, due_on=due_on,
            care_contact_id=contact_id, today=today), 0, "已登记发现的需求。")


def _moves(actor: Actor, need: NeedRow, today: date) -> None:
    """The moves the status table allows from this need's status, one form for the chosen."""
    version = remembered_version(KIND, need.id, need.version)
    targets = [target for (start, target) in TRANSITIONS if start is need.status]
    key = f"need_{need.id}_{version}"
    linked = f" · 资源方:{md(need.provider_name)}({md(need.asked)})" if need.provider_name else ""
    st.caption(f"当前状态:{need.status.zh}{linked}")
    target = st.radio("操作", targets, format_func=MOVE_WORDS.get, horizontal=True,
                      key=f"{key}_move")
    common = {"actor": actor, "need_id": need.id, "expected_version": version, "today": today}
    if target is NeedStatus.linked:
        with db_transaction() as session:
            providers = provider_choices(session, actor)
        if not providers:
            st.info("还没有资源方,请先在“资源方”中登记。")
            return
    with st.form(f"{key}_form"):
        if target is NeedStatus.linked:
            provider = st.selectbox("资源方 *", providers, format_func=lambda p: p.label,
                                    key=f"{key}_provider")
            text = st.text_input("对接内容 *", key=f"{key}_asked",
                                 placeholder="如:捐赠轮椅一台")
        else:
            label = {NeedStatus.resolved: "解决方式 *", NeedStatus.closed: "关闭原因 *",
                     NeedStatus.open: "重新打开原因 *"}[target]
            text = st.text_input(label, key=f"{key}_text")
        submitted = st.form_submit_button(MOVE_WORDS[target], type="primary")
    if not submitted:
        return
    if target is NeedStatus.linked:
        apply_change(KIND, lambda s: link_need(
            s, provider_id=provider.provider_id if provider else None, asked=text, **common),
            need.id, f"已对接资源方:{provider.name if provider else ''}。")
    elif target is NeedStatus.resolved:
        apply_change(KIND, lambda s: resolve_need(s, resolution=text, **common), need.id,
                     "需求已解决。")
    elif target is NeedStatus.closed:
        apply_change(KIND, lambda s: close_need(s, reason=text, **common), need.id,
                     "需求已关闭。")
    else:
        apply_change(KIND, lambda s: reopen_need(s, reason=text, **common), need.id,
                     "需求已重新打开。")


def _export(actor: Actor, today: date) -> None:
    if not actor.can(Capability.EXPORT):
        return
    chosen = NEED_EXPORTS["needs"]
    with st.expander("导出需求清单", icon=":material/download:"):
        cols = st.columns(2)
        fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="need_export_fmt",
                            format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
        sensitive = cols[1].checkbox(
            "含敏感信息", key="need_export_sensitive",
            disabled=not actor.can(Capability.EXPORT_SENSITIVE),
            help="儿童姓名默认打码;勾选后导出原文,并记入操作日志。")

        def build() -> bytes:
            # Runs only when the button is clicked, so opening the tab never builds a file.
            with db_transaction() as session:
                return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                     include_sensitive=sensitive)

        st.download_button("下载", build, file_name=filename_for(chosen.title, fmt, today),
                           key="need_export_download", type="primary", on_click="ignore",
                           icon=":material/download:")
