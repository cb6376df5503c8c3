"""Through HAProxy to two Streamlit processes (`scripts/serve.sh --workers 2`): people kept on
different workers see each other's saves on an open 总览 without reloading, and an upload
reaches the worker that holds its session."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import local_today
from core.vocab import ContactKind, OrgKind, Role
from db.models import CareContact
from tests.browser.conftest import (
    ARTIFACTS,
    TIMEOUT_MS,
    log_home_visit,
    log_in,
    settle,
    workers_up,
)
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user
from tests.pairing_factories import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]

COOKIE = "SHOUWANG_WORKER"
PAIRED, NEAR = "欧阳翠萍", "司马嘉懿"


@pytest.fixture
def town(engine) -> None:
    """石门镇 with two children, one paired with 李老师 and one with a contact today; two
    coordinators and 李老师's account."""
    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        paired = make_child(session, village=village, name=PAIRED)
        near = make_child(session, village=village, name=NEAR)
        make_user(session, "liuzhuren", Role.coordinator, org_unit=town, display_name="刘主任")
        make_user(session, "zhaozhuren", Role.coordinator, org_unit=town, display_name="赵主任")
        account = make_user(session, "lilaoshi", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, paired, helper)
        make_contact(session, near, None, local_today())


def _on_worker(browser, url: str, worker: str, viewport: dict[str, int]):
    """A browser kept on one worker: the proxy's affinity cookie, set before the first load."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies([{"name": COOKIE, "value": worker, "url": url}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def _worker_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id(
        "stMetricValue")


def _contacts(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CareContact)) or 0


def _contact_file(folder: Path) -> Path:
    """One 电访 with 司马嘉懿 by 李老师 today, in the import template's columns."""
    path = folder / "一条帮扶记录.csv"
    path.write_text("儿童姓名,儿童出生日期,儿童身份证号,帮扶人姓名,方式,日期,时长(分钟),记录\n"
                    f"{NEAR},2015-03-01,,李老师,电访,{local_today():%Y-%m-%d},20,"
                    "电话询问期中考试情况\n", encoding="utf-8")
    return path


def test_saves_on_one_worker_reach_a_dashboard_on_the_other_and_an_upload_works(
        browser, proxied_app, engine, town, tmp_path):
    url = proxied_app.url
    watcher_context, dashboard = _on_worker(browser, url, "w2", {"width": 1280, "height": 900})
    helper_context, phone = _on_worker(browser, url, "w1", {"width": 390, "height": 844})
    importer_context, desk = _on_worker(browser, url, "w1", {"width": 1280, "height": 900})
    try:
        log_in(dashboard, url, "liuzhuren", "刘主任")
        expect(_metric(dashboard, "本学期帮扶记录")).to_have_text("1人次")
        dashboard.evaluate("window.__notReloaded = true")

        # 李老师, on the other worker, logs a home visit from 我的结对.
        log_in(phone, url, "lilaoshi")
        log_home_visit(phone, url)
        assert _contacts(engine) == 2
        expect(_metric(dashboard, "本学期帮扶记录")).to_have_text("2人次")

        # 赵主任, also on the other worker, imports one more contact from a file.
        log_in(desk, url, "zhaozhuren", "赵主任")
        desk.get_by_role("link", name="帮扶记录").click()
        desk.get_by_role("heading", name="帮扶记录").first.wait_for()
        settle(desk)
        desk.get_by_role("tab", name="导入").first.click()
        settle(desk)
        desk.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            str(_contact_file(tmp_path)))
        expect(desk.get_by_text("一条帮扶记录.csv")).to_be_visible()
        settle(desk)
        desk.get_by_role("button", name="检查文件").click()
        expect(desk.get_by_text("检查通过").first).to_be_visible()
        settle(desk)
        desk.get_by_role("button", name="确认导入").click()
        expect(desk.get_by_text("导入完成").first).to_be_visible()
        assert _contacts(engine) == 3
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(CareContact).where(
                CareContact.kind == ContactKind.phone_visit)) == 1

        expect(_metric(dashboard, "本学期帮扶记录")).to_have_text("3人次")
        assert dashboard.evaluate("window.__notReloaded === true")
        # The affinity held: each browser stayed on the worker it was given, both of them UP.
        assert [_worker_of(c) for c in (watcher_context, helper_context, importer_context)] \
            == ["w2", "w1", "w1"]
        assert workers_up(proxied_app.stats) == {"w1": "UP", "w2": "UP"}
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        dashboard.screenshot(path=str(ARTIFACTS / "workers_dashboard.png"), full_page=True)
        desk.screenshot(path=str(ARTIFACTS / "workers_import.png"), full_page=True)
        for context in (importer_context, helper_context, watcher_context):
            context.close()
