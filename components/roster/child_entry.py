"""录入: quick entry of a new child, with "保存并继续录入" for the next one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from components.common.feedback import FLASH_KEY, show_problem
from components.common.markup import md
from components.common.session import db_transaction, lang
from components.roster.child_form import child_form
from core.errors import ConcurrentEdit, DomainError
from core.i18n import render, t
from core.vocab import Category, OrgKind
from db.models import Child
from services.access import orgs
from services.access.permissions import Actor
from services.roster import records as roster
from services.roster.child_input import ChildInput

ROUND_KEY = "child_entry_round"
LAST_PLACE_KEY = "child_entry_last_place"


def show_duplicate_links(exc: roster.DuplicateChild) -> None:
    """A link to each existing record the person may open; none for a match outside scope."""
    for duplicate in exc.duplicates:
        st.page_link("pages/roster.py",
                     label=t("roster.entry.open_existing", lang(), name=md(duplicate.name),
                             reason=md(render(duplicate.reason, lang()))),
                     icon=":material/open_in_new:",
                     query_params={"child": str(duplicate.child_id)})


def save_child(change: Callable[[Session], Child], *,
               on_stale: Callable[[], None] | None = None) -> tuple[int, str] | None:
    """Create or update in one transaction; show a refusal, with links to a suspected duplicate."""
    try:
        with db_transaction() as session:
            child = change(session)
            return child.id, child.name
    except ConcurrentEdit as exc:
        show_problem(exc)
        if on_stale is not None:
            on_stale()
    except roster.DuplicateChild as exc:
        show_problem(exc)
        show_duplicate_links(exc)
    except DomainError as exc:
        show_problem(exc)
    return None


def render_quick_entry(actor: Actor, today: date) -> None:
    with db_transaction() as session:
        villages = orgs.places_in_scope(session, actor, {OrgKind.village, OrgKind.community})
        schools = orgs.places_in_scope(session, actor, {OrgKind.school})
    lg = lang()
    if not villages:
        st.info(t("roster.entry.no_villages", lg))
        return
    # Defaults follow the last child entered: coordinators enter a class or a village at a time.
    last = st.session_state.get(LAST_PLACE_KEY, {})
    current = ChildInput(categories=[Category.left_behind], **last)
    round_ = st.session_state.setdefault(ROUND_KEY, 0)
    save, save_and_next = t("common.save", lg), t("roster.entry.save_and_next", lg)
    result = child_form(key=f"new_child_{round_}", villages=villages, schools=schools,
                        today=today, current=current, submit_labels=(save, save_and_next))
    if result is None:
        return
    data, pressed = result
    saved = save_child(lambda s: roster.create_child(s, actor=actor, data=data, today=today))
    if saved is None:
        return
    child_id, name = saved
    st.session_state[LAST_PLACE_KEY] = {
        "village_id": data.village_id, "town_id": data.town_id, "school_id": data.school_id,
        "grade": data.grade, "class_name": data.class_name}
    if pressed == save_and_next:
        st.session_state[ROUND_KEY] = round_ + 1  # a fresh form for the next child
        st.session_state[FLASH_KEY] = t("roster.entry.saved_next", lg, name=name)
        st.rerun()
    st.success(t("roster.entry.saved", lg, name=md(name)))
    st.page_link("pages/roster.py", label=t("roster.entry.open_record", lg, name=md(name)),
                 icon=":material/person:", query_params={"child": str(child_id)})


