"""Showing refusals: one clear message, a list of fields when a form has several problems.

Messages here are plain text that may quote names, notes or file cells: they are escaped here,
once, so callers pass raw text (escaping it before would show the backslashes).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from components.common.markup import md_message
from components.common.session import db_transaction, lang
from core.errors import ConcurrentEdit, DomainError, ValidationFailed
from core.i18n import t

FLASH_KEY = "shouwang_flash"


def show_problem(exc: DomainError) -> None:
    """The refusal in the reader's language (a message without a catalogue key stays Chinese)."""
    current = lang()
    if isinstance(exc, ValidationFailed) and len(exc.problems) > 1:
        lines = "\n".join(t("feedback.problem", current, field=md_message(field),
                            why=md_message(why)) for field, why in exc.problems_in(current))
        st.error(f"{t('feedback.fix_these', current)}\n\n{lines}")
    else:
        st.error(md_message(exc.text(current)))


def remembered_version(kind: str, record_id: int, current: int) -> int:
    """The version this person opened the record at, kept across reruns until they save."""
    key = f"opened_version:{kind}:{record_id}"
    return st.session_state.setdefault(key, current)


def forget_version(kind: str, record_id: int) -> None:
    st.session_state.pop(f"opened_version:{kind}:{record_id}", None)


def apply_change(kind: str, change: Callable[[Session], object], record_id: int,
                 message: str) -> None:
    """Run one service call in its own transaction; on success flash `message` and rerun.

    A refused save leaves the form as it was; after a concurrent edit the record is re-read
    at its new version, so the person sees the other change before trying again.
    """
    try:
        with db_transaction() as session:
            change(session)
    except (ConcurrentEdit, StaleDataError) as exc:
        # StaleDataError: the other save landed between our read and our write.
        show_problem(exc if isinstance(exc, ConcurrentEdit) else ConcurrentEdit())
        forget_version(kind, record_id)
        return
    except DomainError as exc:
        show_problem(exc)
        return
    forget_version(kind, record_id)
    st.session_state[FLASH_KEY] = message
    st.rerun()


def show_flash() -> None:
    """Show the message a change left before its rerun, once."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(md_message(message))
