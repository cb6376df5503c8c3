"""In a real browser: a coordinator records a need found on a home visit (帮扶记录 › 最近记录),
links it to a resource provider on 需求与资源 › 需求, resolves it, and sees it counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import ContactKind, NeedStatus, OrgKind, Role
from db.models import CareContact
from db.models.resources import Need, ResourceProvider
from tests.browser.conftest import log_in, open_expander, settle
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def visited(engine) -> None:
    """王小红 visited at home two days ago by her teacher; one resource provider; a coordinator."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        child = make_child(session, village=village, name="王小红")
        helper = make_helper(session, org_unit=town, name="李老师")
        make_pairing(session, child, helper, started_on=local_today() - timedelta(days=60))
        session.add(CareContact(child_id=child.id, helper_id=helper.id,
                                kind=ContactKind.home_visit,
                                contact_date=local_today() - timedelta(days=2)))
        session.add(ResourceProvider(name="潮汕商会", offers="助学、辅具"))
        make_user(session, "liu", Role.coordinator, org_unit=town, display_name="刘主任")


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _pick(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option").filter(has_text=option).first.click()


def test_a_need_found_on_a_visit_is_linked_resolved_and_counted(page, app_server, engine,
                                                                visited):
    log_in(page, app_server, "liu", "刘主任")

    page.get_by_role("link", name="帮扶记录").click()
    page.get_by_role("heading", name="帮扶记录").first.wait_for()
    settle(page)
    page.get_by_role("tab", name="最近记录").first.click()
    settle(page)
    _pick(page, "选择要修改的记录", "王小红")
    settle(page)
    open_expander(page, "登记发现的需求")
    page.get_by_role("textbox", name="需求描述 *").fill("家庭生活困难,需要助学金")
    page.get_by_role("button", name="登记需求").click()
    expect(page.get_by_text("已登记发现的需求。")).to_be_visible()

    page.get_by_role("link", name="需求与资源").click()
    page.get_by_role("heading", name="需求与资源").first.wait_for()
    settle(page)
    expect(_metric(page, "待对接")).to_have_text("1")
    expect(_metric(page, "已解决")).to_have_text("0")

    _pick(page, "选择需求", "王小红")
    page.get_by_role("textbox", name="对接内容 *").fill("资助一学年学费")
    page.get_by_role("button", name="对接资源方").click()
    expect(page.get_by_text("已对接资源方：潮汕商会。")).to_be_visible()
    expect(_metric(page, "已对接")).to_have_text("1")
    settle(page)

    page.get_by_test_id("stRadio").get_by_text("标记已解决", exact=True).click()
    settle(page)
    page.get_by_role("textbox", name="解决方式 *").fill("商会资助已到账")
    page.get_by_role("button", name="标记已解决").click()
    expect(page.get_by_text("需求已解决。")).to_be_visible()
    expect(_metric(page, "已解决")).to_have_text("1")
    expect(_metric(page, "待对接")).to_have_text("0")

    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
        assert (need.status, need.resolution, need.asked) == (
            NeedStatus.resolved, "商会资助已到账", "资助一学年学费")
        assert need.care_contact_id is not None
