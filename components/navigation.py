"""Which pages exist and who may open them; app.py builds st.navigation from this list."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from services.i18n import t
from services.permissions import Actor, Capability
from services.vocab import Role


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    url_path: str
    section_key: str
    capability: Capability | None = None
    roles: frozenset[Role] | None = None  # only these roles, e.g. 我的结对 for helpers


# Register a page here once it is built; there are no placeholders.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "nav.home", ":material/dashboard:", "home", "nav.section.work"),
    PageSpec("pages/meeting.py", "nav.meeting", ":material/co_present:", "meeting",
             "nav.section.work"),
    PageSpec("pages/roster.py", "nav.roster", ":material/badge:", "roster", "nav.section.work",
             Capability.VIEW_PEOPLE),
    PageSpec("pages/my_pairings.py", "nav.my_pairings", ":material/favorite:", "my",
             "nav.section.work", Capability.LOG_CONTACTS, frozenset({Role.helper})),
    PageSpec("pages/pairing.py", "nav.pairing", ":material/handshake:", "pairing",
             "nav.section.work", Capability.MANAGE_PAIRINGS),
    PageSpec("pages/contacts.py", "nav.contacts", ":material/edit_note:", "contacts",
             "nav.section.work", Capability.LOG_CONTACTS),
    PageSpec("pages/activities.py", "nav.activities", ":material/groups:", "activities",
             "nav.section.work", Capability.MANAGE_ACTIVITIES),
    PageSpec("pages/resources.py", "nav.resources", ":material/volunteer_activism:",
             "resources", "nav.section.work", Capability.MANAGE_RESOURCES),
    PageSpec("pages/reports.py", "nav.reports", ":material/summarize:", "reports",
             "nav.section.work", Capability.EXPORT),
    PageSpec("pages/exports.py", "nav.exports", ":material/download:", "exports",
             "nav.section.work", Capability.EXPORT),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "admin",
             "nav.section.system", Capability.MANAGE_USERS),
    PageSpec("pages/account.py", "nav.account", ":material/person:", "account",
             "nav.section.system"),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if (p.capability is None or actor.can(p.capability))
            and (p.roles is None or actor.role in p.roles)]


def reserve_page_urls(lang: str) -> None:
    """Before login: know every page's URL, show none of them, run none of them.

    Without a navigation here Streamlit falls back to its legacy `pages/` mode and lists the
    page files on the login screen; with a smaller one, a deep link or a refresh on /admin
    would meet a "Page not found" dialog before the cookie logs the user back in.
    """
    st.navigation([st.Page(spec.path, title=t(spec.title_key, lang), url_path=spec.url_path,
                           default=spec.url_path == "home") for spec in PAGES],
                  position="hidden")


def build_navigation(actor: Actor, lang: str) -> st.navigation:  # type: ignore[valid-type]
    """The navigation listing exactly the pages this role may open, grouped into sections."""
    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(actor):
        page = st.Page(spec.path, title=t(spec.title_key, lang), icon=spec.icon,
                       url_path=spec.url_path, default=spec.url_path == "home")
        sections.setdefault(t(spec.section_key, lang), []).append(page)
    return st.navigation(sections)
