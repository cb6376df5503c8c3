"""联系卡 downloads: a PDF and a print-ready page, built only when a button is clicked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import streamlit as st
from sqlalchemy import Select

from components.common.session import current_page, db_transaction, lang
from components.exports.sensitive_choice import file_password
from core.i18n import t
from services.access.permissions import Actor
from services.care.contact_cards import ContactCard, cards_for_children, cards_html, cards_pdf
from services.privacy.protection import protect, protected_name


def contact_card_buttons(actor: Actor, child_ids: Callable[[], Sequence[int] | Select], *,
                         title: str, today: date, key: str) -> None:
    """Two buttons side by side; `child_ids` is called on click, inside the transaction."""
    def cards(fmt: str) -> list[ContactCard]:
        with db_transaction() as session:
            return cards_for_children(session, actor, child_ids(), today=today, fmt=fmt,
                                      page=current_page(), protected=True)

    current = lang()
    # The cards hold names and phones: both files leave in a ZIP only the password opens.
    password = file_password(st, key=f"{key}_password", lang=current)
    pdf_name = f"{title}_{today.isoformat()}.pdf"
    html_name = f"{title}_{today.isoformat()}.html"
    left, right = st.columns(2)
    left.download_button(t("contacts.cards.pdf", current),
                         lambda: protect(cards_pdf(cards("pdf"), title=title), pdf_name,
                                         password or ""),
                         file_name=protected_name(pdf_name), mime="application/zip",
                         key=f"{key}_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
                         disabled=password is None)
    right.download_button(t("contacts.cards.print", current),
                          lambda: protect(cards_html(cards("html"), title=title).encode(),
                                          html_name, password or ""),
                          file_name=protected_name(html_name), mime="application/zip",
                          key=f"{key}_html", on_click="ignore", icon=":material/print:",
                          help=t("contacts.cards.print_help", current),
                          disabled=password is None)
