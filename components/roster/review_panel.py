"""复核: one click per child — still correct, or archive as aged out."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from components.common.feedback import apply_change
from components.common.markup import md
from components.common.session import db_transaction, lang
from core.i18n import t
from core.vocab import ArchiveReason
from services.access.permissions import Actor
from services.roster import records as roster
from services.roster import review

SHOWN = 30


def render_review(actor: Actor, today: date) -> None:
    lg = lang()
    with db_transaction() as session:
        items = review.review_list(session, actor, today=today)
    if not items:
        st.success(t("roster.review.none", lg))
        return
    st.caption(t("roster.review.count", lg, count=len(items), shown=SHOWN))
    for item in items[:SHOWN]:
        with st.container(border=True):
            left, mid, right = st.columns([3, 1, 1], vertical_alignment="center")
            left.markdown(t("roster.review.item", lg, name=md(item.name), age=item.age,
                            reason=md(item.reason)))
            if mid.button(t("roster.review.still_correct", lg),
                          key=f"review_ok_{item.child_id}"):
                apply_change("child", partial(review.confirm_still_correct, actor=actor,
                                              child_id=item.child_id,
                                              expected_version=item.version),
                             item.child_id, t("roster.review.confirmed", lg, name=item.name))
            if right.button(t("roster.review.archive", lg), key=f"review_archive_{item.child_id}",
                            disabled=item.age < 16):
                apply_change("child", partial(roster.archive_child, actor=actor,
                                              child_id=item.child_id,
                                              expected_version=item.version,
                                              reason=ArchiveReason.aged_out,
                                              note=f"复核时{item.age}岁"),
                             item.child_id, t("roster.review.archived", lg, name=item.name))
