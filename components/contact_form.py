"""Logging a care contact: the full form on 帮扶记录, and the three-tap logger on 我的结对's cards.

Every form render carries a client token. A double tap sends the same token twice and the
service saves once; after a save the token (and with it the form) is new, so a click that
arrives late belongs to a form that no longer exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import streamlit as st

from components.feedback import FLASH_KEY, show_problem
from components.session import db_transaction
from services.contacts import (
    MAX_MINUTES,
    MAX_NOTES,
    ChildChoice,
    HelperChoice,
    helper_choices,
    log_contact,
    loggable_children,
)
from services.errors import DomainError
from services.permissions import Actor, Capability
from services.vocab import ContactKind, Role

KINDS = list(ContactKind)
# The kinds a helper logs most, first on the phone; the rest follow.
QUICK_KINDS = [ContactKind.talk, ContactKind.home_visit, ContactKind.phone_visit,
               ContactKind.parent_call, *[k for k in ContactKind if k not in {
                   ContactKind.talk, ContactKind.home_visit, ContactKind.phone_visit,
                   ContactKind.parent_call}]]
NO_HELPER_RECORD = ("您的账号还没有关联帮扶人档案。"
                    "请联系负责人在“结对帮扶 › 帮扶人”中关联您的登录账号。")


@dataclass(frozen=True)
class Entry:
    """What a form submitted, before the service checks it."""

    kind: ContactKind | None
    contact_date: date
    minutes: int | None = None
    notes: str = ""
    follow_up: bool = False
    follow_up_on: date | None = None


def form_token(key: str) -> str:
    """This form's client token: kept across reruns, replaced after a successful save."""
    return st.session_state.setdefault(f"{key}_token", uuid.uuid4().hex)


def save_entry(actor: Actor, key: str, *, child_id: int, child_name: str, helper_id: int | None,
               entry: Entry, today: date) -> None:
    """Save through the service; on success a new token, a flash message and a rerun."""
    if entry.kind is None:
        st.error("请选择帮扶方式(如谈心、家访)。")
        return
    token = form_token(key)
    try:
        with db_transaction() as session:
            log_contact(session, actor=actor, child_id=child_id, helper_id=helper_id,
                        kind=entry.kind, contact_date=entry.contact_date, minutes=entry.minutes,
                        notes=entry.notes, follow_up=entry.follow_up,
                        follow_up_on=entry.follow_up_on, client_token=token, today=today)
    except DomainError as exc:
        show_problem(exc)
        return
    # Only once the save is committed: a refused save keeps its form, values and token.
    st.session_state.pop(f"{key}_token", None)
    when = "今天" if entry.contact_date == today else f"{entry.contact_date:%m-%d}"
    st.session_state[FLASH_KEY] = f"已记录:{child_name} · {entry.kind.zh}({when})。"
    st.rerun()


def _kind_pills(key: str, token: str, options: list[ContactKind]) -> ContactKind | None:
    return st.pills("方式 *", options, format_func=lambda k: k.zh, key=f"{key}_kind_{token}")


def _minutes(key: str, token: str) -> int | None:
    value = st.number_input("时长(分钟)", min_value=0, max_value=MAX_MINUTES, value=None,
                            step=5, key=f"{key}_minutes_{token}", placeholder="选填")
    return None if value is None else int(value)


def _notes(key: str, token: str) -> str:
    return st.text_area("记录", max_chars=MAX_NOTES, key=f"{key}_notes_{token}", height=90,
                        placeholder="谈了什么、孩子近况、需要帮助的地方(选填)")


def _entry_form(key: str, today: date, earliest: date) -> Entry | None:
    """The full form's fields; returns what was submitted, or None."""
    token = form_token(key)
    with st.form(f"{key}_{token}"):
        kind = _kind_pills(key, token, KINDS)
        cols = st.columns(2)
        day = cols[0].date_input("日期 *", value=today, min_value=earliest, max_value=today,
                                 format="YYYY-MM-DD", key=f"{key}_date_{token}")
        with cols[1]:
            minutes = _minutes(key, token)
        notes = _notes(key, token)
        cols = st.columns(2, vertical_alignment="bottom")
        follow_up = cols[0].checkbox("需跟进", key=f"{key}_follow_{token}",
                                     help="勾选后请填写跟进日期,到期会列入待办。")
        follow_up_on = cols[1].date_input("跟进日期", value=None, min_value=earliest,
                                          format="YYYY-MM-DD", key=f"{key}_follow_on_{token}")
        if not st.form_submit_button("保存", type="primary", icon=":material/check:"):
            return None
    return Entry(kind, day, minutes, notes, follow_up, follow_up_on)


def _pick_child(actor: Actor, today: date, coordinating: bool) -> ChildChoice | None:
    text = ""
    if coordinating:
        text = st.text_input("查找儿童", key="log_contact_search",
                             placeholder="姓名、拼音或首字母,如 zxm")
    with db_transaction() as session:
        children = loggable_children(session, actor, today=today, text=text)
    if not children:
        st.info("没有找到符合的儿童。" if text.strip() else
                "您目前没有结对的儿童。" if actor.role is Role.helper else "范围内没有在册儿童。")
        return None
    return st.selectbox("儿童 *", children, key="log_contact_child",
                        format_func=lambda c: c.label)


def _pick_helper(actor: Actor, child: ChildChoice, coordinating: bool) -> HelperChoice | None:
    with db_transaction() as session:
        helpers = helper_choices(session, actor, child)
    if not helpers:
        st.warning("范围内还没有帮扶人,请先在“结对帮扶”中登记。")
        return None
    if not coordinating:
        return helpers[0]
    # Keyed by child: another child starts again from their own helper.
    return st.selectbox("帮扶人 *", helpers, key=f"log_contact_helper_{child.child_id}",
                        format_func=lambda h: h.label,
                        help="默认为该儿童当前的结对帮扶人;也可为其他帮扶人代为记录。")


def render_log_contact(actor: Actor, today: date) -> None:
    """帮扶记录 › 记录帮扶: a helper picks one of their children, a coordinator child and helper."""
    if actor.role is Role.helper and actor.helper_id is None:
        st.info(NO_HELPER_RECORD)
        return
    coordinating = actor.can(Capability.MANAGE_PAIRINGS)
    child = _pick_child(actor, today, coordinating)
    if child is None:
        return
    helper = _pick_helper(actor, child, coordinating)
    if helper is None:
        return
    entry = _entry_form("log_contact", today, date(today.year - 19, 1, 1))
    if entry is not None:
        save_entry(actor, "log_contact", child_id=child.child_id, child_name=child.name,
                   helper_id=helper.helper_id, entry=entry, today=today)


def quick_log(actor: Actor, child_id: int, child_name: str, today: date, key: str) -> None:
    """Three taps on a phone: open 记录帮扶, tap the kind, tap 保存 (dated today)."""
    token = form_token(key)
    # Keyed by the token: after a save the logger is a new one, closed again.
    with (st.expander("记录帮扶", icon=":material/edit_note:", key=f"{key}_open_{token}"),
          st.form(f"{key}_{token}", border=False)):
        kind = st.pills("方式", QUICK_KINDS, format_func=lambda k: k.zh,
                        key=f"{key}_kind_{token}", label_visibility="collapsed")
        with st.expander("时长和记录(选填)", type="compact"):
            minutes = _minutes(key, token)
            notes = _notes(key, token)
        submitted = st.form_submit_button(f"保存(今天 {today:%m-%d})", type="primary",
                                          icon=":material/check:", width="stretch")
    if submitted:
        save_entry(actor, key, child_id=child_id, child_name=child_name,
                   helper_id=actor.helper_id, entry=Entry(kind, today, minutes, notes),
                   today=today)
