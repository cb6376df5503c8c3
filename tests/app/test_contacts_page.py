"""帮扶记录 in AppTest: the logging form for a helper and a coordinator, the three-tap logger on
我的结对, a double click that saves once, the recent list with its 7-day lock, corrections.

The components run in small test scripts (AppTest.from_function) with the actor in session
state, as app.py leaves it: pages/contacts.py also shows other people's panels (待办, 专项行动).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.common.session import ACTOR_KEY, LANG_KEY
from config import local_today
from core.vocab import ContactKind, Role
from db.models import AuditEvent, CareContact, Child, Helper, User
from services.access.users import actor_for
from tests.app.conftest import logged_in
from tests.factories import make_user

TODAY = local_today()


def _log_script(today_iso: str) -> None:
    import datetime

    from components.care.contact_form import render_log_contact
    from components.common.feedback import show_flash
    from components.common.session import current_actor

    show_flash()
    render_log_contact(current_actor(), datetime.date.fromisoformat(today_iso))


def _recent_script(today_iso: str) -> None:
    import datetime

    from components.care.contact_list import render_contact_exports, render_recent_contacts
    from components.common.feedback import show_flash
    from components.common.session import current_actor

    show_flash()
    render_recent_contacts(current_actor(), datetime.date.fromisoformat(today_iso))
    render_contact_exports(current_actor(), datetime.date.fromisoformat(today_iso))


def _my_children_script(today_iso: str) -> None:
    import datetime

    from components.common.feedback import show_flash
    from components.common.session import current_actor
    from components.pairing.my_children import render_my_children

    show_flash()
    render_my_children(current_actor(), datetime.date.fromisoformat(today_iso))


def _app(engine, script, username: str) -> AppTest:
    with Session(engine) as session:
        actor = actor_for(session, session.scalar(select(User).where(User.username == username)))
    at = AppTest.from_function(script, args=(TODAY.isoformat(),), default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


def _contacts(engine) -> list[tuple]:
    with Session(engine) as session:
        return session.execute(
            select(Child.name, Helper.name, CareContact.kind, CareContact.contact_date,
                   CareContact.minutes, CareContact.notes)
            .join(Child).join(Helper).order_by(CareContact.id)).all()


def _texts(at) -> str:
    return " ".join(str(e.value) for e in [*at.success, *at.error, *at.info, *at.warning])


def _form_button(at, prefix: str):
    return next(b for b in at.button if (b.key or "").startswith(f"FormSubmitter:{prefix}_"))


def _kind(at, prefix: str):
    return next(p for p in at.pills if (p.key or "").startswith(f"{prefix}_kind_"))


# ---- the full form ------------------------------------------------------------------------

def test_helper_logs_a_contact_for_their_own_child(world, engine):
    at = _app(engine, _log_script, "helper")
    assert not at.exception
    child = at.selectbox(key="log_contact_child")
    assert child.value.name == "张小明"
    assert [o for o in child.options] == ["张小明（李家村）"]  # only their own child
    assert not any(s.key and s.key.startswith("log_contact_helper") for s in at.selectbox)
    _kind(at, "log_contact").set_value(ContactKind.home_visit)
    next(n for n in at.number_input if n.key.startswith("log_contact_minutes")).set_value(45)
    next(t for t in at.text_area if t.key.startswith("log_contact_notes")).input("看望奶奶")
    _form_button(at, "log_contact").click().run()
    assert not at.exception
    assert "已记录：张小明 · 家访（今天）。" in _texts(at)
    assert _contacts(engine) == [
        ("张小明", "李老师", ContactKind.home_visit, TODAY, 45, "看望奶奶")]
    # The saved form is a new one: blank again, with a new token.
    assert _kind(at, "log_contact").value is None


def test_a_double_click_saves_one_contact(world, engine):
    at = _app(engine, _log_script, "helper")
    token = at.session_state["log_contact_token"]
    _kind(at, "log_contact").set_value(ContactKind.talk)
    _form_button(at, "log_contact").click().run()
    # The second click of a double click reaches the server with the first form's token.
    at.session_state["log_contact_token"] = token
    at.run()
    _kind(at, "log_contact").set_value(ContactKind.talk)
    _form_button(at, "log_contact").click().run()
    assert not at.exception
    assert len(_contacts(engine)) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_without_a_kind_nothing_is_saved(world, engine):
    at = _app(engine, _log_script, "helper")
    _form_button(at, "log_contact").click().run()
    assert "请选择帮扶方式" in _texts(at)
    assert _contacts(engine) == []


def test_a_refusal_keeps_the_form_and_its_token(world, engine):
    at = _app(engine, _log_script, "helper")
    token = at.session_state["log_contact_token"]
    _kind(at, "log_contact").set_value(ContactKind.talk)
    next(d for d in at.date_input if d.key.startswith("log_contact_follow_on")).set_value(
        TODAY - timedelta(days=1))
    next(c for c in at.checkbox if c.key.startswith("log_contact_follow")).check()
    _form_button(at, "log_contact").click().run()
    assert "跟进日期不能早于帮扶日期" in _texts(at)
    assert at.session_state["log_contact_token"] == token
    assert _kind(at, "log_contact").value is ContactKind.talk
    assert _contacts(engine) == []


def test_a_refusal_reads_in_english_in_english_mode(world, engine):
    with Session(engine) as session:
        actor = actor_for(session, session.scalar(select(User).where(User.username == "helper")))
    at = AppTest.from_function(_log_script, args=(TODAY.isoformat(),), default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    at.session_state[LANG_KEY] = "en"
    at.run()
    _kind(at, "log_contact").set_value(ContactKind.talk)
    next(d for d in at.date_input if d.key.startswith("log_contact_follow_on")).set_value(
        TODAY - timedelta(days=1))
    next(c for c in at.checkbox if c.key.startswith("log_contact_follow")).check()
    _form_button(at, "log_contact").click().run()
    (error,) = [e.value for e in at.error]
    assert error.startswith("Follow-up date: The follow-up date cannot be before the contact")
    assert _contacts(engine) == []


def test_coordinator_picks_a_child_then_a_helper_defaulting_to_the_childs_own(world, engine):
    at = _app(engine, _log_script, "coordinator")
    child = at.selectbox(key="log_contact_child")
    # Not 赵小刚: another town.
    assert sorted(child.options) == ["张小明（李家村）", "王小红（李家村）"]
    at.text_input(key="log_contact_search").input("zxm").run()
    child = at.selectbox(key="log_contact_child")
    assert child.value.name == "张小明"
    helper = at.selectbox(key=f"log_contact_helper_{child.value.child_id}")
    assert helper.value.name == "李老师" and helper.value.paired
    _kind(at, "log_contact").set_value(ContactKind.phone_visit)
    _form_button(at, "log_contact").click().run()
    assert not at.exception
    assert "已记录：张小明 · 电访（今天）。" in _texts(at)
    assert _contacts(engine)[0][:3] == ("张小明", "李老师", ContactKind.phone_visit)


def test_coordinator_logs_for_an_unpaired_child_with_any_helper(world, engine):
    at = _app(engine, _log_script, "coordinator")
    at.text_input(key="log_contact_search").input("王小红").run()
    child = at.selectbox(key="log_contact_child").value
    helper = at.selectbox(key=f"log_contact_helper_{child.child_id}")
    assert helper.options == ["李老师（教师）"]
    # Not the child's own helper: nobody is chosen for the coordinator, saving asks for one.
    assert helper.value is None
    _kind(at, "log_contact").set_value(ContactKind.home_visit)
    _form_button(at, "log_contact").click().run()
    assert "请选择帮扶人。" in _texts(at)
    assert _contacts(engine) == []
    helper = at.selectbox(key=f"log_contact_helper_{child.child_id}")
    helper.select_index(0).run()
    helper = at.selectbox(key=f"log_contact_helper_{child.child_id}")
    assert helper.value.name == "李老师" and not helper.value.paired
    _form_button(at, "log_contact").click().run()
    assert not at.exception
    assert _contacts(engine)[0][:2] == ("王小红", "李老师")


def test_helper_without_a_helper_record_is_told_whom_to_ask(world, engine):
    with Session(engine) as session, session.begin():
        make_user(session, "newhelper", Role.helper, display_name="新老师")
    at = _app(engine, _log_script, "newhelper")
    assert not at.exception
    assert "还没有关联帮扶人档案" in _texts(at)
    assert not at.get("form")


# ---- 我的结对: three taps ----------------------------------------------------------------

@pytest.fixture
def no_page_links(monkeypatch):
    """The cards link to 成长档案, a page a bare test script has no navigation for."""
    import streamlit as st

    monkeypatch.setattr(st, "page_link", lambda *args, **kwargs: None)


def test_three_taps_on_a_card_log_a_contact_and_the_card_updates(world, engine, no_page_links):
    at = _app(engine, _my_children_script, "helper")
    assert not at.exception
    texts = " ".join(str(m.value) for m in at.markdown)
    assert "**最近帮扶**：还没有帮扶记录" in texts
    with Session(engine) as session:
        child_id = session.scalar(select(Child.id).where(Child.name == "张小明"))
    key = f"quick_log_{child_id}"
    assert [e.label for e in at.expander][:1] == ["记录帮扶"]
    pills = _kind(at, key)
    assert pills.options[:4] == ["谈心", "家访", "电访", "亲情电话"]
    pills.set_value(ContactKind.home_visit)  # tap 2 (tap 1 opens the expander, client-side)
    _form_button(at, key).click().run()  # tap 3
    assert not at.exception
    assert "已记录：张小明 · 家访（今天）。" in _texts(at)
    texts = " ".join(str(m.value) for m in at.markdown)
    assert f"**最近帮扶**：{TODAY:%Y-%m-%d}（今天）" in texts
    assert _contacts(engine) == [("张小明", "李老师", ContactKind.home_visit, TODAY, None, None)]


def test_quick_log_takes_optional_minutes_and_notes(world, engine, no_page_links):
    at = _app(engine, _my_children_script, "helper")
    with Session(engine) as session:
        key = f"quick_log_{session.scalar(select(Child.id).where(Child.name == '张小明'))}"
    _kind(at, key).set_value(ContactKind.talk)
    next(n for n in at.number_input if n.key.startswith(f"{key}_minutes")).set_value(20)
    next(t for t in at.text_area if t.key.startswith(f"{key}_notes")).input("聊了期中考试")
    _form_button(at, key).click().run()
    assert _contacts(engine) == [("张小明", "李老师", ContactKind.talk, TODAY, 20, "聊了期中考试")]


def test_my_pairings_page_shows_the_quick_logger(world):
    pytest.importorskip("components.care.todo_panel")
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    assert any(e.label == "记录帮扶" for e in at.expander)


# ---- the recent list ----------------------------------------------------------------------

def _saved(engine, *, days_ago: int, username: str = "helper", minutes: int = 30) -> int:
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == "张小明"))
        helper = session.scalar(select(Helper).where(Helper.name == "李老师"))
        user = session.scalar(select(User).where(User.username == username))
        contact = CareContact(child_id=child.id, helper_id=helper.id, kind=ContactKind.talk,
                              contact_date=TODAY - timedelta(days=days_ago), minutes=minutes,
                              recorded_by_id=user.id)
        session.add(contact)
        session.flush()
        session.execute(update(CareContact).where(CareContact.id == contact.id).values(
            created_at=datetime.combine(TODAY, datetime.min.time()) - timedelta(days=days_ago)))
        return contact.id


def test_recent_list_lets_the_author_edit_within_the_week_only(world, engine):
    fresh, old = _saved(engine, days_ago=2), _saved(engine, days_ago=10, minutes=50)
    at = _app(engine, _recent_script, "helper")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["状态"]) == ["可修改", "已锁定"]
    pick = at.selectbox(key="recent_contact_pick")
    assert len(pick.options) == 1  # the locked one cannot be picked
    pick.select_index(0).run()
    number = next(n for n in at.number_input if n.key.endswith("_minutes"))
    assert number.value == 30
    number.set_value(35)
    next(b for b in at.button if (b.key or "").startswith("FormSubmitter:contact_edit_")) \
        .click().run()
    assert not at.exception
    assert "已保存修改。" in _texts(at)
    with Session(engine) as session:
        assert session.get(CareContact, fresh).minutes == 35
        assert session.get(CareContact, old).minutes == 50
    assert at.get("download_button") == []  # helpers do not export


def test_coordinator_corrects_a_locked_contact_with_a_reason(world, engine):
    old = _saved(engine, days_ago=10)
    at = _app(engine, _recent_script, "coordinator")
    assert list(at.dataframe[0].value["状态"]) == ["可更正"]
    at.selectbox(key="recent_contact_pick").select_index(0).run()
    assert "更正将连同原因记入操作日志" in _texts(at)
    next(n for n in at.number_input if n.key.endswith("_minutes")).set_value(45)
    submit = next(b for b in at.button if (b.key or "").startswith("FormSubmitter:contact_edit_"))
    submit.click().run()
    assert "请写明更正原因" in _texts(at)
    next(t for t in at.text_input if t.key.endswith("_reason")).input("核对纸质记录")
    next(n for n in at.number_input if n.key.endswith("_minutes")).set_value(45)
    next(b for b in at.button if (b.key or "").startswith("FormSubmitter:contact_edit_")) \
        .click().run()
    assert "已更正帮扶记录。" in _texts(at)
    with Session(engine) as session:
        assert session.get(CareContact, old).minutes == 45
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.summary) == ("correct", "更正帮扶记录：核对纸质记录")
    assert [d.label for d in at.get("download_button")] == ["下载"]


def test_coordinator_withdraws_a_contact(world, engine):
    contact = _saved(engine, days_ago=3)
    at = _app(engine, _recent_script, "coordinator")
    at.selectbox(key="recent_contact_pick").select_index(0).run()
    next(t for t in at.text_input if t.key.endswith("_why")).input("重复记录")
    next(b for b in at.button if (b.key or "").endswith("_archive")).click().run()
    assert "已撤销该帮扶记录。" in _texts(at)
    with Session(engine) as session:
        assert session.get(CareContact, contact).archive_reason == "重复记录"
    assert "还没有帮扶记录" in _texts(at)


@pytest.mark.parametrize(("role", "tabs"), [
    ("helper", ["记录帮扶", "最近记录", "待办"]),
    ("coordinator", ["记录帮扶", "最近记录", "待办", "专项行动", "导入", "导出"]),
])
def test_the_contacts_page_logs_from_its_first_tab(world, engine, role, tabs):
    pytest.importorskip("components.care.todo_panel")
    pytest.importorskip("components.care.campaign_panel")
    at = logged_in(role).switch_page("pages/contacts.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == tabs
    if role == "coordinator":
        at.text_input(key="log_contact_search").input("张小明").run()
    assert at.selectbox(key="log_contact_child").value.name == "张小明"
    _kind(at, "log_contact").set_value(ContactKind.talk)
    _form_button(at, "log_contact").click().run()
    assert not at.exception
    assert "已记录：张小明 · 谈心（今天）。" in _texts(at)
    assert _contacts(engine)[0][:3] == ("张小明", "李老师", ContactKind.talk)
