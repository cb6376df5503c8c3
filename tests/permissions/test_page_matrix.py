"""Every page × every login: the navigation offers exactly the role's pages, a forbidden page
cannot be switched to, and an allowed page renders no one outside the login's scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe, Node, Table

from core.vocab import Role
from tests.app.conftest import _fresh_figures, _navigation_not_legacy_pages, logged_in
from tests.permissions.world import DISPLAY_NAMES, ROLE_OF, hidden_strings

__all__ = ["_fresh_figures", "_navigation_not_legacy_pages"]  # autouse fixtures, reused

PAGES = ("home", "meeting", "roster", "my_pairings", "pairing", "contacts", "activities",
         "resources", "reports", "exports", "admin", "account")
EVERYONE = {"home", "meeting", "account"}
OFFERED: dict[Role, set[str]] = {
    Role.admin: set(PAGES) - {"my_pairings"},
    Role.coordinator: EVERYONE | {"roster", "pairing", "contacts", "activities", "resources",
                                  "reports", "exports"},
    Role.helper: EVERYONE | {"roster", "my_pairings", "contacts"},
    Role.viewer: EVERYONE,
}
# Town B's village, beyond people: nobody of town A lives or studies there (U1 studies at
# 青山乡中心小学, so the town's name may show as part of that school's).
UNITS_HIDDEN = {"coord_town_a": {"王家村"}, "viewer_a": {"王家村"}}
USERS = ("admin", "coord_town_a", "coord_school_a", "helper_a", "viewer", "viewer_a")


@pytest.fixture(scope="module")
def app_world(world, world_url: str) -> Iterator[object]:
    """The matrix's world, committed, as the database the app opens."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", world_url)
        patch.setenv("SHOUWANG_DEMO", "1")
        yield world


def rendered_text(at: AppTest) -> str:
    """Every element's proto (values, labels, options, help) and every table's cells."""
    parts: list[str] = []
    stack: list[Node] = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        if isinstance(node, Dataframe | Table):
            parts.append(node.value.to_string())
        stack.extend(getattr(node, "children", {}).values())
    return "\n".join(parts)


def _hidden(user: str) -> set[str]:
    return (hidden_strings(user) | UNITS_HIDDEN.get(user, set())) - {DISPLAY_NAMES[user]}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", USERS)
def test_a_page_opens_only_for_its_roles_and_shows_only_the_login_scope(app_world, user, page):
    at = logged_in(user, DISPLAY_NAMES[user])
    assert not at.exception
    if page not in OFFERED[ROLE_OF[user]]:
        with pytest.raises(ValueError, match=r"not a registered page|Could not find"):
            at.switch_page(f"pages/{page}.py")
        return
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    text = rendered_text(at)
    assert sorted(s for s in _hidden(user) if s in text) == []


@pytest.mark.parametrize(("user", "page", "name"), [
    ("coord_town_a", "roster", "柳如烟"),
    ("coord_town_a", "roster", "欧阳锋"),  # lives in town A, studies in town B
    ("coord_school_a", "roster", "司马光"),
    ("admin", "roster", "慕容复"),
    ("admin", "pairing", "段誉明"),
    ("helper_a", "my_pairings", "柳如烟"),
])
def test_the_walk_finds_the_names_a_page_does_show(app_world, user, page, name):
    at = logged_in(user, DISPLAY_NAMES[user]).switch_page(f"pages/{page}.py").run()
    assert name in rendered_text(at)


@pytest.mark.parametrize(("user", "label", "children"), [
    ("viewer", "关爱儿童", "5人"),
    ("viewer_a", "关爱儿童", "<5人"),  # 3: a viewer sees counts under 5 withheld
    ("coord_town_a", "关爱儿童", "3人"), ("coord_school_a", "关爱儿童", "2人"),
    ("helper_a", "我结对的儿童", "1人"),
])
def test_the_dashboard_counts_only_the_login_scope(app_world, user, label, children):
    at = logged_in(user, DISPLAY_NAMES[user])
    assert {m.label: m.value for m in at.metric}[label] == children
