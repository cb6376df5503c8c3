"""In a real browser: a click on a child's name in the roster opens the record; the list pages
with 上一页/下一页."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.vocab import OrgKind, RiskLevel, Role
from tests.browser.conftest import ARTIFACTS, log_in, settle, steady_box, still
from tests.factories import make_child, make_org, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def township(engine) -> None:
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="王小红", risk_level=RiskLevel.red)
        for n in range(50):
            make_child(session, village=village, name=f"孩子{n:02d}", risk_level=RiskLevel.green)
        make_user(session, "liu", Role.coordinator, org_unit=town, display_name="刘主任")


def test_clicking_a_name_opens_the_record_and_the_pager_turns_pages(page, app_server, township):
    log_in(page, app_server, "liu", "刘主任")
    page.goto(f"{app_server}/roster")
    settle(page)
    expect(page.get_by_text("第 1/2 页\uff0c共 51 人")).to_be_visible()
    page.get_by_role("button", name="下一页").click()
    expect(page.get_by_text("第 2/2 页\uff0c共 51 人")).to_be_visible()
    page.get_by_role("button", name="上一页").click()
    expect(page.get_by_text("第 1/2 页\uff0c共 51 人")).to_be_visible()
    settle(page)
    still(page)
    # 王小红 is red: the first row. Click her name cell (the second column) in the grid, which
    # is drawn on a canvas: by coordinates, once the grid has stopped moving.
    box = steady_box(page.get_by_test_id("stDataFrame").first)
    page.screenshot(path=str(ARTIFACTS / "roster_before_click.png"))
    # The grid tracks the pointer on animation frames: let it see the pointer over the cell
    # (its toolbar appears) before pressing, or a loaded machine drops the click.
    page.mouse.move(box["x"] + 110, box["y"] + 35 + 35 / 2)
    page.get_by_test_id("stElementToolbar").first.wait_for()
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.mouse.down()
    page.mouse.up()
    try:
        expect(page.get_by_role("heading", name="王小红")).to_be_visible()
    finally:
        page.screenshot(path=str(ARTIFACTS / "roster_after_click.png"))
