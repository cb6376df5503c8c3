"""会议模式 on demo data fits a 1920×1080 and a 1280×720 projector: no screen scrolls."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sample_data.generator import seed_database
from tests.browser.conftest import ARTIFACTS, open_login_form, settle

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "admin", "demo-admin-2026"  # sample_data/demo_users.py
COUNTER = re.compile(r"^(\d+) / (\d+)$")

# The screen shown is the one the counter names, fully drawn: no element left over from the
# previous screen, no skeleton, every chart painted.
DRAWN = """(number) => {
    const counter = [...document.querySelectorAll('p')]
        .find((p) => /^\\d+ \\/ \\d+$/.test(p.innerText.trim()));
    if (!counter || !counter.innerText.trim().startsWith(number + ' /')) return false;
    if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
    if (!document.querySelector('.meeting-title')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    return charts.every((c) => c.querySelector('canvas, svg')
        && c.getBoundingClientRect().height > 40);
}"""

HEIGHTS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return {main: main.scrollHeight, root: document.documentElement.scrollHeight,
            viewport: window.innerHeight,
            title: document.querySelector('.meeting-title').innerText};
}"""


@pytest.fixture
def demo(engine) -> None:
    seed_database(engine, scale="demo")


def _log_in(page, url: str) -> None:
    open_login_form(page, url)
    page.get_by_role("textbox", name="登录名", exact=True).fill(ADMIN)
    page.get_by_role("textbox", name="密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="退出登录").wait_for()
    settle(page)


def _counter(page) -> tuple[int, int]:
    text = page.locator("p").filter(has_text=COUNTER).first.inner_text().strip()
    number, count = COUNTER.match(text).groups()
    return int(number), int(count)


def _wait_drawn(page, number: int) -> None:
    page.wait_for_function(DRAWN, arg=number, polling=150)
    settle(page, quiet_ms=400)
    page.wait_for_function(DRAWN, arg=number, polling=150)


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_every_meeting_screen_fits_the_projector_without_scrolling(
        browser, app_server, demo, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    titles: list[str] = []
    try:
        _log_in(page, app_server)
        page.goto(f"{app_server}/meeting")
        _wait_drawn(page, 1)
        number, count = _counter(page)
        assert number == 1 and count > 10  # long sections of the demo data take two screens
        for number in range(1, count + 1):
            if number > 1:
                page.keyboard.press("ArrowRight")
                _wait_drawn(page, number)
            measured = page.evaluate(HEIGHTS)
            titles.append(measured["title"])
            assert measured["main"] <= height and measured["root"] <= height, (number, measured)
            assert measured["viewport"] == height
        expect(page.get_by_role("button", name="下一页")).to_be_disabled()
        # 活动与走访 is split, and the arrow keys walk back through it.
        assert "活动与走访（1/2）" in titles and "活动与走访（2/2）" in titles, titles
        assert len([t for t in titles if t.startswith("问卷")]) >= 1
        page.keyboard.press("ArrowLeft")
        _wait_drawn(page, count - 1)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"meeting_fit_{width}x{height}.png"))
        context.close()
