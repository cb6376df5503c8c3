"""总览 in a real browser: figures that move on their own, bars that open the roster, 会议模式."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import Category, OrgKind, Role
from db.models import CareContact
from tests.browser.conftest import ARTIFACTS, log_home_visit, log_in, settle
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)
from tests.pairing_factories import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]

DESKTOP = {"width": 1280, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
PAIRED, NEAR, ORPHAN = "欧阳翠萍", "司马嘉懿", "诸葛瑾瑜"
NAMES = (PAIRED, NEAR, ORPHAN)
LEFT_BEHIND_BLUE = (0x4C, 0x78, 0xA8)  # services.stats.charts.FIXED["left_behind"]


@pytest.fixture
def town(engine) -> None:
    """石门镇: two left-behind children and an orphan; one left-behind child is paired with
    李老师 and already has a contact today; a coordinator, a helper and a viewer account."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        paired = make_child(session, village=village, name=PAIRED)
        near = make_child(session, village=village, name=NEAR)
        make_child(session, village=village, name=ORPHAN, categories=(Category.scattered_orphan,))
        make_user(session, "liuzhuren", Role.coordinator, org_unit=town, display_name="刘主任")
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, paired, helper)
        make_contact(session, near, None, local_today())
        make_user(session, "dudao", Role.viewer, display_name="督导")


def _contacts(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CareContact)) or 0


def _open(browser, viewport: dict[str, int]):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _metric(page, label: str):
    return (page.get_by_test_id("stMetric").filter(has_text=label)
            .get_by_test_id("stMetricValue"))


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_a_contact_logged_elsewhere_reaches_the_open_dashboard_without_a_reload(
        browser, app_server, engine, town):
    coordinator_context, dashboard = _open(browser, DESKTOP)
    helper_context, phone = _open(browser, PHONE)
    try:
        log_in(dashboard, app_server, "liuzhuren")
        expect(dashboard.get_by_role("heading", name="您好，刘主任")).to_be_visible()
        expect(_metric(dashboard, "关爱儿童")).to_have_text("3人")
        expect(_metric(dashboard, "本学期帮扶记录")).to_have_text("1人次")  # the default period
        dashboard.evaluate("window.__notReloaded = true")

        log_in(phone, app_server, "lilaoshi")
        log_home_visit(phone, app_server)
        assert _contacts(engine) == 2

        # Page A is left alone: it follows the data version, which the save moved.
        expect(_metric(dashboard, "本学期帮扶记录")).to_have_text("2人次", timeout=60_000)
        assert dashboard.evaluate("window.__notReloaded === true")
        expect(dashboard.get_by_text(re.compile(r"数据更新于 \d\d:\d\d:\d\d"))).to_be_visible()
    finally:
        _shot(dashboard, "dashboard_live_coordinator.png")
        helper_context.close()
        coordinator_context.close()


FIND_BAR = """([r, g, b]) => {
    const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
    const box = chart.getBoundingClientRect();
    const svgBar = [...chart.querySelectorAll('path')].find((p) =>
        (p.getAttribute('fill') || '').toLowerCase() === '#4c78a8');
    if (svgBar) {
        const rect = svgBar.getBoundingClientRect();
        return {x: rect.x + rect.width / 2, y: rect.y + rect.height / 2};
    }
    const canvas = chart.querySelector('canvas');
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const found = [];
    for (let y = 0; y < canvas.height; y += 2) {
        for (let x = 0; x < canvas.width; x += 2) {
            const i = 4 * (y * canvas.width + x);
            const d = pixels.data;
            if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 12
                && d[i + 3] > 200) { found.push([x, y]); }
        }
    }
    if (!found.length) { return null; }
    const [x, y] = found[Math.floor(found.length / 2)];
    const rect = canvas.getBoundingClientRect();
    return {x: rect.x + x / ratio, y: rect.y + y / ratio};
}"""


def test_clicking_a_category_bar_opens_the_roster_filtered_by_it(browser, app_server, town):
    context, page = _open(browser, DESKTOP)
    try:
        log_in(page, app_server, "liuzhuren")
        first = page.get_by_test_id("stVegaLiteChart").first
        first.scroll_into_view_if_needed()
        expect(page.get_by_text("点击图中的条形").first).to_be_visible()
        settle(page)
        point = page.evaluate(FIND_BAR, list(LEFT_BEHIND_BLUE))
        assert point is not None, "no 留守儿童 bar drawn in the first chart"
        page.mouse.click(point["x"], point["y"])
        page.wait_for_url(re.compile(r"/roster\?(.*&)?cat=left_behind(&|$)"))
        settle(page)
        expect(page.get_by_text("共 2 人")).to_have_count(1)  # the two left-behind children
        cells = page.get_by_role("gridcell", include_hidden=True)  # the grid is a canvas
        expect(cells.filter(has_text=PAIRED)).to_have_count(1)
        expect(cells.filter(has_text=NEAR)).to_have_count(1)
        expect(cells.filter(has_text=ORPHAN)).to_have_count(0)
    finally:
        _shot(page, "dashboard_drill_down_roster.png")
        context.close()


WIDER_THAN_THE_WINDOW = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().width > 0
                   && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName}.${e.getAttribute('data-testid') || ''}`
                + ` right=${Math.round(e.getBoundingClientRect().right)}`)"""


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"
    # Streamlit scrolls inside its main block, not the document: look at the elements too.
    assert page.evaluate(WIDER_THAN_THE_WINDOW) == []


def _no_names(page) -> None:
    text = page.evaluate("document.body.innerText")
    assert [name for name in NAMES if name in text] == []


def test_meeting_mode_fills_a_projector_and_a_phone_and_turns_with_the_arrow_keys(
        browser, app_server, town):
    context, page = _open(browser, PROJECTOR)
    try:
        log_in(page, app_server, "dudao")
        _no_names(page)
        page.get_by_role("button", name="会议模式").click()
        page.wait_for_url(re.compile(r"/meeting"))
        expect(page.get_by_text("1 / 10", exact=True)).to_be_visible()
        settle(page)
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        expect(page.get_by_test_id("stHeader")).to_be_hidden()
        expect(page.get_by_text("基本情况", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="上一页")).to_be_disabled()
        _no_horizontal_overflow(page)
        _shot(page, "meeting_projector_1920x1080.png")

        page.set_viewport_size(PHONE)
        settle(page)
        _no_horizontal_overflow(page)
        _shot(page, "meeting_phone_390x844.png")
        page.get_by_test_id("stMain").evaluate("(main) => main.scrollTo(0, main.scrollHeight)")
        _shot(page, "meeting_phone_390x844_scrolled.png")

        page.keyboard.press("ArrowRight")
        expect(page.get_by_text("2 / 10", exact=True)).to_be_visible()
        expect(page.get_by_text("监护与留守", exact=True)).to_be_visible()
        assert re.search(r"[?&]s=2(&|$)", page.url), page.url
        settle(page)
        _no_horizontal_overflow(page)
        page.keyboard.press("ArrowLeft")
        expect(page.get_by_text("1 / 10", exact=True)).to_be_visible()
        assert re.search(r"[?&]s=1(&|$)", page.url), page.url

        # Every slide a viewer can turn to shows figures, never a child's name.
        for number in range(2, 11):
            page.keyboard.press("PageDown")
            expect(page.get_by_text(f"{number} / 10", exact=True)).to_be_visible()
            settle(page, quiet_ms=400)
            _no_names(page)
        expect(page.get_by_role("button", name="下一页")).to_be_disabled()

        page.get_by_role("button", name="退出", exact=True).click()
        page.wait_for_url(re.compile(r"^[^?]*/(\?|$)"))  # back on 总览, the app's root
        expect(_metric(page, "关爱儿童")).to_have_text("<5人")  # a viewer: 3 is withheld
    finally:
        _shot(page, "meeting_journey_end.png")
        context.close()
