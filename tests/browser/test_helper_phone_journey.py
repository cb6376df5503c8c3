"""A helper on a 390×844 phone: from the login form to a logged visit in at most 4 taps, the
sidebar closing after a page is chosen, and a Chinese 无权限 page for a page the role lacks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import ContactKind, OrgKind, Role
from db.models import CareContact
from tests.browser.conftest import ARTIFACTS, log_in, open_expander, open_login_form, settle
from tests.factories import (
    DEFAULT_PASSWORD,
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def helper_world(engine) -> None:
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        child = make_child(session, village=village, name="王小红")
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, child, helper, started_on=local_today() - timedelta(days=20))
        make_user(session, "dudao", Role.viewer, display_name="督导")


@contextmanager
def _phone(browser, name: str) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()


def _home_visits(engine) -> list[date]:
    with Session(engine) as session:
        return list(session.scalars(select(CareContact.contact_date).where(
            CareContact.kind == ContactKind.home_visit)))


def _home_visit_on_another_day(page, app_server: str) -> None:
    """Log in as the helper and open 记录帮扶 on a home visit with 其他日期 chosen."""
    log_in(page, app_server, "lilaoshi")
    page.get_by_role("heading", name="我的结对").first.wait_for()
    settle(page)
    open_expander(page, "记录帮扶")
    page.get_by_text("家访", exact=True).first.click()
    page.get_by_text("其他日期", exact=True).click()


def test_from_login_to_a_logged_visit_in_four_taps(browser, app_server, engine, helper_world):
    with _phone(browser, "helper_phone_four_taps") as page:
        taps = 0

        def tap(locator) -> None:
            nonlocal taps
            locator.click()
            taps += 1

        open_login_form(page, app_server)
        page.get_by_role("textbox", name="登录名", exact=True).fill("lilaoshi")
        page.get_by_role("textbox", name="密码", exact=True).fill(DEFAULT_PASSWORD)
        tap(page.get_by_role("button", name="登录", exact=True))
        # Straight onto 我的结对: no statistics page, no menu to open.
        page.get_by_role("heading", name="我的结对").first.wait_for()
        settle(page)
        expect(page.get_by_role("heading", name="王小红")).to_be_visible()
        open_expander(page, "记录帮扶")
        taps += 1
        tap(page.get_by_text("家访", exact=True).first)  # a pill; 今天 is already chosen
        tap(page.get_by_role("button", name="保存", exact=True))
        expect(page.get_by_text("已记录").first).to_be_visible()
        assert taps <= 4
        assert _home_visits(engine) == [local_today()]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a phone"


def test_a_refresh_keeps_the_helper_logged_in_also_after_an_earlier_login(
        browser, app_server, helper_world):
    """The login cookie survives the landing on 我的结对. The library's cookie component lost
    a race against that page's first rerun, from the second login on one server onward, and
    a refresh then showed the login form again."""
    for attempt in range(2):
        with _phone(browser, f"helper_phone_refresh_{attempt}") as page:
            log_in(page, app_server, "lilaoshi")
            page.get_by_role("heading", name="我的结对").first.wait_for()
            settle(page)
            page.reload()
            page.get_by_role("heading", name="我的结对").first.wait_for()
            expect(page.get_by_role("button", name="登录", exact=True)).to_have_count(0)
            assert "shouwang_auth" in {c["name"] for c in page.context.cookies()}


def test_yesterday_is_one_tap_more_and_another_day_needs_its_date(
        browser, app_server, engine, helper_world):
    with _phone(browser, "helper_phone_yesterday") as page:
        _home_visit_on_another_day(page, app_server)
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_text("请填写帮扶日期").first).to_be_visible()
        assert _home_visits(engine) == []
        page.get_by_text(f"昨天 {local_today() - timedelta(days=1):%m-%d}", exact=True).click()
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_text("已记录：王小红 · 家访（昨天）").first).to_be_visible()
        assert _home_visits(engine) == [local_today() - timedelta(days=1)]


def test_another_day_is_typed_into_a_date_field_that_speaks_chinese(
        browser, app_server, engine, helper_world):
    """The date field's segments read 年/月/日 (to the eye and to a screen reader), and typing a
    date into them still works: the rewriting leaves the field to React."""
    day = local_today() - timedelta(days=3)
    with _phone(browser, "helper_phone_other_day") as page:
        _home_visit_on_another_day(page, app_server)
        year = page.locator('[data-testid="stDateInputField"] [data-type="year"]').first
        expect(year).to_have_text("年")
        expect(year).to_have_attribute("aria-label", re.compile(r"^年\uff0c"))
        expect(year).to_have_attribute("aria-valuetext", "未填")
        year.click()
        page.keyboard.type(f"{day:%Y%m%d}")
        expect(year).to_have_text(f"{day:%Y}")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_text("已记录").first).to_be_visible()
        assert _home_visits(engine) == [day]


def test_the_sidebar_closes_after_a_page_is_chosen_on_a_phone(
        browser, app_server, helper_world):
    with _phone(browser, "helper_phone_sidebar_closes") as page:
        log_in(page, app_server, "lilaoshi")
        page.get_by_role("heading", name="我的结对").first.wait_for()
        settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        sidebar.get_by_role("link", name="帮扶记录").click()
        page.get_by_role("heading", name="帮扶记录").first.wait_for()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        settle(page)
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        # The page is there to use, not under the menu: its first field takes a tap.
        page.get_by_role("tab", name="最近记录").click()
        expect(page.get_by_role("tab", name="最近记录")).to_have_attribute(
            "aria-selected", "true")


def test_a_viewer_opening_admin_by_url_reads_a_chinese_no_access_page(
        browser, app_server, helper_world):
    with _phone(browser, "viewer_no_access") as page:
        log_in(page, app_server, "dudao")
        page.goto(f"{app_server}/admin")
        expect(page.get_by_role("heading", name="无权限")).to_be_visible()
        settle(page)
        expect(page.get_by_role("heading", name="无权限")).to_be_visible()
        expect(page.get_by_text("没有打开“管理”的权限")).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_text("main page")).to_have_count(0)
        assert page.url.rstrip("/").endswith("/admin")  # not silently sent elsewhere
        page.get_by_role("link", name="返回总览").click()
        expect(page.get_by_role("heading", name="您好,督导").or_(
            page.get_by_role("heading", name="您好，督导"))).to_be_visible()
