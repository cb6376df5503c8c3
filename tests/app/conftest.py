"""AppTest helpers: a small world with one account per role, a logged-in app, and one panel
run alone with an actor in its session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from components.common.session import ACTOR_KEY, LANG_KEY
from core.vocab import OrgKind, Role
from services.access.permissions import Actor
from tests.factories import (
    DEFAULT_PASSWORD,
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _navigation_not_legacy_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep AppTest from running `pages/*.py` directly on reruns.

    AppTest resets PagesManager.uses_pages_directory before every run, and a `pages/` folder
    next to app.py turns it on again, so a rerun would skip app.py and its login gate.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _fresh_figures() -> None:
    """Each test's database reuses the same ids: figures cached by the previous test must go."""
    from components.stats.stats_cache import data_changed

    data_changed()


@dataclass(frozen=True)
class World:
    url: str
    town_id: int
    child_names: tuple[str, ...]


@pytest.fixture
def world(db_url: str, engine, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two towns, three children, a helper paired with one, and one account per role."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    with Session(engine) as session, session.begin():
        county = make_org(session, "青山县", OrgKind.county)
        town = make_org(session, "石门镇", OrgKind.town, parent=county)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        other_town = make_org(session, "东乡", OrgKind.town, parent=county)
        other_village = make_org(session, "新村", OrgKind.village, parent=other_town)
        paired = make_child(session, village=village, name="张小明")
        make_child(session, village=village, name="王小红")
        make_child(session, village=other_village, name="赵小刚")
        make_user(session, "admin", Role.admin, display_name="管理员")
        make_user(session, "coordinator", Role.coordinator, org_unit=town, display_name="刘主任")
        helper_user = make_user(session, "helper", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=helper_user.id)
        make_pairing(session, paired, helper)
        make_user(session, "viewer", Role.viewer, display_name="督导")
        town_id = town.id
    return World(db_url, town_id, ("张小明", "王小红", "赵小刚"))


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def login(username: str, password: str = DEFAULT_PASSWORD) -> AppTest:
    """Fill the real login form and submit it."""
    at = new_app().run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def logged_in(username: str, display_name: str = "") -> AppTest:
    """An app whose session is already authenticated (as the cookie would leave it)."""
    at = new_app()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = display_name or username
    at.session_state["roles"] = []
    return at.run()


# ---- one panel alone ------------------------------------------------------------------------

PANEL_DAY = date(2026, 11, 28)


def _panel_script(module: str, function: str, today: str) -> None:
    """One panel as its page's tab shows it: `function(actor, today)` from `module`."""
    import importlib
    from datetime import date

    import streamlit as st

    from components.common.session import ACTOR_KEY

    render = getattr(importlib.import_module(module), function)
    render(st.session_state[ACTOR_KEY], date.fromisoformat(today))


def panel_app(render: str, actor: Actor, *, today: date = PANEL_DAY,
              lang: str | None = None) -> AppTest:
    """Run one panel's render function (`"components.care.todo_panel:render_todo"`) alone,
    as `actor`, on `today`, in `lang` when given."""
    module, function = render.split(":")
    at = AppTest.from_function(_panel_script, args=(module, function, today.isoformat()),
                               default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    if lang:
        at.session_state[LANG_KEY] = lang
    return at.run()


@pytest.fixture
def coordinator(world: World) -> Actor:
    """The coordinator of the world's town, as a panel's actor."""
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def texts(elements: Iterable[Any]) -> str:
    """The values of a list of AppTest elements, as one string to search."""
    return " ".join(str(e.value) for e in elements)
