"""复核: one click per child — still correct, or archive as aged out."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.feedback import apply_change
from components.markup import md
from components.session import db_transaction
from services import review, roster
from services.permissions import Actor
from services.vocab import ArchiveReason

SHOWN = 30


def render_review(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        items = review.review_list(session, actor, today=today)
    if not items:
        st.success("没有需要复核的档案：没有新满16或18周岁的儿童，所有档案一学期内都更新过。")
        return
    st.caption(f"共 {len(items)} 份档案需要复核（年满16周岁不再符合留守儿童定义，"
               "年满18周岁不再是儿童；超过一学期未更新的档案可能已经过时）。"
               f"每次显示前 {SHOWN} 份。")
    for item in items[:SHOWN]:
        with st.container(border=True):
            left, mid, right = st.columns([3, 1, 1], vertical_alignment="center")
            left.markdown(f"**{md(item.name)}**（{item.age}岁）\n{md(item.reason)}")
            if mid.button("仍然正确", key=f"review_ok_{item.child_id}"):
                apply_change("child", lambda s, i=item: review.confirm_still_correct(
                    s, actor=actor, child_id=i.child_id, expected_version=i.version),
                    item.child_id, f"已确认“{item.name}”的档案。")
            if right.button("归档（超龄）", key=f"review_archive_{item.child_id}",
                            disabled=item.age < 16):
                apply_change("child", lambda s, i=item: roster.archive_child(
                    s, actor=actor, child_id=i.child_id, expected_version=i.version,
                    reason=ArchiveReason.aged_out, note=f"复核时{i.age}岁"),
                    item.child_id, f"已归档“{item.name}”。")
