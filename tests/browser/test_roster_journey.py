"""In a real browser: add a child through the form, find them by initials, export the list."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.vocab import OrgKind, Role
from tests.browser.conftest import log_in, settle
from tests.factories import make_child, make_org, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def township(engine) -> None:
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="王小红")
        make_user(session, "liu", Role.coordinator, org_unit=town, display_name="刘主任")


def test_add_find_by_initials_and_export(page, app_server, township):
    log_in(page, app_server, "liu", "刘主任")

    page.get_by_role("link", name="儿童档案").click()
    settle(page)
    page.get_by_role("tab", name="录入").first.click()
    page.get_by_role("textbox", name="姓名 *").fill("林小雨")
    page.get_by_test_id("stButtonGroup").get_by_text("女", exact=True).first.click()
    # The first date input that shows: the list tab's 紧急查看 form has one, collapsed.
    birth = page.get_by_test_id("stDateInput").locator("input").filter(visible=True).first
    birth.fill("2015-03-02")
    birth.press("Enter")
    birth.press("Escape")  # close the calendar that covers the next field
    page.get_by_test_id("stSelectbox").filter(has_text="乡镇/村").click()
    page.get_by_role("option", name="石门镇 › 李家村").click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存“林小雨”").first).to_be_visible()

    page.goto(f"{app_server}/roster?q=lxy")
    expect(page.get_by_text("共 1 人")).to_have_count(1)
    settle(page)

    data = _download(page, page.get_by_role("button", name="下载"))
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel/WPS open it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "性别", "出生日期"]
    assert [row[:3] for row in rows[1:]] == [["林*雨", "女", "2015-03-02"]]  # names masked


def _download(page, button) -> bytes:
    """Click a download button until a file arrives.

    The login cookie's component reports back after the page loads and triggers one more
    rerun; a click that lands on the outgoing copy of the button starts no download.
    """
    for _ in range(3):
        expect(button).to_have_count(1)
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            return download.value.path().read_bytes()
        except PlaywrightError:  # a timeout, or the button replaced mid-click
            continue
    raise AssertionError("no download after three clicks")
