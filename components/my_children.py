"""The helper's children as cards: narrow enough for a phone, the guardian's number one tap away."""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from components.contact_form import quick_log
from components.markup import md
from components.session import db_transaction
from services.my_pairings import MyChild, my_children
from services.permissions import Actor
from services.vocab import MatchHealth

# Only a number that looks like one becomes a tel: link; anything else is shown as text.
DIALLABLE = re.compile(r"\+?[0-9][0-9 -]{2,19}")

STATUS_BADGES = {MatchHealth.attention: ":orange-background[需关注]",
                 MatchHealth.new: ":blue-background[新结对]",
                 MatchHealth.healthy: ":green-background[正常]"}


def _since(day: date | None, today: date) -> str:
    if day is None:
        return "还没有帮扶记录"
    days = (today - day).days
    return f"{day:%Y-%m-%d}(" + ("今天" if days == 0 else f"{days}天前") + ")"


def _phone_link(phone: str | None) -> str:
    """Markdown for the guardian's phone: a tap-to-call link when it is a plain number."""
    if not phone:
        return ""
    if DIALLABLE.fullmatch(phone):
        digits = phone.replace(" ", "").replace("-", "")
        return f":material/call: [{md(phone)}](tel:{digits})"
    return md(phone)


def _card(actor: Actor, child: MyChild, today: date) -> None:
    with st.container(border=True):
        st.markdown(f"#### {md(child.name)} {STATUS_BADGES[child.status]}")
        school = " ".join(filter(None, (child.school or child.village, child.class_label)))
        st.caption(f"{md(child.gender)} · {child.age}岁 · {md(school)}")
        st.markdown(f"**联系**:{md(child.contact_name)} {_phone_link(child.contact_phone)}")
        st.markdown(f"**最近帮扶**:{_since(child.last_contact, today)}")
        st.markdown(f"**下一步**:{md(child.next_due)}")
        if len(child.due) > 1:
            st.caption("还需:" + ";".join(md(item.text) for item in child.due[1:]))
        quick_log(actor, child.child_id, child.name, today, key=f"quick_log_{child.child_id}")
        st.page_link("pages/roster.py", label="成长档案", icon=":material/timeline:",
                     query_params={"child": str(child.child_id)})


def render_my_children(actor: Actor, today: date) -> None:
    if actor.helper_id is None:
        st.info("您的账号还没有关联帮扶人档案。"
                "请联系负责人在“结对帮扶 › 帮扶人”中关联您的登录账号。")
        return
    with db_transaction() as session:
        children = my_children(session, actor, today=today)
    if not children:
        st.info("您目前没有结对的儿童。负责人为您结对后,孩子会出现在这里。")
        return
    attention = sum(c.status is MatchHealth.attention for c in children)
    st.caption(f"结对儿童 {len(children)} 名" + (f",其中 {attention} 名超过30天未联系,已排在最前。"
                                              if attention else "。"))
    for child in children:
        _card(actor, child, today)
