"""In a real browser: log in, see the navigation your role allows, log out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.vocab import OrgKind, Role
from tests.browser.conftest import open_login_form, settle
from tests.factories import DEFAULT_PASSWORD, make_child, make_org, make_user

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]


@pytest.fixture
def accounts(engine) -> None:
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="张小明")
        make_user(session, "admin", Role.admin, display_name="管理员")
        make_user(session, "viewer", Role.viewer, display_name="督导")


def _log_in(page, url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    open_login_form(page, url)
    page.get_by_role("textbox", name="登录名", exact=True).fill(username)
    page.get_by_role("textbox", name="密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_admin_logs_in_sees_navigation_and_logs_out(page, app_server, accounts):
    _log_in(page, app_server, "admin")
    page.get_by_role("heading", name="您好，管理员").first.wait_for()
    settle(page)
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("总览", "会议模式", "汇报", "导出", "管理", "我的账户"):
        expect(nav.get_by_text(title, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("1人")
    page.get_by_role("link", name="管理").click()
    page.get_by_role("tab", name="组织机构", exact=True).first.wait_for()
    settle(page)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).first.wait_for()
    expect(page.get_by_role("tab", name="组织机构", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
    page.reload()  # the login cookie is gone: a reload must not log back in
    page.get_by_role("button", name="登录", exact=True).first.wait_for()
    expect(page.get_by_role("heading", name="您好，管理员")).to_have_count(0)


def test_viewer_does_not_see_the_admin_page(page, app_server, accounts):
    _log_in(page, app_server, "viewer")
    page.get_by_role("heading", name="您好，督导").first.wait_for()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("我的账户", exact=True)).to_be_visible()
    expect(nav.get_by_text("管理", exact=True)).to_have_count(0)


def test_wrong_password_shows_chinese_error(page, app_server, accounts):
    _log_in(page, app_server, "admin", "not-the-password-1")
    page.get_by_text("登录名或密码错误").first.wait_for()
