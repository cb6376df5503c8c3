"""待办 in AppTest: a helper's block on 我的结对 and list on 帮扶记录, a coordinator's overview.

The pages use local_today(), so the contacts here are dated relative to it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.session import ACTOR_KEY
from config import local_today
from db.models import CareContact, CareRule, Child, Helper, Pairing
from services.permissions import Actor
from services.vocab import ContactKind, Role
from tests.app.conftest import logged_in

TODAY = local_today()
LAST_WEEK = TODAY - timedelta(days=TODAY.weekday() + 1)  # last Sunday


def _keep_only(engine, *codes: str) -> None:
    with Session(engine) as session, session.begin():
        for rule in session.scalars(select(CareRule)):
            rule.is_active = rule.code in codes


def _log(engine, name: str, kind: ContactKind, on: date) -> None:
    """A contact by 李老师, as the logging form would save it."""
    with Session(engine) as session, session.begin():
        child_id = session.scalar(select(Child.id).where(Child.name == name))
        helper_id = session.scalar(select(Helper.id).where(Helper.name == "李老师"))
        session.add(CareContact(child_id=child_id, helper_id=helper_id, kind=kind,
                                contact_date=on))


def _text(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.success, *at.info])


def _cells(at: AppTest, index: int = 0) -> str:
    return at.dataframe[index].value.to_string()


# --- a helper ----------------------------------------------------------------------------------

def test_my_pairings_opens_with_what_is_due_this_week_and_clears_once_logged(world, engine):
    _keep_only(engine, "weekly_parent_call")
    _log(engine, "张小明", ContactKind.parent_call, LAST_WEEK)
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    assert "**待办** · 已逾期 0 项 · 本周到期 1 项" in _text(at)
    assert (":orange[本周到期] **张小明** 每周亲情电话至少1次\uff08本周已完成0/1次\uff0c"
            in _text(at))

    _log(engine, "张小明", ContactKind.parent_call, TODAY)
    at.run()
    assert "**待办** · 本周没有待办" in _text(at)


def test_an_overdue_item_comes_first_on_my_pairings(world, engine):
    _keep_only(engine, "weekly_parent_call", "term_home_visit")
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    lines = [m.value for m in at.markdown if "张小明" in str(m.value) and "[" in str(m.value)]
    assert lines[0].startswith(":red[已逾期] **张小明** 每周亲情电话至少1次")


def test_an_overdue_item_names_the_period_it_was_due_in_not_a_deadline_ahead(world, engine):
    """Not "已逾期 … (已0/1次,12-06前)": a missed week is past, whatever this week holds."""
    _keep_only(engine, "weekly_parent_call")
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    [line] = [m.value for m in at.markdown if str(m.value).startswith(":red[已逾期]")]
    assert "上周应完成1次\uff0c已完成0次\uff0c已逾期" in line
    assert "本周再完成1次即消除" in line
    assert "前" not in line.split("**张小明**")[1]  # no deadline still to come


def test_the_card_badge_says_attention_while_an_item_is_overdue(world, engine):
    """A child contacted yesterday but owing last week's call: 需关注, never a green 正常."""
    _keep_only(engine, "weekly_parent_call")
    yesterday = TODAY - timedelta(days=1)
    _log(engine, "张小明", ContactKind.talk, yesterday)
    with Session(engine) as session, session.begin():  # paired long enough not to be 新结对
        for pairing in session.scalars(select(Pairing)):
            pairing.started_on = TODAY - timedelta(days=90)
    at = logged_in("helper").switch_page("pages/my_pairings.py").run()
    assert not at.exception
    titles = [m.value for m in at.markdown if str(m.value).startswith("#### 张小明")]
    assert titles and "需关注" in titles[0] and "正常" not in titles[0]
    # The card says why: the overdue rule, not a silence of 30 days.
    assert ":orange[逾期：每周亲情电话至少1次]" in _text(at)
    assert "超过30天未联系" not in _text(at)
    assert "其中 1 名需关注，已排在最前。" in _text(at)

    _log(engine, "张小明", ContactKind.parent_call, TODAY)  # this week's call clears it
    at.run()
    titles = [m.value for m in at.markdown if str(m.value).startswith("#### 张小明")]
    assert "正常" in titles[0] and "需关注" not in titles[0]


def test_the_todo_table_gives_an_overdue_item_its_passed_deadline(world, engine):
    _keep_only(engine, "weekly_parent_call")
    at = logged_in("helper")
    at.session_state["contacts_tabs"] = "待办"
    at = at.switch_page("pages/contacts.py").run()
    assert not at.exception
    frame = at.dataframe[-1].value
    row = frame[frame["儿童"] == "张小明"].iloc[0]
    assert row["状态"] == "已逾期"
    assert row["完成情况"].startswith("上周应完成1次\uff0c已完成0次\uff0c已逾期")
    assert row["截止"].endswith("\uff08已过\uff09")
    last_sunday = TODAY - timedelta(days=TODAY.weekday() + 1)
    assert row["截止"].startswith(last_sunday.isoformat())


def test_the_helpers_todo_tab_lists_their_own_items_only(world, engine):
    _keep_only(engine, "monthly_guardian_contact", "weekly_parent_call")
    at = logged_in("helper")
    at.session_state["contacts_tabs"] = "待办"  # only the open tab runs
    at = at.switch_page("pages/contacts.py").run()
    assert not at.exception
    cells = _cells(at, -1)
    assert "张小明" in cells and "每周亲情电话至少1次" in cells
    assert "王小红" not in cells and "帮扶人" not in at.dataframe[-1].value.columns


# --- a coordinator, through the panel alone -----------------------------------------------------

def _panel() -> None:
    """The 待办 tab alone, as pages/contacts.py shows it."""
    import streamlit as st

    from components.session import ACTOR_KEY
    from components.todo_panel import render_todo
    from config import local_today

    render_todo(st.session_state[ACTOR_KEY], local_today())


def _panel_app(actor: Actor) -> AppTest:
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


@pytest.fixture
def coordinator(world) -> Actor:
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def test_a_coordinator_sees_rates_the_overdue_list_and_quiet_children(world, engine,
                                                                       coordinator):
    _keep_only(engine, "weekly_parent_call", "term_home_visit")
    at = _panel_app(coordinator)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"完成率": "0.0%", "已完成": "0", "应完成": "2", "已逾期": "2",
                       "本月未联系儿童": "1"}
    assert "李老师" in _cells(at, 0)  # rates per helper first
    assert "已逾期" in _cells(at, 1) and "张小明" in _cells(at, 1)
    assert at.subheader[0].value == "逾期清单（2 项）"
    assert at.expander[-1].label == "本月尚无任何帮扶记录的儿童（1 人）"
    assert "赵小刚" not in _cells(at, 1)  # another town

    at.segmented_control(key="todo_rates_by").set_value("rule").run()
    assert "每学期家访至少1次" in _cells(at, 0)

    _log(engine, "张小明", ContactKind.home_visit, TODAY)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["完成率"], metrics["已逾期"], metrics["本月未联系儿童"]) == (
        "50.0%", "1", "0")


def test_a_coordinator_without_pairings_is_told_what_the_tab_will_show(world, engine):
    empty = Actor(None, "c", Role.coordinator, org_unit_id=world.town_id + 10_000)
    at = _panel_app(empty)
    assert not at.exception
    assert "还没有进行中的结对" in at.info[0].value


def test_the_contacts_page_shows_the_coordinators_todo_tab(world, engine):
    at = logged_in("coordinator")
    at.session_state["contacts_tabs"] = "待办"  # only the open tab runs
    at = at.switch_page("pages/contacts.py").run()
    assert not at.exception
    assert "完成率" in [m.label for m in at.metric]
