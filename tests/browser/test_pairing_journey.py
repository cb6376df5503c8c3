"""In a real browser: a coordinator pairs a waiting child, then the helper finds its card."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.vocab import OrgKind, Relation, Role
from db.models import Relative
from tests.browser.conftest import ARTIFACTS, log_in, settle
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# st.dataframe draws on a canvas: rows are found in its accessible copy, clicked by position.
HEADER_PX, ROW_PX, MARKER_X = 36, 35, 16


@pytest.fixture
def township(engine) -> None:
    """Two children waiting, a teacher with two free places whose login is linked to them."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="张小明")
        child = make_child(session, village=village, name="王小红")
        session.add(Relative(child_id=child.id, relation=Relation.guardian,
                             relation_detail="奶奶", name="王奶奶", phone="13912345678"))
        make_user(session, "liu", Role.coordinator, org_unit=town, display_name="刘主任")
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        make_helper(session, org_unit=town, name="李老师", user_id=account.id)


@pytest.fixture
def paired_helper(engine) -> None:
    """A helper already paired with one child, for the phone-width check."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        child = make_child(session, village=village, name="王小红", grade="三年级",
                           class_name="2班")
        session.add(Relative(child_id=child.id, relation=Relation.guardian,
                             relation_detail="奶奶", name="王奶奶", phone="13912345678"))
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        make_pairing(session, child, make_helper(session, org_unit=town, user_id=account.id))


@contextmanager
def _tab(browser, name: str, viewport: dict[str, int]) -> Iterator[object]:
    """A page in a fresh browser context (its own cookies), screenshotted when done."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()


def _nav(page, title: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _click_row(page, name: str) -> None:
    """Tick the row-marker checkbox of the waiting child called `name`."""
    grid = page.get_by_test_id("stDataFrame").locator("visible=true").first
    row = grid.locator(f'tbody tr:has(td:text-is("{name}"))')  # the canvas's accessible copy
    position = int(row.get_attribute("aria-rowindex")) - 2  # rows count from 1, the header
    box = grid.bounding_box()
    page.mouse.click(box["x"] + MARKER_X, box["y"] + HEADER_PX + ROW_PX * position + ROW_PX / 2)


def _card(page, name: str):
    """The innermost block holding the child's heading: their bordered card on 我的结对."""
    heading = page.get_by_role("heading", name=name)
    return page.get_by_test_id("stVerticalBlock").filter(has=heading).last


def test_coordinator_pairs_a_child_and_the_helper_sees_the_card(page, browser, app_server,
                                                                 township):
    log_in(page, app_server, "liu", "刘主任")
    _nav(page, "结对帮扶").click()
    page.get_by_role("heading", name="结对帮扶").first.wait_for()
    settle(page)
    expect(_metric(page, "结对覆盖率")).to_have_text("0.0%")
    expect(_metric(page, "待结对")).to_have_text("2")

    _click_row(page, "王小红")
    expect(page.get_by_text("为 王小红 推荐的帮扶人")).to_be_visible()
    expect(page.get_by_text("同乡镇教师；尚未结对，可结对2人")).to_be_visible()
    settle(page)
    page.get_by_role("button", name="与李老师结对").click()
    expect(page.get_by_text("已将王小红与教师李老师结对。")).to_be_visible()
    expect(_metric(page, "结对覆盖率")).to_have_text("50.0%")
    expect(_metric(page, "已结对")).to_have_text("1")

    with _tab(browser, "pairing_journey_helper", {"width": 1280, "height": 900}) as helper:
        log_in(helper, app_server, "lilaoshi")
        expect(_nav(helper, "结对帮扶")).to_have_count(0)
        _nav(helper, "我的结对").click()
        card = _card(helper, "王小红")
        expect(card.get_by_role("heading", name="王小红")).to_be_visible()
        expect(card.get_by_text("新结对")).to_be_visible()
        expect(card.get_by_role("link", name="13912345678")).to_have_attribute(
            "href", "tel:13912345678")
        expect(helper.get_by_text("张小明")).to_have_count(0)


def test_my_pairings_fits_a_phone_screen(browser, app_server, paired_helper):
    with _tab(browser, "pairing_journey_phone", PHONE) as phone:
        log_in(phone, app_server, "lilaoshi")
        phone.goto(f"{app_server}/my")
        phone.get_by_role("heading", name="我的结对").first.wait_for()
        settle(phone)
        card = _card(phone, "王小红")
        expect(card.get_by_role("heading", name="王小红")).to_be_visible()
        expect(card.get_by_text("下一步")).to_be_visible()
        expect(card.get_by_role("link", name="13912345678")).to_be_visible()
        assert card.bounding_box()["width"] <= PHONE["width"]
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"page is {width}px wide on a 390px phone"
