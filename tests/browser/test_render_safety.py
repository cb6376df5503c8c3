"""Render safety in Chromium: with markup in every free-text field, no element is created from
data (no image, frame, script or link pointing at the attacker), nothing is fetched from another
host, no dialog opens, and the payloads read as literal text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy.orm import Session

from db.models import Child, OrgUnit
from tests.browser.conftest import ARTIFACTS, log_in, open_expander, settle
from tests.hostile_world import EVIL_HOST, HostileWorld, build_hostile_world

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", None}  # None: data: and blob: URLs
# What the page built from its DOM: sources and targets of every element that could load or run.
DOM_REPORT = """() => ({
    imgs: [...document.querySelectorAll('img, source, video, audio, object, embed')]
        .map((e) => (e.getAttribute('src') || e.getAttribute('data') || '') + ' in '
             + (e.parentElement ? e.parentElement.outerHTML.slice(0, 300) : '')),
    frames: [...document.querySelectorAll('iframe, frame')].map((f) => f.getAttribute('src') || ''),
    scripts: [...document.querySelectorAll('script')]
        .map((s) => (s.getAttribute('src') || '') + ' ' + s.textContent),
    links: [...document.querySelectorAll('a, area, form')]
        .map((a) => a.getAttribute('href') || a.getAttribute('action') || ''),
    handlers: [...document.querySelectorAll('[onerror], [onload], [onclick]')].length,
})"""


@dataclass
class Watch:
    """Everything the browser did that data must never cause."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [url for url in self.requests if urlparse(url).hostname not in LOCAL_HOSTS]


@pytest.fixture
def hostile(engine) -> HostileWorld:
    """The hostile world in this test's database, before the server starts on it."""
    with Session(engine) as session, session.begin():
        return build_hostile_world(session, Path(os.environ["SHOUWANG_DATA_DIR"]))


@pytest.fixture
def watched(browser) -> Iterator[tuple[object, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    watch = Watch()
    page.on("request", lambda request: watch.requests.append(request.url))

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page, watch
    context.close()


def assert_nothing_built_from_data(page, watch: Watch, where: str) -> None:
    found = page.evaluate(DOM_REPORT)
    assert not [s for s in found["imgs"] if EVIL_HOST in s], (where, found["imgs"])
    assert not [s for s in found["frames"] if EVIL_HOST in s or "javascript:" in s], where
    assert not [s for s in found["scripts"] if "alert(1)" in s], where
    assert not [h for h in found["links"]
                if EVIL_HOST in h or h.strip().lower().startswith("javascript:")], where
    assert found["handlers"] == 0, where
    assert watch.foreign() == [], (where, watch.foreign())
    assert watch.dialogs == [], (where, watch.dialogs)


def shows_as_text(page, selector: str, text: str) -> None:
    """Wait until an element reads `text` literally (ignoring the invisible word joiners that
    keep a URL in a name from becoming a link)."""
    page.wait_for_function(
        """([selector, text]) => [...document.querySelectorAll(selector)].some(
            (e) => e.innerText.replaceAll('\\u2060', '').includes(text))""",
        arg=[selector, text], timeout=60_000)


def _visit(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="退出登录").wait_for()
    settle(page)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _name(engine, model, row_id: int) -> str:
    with Session(engine) as session:
        return session.get(model, row_id).name


def test_the_admins_pages_build_nothing_from_hostile_data(hostile, engine, app_server,
                                                          watched):
    page, watch = watched
    log_in(page, app_server, "admin")
    assert_nothing_built_from_data(page, watch, "总览")

    _visit(page, f"{app_server}/roster?child={hostile.child_id}")
    name = _name(engine, Child, hostile.child_id)
    shows_as_text(page, "h1", name)
    _shot(page, "render_child.png")
    assert_nothing_built_from_data(page, watch, "child page")

    for path in ("roster", f"roster?child={hostile.unpaired_child_id}", "pairing",
                 "activities", "reports", "exports", "admin", "account"):
        _visit(page, f"{app_server}/{path}")
        assert_nothing_built_from_data(page, watch, path)
    for path, tabs in (("contacts", ("最近记录", "待办", "专项行动")),
                       ("resources", ("心愿", "资源方", "捐助台账", "问卷"))):
        _visit(page, f"{app_server}/{path}")
        assert_nothing_built_from_data(page, watch, path)
        for tab in tabs:
            page.get_by_role("tab", name=tab).click()
            settle(page)
            assert_nothing_built_from_data(page, watch, f"{path} › {tab}")


def test_meeting_mode_shows_the_hostile_town_as_text(hostile, engine, app_server, watched):
    page, watch = watched
    log_in(page, app_server, "coordinator")
    town = _name(engine, OrgUnit, hostile.town_id)
    for slide in range(1, 11):
        _visit_meeting(page, f"{app_server}/meeting?s={slide}")
        shows_as_text(page, ".meeting-sub", town)
        if slide == 1:
            _shot(page, "render_meeting.png")
        assert_nothing_built_from_data(page, watch, f"meeting slide {slide}")


def _visit_meeting(page, url: str) -> None:
    """Meeting mode hides the sidebar, so it waits for its own page turners instead."""
    page.goto(url)
    page.get_by_role("button", name="下一页").wait_for()
    settle(page)


def test_my_pairings_builds_nothing_from_hostile_data(hostile, engine, app_server, watched):
    page, watch = watched
    log_in(page, app_server, "helper")
    _visit(page, f"{app_server}/my")
    name = _name(engine, Child, hostile.child_id)
    shows_as_text(page, "h4", name)
    open_expander(page, "记录帮扶")
    settle(page)
    _shot(page, "render_my_pairings.png")
    assert_nothing_built_from_data(page, watch, "我的结对")
