"""待办: what a helper owes, and for coordinators the compliance rates, overdue list and the
children nobody contacted this month. Re-read on every run, so a logged contact shows at once."""

from __future__ import annotations

from collections import Counter
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from components.markup import md
from components.session import db_transaction
from services.compliance import ComplianceStatus, Standing, standings
from services.exports import EXPORT_FORMATS, filename_for
from services.permissions import Actor, Capability
from services.todo import (
    GROUPINGS,
    QuietChild,
    RateRow,
    TodoItem,
    no_contact_this_month,
    rates_of,
    todo_for_helper,
    todo_of,
)
from services.todo_export import TODO_EXPORTS
from services.vocab import Role

S = ComplianceStatus
GROUP_LABELS = {"helper": "帮扶人", "school": "学校", "village": "村(社区)", "rule": "帮扶要求"}
URGENCY = {0: ":red[已逾期]", 1: ":orange[本周到期]", 2: ":orange[即将到期]", 3: "进行中"}
SHOWN_ROWS = 500
COMPACT_ITEMS = 5
CHART_MAX_BARS = 40


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def todo_frame(items: list[TodoItem], *, with_helper: bool) -> pd.DataFrame:
    return pd.DataFrame([{
        "状态": "本周到期" if item.urgency == 1 else item.status.zh, "儿童": item.child_name,
        "学校/村": item.place, **({"帮扶人": item.helper_name} if with_helper else {}),
        "要求": item.rule_name, "完成情况": item.situation, "截止": item.deadline_text,
    } for item in items])


def rates_frame(rows: list[RateRow], group_label: str) -> pd.DataFrame:
    return pd.DataFrame([{group_label: r.label, "应完成": r.due, "已完成": r.met,
                          "已逾期": r.overdue, "完成率": _percent(r.rate)} for r in rows])


def rates_chart(rows: list[RateRow], group_label: str) -> alt.Chart:
    """Completion rate per group as horizontal bars, lowest first."""
    data = pd.DataFrame([{"名称": r.label, "完成率": r.rate or 0.0, "应完成": r.due,
                          "已完成": r.met} for r in rows])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("完成率:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("名称:N", sort=None, title=group_label),
        tooltip=["名称", "应完成", "已完成", alt.Tooltip("完成率:Q", format=".1%")],
    ).properties(height=alt.Step(28))


def render_my_todo(actor: Actor, today: date) -> None:
    """The top of 我的结对: what is overdue or due this week, the first few items."""
    if actor.helper_id is None:
        return
    with db_transaction() as session:
        items = todo_for_helper(session, actor, today=today)
    urgent = [i for i in items if i.urgency <= 1]
    with st.container(border=True):
        if not urgent:
            st.markdown("**待办** · 本周没有待办")
            if items:
                st.caption(f"本期还有 {len(items)} 项要求未完成,截止日期在下周以后。")
            return
        counts = Counter(i.urgency for i in urgent)
        st.markdown(f"**待办** · 已逾期 {counts[0]} 项 · 本周到期 {counts[1]} 项")
        for item in urgent[:COMPACT_ITEMS]:
            st.markdown(f"{URGENCY[item.urgency]} **{md(item.child_name)}** {md(item.rule_name)}"
                        f"\uff08{item.situation}\uff09")  # numbers and period names only
        if len(urgent) > COMPACT_ITEMS:
            st.caption(f"还有 {len(urgent) - COMPACT_ITEMS} 项,见“帮扶记录 › 待办”。")


def render_todo(actor: Actor, today: date) -> None:
    """The 待办 tab: a helper's own list, or a coordinator's overview of their scope."""
    if actor.role is Role.helper or not actor.can(Capability.VIEW_PEOPLE):
        _helper_todo(actor, today)
        return
    with db_transaction() as session:
        judged = list(standings(session, actor, today=today))
        quiet = no_contact_this_month(session, actor, today=today)
    items = todo_of(judged, today)
    if actor.helper_id is not None:
        with st.expander("我的待办"):
            _helper_todo(actor, today)
    if not judged:
        st.info("范围内还没有进行中的结对,结对后这里会显示各项帮扶要求的完成情况。")
        return
    _overview(judged, items, quiet)
    _rates(judged)
    _overdue(actor, today, [i for i in items if i.status is S.overdue])
    _quiet(actor, today, quiet)


def _helper_todo(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        items = todo_for_helper(session, actor, today=today)
    if not items:
        st.success("本期帮扶要求均已完成,本周没有待办。")
        return
    counts = Counter(i.urgency for i in items)
    st.caption(f"已逾期 {counts[0]} · 本周到期 {counts[1]} · 即将到期 {counts[2]} · "
               f"进行中 {counts[3]}。已逾期:上一周期未完成,本期完成后消除。")
    st.dataframe(todo_frame(items, with_helper=False), hide_index=True, width="stretch")


def _overview(judged: list[Standing], items: list[TodoItem], quiet: list[QuietChild]) -> None:
    due = [s for s in judged if s.status is not S.paused]
    met = sum(s.status is S.met for s in due)
    cols = st.columns(5)
    cols[0].metric("完成率", _percent(met / len(due) if due else None),
                   help="本期已完成的“结对×要求”占应完成的比例(寒暑假暂停的要求不计)")
    cols[1].metric("已完成", f"{met:,}")
    cols[2].metric("应完成", f"{len(due):,}", help="进行中的结对 × 适用于该结对的帮扶要求")
    cols[3].metric("已逾期", f"{sum(i.status is S.overdue for i in items):,}",
                   help="上一周期未完成、本期也尚未完成的项")
    cols[4].metric("本月未联系儿童", f"{len(quiet):,}")
    if paused := len(judged) - len(due):
        st.caption(f"寒暑假中暂停检查 {paused:,} 项。")


def _rates(judged: list[Standing]) -> None:
    group = st.segmented_control("完成率按", list(GROUPINGS), default="helper",
                                 format_func=GROUP_LABELS.get, key="todo_rates_by") or "helper"
    rows = rates_of(judged, group)
    label = GROUP_LABELS[group]
    st.dataframe(rates_frame(rows, label), hide_index=True, width="stretch",
                 height=min(38 + 35 * len(rows), 360))
    # A bar per group reads well up to a few dozen groups (schools, villages, rules).
    if 1 < len(rows) <= CHART_MAX_BARS:
        st.altair_chart(rates_chart(rows, label), width="stretch")


def _overdue(actor: Actor, today: date, overdue: list[TodoItem]) -> None:
    st.subheader(f"逾期清单({len(overdue):,} 项)")
    if not overdue:
        st.success("没有逾期的帮扶要求。")
        return
    st.dataframe(todo_frame(overdue[:SHOWN_ROWS], with_helper=True), hide_index=True,
                 width="stretch")
    if len(overdue) > SHOWN_ROWS:
        st.caption(f"只显示前 {SHOWN_ROWS} 项,完整清单请下载。")
    _download(actor, today, "todo")


def _quiet(actor: Actor, today: date, quiet: list[QuietChild]) -> None:
    with st.expander(f"本月尚无任何帮扶记录的儿童({len(quiet):,} 人)"):
        if not quiet:
            st.success("本月每个结对儿童都已有帮扶记录。")
            return
        st.dataframe(pd.DataFrame([{
            "儿童": c.name, "学校": c.school, "村(社区)": c.village, "帮扶人": c.helpers,
            "最近帮扶": c.last_contact.isoformat() if c.last_contact else "从未联系",
        } for c in quiet[:SHOWN_ROWS]]), hide_index=True, width="stretch")
        _download(actor, today, "no_contact")


def _download(actor: Actor, today: date, kind: str) -> None:
    if not actor.can(Capability.EXPORT):
        return
    chosen = TODO_EXPORTS[kind]
    left, middle, right = st.columns([2, 2, 1])
    fmt = left.radio("格式", EXPORT_FORMATS, horizontal=True, key=f"{kind}_export_fmt",
                     format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = middle.checkbox("含敏感信息", key=f"{kind}_export_sensitive",
                                disabled=not actor.can(Capability.EXPORT_SENSITIVE),
                                help="姓名默认打码;勾选后导出原文,并记入操作日志。")

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                 include_sensitive=sensitive)

    right.download_button(f"下载{chosen.title}", build,
                          file_name=filename_for(chosen.title, fmt, today),
                          key=f"{kind}_export_download", on_click="ignore",
                          icon=":material/download:")
