"""On a phone, in a real browser: a helper logs a home visit and watches it leave their 待办."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import ContactKind, OrgKind, RiskLevel, Role
from db.models import CareContact, CareRule
from tests.browser.conftest import ARTIFACTS, log_in, open_expander, settle
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]

PHONE = {"width": 390, "height": 844}
RULE = "红色风险儿童每周走访至少1次"


@pytest.fixture
def red_child(engine) -> None:
    """A red-risk child paired for two months; only the weekly-visit rule for red is on."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        child = make_child(session, village=village, name="王小红")
        child.risk_level = RiskLevel.red
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, child, helper, started_on=local_today() - timedelta(days=60))
        session.execute(update(CareRule).where(CareRule.code != "red_weekly_visit")
                        .values(is_active=False))


def _contacts(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CareContact).where(
            CareContact.kind == ContactKind.home_visit)) or 0


def test_a_helper_logs_a_home_visit_from_my_pairings_and_the_todo_clears(
        browser, app_server, engine, red_child):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        log_in(page, app_server, "lilaoshi")  # lands on 我的结对, not the greeting
        page.goto(f"{app_server}/my")
        page.get_by_role("heading", name="我的结对").first.wait_for()
        settle(page)
        expect(page.get_by_text("已逾期 1 项")).to_be_visible()
        expect(page.get_by_text(RULE).first).to_be_visible()

        open_expander(page, "记录帮扶")
        page.get_by_text("家访", exact=True).first.click()  # a pill
        page.get_by_role("button", name="保存", exact=True).click()

        expect(page.get_by_text("本周没有待办")).to_be_visible()
        settle(page)
        expect(page.get_by_text(RULE)).to_have_count(0)
        expect(page.get_by_role("heading", name="王小红")).to_be_visible()
        expect(page.get_by_text("本期帮扶要求均已完成")).to_be_visible()
        assert _contacts(engine) == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a phone"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "contact_journey_phone.png"), full_page=True)
        context.close()
