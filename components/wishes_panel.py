"""心愿: wish drives with their progress, collecting a wish, taking, fulfilling, exporting."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version, show_flash, show_problem
from components.markup import md
from components.session import db_transaction
from db.models import WishDrive
from services.errors import DomainError
from services.exports import EXPORT_FORMATS, filename_for
from services.permissions import Actor, Capability
from services.vocab import WishStatus
from services.wish_export import TITLE, WISH_EXPORTS
from services.wishes import (
    CATEGORIES,
    WishRow,
    archive_drive,
    child_options,
    collect_wish,
    create_drive,
    drive_progress,
    fulfil_wish,
    list_drives,
    list_wishes,
    photo_file,
    provider_options,
    release_wish,
    take_wish,
    update_drive,
)

ALL = "全部心愿"
NO_WISHES = ("还没有心愿。在上方“征集心愿”中查找儿童、填写心愿(如“一个新书包”)和预计金额;"
             "之后可由资源方或爱心人士认领,实现后登记日期并上传满愿照片。")
NO_DRIVES = ("还没有心愿活动。可新建一个(如“六一微心愿”),把这段时间征集的心愿归入其中,"
             "就能看到已征集、已认领、已实现的进度和仍在等待的儿童。")
NO_PROVIDERS = "还没有资源方:可直接填写爱心人士姓名,或先在“资源方”中添加。"


def render_wishes(actor: Actor, today: date) -> None:
    """The wishes tab: pick a drive and see its progress, collect, take, fulfil, export."""
    show_flash()
    with db_transaction() as session:
        drives = {d.id: d for d in list_drives(session, actor)}
        providers = provider_options(session)
    manage = actor.can(Capability.MANAGE_RESOURCES)
    if manage:
        _new_drive(actor, today, expanded=not drives)
    if not drives:
        st.info(NO_DRIVES, icon=":material/redeem:")
    options: list[int | None] = [None, *drives]
    drive_id = st.selectbox("心愿活动", options, key="wish_drive",
                            format_func=lambda i: ALL if i is None else drives[i].name)
    if drive_id is not None:
        _progress(actor, drive_id, manage)
    if manage:
        _collect(actor, today, drive_id)
    with db_transaction() as session:
        wishes = list_wishes(session, actor, drive_id=drive_id)
    if not wishes:
        st.info(NO_WISHES, icon=":material/volunteer_activism:")
        return
    st.dataframe(_table(wishes), hide_index=True, width="stretch", key="wish_table")
    by_id = {w.id: w for w in wishes}
    chosen = st.selectbox("选择心愿", list(by_id), key="wish_pick",
                          format_func=lambda i: by_id[i].label)
    if chosen is not None:
        _actions(actor, today, by_id[chosen], providers, manage)
    _download(actor, today, drive_id)


def _table(wishes: list[WishRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        "儿童": w.child_name, "学校/村": w.place, "心愿": w.content, "类别": w.category or "",
        # Text, not a number: a table shows a missing number as "None".
        "预计金额(元)": "—" if w.estimated_cost_yuan is None else f"{w.estimated_cost_yuan:,.2f}",
        "状态": w.status.zh, "征集日期": w.collected_on.isoformat(), "认领方": w.taker or "",
        "实现日期": w.fulfilled_on.isoformat() if w.fulfilled_on else "",
    } for w in wishes])


def _new_drive(actor: Actor, today: date, *, expanded: bool) -> None:
    with st.expander("新建心愿活动", expanded=expanded, icon=":material/add:"), \
            st.form("wish_drive_new"):
        name = st.text_input("名称 *", max_chars=100, key="wish_drive_name",
                             placeholder="如:六一“微心愿”满愿行动")
        cols = st.columns(2)
        starts_on = cols[0].date_input("开始日期 *", value=today, key="wish_drive_start",
                                       format="YYYY-MM-DD")
        ends_on = cols[1].date_input("结束日期 *", value=today + timedelta(days=30),
                                     key="wish_drive_end", format="YYYY-MM-DD")
        notes = st.text_area("说明", max_chars=500, key="wish_drive_notes")
        if st.form_submit_button("新建", type="primary"):
            apply_change("wish_drive", lambda s: create_drive(
                s, actor=actor, name=name, starts_on=starts_on, ends_on=ends_on, notes=notes),
                0, f"已新建心愿活动“{name.strip()}”。")


def _progress(actor: Actor, drive_id: int, manage: bool) -> None:
    try:
        with db_transaction() as session:
            progress = drive_progress(session, actor, drive_id)
    except DomainError as exc:
        show_problem(exc)
        return
    drive = progress.drive
    st.caption(f"{drive.starts_on:%Y-%m-%d} 至 {drive.ends_on:%Y-%m-%d}"
               + (f" · {md(drive.notes)}" if drive.notes else ""))
    cols = st.columns(3)
    cols[0].metric("已征集", progress.collected)
    cols[1].metric("已认领", progress.taken)
    cols[2].metric("已实现", progress.fulfilled)
    st.progress(progress.share, text=f"已实现 {progress.fulfilled}/{progress.collected}"
                + (f" ({progress.share:.1%})" if progress.collected else ""))
    if progress.waiting:
        st.markdown(f"**仍在等待的儿童({len(progress.waiting)})**")
        st.dataframe(pd.DataFrame([{"儿童": w.child_name, "学校/村": w.place, "心愿": w.content,
                                    "状态": "已认领,待实现" if w.status is WishStatus.taken
                                    else "待认领", "认领方": w.taker or ""}
                                   for w in progress.waiting]),
                     hide_index=True, width="stretch", key=f"wish_waiting_{drive_id}")
    elif progress.collected:
        st.success("该活动的心愿已全部实现。")
    else:
        st.info("该活动还没有心愿:在下方“征集心愿”中录入,会自动归入此活动。")
    if manage:
        _change_drive(actor, drive)


def _change_drive(actor: Actor, drive: WishDrive) -> None:
    opened = remembered_version("wish_drive", drive.id, drive.version)
    key = f"wish_drive_edit_{drive.id}"
    with st.expander("修改或归档此活动", icon=":material/edit:"):
        with st.form(key):
            name = st.text_input("名称 *", value=drive.name, max_chars=100, key=f"{key}_name")
            cols = st.columns(2)
            starts_on = cols[0].date_input("开始日期 *", value=drive.starts_on,
                                           key=f"{key}_start", format="YYYY-MM-DD")
            ends_on = cols[1].date_input("结束日期 *", value=drive.ends_on, key=f"{key}_end",
                                         format="YYYY-MM-DD")
            notes = st.text_area("说明", value=drive.notes or "", max_chars=500,
                                 key=f"{key}_notes")
            if st.form_submit_button("保存修改"):
                apply_change("wish_drive", lambda s: update_drive(
                    s, actor=actor, drive_id=drive.id, expected_version=opened, name=name,
                    starts_on=starts_on, ends_on=ends_on, notes=notes),
                    drive.id, "已保存修改。")
        with st.form(f"wish_drive_archive_{drive.id}"):
            reason = st.text_input("归档原因(可选)", max_chars=200)
            st.caption("归档后活动不再出现在列表中;其中的心愿仍保留在“全部心愿”里。")
            if st.form_submit_button("归档"):
                apply_change("wish_drive", lambda s: archive_drive(
                    s, actor=actor, drive_id=drive.id, expected_version=opened, reason=reason),
                    drive.id, f"已归档心愿活动“{drive.name}”。")


def _collect(actor: Actor, today: date, drive_id: int | None) -> None:
    with st.expander("征集心愿", icon=":material/edit_note:"):
        text = st.text_input("查找儿童", key="wish_child_search",
                             placeholder="姓名、拼音或首字母,如 zxm")
        with db_transaction() as session:
            children = {c.child_id: c.label for c in child_options(
                session, actor, today=today, text=text)}
        if not children:
            st.info("没有找到符合的儿童,请换个名字或拼音。" if text.strip()
                    else "范围内没有在册儿童。")
            return
        with st.form("wish_new"):
            child_id = st.selectbox("儿童 *", list(children), key="wish_child",
                                    format_func=children.__getitem__)
            content = st.text_input("心愿 *", max_chars=200, key="wish_content",
                                    placeholder="如:一个新书包、和爸爸妈妈视频通话")
            cols = st.columns(3)
            category = cols[0].selectbox("类别", CATEGORIES, index=None, key="wish_category",
                                         accept_new_options=True, placeholder="选择或输入")
            cost = cols[1].number_input("预计金额(元)", min_value=0.0, value=None, step=10.0,
                                        key="wish_cost")
            collected_on = cols[2].date_input("征集日期 *", value=today, max_value=today,
                                              key="wish_collected_on", format="YYYY-MM-DD")
            if st.form_submit_button("保存心愿", type="primary"):
                apply_change("wish", lambda s: collect_wish(
                    s, actor=actor, child_id=child_id, content=content, category=category,
                    estimated_cost_yuan=cost, collected_on=collected_on, today=today,
                    drive_id=drive_id), 0, f"已记录{children[child_id]}的心愿。")


def _taker_inputs(key: str, providers: dict[int, str]) -> tuple[int | None, str]:
    options: list[int | None] = [None, *providers]
    provider_id = st.selectbox("资源方", options, key=f"{key}_provider",
                               format_func=lambda i: "(不选,填写爱心人士)" if i is None
                               else providers[i])
    donor = st.text_input("或爱心人士姓名", max_chars=100, key=f"{key}_donor")
    if not providers:
        st.caption(NO_PROVIDERS)
    return provider_id, donor


def _actions(actor: Actor, today: date, wish: WishRow, providers: dict[int, str],
             manage: bool) -> None:
    if wish.status is WishStatus.fulfilled:
        st.success(f"{md(wish.child_name)}的心愿“{md(wish.content)}”已于"
                   f"{wish.fulfilled_on:%Y-%m-%d}由{md(wish.taker or '爱心人士')}实现。")
        _photo(wish)
        return
    if not manage:
        return
    opened = remembered_version("wish", wish.id, wish.version)
    if wish.status is WishStatus.collected:
        with st.expander("认领", icon=":material/handshake:"), st.form(f"wish_take_{wish.id}"):
            provider_id, donor = _taker_inputs(f"wish_take_{wish.id}", providers)
            taken_on = st.date_input("认领日期 *", value=today, max_value=today,
                                     key=f"wish_take_{wish.id}_on", format="YYYY-MM-DD")
            if st.form_submit_button("确认认领", type="primary"):
                apply_change("wish", lambda s: take_wish(
                    s, actor=actor, wish_id=wish.id, expected_version=opened, taken_on=taken_on,
                    today=today, provider_id=provider_id, donor=donor), wish.id, "已登记认领。")
    with st.expander("登记满愿", icon=":material/celebration:"), \
            st.form(f"wish_fulfil_{wish.id}"):
        provider_id, donor = None, ""
        if wish.status is WishStatus.collected:
            provider_id, donor = _taker_inputs(f"wish_fulfil_{wish.id}", providers)
        else:
            st.caption(f"认领方:{md(wish.taker)}")
        fulfilled_on = st.date_input("实现日期 *", value=today, max_value=today,
                                     key=f"wish_fulfil_{wish.id}_on", format="YYYY-MM-DD")
        upload = st.file_uploader("满愿照片(可选,JPG/PNG)", type=["jpg", "jpeg", "png"],
                                  key=f"wish_fulfil_{wish.id}_photo")
        if st.form_submit_button("确认已实现", type="primary"):
            photo = (upload.name, upload.getvalue()) if upload is not None else None
            apply_change("wish", lambda s: fulfil_wish(
                s, actor=actor, wish_id=wish.id, expected_version=opened,
                fulfilled_on=fulfilled_on, today=today, provider_id=provider_id, donor=donor,
                photo=photo), wish.id, f"已登记{wish.child_name}的心愿已实现。")
    if wish.status is WishStatus.taken:
        with st.form(f"wish_release_{wish.id}"):
            st.caption(f"由{md(wish.taker)}于{wish.taken_on:%Y-%m-%d}认领。认领方无法实现时可取消,"
                       "心愿回到待认领。")
            if st.form_submit_button("取消认领"):
                apply_change("wish", lambda s: release_wish(
                    s, actor=actor, wish_id=wish.id, expected_version=opened),
                    wish.id, "已取消认领,心愿回到待认领。")


def _photo(wish: WishRow) -> None:
    try:
        path = photo_file(wish)
    except DomainError:
        path = None
    if path is not None and path.is_file():
        st.image(str(path), caption=f"{md(wish.child_name)}的满愿照片", width=360)
    elif wish.photo_path:
        st.caption("照片文件已不在数据文件夹中。")


def _download(actor: Actor, today: date, drive_id: int | None) -> None:
    if not actor.can(Capability.EXPORT):
        return
    cols = st.columns([1, 1, 2])
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="wish_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox(
        "含敏感信息", key="wish_export_sensitive",
        disabled=not actor.can(Capability.EXPORT_SENSITIVE),
        help="儿童姓名默认打码;勾选后导出原文,并记入操作日志。")

    def build() -> bytes:
        with db_transaction() as session:
            wishes = WISH_EXPORTS["wishes"]  # audited like every list export
            return wishes.export(session, actor=actor, fmt=fmt, today=today,
                                 include_sensitive=sensitive, drive_id=drive_id)

    cols[2].download_button("下载心愿清单", build, file_name=filename_for(TITLE, fmt, today),
                            key="wish_export", on_click="ignore", icon=":material/download:")
