"""联系卡 downloads: a PDF and a print-ready page, built only when a button is clicked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import streamlit as st
from sqlalchemy import Select

from components.common.session import current_page, db_transaction, lang
from core.i18n import t
from services.access.permissions import Actor
from services.care.contact_cards import ContactCard, cards_for_children, cards_html, cards_pdf


def contact_card_buttons(actor: Actor, child_ids: Callable[[], Sequence[int] | Select], *,
                         title: str, today: date, key: str) -> None:
    """Two buttons side by side; `child_ids` is called on click, inside the transaction."""
    def cards(fmt: str) -> list[ContactCard]:
        with db_transaction() as session:
            return cards_for_children(session, actor, child_ids(), today=today, fmt=fmt,
                                      page=current_page())

    current = lang()
    left, right = st.columns(2)
    left.download_button(t("contacts.cards.pdf", current),
                         lambda: cards_pdf(cards("pdf"), title=title),
                         file_name=f"{title}_{today.isoformat()}.pdf", mime="application/pdf",
                         key=f"{key}_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
    right.download_button(t("contacts.cards.print", current),
                          lambda: cards_html(cards("html"), title=title).encode(),
                          file_name=f"{title}_{today.isoformat()}.html", mime="text/html",
                          key=f"{key}_html", on_click="ignore", icon=":material/print:",
                          help=t("contacts.cards.print_help", current))
