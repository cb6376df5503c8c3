"""Which pages exist and who may open them; app.py builds st.navigation from this list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core.i18n import t
from core.vocab import Role
from services.access.permissions import Actor, Capability


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


# Before login "/" is this empty page; after login the same URL sends each role on to its own
# first page (我的结对 for a helper, else 总览), so the login's rerun lands there.
ENTRY_URL = "login"


def landing_page(actor: Actor) -> PageSpec:
    """The page a role lands on: a helper's own children, everyone else's overview."""
    allowed = {spec.url_path: spec for spec in pages_for(actor)}
    return allowed.get("my") or allowed["home"]


def _entry_page() -> None:
    """Never run: app.py shows the login form instead of running the navigation."""


def reserve_page_urls(lang: str) -> st.Page:
    """Before login: know every page's URL, show none of them, run none of them.

    Without a navigation here Streamlit falls back to its legacy `pages/` mode and lists the
    page files on the login screen; with a smaller one, a deep link or a refresh on /admin
    would meet a "Page not found" dialog before the cookie logs the user back in. Returns the
    entry page ("/"), for sending a logged-out session back to it.
    """
    entry = st.Page(_entry_page, title=t("app.name", lang), url_path=ENTRY_URL, default=True)
    st.navigation([entry, *(st.Page(spec.path, title=t(spec.title_key, lang),
                                    url_path=spec.url_path) for spec in PAGES)],
                  position="hidden")
    return entry


def _go_to(landing: PageSpec) -> Callable[[], None]:
    def go() -> None:
        st.switch_page(landing.path)
    return go


def _no_access(title: str, lang: str, landing: PageSpec) -> Callable[[], None]:
    def no_access() -> None:
        st.title(t("nav.no_access.title", lang))
        st.error(t("nav.no_access.text", lang, page=title), icon=":material/block:")
        st.page_link(landing.path, label=t("nav.no_access.back", lang,
                                           page=t(landing.title_key, lang)),
                     icon=":material/arrow_back:")
    return no_access


def build_navigation(actor: Actor, lang: str) -> st.Page:
    """The navigation listing exactly the pages this role may open, grouped into sections.

    Every other page keeps its URL as a hidden page saying, in the user's language, that
    this account may not open it: a bookmark or a shared link to /admin gets a clear answer
    instead of Streamlit's English "Page not found" dialog and a silent jump to the home page.
    """
    allowed = pages_for(actor)
    landing = landing_page(actor)
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        section = sections.setdefault(t(spec.section_key, lang), [])
        title = t(spec.title_key, lang)
        if spec in allowed:
            section.append(st.Page(spec.path, title=title, icon=spec.icon,
                                   url_path=spec.url_path, default=spec.url_path == "home"))
        else:
            section.append(st.Page(_no_access(title, lang, landing), title=title,
                                   url_path=spec.url_path, visibility="hidden"))
    # The page the login form was on: on to this role's first page. (Not default=: the
    # default page answers on "/" only, and a bookmarked /my would be "Page not found".)
    next(iter(sections.values())).append(st.Page(
        _go_to(landing), title=t("app.name", lang), url_path=ENTRY_URL, visibility="hidden"))
    return st.navigation(sections)
