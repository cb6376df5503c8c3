"""活动列表: activities of a period with their 场次 and 人次 totals; one activity's details and
photos, its edit form and archiving; and the 导出 tab."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.activity_form import activity_fields, load_choices
from components.feedback import apply_change, remembered_version, show_problem
from components.markup import md, md_block
from components.session import db_transaction
from services import activities, photos
from services.activities import ActivityDetail, ActivityInput, ActivityRow
from services.activity_export import ACTIVITY_EXPORTS
from services.errors import DomainError
from services.exports import EXPORT_FORMATS, filename_for
from services.permissions import Actor, Capability

PERIODS = {"30": "近30天", "term": "本学期", "year": "今年", "365": "近一年", "custom": "自定义"}
ARCHIVE_REASONS = ("重复登记", "登记有误", "活动取消", "其他")


def _term_start(today: date) -> date:
    """春季 from February, 秋季 from September (DESIGN.md); August still counts as spring."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month == 1:
        return date(today.year - 1, 9, 1)
    return date(today.year, 2, 1)


def period_picker(key: str, today: date) -> tuple[date, date]:
    """A period as two dates: the usual ones a summary covers, or any range."""
    cols = st.columns([2, 3])
    choice = cols[0].selectbox("时间", list(PERIODS), key=f"{key}_period",
                               format_func=PERIODS.get, index=1)
    starts = {"30": today - timedelta(days=30), "term": _term_start(today),
              "year": date(today.year, 1, 1), "365": today - timedelta(days=365)}
    if choice != "custom":
        cols[1].caption(f"{starts[choice]:%Y-%m-%d} 至 {today:%Y-%m-%d}")
        return starts[choice], today
    picked = cols[1].date_input("起止日期", value=(_term_start(today), today), max_value=today,
                                key=f"{key}_range", format="YYYY-MM-DD")
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return (picked[0] if isinstance(picked, tuple) and picked else _term_start(today)), today


def render_activities(actor: Actor, today: date) -> None:
    cols = st.columns([5, 2, 1], vertical_alignment="bottom")
    with cols[0]:
        date_from, date_to = period_picker("activities", today)
    with db_transaction() as session:
        kinds = {k.code: k.label_zh for k in activities.list_activity_kinds(
            session, include_archived=True)}
    kind = cols[1].selectbox("类型", [None, *kinds], key="activities_kind", placeholder="全部",
                             format_func=lambda k: "全部" if k is None else kinds[k])
    archived = cols[2].checkbox("含已归档", key="activities_archived")
    with db_transaction() as session:
        rows = activities.list_activities(session, actor, date_from=date_from, date_to=date_to,
                                          kind=kind, include_archived=archived)
    totals = activities.activity_totals(rows)
    metrics = st.columns(4)
    metrics[0].metric("活动", f"{totals.activities:,} 项")
    metrics[1].metric("场次", f"{totals.sessions:,} 场")
    metrics[2].metric("人次", f"{totals.person_times:,}")
    metrics[3].metric("其中参加儿童", f"{totals.attending:,} 人次")
    if not rows:
        st.info("这段时间还没有活动记录。可在“新建活动”中登记,或在“导入”中上传活动表。")
        return
    picked = _table(rows)
    st.caption(f"共 {len(rows):,} 项。点选一行查看详情、照片,修改或归档。")
    if picked:
        _details(actor, rows[picked[0]], today)


def _table(rows: list[ActivityRow]) -> list[int]:
    frame = pd.DataFrame([{
        "日期": r.held_on.isoformat(), "名称": r.title + ("(已归档)" if r.archived else ""),
        "类型": r.kind_label, "场次": r.sessions, "人次": r.person_times,
        "参加儿童": r.attending, "其他人次": r.extra, "单位": r.org_unit,
        "地点": r.place or "", "照片": f"{r.photos}张" if r.photos else "",
    } for r in rows])
    listed = zlib.crc32(",".join(str(r.id) for r in rows).encode())
    event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"activities_table_{listed}",
                         height=min(38 + 35 * len(frame), 460))
    return list(event.selection.rows)


def _details(actor: Actor, row: ActivityRow, today: date) -> None:
    try:
        with db_transaction() as session:
            detail = activities.activity_detail(session, actor, row.id)
    except DomainError as exc:
        show_problem(exc)
        return
    a = detail.activity
    st.subheader(f"{md(a.title)}({md(detail.kind_label)})")
    if a.is_archived:
        st.warning(f"已归档:{md(a.archive_reason)}")
    tabs = st.tabs(["详情", "照片", "修改", "恢复" if a.is_archived else "归档"])
    with tabs[0]:
        _summary(detail)
    with tabs[1]:
        _photos(actor, detail)
    with tabs[2]:
        if a.is_archived:
            st.caption("已归档的活动不能修改,请先恢复。")
        else:
            _edit(actor, detail, today)
    with tabs[3]:
        _archive(actor, detail)


def _summary(detail: ActivityDetail) -> None:
    a = detail.activity
    st.markdown(f"**{a.held_on:%Y-%m-%d}** · {md(detail.org_unit)} · {md(a.place or '地点未填')}")
    st.markdown(f"**{a.sessions}场**,参加儿童 {len(detail.attendees)} + 其他 "
                f"{a.extra_person_times} = **{detail.person_times} 人次**")
    if detail.attendees:
        st.markdown("**参加儿童**:" + "、".join(md(c.name) for c in detail.attendees))
    if detail.helpers:
        st.markdown("**服务人员**:" + "、".join(md(name) for _, name in detail.helpers))
    if detail.providers:
        st.markdown("**资源方**:" + "、".join(md(p) for p in detail.providers))
    for gift in detail.donations:
        parts = [f"{gift.money_yuan:,.2f}元" if gift.money_yuan else "", md(gift.goods)]
        to = f"(受助:{'、'.join(md(r) for r in gift.recipients)})" if gift.recipients else ""
        by = f"{md(gift.provider)}捐助" if gift.provider else "捐助"
        st.markdown(f"**{by}**:{' '.join(p for p in parts if p)}{to}")
    if a.volunteers or a.cost_yuan is not None:
        st.caption(f"志愿者 {a.volunteers} 人" + (f",费用 {a.cost_yuan:,.2f} 元"
                                              if a.cost_yuan is not None else ""))
    if a.notes:
        st.caption(md_block(a.notes))


def _photos(actor: Actor, detail: ActivityDetail) -> None:
    a = detail.activity
    if detail.photos:
        cols = st.columns(3)
        for index, photo in enumerate(detail.photos):
            with cols[index % 3]:
                path = photos.photo_path(photo)
                if path.is_file():
                    st.image(str(path), caption=md(photo.caption or photo.filename),
                             width="stretch")
                else:
                    st.warning(f"照片文件“{md(photo.filename)}”不在数据文件夹中")
                if not a.is_archived and st.button("删除", key=f"photo_del_{photo.id}",
                                                   icon=":material/delete:"):
                    apply_change("activity_photo", lambda s, p=photo.id: photos.remove_photo(
                        s, actor=actor, photo_id=p), photo.id, "已删除照片。")
    else:
        st.caption("还没有照片。")
    room = photos.MAX_PHOTOS - len(detail.photos)
    if a.is_archived or room <= 0:
        return
    uploads = st.file_uploader(f"添加照片(还可添加{room}张)", type=["jpg", "jpeg", "png"],
                               accept_multiple_files=True, key=f"photo_add_{a.id}",
                               max_upload_size=photos.MAX_BYTES // 2**20) or []
    if uploads and st.button("上传", key=f"photo_up_{a.id}", type="primary"):
        files = [(u.name, u.getvalue()) for u in uploads]
        apply_change("activity_photo", lambda s: photos.save_photos(
            s, actor=actor, activity_id=a.id, files=files), a.id, f"已添加{len(files)}张照片。")


def _edit(actor: Actor, detail: ActivityDetail, today: date) -> None:
    a = detail.activity
    opened = remembered_version("activity", a.id, a.version)
    with db_transaction() as session:
        gifts = activities.activity_donations(session, a.id)
    current = ActivityInput(
        kind=a.kind, title=a.title, held_on=a.held_on, org_unit_id=a.org_unit_id,
        place=a.place, sessions=a.sessions, extra_person_times=a.extra_person_times,
        child_ids=tuple(c.id for c in detail.attendees),
        helper_ids=tuple(i for i, _ in detail.helpers), provider_names=detail.providers,
        donations=tuple(gifts[:1]), volunteers=a.volunteers, cost_yuan=a.cost_yuan,
        notes=a.notes)
    if len(gifts) > 1:
        st.caption(f"该活动登记了{len(gifts)}笔捐助,这里只显示第一笔;保存时其余各笔保持不变。")
    choices = load_choices(actor)
    if a.kind not in choices.kinds:  # a kind stopped since: the activity keeps it
        choices = replace(choices, kinds={**choices.kinds, a.kind: f"{detail.kind_label}(已停用)"})
    prefix = f"act_edit_{a.id}_{opened}"
    data = activity_fields(actor, today, prefix, choices, current,
                           {c.id: c.label for c in detail.attendees}, dict(detail.helpers))
    if len(gifts) > 1:
        data = replace(data, donations=data.donations + tuple(gifts[1:]))
    if st.button("保存修改", key=f"{prefix}_save", type="primary"):
        apply_change("activity", lambda s: activities.update_activity(
            s, actor=actor, activity_id=a.id, expected_version=opened, data=data, today=today),
            a.id, f"已保存修改:{data.sessions}场,{data.person_times}人次。")


def _archive(actor: Actor, detail: ActivityDetail) -> None:
    a = detail.activity
    opened = remembered_version("activity", a.id, a.version)
    if a.is_archived:
        if st.button("恢复活动", key=f"activity_restore_{a.id}"):
            apply_change("activity", lambda s: activities.restore_activity(
                s, actor=actor, activity_id=a.id, expected_version=opened), a.id, "已恢复活动。")
        return
    with st.form(f"activity_archive_{a.id}"):
        reason = st.selectbox("归档原因", ARCHIVE_REASONS)
        note = st.text_input("说明(可选)")
        st.caption("归档后该活动不再计入列表和统计,其登记的捐助一并归档;可随时恢复。")
        if st.form_submit_button("归档"):
            text = reason + (f":{note.strip()}" if note.strip() else "")
            apply_change("activity", lambda s: activities.archive_activity(
                s, actor=actor, activity_id=a.id, expected_version=opened, reason=text),
                a.id, f"已归档活动“{a.title}”。")


def render_activity_exports(actor: Actor, today: date) -> None:
    """导出: the activity list or the attendance list of a period, CSV or Excel."""
    if not actor.can(Capability.EXPORT):
        st.info("您没有导出权限。")
        return
    kind = st.radio("名单", list(ACTIVITY_EXPORTS), horizontal=True, key="activity_export_kind",
                    format_func=lambda k: ACTIVITY_EXPORTS[k].title)
    chosen = ACTIVITY_EXPORTS[kind]
    date_from, date_to = period_picker("activity_export", today)
    cols = st.columns(2)
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="activity_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox(
        "含敏感信息", key="activity_export_sensitive",
        disabled=not actor.can(Capability.EXPORT_SENSITIVE),
        help="儿童和服务人员姓名默认打码;勾选后导出原文,并记入操作日志。")
    st.caption("列:" + "、".join(c.header for c in chosen.columns))

    def build() -> bytes:
        try:
            with db_transaction() as session:
                return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                     include_sensitive=sensitive, date_from=date_from,
                                     date_to=date_to)
        except DomainError as exc:
            show_problem(exc)
            return b""

    st.download_button("下载", build, file_name=filename_for(chosen.title, fmt, today),
                       key="activity_export_download", type="primary", on_click="ignore",
                       icon=":material/download:")
