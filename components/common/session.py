"""The app's settings, cached engine, unit of work and the acting user, for every page."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st
from sqlalchemy import Engine, event
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from config import Settings, load_settings
from core.errors import DatabaseBusy
from core.i18n import DEFAULT_LANGUAGE, t
from db import schema
from db.engine import make_engine, transaction
from services.access.permissions import Actor, Capability
from services.stats import rollups  # noqa: F401  (every write keeps the figures' rollups right)

_log = logging.getLogger(__name__)
ACTOR_KEY = "shouwang_actor"
LANG_KEY = "shouwang_lang"
PAGE_KEY = "shouwang_page"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


@st.cache_resource(show_spinner=False)
def _checked(url: str) -> bool:
    """Check the schema once per process; a failure is not cached, so a fix is seen next run."""
    schema.check_ready(_engine_for(url))
    return True


def settings() -> Settings:
    return load_settings()


def engine() -> Engine:
    """The process-wide engine for the configured database, checked once per run."""
    url = settings().database_url
    try:
        _checked(url)
    except schema.DatabaseProblem as exc:
        st.error(f"**{t('error.database', lang())}**\n\n{exc}")
        st.stop()
    return _engine_for(url)


@contextmanager
def database_guard() -> Iterator[None]:
    """Turn a database error that slipped past the services into one clear message.

    Services check lengths, formats and versions before writing; this is the net under them
    (a value the database refuses, a save racing another person's), so a user never sees a
    traceback. The transaction was rolled back, so nothing was written.
    """
    try:
        yield
    except OperationalError as exc:
        _checked.clear()  # check the schema afresh once the database is back
        problem = schema.explain(exc, _engine_for(settings().database_url))
        st.error(f"**{t('error.database', lang())}**\n\n{problem}")
        st.stop()
    except DatabaseBusy as exc:  # waited the whole busy timeout behind other writers
        st.error(exc.text(lang()))
        st.stop()
    except DataError:
        _log.exception("a write the services let through was refused by the database")
        st.error(t("error.not_saved", lang()))
        st.stop()
    except (IntegrityError, StaleDataError):
        _log.exception("a write lost a race the services did not catch")
        st.error(t("error.conflict", lang()))
        st.stop()


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: object) -> None:
    session.info["wrote"] = True


@contextmanager
def db_transaction(*, write: bool = True) -> Iterator[Session]:
    """One transaction for one user action; it commits when the block ends without error.

    A transaction that wrote anything clears the cached statistics once it has committed.
    On SQLite a write transaction queues for the write lock from its start; `write=False` is
    for blocks that only read (rendering figures, lists, the account), which then never wait
    behind an import or another person's save.
    """
    with transaction(_engine_for(settings().database_url), write=write) as session:
        yield session
        wrote = session.info.get("wrote", False) or bool(session.new or session.dirty
                                                           or session.deleted)
    if wrote:
        from components.stats.stats_cache import data_changed  # the cache module imports this one

        data_changed()


def lang() -> str:
    return st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)


def _back_to_entry() -> NoReturn:
    """Send a page opened without app.py's login gate back through it.

    Streamlit runs a `pages/` file directly when the process's first run asks for a page
    (its legacy multipage mode stays on until st.navigation is first called).
    """
    try:
        st.switch_page("app.py")
    except st.errors.StreamlitAPIException:
        st.stop()


def current_actor(capability: Capability | None = None) -> Actor:
    """The logged-in user as an Actor; a page that needs a capability stops for anyone else."""
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    if actor is None:
        _back_to_entry()
    # Navigation already hides the page; this guards a stale link or a forged page switch.
    if capability is not None and not actor.can(capability):
        st.error(t("error.forbidden", lang()))
        st.stop()
    return actor


def current_page() -> str:
    """The page being shown ("roster", "exports" …), for the view log's 页面 column.

    app.py keeps it as it runs the navigation; a page run on its own (an AppTest) has none.
    """
    return str(st.session_state.get(PAGE_KEY) or "\u2014")
