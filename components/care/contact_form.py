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

from components.common.feedback import FLASH_KEY, show_problem
from components.common.session import db_transaction, lang
from core.errors import DomainError
from core.i18n import t
from core.vocab import ContactKind, HelperKind, Role
from services.access.permissions import Actor, Capability
from services.care.contacts import (
    MAX_MINUTES,
    MAX_NOTES,
    ChildChoice,
    HelperChoice,
    helper_choices,
    log_contact,
    loggable_children,
)

KINDS = list(ContactKind)
# The kinds a helper logs most, first on the phone; the rest follow.
QUICK_KINDS = [ContactKind.talk, ContactKind.home_visit, ContactKind.phone_visit,
               ContactKind.parent_call, *[k for k in ContactKind if k not in {
                   ContactKind.talk, ContactKind.home_visit, ContactKind.phone_visit,
                   ContactKind.parent_call}]]
TODAY, YESTERDAY, OTHER_DAY = "today", "yesterday", "other"
NO_CHILD = "contacts.no_child"
NO_HELPER = "contacts.no_helper"
NO_OTHER_DAY = "contacts.no_other_day"
NO_HELPER_RECORD = "contacts.no_helper_record"


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
        st.error(t("contacts.no_kind", lang()))
        return
    if entry.contact_date is None:
        st.error(t(NO_OTHER_DAY, lang()))
        return
    if entry.contact_date > today:
        st.error(t("contacts.future_day", lang(), day=f"{entry.contact_date:%Y-%m-%d}",
                   today=f"{today:%m-%d}"))
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
    current = lang()
    when = {today: t("contacts.when.today", current),
            today - timedelta(days=1): t("contacts.when.yesterday", current)}.get(
        entry.contact_date, f"{entry.contact_date:%m-%d}")
    st.session_state[FLASH_KEY] = t("contacts.logged", current, child=child_name,
                                    kind=entry.kind.label(current), when=when)
    st.rerun()


def _kind_pills(key: str, token: str, options: list[ContactKind]) -> ContactKind | None:
    current = lang()
    return st.pills(t("contacts.kind_required", current), options,
                    format_func=lambda k: k.label(current), key=f"{key}_kind_{token}")


def _minutes(key: str, token: str) -> int | None:
    value = st.number_input(t("contacts.minutes", lang()), min_value=0, max_value=MAX_MINUTES,
                            value=None, step=5, key=f"{key}_minutes_{token}",
                            placeholder=t("contacts.optional", lang()))
    return None if value is None else int(value)


def _notes(key: str, token: str) -> str:
    return st.text_area(t("contacts.notes", lang()), max_chars=MAX_NOTES,
                        key=f"{key}_notes_{token}", height=90,
                        placeholder=t("contacts.notes_placeholder", lang()))


def _day_fields(key: str, token: str, today: date, earliest: date) -> tuple[str | None,
                                                                              date | None]:
    """今天 / 昨天 / 其他日期 in one tap, and the date for 其他日期 (a form cannot show it only
    once 其他日期 is tapped, so it stays beside the choice; a date typed there is the day)."""
    current = lang()
    yesterday = today - timedelta(days=1)
    labels = {TODAY: t("contacts.day.today", current, date=f"{today:%m-%d}"),
              YESTERDAY: t("contacts.day.yesterday", current, date=f"{yesterday:%m-%d}"),
              OTHER_DAY: t("contacts.day.other", current)}
    choice = st.segmented_control(t("contacts.date_required", current), list(labels),
                                  default=TODAY, format_func=labels.__getitem__,
                                  key=f"{key}_day_{token}")
    # No max_value: a future date typed here gets a refusal in words, not a silent clamp.
    other = st.date_input(t("contacts.pick_date", current), value=None, min_value=earliest,
                          format="YYYY-MM-DD", key=f"{key}_other_day_{token}",
                          help=t("contacts.pick_date_help", current))
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
        follow_up = cols[0].checkbox(t("contacts.follow_up", lang()),
                                     key=f"{key}_follow_{token}",
                                     help=t("contacts.follow_up_help", lang()))
        follow_up_on = cols[1].date_input(t("contacts.follow_up_on", lang()), value=None,
                                          min_value=earliest, format="YYYY-MM-DD",
                                          key=f"{key}_follow_on_{token}")
        if not st.form_submit_button(t("common.save", lang()), type="primary",
                                     icon=":material/check:"):
            return None
    return Entry(kind, resolve_day(choice, other, today), minutes, notes, follow_up,
                 follow_up_on)


def child_label(child: ChildChoice, lang: str) -> str:
    """A child to choose (ChildChoice.label, in `lang`): the name, and the school or village."""
    if not child.place:
        return child.name
    return t("contacts.child_choice", lang, name=child.name, place=child.place)


def helper_label(helper: HelperChoice, lang: str) -> str:
    """A helper to choose (HelperChoice.label, in `lang`): the name, kind, and whether paired."""
    kind = HelperKind.parse(helper.kind).label(lang)  # services give the Chinese label
    key = "contacts.helper_choice_paired" if helper.paired else "contacts.helper_choice"
    return t(key, lang, name=helper.name, kind=kind)


def _pick_child(actor: Actor, today: date,
                coordinating: bool) -> tuple[bool, ChildChoice | None]:
    """Whether there is any child to choose, and the one chosen: none pre-chosen unless
    there is only one, so a visit is never saved against whichever child sorted first."""
    current = lang()
    text = ""
    if coordinating:
        text = st.text_input(t("contacts.search_child", current), key="log_contact_search",
                             placeholder=t("contacts.search_placeholder", current))
    with db_transaction() as session:
        children = loggable_children(session, actor, today=today, text=text)
    if not children:
        st.info(t("contacts.none_found" if text.strip() else
                  "contacts.no_children_helper" if actor.role is Role.helper
                  else "contacts.no_children_scope", current))
        return False, None
    if len(children) == 1 and st.session_state.get("log_contact_child") is None:
        st.session_state["log_contact_child"] = children[0]  # a search that found one child
    return True, st.selectbox(t("contacts.child_required", current), children,
                              index=0 if len(children) == 1 else None,
                              key="log_contact_child",
                              format_func=lambda c: child_label(c, current),
                              placeholder=t("contacts.choose_child_search" if coordinating
                                            else "contacts.choose_child", current))


def _pick_helper(actor: Actor, child: ChildChoice,
                 coordinating: bool) -> tuple[bool, HelperChoice | None]:
    """Whether anyone may be recorded as the helper, and who was chosen."""
    current = lang()
    with db_transaction() as session:
        helpers = helper_choices(session, actor, child)
    if not helpers:
        st.warning(t("contacts.no_helpers", current))
        return False, None
    if not coordinating:
        return True, helpers[0]
    # Keyed by child: another child starts again from their own helper. Only the child's
    # own (paired) helper is offered ready-chosen; for anyone else the coordinator chooses.
    return True, st.selectbox(t("contacts.helper_required", current), helpers,
                              index=0 if helpers[0].paired else None,
                              key=f"log_contact_helper_{child.child_id}",
                              format_func=lambda h: helper_label(h, current),
                              placeholder=t("contacts.choose_helper", current),
                              help=t("contacts.helper_help", current))


def render_log_contact(actor: Actor, today: date) -> None:
    """帮扶记录 › 记录帮扶: a helper picks one of their children, a coordinator child and helper."""
    if actor.role is Role.helper and actor.helper_id is None:
        st.info(t(NO_HELPER_RECORD, lang()))
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
        st.error(t(NO_CHILD, lang()))
    elif helper is None:
        st.error(t(NO_HELPER, lang()))
    else:
        save_entry(actor, "log_contact", child_id=child.child_id, child_name=child.name,
                   helper_id=helper.helper_id, entry=entry, today=today)


def quick_log(actor: Actor, child_id: int, child_name: str, today: date, key: str) -> None:
    """Three taps on a phone: open 记录帮扶, tap the kind, tap 保存 (dated today unless
    昨天 or another day is chosen)."""
    current = lang()
    token = form_token(key)
    # Keyed by the token: after a save the logger is a new one, closed again.
    with (st.expander(t("contacts.log", current), icon=":material/edit_note:",
                      key=f"{key}_open_{token}"),
          st.form(f"{key}_{token}", border=False)):
        kind = st.pills(t("contacts.kind", current), QUICK_KINDS,
                        format_func=lambda k: k.label(current), key=f"{key}_kind_{token}",
                        label_visibility="collapsed")
        choice, other = _day_fields(key, token, today, date(today.year - 19, 1, 1))
        with st.expander(t("contacts.minutes_and_notes", current), type="compact"):
            minutes = _minutes(key, token)
            notes = _notes(key, token)
        submitted = st.form_submit_button(t("common.save", current), type="primary",
                                          icon=":material/check:", width="stretch")
    if submitted:
        save_entry(actor, key, child_id=child_id, child_name=child_name,
                   helper_id=actor.helper_id,
                   entry=Entry(kind, resolve_day(choice, other, today), minutes, notes),
                   today=today)
