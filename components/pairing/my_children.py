"""The helper's children as cards: narrow enough for a phone, the guardian's number one tap away."""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from components.care.contact_form import NO_HELPER_RECORD, quick_log
from components.care.todo_panel import period_label
from components.common.markup import md
from components.common.session import db_transaction, lang
from core.i18n import t
from core.vocab import Gender, MatchHealth, Relation
from services.access.permissions import Actor
from services.care.compliance import DueItem
from services.pairing.match_health import pairing_health
from services.pairing.my_pairings import MyChild, my_children

# Only a number that looks like one becomes a tel: link; anything else is shown as text.
DIALLABLE = re.compile(r"\+?[0-9][0-9 -]{2,19}")

STATUS_COLOURS = {MatchHealth.attention: "orange", MatchHealth.new: "blue",
                  MatchHealth.healthy: "green"}


def _badge(status: MatchHealth, lang: str) -> str:
    return f":{STATUS_COLOURS[status]}-background[{status.label(lang)}]"


def _since(day: date | None, today: date, lang: str) -> str:
    if day is None:
        return t("my.no_contact_yet", lang)
    days = (today - day).days
    if days == 0:
        return t("my.since_today", lang, date=f"{day:%Y-%m-%d}")
    return t("my.since_days", lang, date=f"{day:%Y-%m-%d}", days=days)


def _due_text(item: DueItem, today: date, lang: str) -> str:
    """One unmet rule (DueItem.text, in `lang`); the rule's name escaped for markdown."""
    return t("my.due_item", lang, rule=md(item.rule_name),
             period=period_label(item.period, today, lang), done=item.done,
             deadline=f"{item.deadline or item.period.end:%m-%d}")


def _who(child: MyChild, lang: str) -> str:
    """Whom to call, escaped: services write a relation without details in Chinese."""
    if not child.contact_phone:
        return t("my.no_phone", lang)
    who = child.contact_name
    for relation in Relation:
        if who.startswith(f"{relation.zh} "):
            who = f"{relation.label(lang)} {who.removeprefix(f'{relation.zh} ')}"
            break
    return md(who)


def _phone_link(phone: str | None) -> str:
    """Markdown for the guardian's phone: a tap-to-call link when it is a plain number."""
    if not phone:
        return ""
    if DIALLABLE.fullmatch(phone):
        digits = phone.replace(" ", "").replace("-", "")
        return f":material/call: [{md(phone)}](tel:{digits})"
    return md(phone)


def _card(actor: Actor, child: MyChild, today: date, reason: str) -> None:
    current = lang()
    with st.container(border=True):
        st.markdown(f"#### {md(child.name)} {_badge(child.status, current)}")
        if reason:
            st.markdown(f":orange[{reason}]")
        school = " ".join(filter(None, (child.school or child.village, child.class_label)))
        gender = Gender.parse(child.gender).label(current)  # services give the Chinese label
        st.caption(t("my.card_caption", current, gender=md(gender), age=child.age,
                     school=md(school)))
        st.markdown(t("my.contact", current, who=_who(child, current),
                      phone=_phone_link(child.contact_phone)))
        st.markdown(t("my.last_contact", current, since=_since(child.last_contact, today,
                                                               current)))
        next_due = (_due_text(child.due[0], today, current) if child.due
                    else t("my.all_done", current))
        st.markdown(t("my.next", current, next=next_due))
        if len(child.due) > 1:
            st.caption(t("my.also_due", current, items=t("my.due_separator", current).join(
                _due_text(item, today, current) for item in child.due[1:])))
        quick_log(actor, child.child_id, child.name, today, key=f"quick_log_{child.child_id}")
        st.page_link("pages/roster.py", label=t("my.growth_record", current),
                     icon=":material/timeline:", query_params={"child": str(child.child_id)})


def render_my_children(actor: Actor, today: date) -> None:
    current = lang()
    if actor.helper_id is None:
        st.info(t(NO_HELPER_RECORD, current))
        return
    with db_transaction() as session:
        children = my_children(session, actor, today=today)
        health = {h.child_id: h for h in pairing_health(session, actor, today=today,
                                                        helper_id=actor.helper_id)}
    if not children:
        st.info(t("my.no_children", current))
        return
    attention = sum(c.status is MatchHealth.attention for c in children)
    st.caption(t("my.count_attention", current, n=len(children), attention=attention)
               if attention else t("my.count", current, n=len(children)))
    for child in children:
        reason = ""
        if child.child_id in health:
            reason = health[child.child_id].attention_reason_in(current, md)
        _card(actor, child, today, reason)
