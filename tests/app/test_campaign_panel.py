"""The 专项行动 panel in AppTest: empty state, creating, progress bars, one campaign, editing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.session import ACTOR_KEY
from db.models import Campaign, CareContact, Child, OrgUnit
from services.campaigns import CampaignInput, create_campaign
from services.permissions import Actor
from services.vocab import ContactKind, Role

VISITS = CampaignInput("入户走访", date(2026, 11, 1), date(2026, 11, 30),
                       contact_kind=ContactKind.home_visit)


def _panel() -> None:
    """The panel alone, as pages/contacts.py shows it in its 专项行动 tab."""
    from datetime import date

    import streamlit as st

    from components.campaign_panel import render_campaigns
    from components.session import ACTOR_KEY

    render_campaigns(st.session_state[ACTOR_KEY], date(2026, 11, 28))


def _app(actor: Actor) -> AppTest:
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


@pytest.fixture
def coordinator(world) -> Actor:
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def _seed(engine, *campaigns: CampaignInput, visited: str | None = None) -> None:
    """Campaigns as an admin starts them; `visited` had a home visit on 2026-11-05."""
    with Session(engine) as session, session.begin():
        for data in campaigns:
            create_campaign(session, actor=Actor.system(), data=data)
        if visited:
            child = session.scalar(select(Child).where(Child.name == visited))
            session.add(CareContact(child_id=child.id, kind=ContactKind.home_visit,
                                    contact_date=date(2026, 11, 5)))


def _progress_texts(at: AppTest) -> list[str]:
    return [bar.proto.text for bar in at.get("progress")]


def _texts(elements) -> str:
    return " ".join(e.value for e in elements)


def _form_inputs(at: AppTest, key: str):
    return at.text_input(key=f"{key}_name"), at.selectbox(key=f"{key}_reach")


def test_without_campaigns_it_says_what_to_do_and_opens_the_form(world, coordinator):
    at = _app(coordinator)
    assert not at.exception
    assert "还没有专项行动" in _texts(at.info)
    assert at.expander[0].label == "新建专项行动"
    assert at.text_input(key="campaign_new_name").value == ""


def test_a_coordinator_starts_a_campaign_and_sees_its_progress(world, engine, coordinator):
    at = _app(coordinator)
    name, reach = _form_inputs(at, "campaign_new")
    name.input("春节送温暖慰问")
    reach.select(("contact", "home_visit"))
    at.date_input(key="campaign_new_start").set_value(date(2026, 11, 1))
    at.date_input(key="campaign_new_end").set_value(date(2026, 11, 30))
    at.button(key="FormSubmitter:campaign_new-新建").click().run()
    assert not at.exception
    assert "已新建专项行动“春节送温暖慰问”" in _texts(at.success)
    # Their everyone-campaign is everyone in 石门镇: 张小明 and 王小红.
    assert _progress_texts(at) == ["已覆盖 0/2 (0.0%)"]
    with Session(engine) as session:
        stored = session.scalar(select(Campaign))
        assert (stored.name, stored.contact_kind, stored.org_unit_id) == (
            "春节送温暖慰问", ContactKind.home_visit, world.town_id)


def test_a_refused_campaign_shows_why_and_saves_nothing(world, engine, coordinator):
    at = _app(coordinator)
    at.date_input(key="campaign_new_end").set_value(date(2026, 10, 1))
    at.button(key="FormSubmitter:campaign_new-新建").click().run()
    errors = _texts(at.error)
    assert "请填写专项行动名称" in errors
    assert "结束日期不能早于开始日期" in errors
    with Session(engine) as session:
        assert session.scalar(select(Campaign)) is None


def test_one_campaign_shows_who_is_reached_and_who_is_not(world, engine, coordinator):
    _seed(engine, VISITS, visited="王小红")
    at = _app(coordinator)
    assert not at.exception
    assert _progress_texts(at) == ["已覆盖 1/2 (50.0%)"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"目标儿童": "2", "已覆盖": "1", "未覆盖": "1", "覆盖率": "50.0%"}
    waiting, reached = at.dataframe
    assert list(waiting.value["姓名"]) == ["张小明"]
    assert list(reached.value["姓名"]) == ["王小红"]
    assert list(reached.value["最近覆盖日期"]) == ["2026-11-05"]
    assert [tab.label for tab in at.tabs] == ["未覆盖（1）", "已覆盖（1）"]
    assert len(at.get("download_button")) == 2  # every running campaign, and this one


def test_a_campaign_of_the_county_is_watched_not_changed(world, engine, coordinator):
    with Session(engine) as session:
        county = session.scalar(select(OrgUnit.id).where(OrgUnit.name == "青山县"))
    _seed(engine, replace(VISITS, org_unit_id=county))
    at = _app(coordinator)
    assert "上级单位发起" in " ".join(c.value for c in at.caption)
    assert [e.label for e in at.expander] == ["新建专项行动"]


def test_editing_and_archiving_from_the_panel(world, engine, coordinator):
    with Session(engine) as session, session.begin():
        create_campaign(session, actor=coordinator, data=VISITS)
    at = _app(coordinator)
    assert [e.label for e in at.expander] == ["新建专项行动", "修改", "归档"]
    campaign_id = at.selectbox(key="campaign_pick").value
    at.text_input(key=f"campaign_edit_{campaign_id}_name").input("入户走访(延长)")
    at.date_input(key=f"campaign_edit_{campaign_id}_end").set_value(date(2026, 12, 31))
    at.button(key=f"FormSubmitter:campaign_edit_{campaign_id}-保存修改").click().run()
    assert "已保存修改" in _texts(at.success)
    with Session(engine) as session:
        stored = session.get(Campaign, campaign_id)
        assert (stored.name, stored.ends_on, stored.version) == (
            "入户走访(延长)", date(2026, 12, 31), 2)
    at.button(key=f"FormSubmitter:campaign_archive_{campaign_id}-归档").click().run()
    assert "已归档专项行动“入户走访(延长)”" in _texts(at.success)
    assert "还没有专项行动" in _texts(at.info)


def test_a_stale_edit_in_the_panel_is_refused(world, engine, coordinator):
    with Session(engine) as session, session.begin():
        campaign_id = create_campaign(session, actor=coordinator, data=VISITS).id
    at = _app(coordinator)
    with Session(engine) as session, session.begin():  # someone else saves first
        session.get(Campaign, campaign_id).notes = "别人的修改"
    at.text_input(key=f"campaign_edit_{campaign_id}_name").input("我的修改")
    at.button(key=f"FormSubmitter:campaign_edit_{campaign_id}-保存修改").click().run()
    assert "已被其他人修改" in _texts(at.error)
    with Session(engine) as session:
        assert session.get(Campaign, campaign_id).name == VISITS.name
