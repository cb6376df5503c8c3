"""专项行动: each campaign's progress, who is and is not reached yet, the gaps list to download."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version, show_flash, show_problem
from components.markup import md, md_block
from components.pickers import org_select
from components.session import db_transaction
from services.campaigns import (
    CAMPAIGN_EXPORTS,
    ENDED,
    GAPS_TITLE,
    RUNNING,
    CampaignInput,
    CampaignSummary,
    ReachRow,
    activity_kind_options,
    archive_campaign,
    campaign_progress,
    create_campaign,
    list_campaigns,
    update_campaign,
)
from services.errors import DomainError
from services.exports import EXPORT_FORMATS, filename_for
from services.orgs import OrgNode, org_tree
from services.permissions import Actor, Capability
from services.vocab import Category, ContactKind, RiskLevel

STATUS_BADGES = {RUNNING: ":green-background[进行中]", ENDED: ":gray-background[已结束]"}
UPCOMING_BADGE = ":blue-background[未开始]"
EVERYONE = "全部(我管辖范围内的儿童)"
EMPTY_STATE = ("还没有专项行动。专项行动是在一段时间内,用某类活动或某种帮扶方式覆盖一批儿童,"
               "例如“春节慰问”覆盖某乡镇的全部困境儿童、“暑期防溺水安全教育”覆盖每一名儿童。"
               "新建后,这里会显示已覆盖和尚未覆盖的儿童,并可导出未覆盖名单,交给各校各村补上。")
Reach = tuple[str, str]  # ("activity", kind code) or ("contact", ContactKind code)


def render_campaigns(actor: Actor, today: date) -> None:
    """The campaigns tab: create, watch progress, look into one, export what is left to do."""
    show_flash()
    with db_transaction() as session:
        summaries = list_campaigns(session, actor, today=today)
        kinds = activity_kind_options(session)
        units = org_tree(session, actor)
    if actor.can(Capability.MANAGE_PAIRINGS):
        with st.expander("新建专项行动", expanded=not summaries, icon=":material/add:"):
            data = campaign_form(key="campaign_new", kinds=kinds, units=units, today=today,
                                 submit_label="新建")
            if data is not None:
                apply_change("campaign", lambda s: create_campaign(s, actor=actor, data=data), 0,
                             f"已新建专项行动“{data.name.strip()}”。")
    if not summaries:
        st.info(EMPTY_STATE, icon=":material/campaign:")
        return
    for summary in summaries:
        _progress_card(summary, today)
    _gaps_download(actor, today, key="campaign_gaps_running", campaign_id=None,
                   title=GAPS_TITLE, label="下载全部进行中专项行动的未覆盖名单")
    st.divider()
    by_id = {s.id: s for s in summaries}
    chosen = st.selectbox("查看专项行动", list(by_id), key="campaign_pick",
                          format_func=lambda i: f"{by_id[i].name}({by_id[i].status})")
    if chosen is not None:
        _detail(actor, today, by_id[chosen], kinds, units)


def _badge(summary: CampaignSummary) -> str:
    return STATUS_BADGES.get(summary.status, UPCOMING_BADGE)


def _days_left(summary: CampaignSummary, today: date) -> str:
    if summary.status != RUNNING:
        return ""
    left = (summary.ends_on - today).days
    return " · 今天截止" if left == 0 else f" · 还剩{left}天"


def _progress_card(summary: CampaignSummary, today: date) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(summary.name)}** {_badge(summary)}")
        st.caption(f"{summary.starts_on:%Y-%m-%d} 至 {summary.ends_on:%Y-%m-%d}"
                   f"{_days_left(summary, today)} · {md(summary.reach_label)} · "
                   f"对象:{md(summary.target_label)}")
        st.progress(summary.share or 0.0, text=summary.progress_label)  # figures only


def _table(rows: list[ReachRow], *, with_date: bool) -> pd.DataFrame:
    return pd.DataFrame([{
        "姓名": r.name, "性别": r.gender, "年龄": r.age, "乡镇": r.town, "学校/村": r.place,
        "班级": r.class_label,
        **({"最近覆盖日期": r.last_reached.isoformat() if r.last_reached else ""}
           if with_date else {}),
    } for r in rows])


def _detail(actor: Actor, today: date, summary: CampaignSummary, kinds: dict[str, str],
            units: list[OrgNode]) -> None:
    try:
        with db_transaction() as session:
            progress = campaign_progress(session, actor, summary.id, today=today)
    except DomainError as exc:
        show_problem(exc)
        return
    done = progress.campaign
    cols = st.columns(4)
    cols[0].metric("目标儿童", done.target)
    cols[1].metric("已覆盖", done.reached)
    cols[2].metric("未覆盖", done.target - done.reached)
    cols[3].metric("覆盖率", f"{done.share:.1%}" if done.share is not None else "—")
    if done.notes:
        st.caption(md_block(done.notes))
    waiting, reached = st.tabs([f"未覆盖({len(progress.not_reached)})",
                                f"已覆盖({len(progress.reached)})"])
    with waiting:
        if progress.not_reached:
            st.dataframe(_table(progress.not_reached, with_date=False), hide_index=True,
                         width="stretch", key=f"campaign_waiting_{done.id}")
        elif done.target:
            st.success("目标儿童已全部覆盖。")
        else:
            st.info("目标范围内没有符合条件的在册儿童,请检查范围、类别和风险等级。")
    with reached:
        if progress.reached:
            st.dataframe(_table(progress.reached, with_date=True), hide_index=True,
                         width="stretch", key=f"campaign_reached_{done.id}")
        else:
            st.caption("还没有儿童被覆盖。")
    _gaps_download(actor, today, key=f"campaign_gaps_{done.id}", campaign_id=done.id,
                   title=f"{done.name}_未覆盖名单", label="下载未覆盖名单")
    if done.editable:
        _edit_and_archive(actor, today, done, kinds, units)
    elif actor.can(Capability.MANAGE_PAIRINGS):
        st.caption("该专项行动由上级单位发起,您可以查看和导出,但不能修改。")


def _gaps_download(actor: Actor, today: date, *, key: str, campaign_id: int | None, title: str,
                   label: str) -> None:
    if not actor.can(Capability.EXPORT):
        return
    cols = st.columns([1, 1, 2])
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key=f"{key}_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox(
        "含敏感信息", key=f"{key}_sensitive", disabled=not actor.can(Capability.EXPORT_SENSITIVE),
        help="姓名和监护人电话默认打码;勾选后导出原文,并记入操作日志。")

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            gaps = CAMPAIGN_EXPORTS["campaign_gaps"]  # audited like every list export
            return gaps.export(session, actor=actor, fmt=fmt, today=today,
                               include_sensitive=sensitive, campaign_id=campaign_id)

    cols[2].download_button(label, build, file_name=filename_for(title, fmt, today), key=key,
                            on_click="ignore", icon=":material/download:")


def _edit_and_archive(actor: Actor, today: date, summary: CampaignSummary,
                      kinds: dict[str, str], units: list[OrgNode]) -> None:
    opened = remembered_version("campaign", summary.id, summary.version)
    with st.expander("修改", icon=":material/edit:"):
        current = CampaignInput(summary.name, summary.starts_on, summary.ends_on,
                                summary.activity_kind, summary.contact_kind, summary.org_unit_id,
                                summary.category, summary.risk_level, summary.notes or "")
        data = campaign_form(key=f"campaign_edit_{summary.id}", kinds=kinds, units=units,
                             today=today, current=current, submit_label="保存修改")
        if data is not None:
            apply_change("campaign", lambda s: update_campaign(
                s, actor=actor, campaign_id=summary.id, expected_version=opened, data=data),
                summary.id, "已保存修改。")
    with st.expander("归档", icon=":material/archive:"), \
            st.form(f"campaign_archive_{summary.id}"):
        reason = st.text_input("归档原因(可选)", max_chars=200, placeholder="如:已结束并已汇报")
        st.caption("归档后不再出现在列表中;记录仍保留在数据库和操作日志里。")
        if st.form_submit_button("归档"):
            apply_change("campaign", lambda s: archive_campaign(
                s, actor=actor, campaign_id=summary.id, expected_version=opened, reason=reason),
                summary.id, f"已归档专项行动“{summary.name}”。")


def _choice(label: str, options: list, current: object, key: str, labels: dict,
            none_label: str = "不限") -> object:
    choices = [None, *options]
    return st.selectbox(label, choices, key=key,
                        index=choices.index(current) if current in choices else 0,
                        format_func=lambda o: none_label if o is None else labels[o])


def campaign_form(*, key: str, kinds: dict[str, str], units: list[OrgNode], today: date,
                  current: CampaignInput | None = None,
                  submit_label: str = "保存") -> CampaignInput | None:
    """Return what was submitted, or None; checking it is the service's job."""
    data = current or CampaignInput("", today, today + timedelta(days=30))
    if data.activity_kind and data.activity_kind not in kinds:  # a kind archived since
        kinds = {**kinds, data.activity_kind: data.activity_kind}
    reaches: list[Reach] = ([("activity", code) for code in kinds]
                            + [("contact", kind.value) for kind in ContactKind])
    labels = {r: f"活动:{kinds[r[1]]}" if r[0] == "activity" else f"帮扶记录:{ContactKind(r[1]).zh}"
              for r in reaches}
    mine: Reach | None = (("activity", data.activity_kind) if data.activity_kind else
                          ("contact", data.contact_kind.value) if data.contact_kind else None)
    with st.form(key):
        name = st.text_input("名称 *", value=data.name, max_chars=100, key=f"{key}_name",
                             placeholder="如:春节送温暖慰问、暑期防溺水安全教育")
        cols = st.columns(2)
        starts_on = cols[0].date_input("开始日期 *", value=data.starts_on, key=f"{key}_start",
                                       format="YYYY-MM-DD")
        ends_on = cols[1].date_input("结束日期 *", value=data.ends_on, key=f"{key}_end",
                                     format="YYYY-MM-DD")
        reach = st.selectbox(
            "覆盖方式 *", reaches, key=f"{key}_reach", format_func=labels.__getitem__,
            index=reaches.index(mine) if mine in reaches else 0,
            help="活动:期间内参加过该类活动的儿童算已覆盖;帮扶记录:期间内有该方式帮扶记录的儿童"
                 "算已覆盖。起止两天都算在内。")
        cols = st.columns(3)
        with cols[0]:
            org_unit_id = org_select("目标范围", units, key=f"{key}_unit", lang="zh",
                                     none_label=EVERYONE, index_of=data.org_unit_id)
        with cols[1]:
            category = _choice("儿童类别", list(Category), data.category, f"{key}_category",
                               {c: c.zh for c in Category})
        with cols[2]:
            risk = _choice("风险等级", list(RiskLevel), data.risk_level, f"{key}_risk",
                           {r: f"{r.zh}色" for r in RiskLevel})
        notes = st.text_area("说明", value=data.notes, max_chars=500, key=f"{key}_notes",
                             placeholder="如:由各村儿童主任负责入户,2月20日前完成")
        if not st.form_submit_button(submit_label, type="primary"):
            return None
    how, code = reach
    return CampaignInput(
        name=name, starts_on=starts_on, ends_on=ends_on,
        activity_kind=code if how == "activity" else None,
        contact_kind=ContactKind(code) if how == "contact" else None,
        org_unit_id=org_unit_id, category=category,  # type: ignore[arg-type]
        risk_level=risk, notes=notes)  # type: ignore[arg-type]
