"""Logging a care contact: the full form on 帮扶记录, and the three-tap logger on 我的结对's cards.

Every form render carries a client token. A double tap sends the same token twice and the
service saves once; after a save the token (and with it the form) is new, so a click that
arrives late belongs to a form that no longer exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

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
TODAY, YESTERDAY, OTHER_DAY = "今天", "昨天", "其他日期"
NO_CHILD = "请先在上方“儿童”中选择要记录的儿童。"
NO_HELPER = "请选择帮扶人。"
NO_OTHER_DAY = "选了“其他日期”，请填写帮扶日期。"
NO_HELPER_RECORD = ("您的账号还没有关联帮扶人档案。"
                    "请联系负责人在“结对帮扶 › 帮扶人”中关联您的登录账号。")


@dataclass(frozen=True)
class Entry:
    """What a form submitted, before the service checks it."""

    kind: ContactKind | None
    contact_date: date | None
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
    if entry.contact_date is None:
        st.error(NO_OTHER_DAY)
        return
    if entry.contact_date > today:
        st.error(f"帮扶日期{entry.contact_date:%Y-%m-%d}晚于今天（{today:%m-%d}），"
                 "请填写已经做过的帮扶。")
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
    when = {today: TODAY, today - timedelta(days=1): YESTERDAY}.get(
        entry.contact_date, f"{entry.contact_date:%m-%d}")
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


def _day_fields(key: str, token: str, today: date, earliest: date) -> tuple[str | None,
                                                                              date | None]:
    """今天 / 昨天 / 其他日期 in one tap, and the date for 其他日期 (a form cannot show it only
    once 其他日期 is tapped, so it stays beside the choice; a date typed there is the day)."""
    yesterday = today - timedelta(days=1)
    labels = {TODAY: f"今天 {today:%m-%d}", YESTERDAY: f"昨天 {yesterday:%m-%d}",
              OTHER_DAY: OTHER_DAY}
    choice = st.segmented_control("日期 *", list(labels), default=TODAY,
                                  format_func=labels.get, key=f"{key}_day_{token}")
    # No max_value: a future date typed here gets a Chinese refusal, not a silent clamp.
    other = st.date_input("选择日期", value=None, min_value=earliest, format="YYYY-MM-DD",
                          key=f"{key}_other_day_{token}",
                          help="选“其他日期”时，在这里填写帮扶的日期。")
    return choice, other


def resolve_day(choice: str | None, other: date | None, today: date) -> date | None:
    """The day a contact took place: a date typed in 其他日期 wins, else the tapped choice
    (nothing tapped counts as 今天); None for 其他日期 tapped without a date."""
    if other is not None:
        return other
    if choice == OTHER_DAY:
        return None
    return today - timedelta(days=1) if choice == YESTERDAY else today


def _entry_form(key: str, today: date, earliest: date) -> Entry | None:
    """The full form's fields; returns what was submitted, or None."""
    token = form_token(key)
    with st.form(f"{key}_{token}"):
        kind = _kind_pills(key, token, KINDS)
        cols = st.columns(2, vertical_alignment="bottom")
        with cols[0]:
            choice, other = _day_fields(key, token, today, earliest)
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
    return Entry(kind, resolve_day(choice, other, today), minutes, notes, follow_up,
                 follow_up_on)


def _pick_child(actor: Actor, today: date,
                coordinating: bool) -> tuple[bool, ChildChoice | None]:
    """Whether there is any child to choose, and the one chosen: none pre-chosen unless
    there is only one, so a visit is never saved against whichever child sorted first."""
    text = ""
    if coordinating:
        text = st.text_input("查找儿童", key="log_contact_search",
                             placeholder="姓名、拼音或首字母,如 zxm")
    with db_transaction() as session:
        children = loggable_children(session, actor, today=today, text=text)
    if not children:
        st.info("没有找到符合的儿童。" if text.strip() else
                "您目前没有结对的儿童。" if actor.role is Role.helper else "范围内没有在册儿童。")
        return False, None
    if len(children) == 1 and st.session_state.get("log_contact_child") is None:
        st.session_state["log_contact_child"] = children[0]  # a search that found one child
    return True, st.selectbox("儿童 *", children, index=0 if len(children) == 1 else None,
                              key="log_contact_child", format_func=lambda c: c.label,
                              placeholder="请选择儿童（可先在上方查找）" if coordinating
                              else "请选择儿童")


def _pick_helper(actor: Actor, child: ChildChoice,
                 coordinating: bool) -> tuple[bool, HelperChoice | None]:
    """Whether anyone may be recorded as the helper, and who was chosen."""
    with db_transaction() as session:
        helpers = helper_choices(session, actor, child)
    if not helpers:
        st.warning("范围内还没有帮扶人,请先在“结对帮扶”中登记。")
        return False, None
    if not coordinating:
        return True, helpers[0]
    # Keyed by child: another child starts again from their own helper. Only the child's
    # own (paired) helper is offered ready-chosen; for anyone else the coordinator chooses.
    return True, st.selectbox("帮扶人 *", helpers, index=0 if helpers[0].paired else None,
                              key=f"log_contact_helper_{child.child_id}",
                              format_func=lambda h: h.label, placeholder="请选择帮扶人",
                              help="默认为该儿童当前的结对帮扶人;也可为其他帮扶人代为记录。")


def render_log_contact(actor: Actor, today: date) -> None:
    """帮扶记录 › 记录帮扶: a helper picks one of their children, a coordinator child and helper."""
    if actor.role is Role.helper and actor.helper_id is None:
        st.info(NO_HELPER_RECORD)
        return
    coordinating = actor.can(Capability.MANAGE_PAIRINGS)
    anything, child = _pick_child(actor, today, coordinating)
    if not anything:
        return
    helper = None
    if child is not None:
        anyone, helper = _pick_helper(actor, child, coordinating)
        if not anyone:
            return
    entry = _entry_form("log_contact", today, date(today.year - 19, 1, 1))
    if entry is None:
        return
    if child is None:
        st.error(NO_CHILD)
    elif helper is None:
        st.error(NO_HELPER)
    else:
        save_entry(actor, "log_contact", child_id=child.child_id, child_name=child.name,
                   helper_id=helper.helper_id, entry=entry, today=today)


def quick_log(actor: Actor, child_id: int, child_name: str, today: date, key: str) -> None:
    """Three taps on a phone: open 记录帮扶, tap the kind, tap 保存 (dated today unless
    昨天 or another day is chosen)."""
    token = form_token(key)
    # Keyed by the token: after a save the logger is a new one, closed again.
    with (st.expander("记录帮扶", icon=":material/edit_note:", key=f"{key}_open_{token}"),
          st.form(f"{key}_{token}", border=False)):
        kind = st.pills("方式", QUICK_KINDS, format_func=lambda k: k.zh,
                        key=f"{key}_kind_{token}", label_visibility="collapsed")
        choice, other = _day_fields(key, token, today, date(today.year - 19, 1, 1))
        with st.expander("时长和记录(选填)", type="compact"):
            minutes = _minutes(key, token)
            notes = _notes(key, token)
        submitted = st.form_submit_button("保存", type="primary", icon=":material/check:",
                                          width="stretch")
    if submitted:
        save_entry(actor, key, child_id=child_id, child_name=child_name,
                   helper_id=actor.helper_id,
                   entry=Entry(kind, resolve_day(choice, other, today), minutes, notes),
                   today=today)
