"""A helper's daily path in AppTest: landing on 我的结对, 今天/昨天/其他日期 when logging, no
child or helper chosen for you on 帮扶记录, and a Chinese 无权限 page for a page the role lacks.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.util import calc_hash

from components.common.session import ACTOR_KEY
from config import local_today
from core.vocab import ContactKind
from db.models import CareContact, Child, User
from services.access.users import actor_for
from tests.app.conftest import logged_in, login
from tests.factories import DEFAULT_PASSWORD

TODAY = local_today()
# Well past tomorrow: the module is read before its tests run, and a run crossing midnight
# (local time) would make tomorrow today.
FUTURE = timedelta(days=30)
YESTERDAY = TODAY - timedelta(days=1)


def _titles(at) -> list[str]:
    return [title.value for title in at.title]


def _texts(at) -> str:
    return " ".join(str(e.value) for e in [*at.success, *at.error, *at.info, *at.warning])


def _dates(engine) -> list[tuple[str, date]]:
    with Session(engine) as session:
        return session.execute(select(Child.name, CareContact.contact_date).join(Child)
                               .order_by(CareContact.id)).all()


# ---- landing -----------------------------------------------------------------------------

def test_a_helper_lands_on_my_pairings_after_logging_in(world):
    at = login("helper")
    assert not at.exception
    assert "我的结对" in _titles(at)
    assert any(e.label == "记录帮扶" for e in at.expander)  # the quick logger, one tap away
    assert "您好，李老师" not in _titles(at)


def test_a_coordinator_still_lands_on_the_overview(world):
    at = login("coordinator")
    assert not at.exception
    assert any(title.startswith("您好") for title in _titles(at))
    assert "我的结对" not in _titles(at)


def test_after_a_helper_logs_out_the_next_user_lands_on_their_own_page(world):
    at = login("helper")
    at.button(key="shouwang_logout_button").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["登录名", "密码"]
    at.text_input[0].input("admin")
    at.text_input[1].input(DEFAULT_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert any(title.startswith("您好") for title in _titles(at))  # 总览
    assert "我的结对" not in _titles(at)
    assert "无权限" not in _titles(at)


# ---- 无权限 ------------------------------------------------------------------------------

def _open_url(at, url_path: str):
    """What the browser asks for on /<url_path>: the page registered under that URL.

    AppTest.switch_page only finds pages backed by a file; the refusal pages are functions.
    """
    at._page_hash = calc_hash(url_path)
    return at.run()


def test_a_viewer_opening_admin_by_url_gets_a_chinese_no_access_page(world):
    at = _open_url(logged_in("viewer"), "admin")
    assert not at.exception
    assert _titles(at) == ["无权限"]
    assert "没有打开“管理”的权限" in at.error[0].value
    assert not at.tabs and not at.dataframe  # nothing of 管理 itself
    [back] = at.get("page_link")
    assert back.proto.label == "返回总览"


def test_a_helper_opening_pairing_is_refused_and_pointed_back_to_my_pairings(world):
    at = _open_url(logged_in("helper"), "pairing")
    assert not at.exception
    assert _titles(at) == ["无权限"]
    assert "结对帮扶" in at.error[0].value
    assert at.get("page_link")[0].proto.label == "返回我的结对"


def test_the_refusal_speaks_english_in_english_mode(world, engine):
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "viewer")).language = "en"
    at = _open_url(logged_in("viewer"), "admin")
    assert not at.exception
    assert _titles(at) == ["No access"]
    assert "may not open “Administration”" in at.error[0].value


def test_a_page_the_role_has_opens_normally_by_url(world):
    at = _open_url(logged_in("coordinator"), "pairing")
    assert not at.exception
    assert _titles(at) == ["结对帮扶"]


# ---- 今天 / 昨天 / 其他日期 ----------------------------------------------------------------

def _my_children_script(today_iso: str) -> None:
    from datetime import date

    from components.common.feedback import show_flash
    from components.common.session import current_actor
    from components.pairing.my_children import render_my_children

    show_flash()
    render_my_children(current_actor(), date.fromisoformat(today_iso))


def _log_script(today_iso: str) -> None:
    from datetime import date

    from components.care.contact_form import render_log_contact
    from components.common.feedback import show_flash
    from components.common.session import current_actor

    show_flash()
    render_log_contact(current_actor(), date.fromisoformat(today_iso))


def _app(engine, script, username: str):
    from streamlit.testing.v1 import AppTest

    with Session(engine) as session:
        actor = actor_for(session, session.scalar(select(User).where(User.username == username)))
    at = AppTest.from_function(script, args=(TODAY.isoformat(),), default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


def _quick_key(engine) -> str:
    with Session(engine) as session:
        return f"quick_log_{session.scalar(select(Child.id).where(Child.name == '张小明'))}"


def _by_prefix(widgets, prefix: str):
    return next(w for w in widgets if (w.key or "").startswith(prefix))


def _submit(at, key: str):
    return _by_prefix(at.button, f"FormSubmitter:{key}_").click().run()


@pytest.fixture
def no_page_links(monkeypatch):
    """A bare script has no navigation for st.page_link to resolve; undone after the test
    (setting st.page_link inside the script outlived it and emptied later tests' links)."""
    import streamlit as st

    monkeypatch.setattr(st, "page_link", lambda *args, **kwargs: None)


def test_quick_log_offers_today_yesterday_and_another_day(world, engine, no_page_links):
    at = _app(engine, _my_children_script, "helper")
    key = _quick_key(engine)
    day = _by_prefix(at.segmented_control, f"{key}_day_")
    assert day.options == [f"今天 {TODAY:%m-%d}", f"昨天 {YESTERDAY:%m-%d}", "其他日期"]
    assert day.value == "today"
    _by_prefix(at.pills, f"{key}_kind_").set_value(ContactKind.home_visit)
    day.set_value("yesterday")
    _submit(at, key)
    assert not at.exception
    assert "已记录：张小明 · 家访（昨天）。" in _texts(at)
    assert _dates(engine) == [("张小明", YESTERDAY)]


def test_quick_log_on_another_day_needs_the_date_and_refuses_a_future_one(world, engine,
                                                                         no_page_links):
    at = _app(engine, _my_children_script, "helper")
    key = _quick_key(engine)
    _by_prefix(at.pills, f"{key}_kind_").set_value(ContactKind.talk)
    _by_prefix(at.segmented_control, f"{key}_day_").set_value("other")
    _submit(at, key)
    assert "请填写帮扶日期" in _texts(at)
    _by_prefix(at.date_input, f"{key}_other_day_").set_value(TODAY + timedelta(days=2))
    _submit(at, key)
    assert not at.exception
    assert "晚于今天" in _texts(at)
    assert _dates(engine) == []
    earlier = TODAY - timedelta(days=5)
    _by_prefix(at.date_input, f"{key}_other_day_").set_value(earlier)
    _submit(at, key)
    assert f"已记录：张小明 · 谈心（{earlier:%m-%d}）。" in _texts(at)
    assert _dates(engine) == [("张小明", earlier)]


def test_the_full_form_refuses_a_future_date_in_chinese(world, engine):
    at = _app(engine, _log_script, "helper")
    _by_prefix(at.pills, "log_contact_kind_").set_value(ContactKind.talk)
    _by_prefix(at.date_input, "log_contact_other_day_").set_value(TODAY + FUTURE)
    _submit(at, "log_contact")
    assert not at.exception
    assert "晚于今天" in _texts(at)
    assert _dates(engine) == []


# ---- 帮扶记录: nothing chosen for you ------------------------------------------------------

def test_contacts_form_chooses_no_child_and_saving_without_one_is_refused(world, engine):
    at = _app(engine, _log_script, "coordinator")
    child = at.selectbox(key="log_contact_child")
    assert child.value is None and len(child.options) == 2
    assert not [s for s in at.selectbox if (s.key or "").startswith("log_contact_helper")]
    _by_prefix(at.pills, "log_contact_kind_").set_value(ContactKind.home_visit)
    _submit(at, "log_contact")
    assert not at.exception
    assert "请先在上方“儿童”中选择要记录的儿童。" in _texts(at)
    assert _dates(engine) == []
    # Chosen explicitly, the paired child's own helper is offered and the save goes through.
    at.selectbox(key="log_contact_child").select_index(
        [o.startswith("张小明") for o in child.options].index(True)).run()
    _by_prefix(at.pills, "log_contact_kind_").set_value(ContactKind.home_visit)
    _submit(at, "log_contact")
    assert not at.exception
    assert _dates(engine) == [("张小明", TODAY)]
