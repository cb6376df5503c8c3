"""最近记录 (edit your own for a week; a coordinator corrects on record; record a need found on
the visit) and 导出 of 帮扶记录."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.feedback import apply_change, remembered_version
from components.needs_panel import need_from_contact
from components.session import db_transaction
from services.contact_export import CONTACT_EXPORTS
from services.contacts import (
    EDIT_DAYS,
    MAX_MINUTES,
    MAX_NOTES,
    ContactRow,
    archive_contact,
    edit_contact,
    recent_contacts,
)
from services.exports import EXPORT_FORMATS, filename_for
from services.permissions import Actor, Capability
from services.terms import term_of
from services.vocab import ContactKind, Role

KIND = "care_contact"
PERIODS = {7: "近7天", 30: "近30天", 90: "近90天", 365: "近一年"}
ACCESS_WORDS = {"edit": "可修改", "correct": "可更正", None: "已锁定"}


def _table(rows: list[ContactRow], *, with_helper: bool) -> pd.DataFrame:
    table = pd.DataFrame([{
        "日期": f"{r.contact_date:%Y-%m-%d}", "儿童": r.child_name, "帮扶人": r.helper_name,
        "方式": r.kind.zh, "状态": ACCESS_WORDS[r.access],
        "时长(分钟)": "" if r.minutes is None else str(r.minutes),  # blank, not "None"
        "跟进": f"{r.follow_up_on:%m-%d}" if r.follow_up and r.follow_up_on else "",
        "记录人": r.recorded_by, "记录": r.notes} for r in rows])
    # A helper's list holds only their own contacts: their name in every row says nothing.
    return table if with_helper else table.drop(columns="帮扶人")


def _label(row: ContactRow) -> str:
    return f"{row.contact_date:%m-%d} {row.child_name} · {row.kind.zh}({row.helper_name})"


def render_recent_contacts(actor: Actor, today: date) -> None:
    """The recent contacts in scope; pick one to edit, correct or withdraw."""
    days = st.segmented_control("时间", list(PERIODS), format_func=PERIODS.get, default=30,
                                key="recent_contacts_days") or 30
    with db_transaction() as session:
        rows = recent_contacts(session, actor, today=today, days=days)
    if not rows:
        st.info(f"{PERIODS[days]}还没有帮扶记录。")
        return
    st.dataframe(_table(rows, with_helper=actor.role is not Role.helper), hide_index=True,
                 width="stretch")
    st.caption(f"本人填写的记录保存后{EDIT_DAYS}天内可修改,之后锁定;"
               + ("负责人可更正任何记录,更正会记入操作日志。"
                  if actor.can(Capability.MANAGE_PAIRINGS) else "如需更正请联系负责人。"))
    changeable = [r for r in rows if r.editable]
    if not changeable:
        return
    row = st.selectbox("选择要修改的记录", changeable, index=None, key="recent_contact_pick",
                       format_func=_label, placeholder="选择一条记录")
    if row is not None:
        _edit(actor, row, today)
        need_from_contact(actor, row.id, row.child_id, today, key=f"contact_need_{row.id}",
                          found_on=row.contact_date)


def _edit(actor: Actor, row: ContactRow, today: date) -> None:
    correcting = row.access == "correct"
    version = remembered_version(KIND, row.id, row.version)
    if correcting:
        st.warning("该记录已锁定或由他人填写:更正将连同原因记入操作日志。")
    key = f"contact_edit_{row.id}_{version}"
    with st.form(key):
        kind = st.pills("方式 *", list(ContactKind), default=row.kind, format_func=lambda k: k.zh,
                        key=f"{key}_kind")
        cols = st.columns(2)
        day = cols[0].date_input("日期 *", value=row.contact_date, max_value=today,
                                 min_value=date(today.year - 19, 1, 1), format="YYYY-MM-DD",
                                 key=f"{key}_date")
        minutes = cols[1].number_input("时长(分钟)", min_value=0, max_value=MAX_MINUTES,
                                       value=row.minutes, step=5, placeholder="选填",
                                       key=f"{key}_minutes")
        notes = st.text_area("记录", value=row.notes, max_chars=MAX_NOTES, height=90,
                             key=f"{key}_notes")
        cols = st.columns(2, vertical_alignment="bottom")
        follow_up = cols[0].checkbox("需跟进", value=row.follow_up, key=f"{key}_follow")
        follow_up_on = cols[1].date_input("跟进日期", value=row.follow_up_on, format="YYYY-MM-DD",
                                          key=f"{key}_follow_on")
        reason = ""
        if correcting:
            reason = st.text_input("更正原因 *", key=f"{key}_reason",
                                   placeholder="如:核对纸质记录后更正时长")
        submitted = st.form_submit_button("保存更正" if correcting else "保存修改",
                                          type="primary")
    if submitted:
        apply_change(KIND, lambda s: edit_contact(
            s, actor=actor, contact_id=row.id, expected_version=version,
            kind=kind or row.kind, contact_date=day,
            minutes=None if minutes is None else int(minutes), notes=notes,
            follow_up=follow_up, follow_up_on=follow_up_on, reason=reason, today=today),
            row.id, "已更正帮扶记录。" if correcting else "已保存修改。")
    with st.expander("撤销此记录", icon=":material/undo:"):
        why = st.text_input("撤销原因 *", key=f"{key}_why", placeholder="如:儿童选错、重复记录")
        if st.button("撤销", key=f"{key}_archive"):
            apply_change(KIND, lambda s: archive_contact(
                s, actor=actor, contact_id=row.id, expected_version=version, reason=why,
                today=today), row.id, "已撤销该帮扶记录。")


def render_contact_exports(actor: Actor, today: date) -> None:
    """帮扶记录 as CSV or Excel for a period; names masked unless a coordinator asks."""
    if not actor.can(Capability.EXPORT):
        return
    chosen = CONTACT_EXPORTS["contacts"]
    cols = st.columns(2)
    date_from = cols[0].date_input("从", value=term_of(today).start, max_value=today,
                                   format="YYYY-MM-DD", key="contact_export_from")
    date_to = cols[1].date_input("至", value=today, max_value=today, format="YYYY-MM-DD",
                                 key="contact_export_to")
    cols = st.columns(2)
    fmt = cols[0].radio("格式", EXPORT_FORMATS, horizontal=True, key="contact_export_fmt",
                        format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    sensitive = cols[1].checkbox(
        "含敏感信息", key="contact_export_sensitive",
        disabled=not actor.can(Capability.EXPORT_SENSITIVE),
        help="儿童和帮扶人姓名默认打码;勾选后导出原文,并记入操作日志。")
    st.caption("列:" + "、".join(c.header for c in chosen.columns))
    if date_from and date_to and date_from > date_to:
        st.error("开始日期不能晚于结束日期。")
        return

    def build() -> bytes:
        # Runs only when the button is clicked, so opening the tab never pays for a file.
        with db_transaction() as session:
            return chosen.export(session, actor=actor, fmt=fmt, today=today,
                                 include_sensitive=sensitive, date_from=date_from,
                                 date_to=date_to)

    st.download_button("下载", build, file_name=filename_for(chosen.title, fmt, today),
                       key="contact_export_download", type="primary", on_click="ignore",
                       icon=":material/download:")
