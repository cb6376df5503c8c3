"""资源方 and 捐助台账 panels in AppTest: adding a provider, recording in and out, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.session import ACTOR_KEY, LANG_KEY
from db.models import Child, Donation, ResourceProvider
from services.ledger import record_received
from services.permissions import Actor
from services.vocab import DonationDirection, Role

TODAY = date(2026, 11, 28)


def _providers() -> None:
    from datetime import date

    import streamlit as st

    from components.providers_panel import render_providers
    from components.session import ACTOR_KEY

    render_providers(st.session_state[ACTOR_KEY], date(2026, 11, 28))


def _ledger() -> None:
    from datetime import date

    import streamlit as st

    from components.ledger_panel import render_ledger
    from components.session import ACTOR_KEY

    render_ledger(st.session_state[ACTOR_KEY], date(2026, 11, 28))


@pytest.fixture
def coordinator(world) -> Actor:
    return Actor(user_id=None, username="coordinator", role=Role.coordinator,
                 org_unit_id=world.town_id)


def _app(panel, actor: Actor) -> AppTest:
    at = AppTest.from_function(panel, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


def _texts(elements) -> str:
    return " ".join(e.value for e in elements)


def _received(engine, actor: Actor, money: int, **goods) -> None:
    with Session(engine) as session, session.begin():
        record_received(session, actor=actor, provider_id=None, donated_on=date(2026, 11, 1),
                        money_yuan=money, today=TODAY, **goods)


def test_providers_start_empty_and_a_coordinator_adds_one(world, engine, coordinator):
    at = _app(_providers, coordinator)
    assert not at.exception
    assert "还没有资源方" in _texts(at.info)
    at.text_input(key="provider_new_name").input("应急志愿者协会")
    at.text_input(key="provider_new_phone").input("13812345678")
    at.button(key="FormSubmitter:provider_new-新增").click().run()
    assert not at.exception
    assert "已新增资源方“应急志愿者协会”" in _texts(at.success)
    assert list(at.dataframe[0].value["名称"]) == ["应急志愿者协会"]
    with Session(engine) as session:
        assert session.scalar(select(ResourceProvider.phone)) == "13812345678"


def test_a_bad_phone_is_refused_and_nothing_saved(world, engine, coordinator):
    at = _app(_providers, coordinator)
    at.text_input(key="provider_new_name").input("公安局")
    at.text_input(key="provider_new_phone").input("123")
    at.button(key="FormSubmitter:provider_new-新增").click().run()
    assert "手机号" in _texts(at.error)
    with Session(engine) as session:
        assert session.scalar(select(func.count(ResourceProvider.id))) == 0


def test_picking_a_provider_shows_its_totals_and_edit_form(world, engine, coordinator):
    with Session(engine) as session, session.begin():
        session.add(ResourceProvider(name="晚报"))
    at = _app(_providers, coordinator)
    at.selectbox(key="provider_pick").select_index(0).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["捐助金额（元）"] == "0.00"
    assert _column_formats(at.dataframe[0])["捐助金额（元）"] == "%,.2f"
    at.text_input(key=f"provider_{1}_offers").input("宣传报道")
    at.button(key="FormSubmitter:provider_1-保存").click().run()
    assert "已保存资源方“晚报”" in _texts(at.success)


def test_the_ledger_records_a_receipt_and_shows_the_balance(world, engine, coordinator):
    at = _app(_ledger, coordinator)
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"资金结余（元）": "0.00"}
    at.number_input(key="ledger_in_money").set_value(500.0)
    at.text_input(key="ledger_in_goods").input("书包")
    at.number_input(key="ledger_in_quantity").set_value(10.0)
    at.text_input(key="ledger_in_unit").input("个")
    at.button(key="FormSubmitter:ledger_received-登记收入").click().run()
    assert not at.exception
    assert "已登记收入" in _texts(at.success)
    assert {m.label: m.value for m in at.metric} == {"资金结余（元）": "500.00", "书包结余": "10个"}


def test_giving_beyond_the_balance_is_refused_in_chinese(world, engine, coordinator):
    _received(engine, coordinator, 100)
    at = _app(_ledger, coordinator)
    at.text_input(key="ledger_out_search").input("张").run()
    at.multiselect(key="ledger_out_children").select(at.multiselect(
        key="ledger_out_children").options[0]).run()
    at.number_input(key="ledger_out_money").set_value(150.0)
    at.button(key="FormSubmitter:ledger_given-登记发放").click().run()
    assert "超过" in _texts(at.error)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Donation.id))) == 1


def test_giving_splits_equally_and_appears_in_fairness(world, engine, coordinator):
    _received(engine, coordinator, 100)
    with Session(engine) as session:
        ids = list(session.scalars(select(Child.id).where(Child.name.in_(["张小明", "王小红"]))))
    at = _app(_ledger, coordinator)
    at.multiselect(key="ledger_out_children").set_value(ids).run()
    at.number_input(key="ledger_out_money").set_value(60.0)
    at.button(key="FormSubmitter:ledger_given-登记发放").click().run()
    assert not at.exception
    assert "已登记发放，2名儿童" in _texts(at.success)
    assert {m.label: m.value for m in at.metric}["资金结余（元）"] == "40.00"
    ledger, *_, fair = at.dataframe
    assert list(ledger.value["类型"]) == ["发放", "收入"]
    assert list(fair.value["受助金额（元）"]) == [30.0, 30.0]
    with Session(engine) as session:
        assert session.scalar(select(func.count(Donation.id)).where(
            Donation.direction == DonationDirection.given)) == 1


def test_archiving_an_entry_from_the_ledger(world, engine, coordinator):
    _received(engine, coordinator, 100)
    at = _app(_ledger, coordinator)
    at.text_input(key="ledger_archive_reason").input("重复登记")
    at.button(key="FormSubmitter:ledger_archive-归档").click().run()
    assert "已归档该台账记录" in _texts(at.success)
    assert {m.label: m.value for m in at.metric} == {"资金结余（元）": "0.00"}


def test_giving_with_per_child_shares(world, engine, coordinator):
    _received(engine, coordinator, 100)
    with Session(engine) as session:
        ids = list(session.scalars(select(Child.id).where(Child.name.in_(["张小明", "王小红"]))
                                   .order_by(Child.id)))
    at = _app(_ledger, coordinator)
    at.multiselect(key="ledger_out_children").set_value(ids)
    at.radio(key="ledger_out_split").set_value("shares").run()
    at.number_input(key="ledger_out_money").set_value(100.0)
    at.number_input(key=f"ledger_share_money_{ids[0]}").set_value(70.0)
    at.number_input(key=f"ledger_share_money_{ids[1]}").set_value(20.0)
    at.button(key="FormSubmitter:ledger_given-登记发放").click().run()
    assert "每人金额合计应等于发放总金额" in _texts(at.error)
    at.number_input(key=f"ledger_share_money_{ids[1]}").set_value(30.0)
    at.button(key="FormSubmitter:ledger_given-登记发放").click().run()
    assert not at.exception
    assert "已登记发放，2名儿童" in _texts(at.success)
    fair = at.dataframe[-1]
    assert list(fair.value["受助金额（元）"]) == [70.0, 30.0]


def _column_formats(table) -> dict[str, str]:
    import json

    config = json.loads(table.proto.columns or "{}")
    return {name.removeprefix("name:") if isinstance(name, str) else name: c.get("type_config", {})
            .get("format", "") for name, c in config.items()}


def test_the_ledger_writes_dates_and_money_as_every_other_page(world, engine, coordinator):
    """2026-01-01 and 8,300.00, not 2026/01/01 and 8300."""
    _received(engine, coordinator, 8300)
    at = _app(_ledger, coordinator)
    assert not at.exception
    entries = _column_formats(at.dataframe[0])
    assert entries["日期"] == "YYYY-MM-DD"
    assert entries["金额（元）"] == "%,.2f"
    by_month = _column_formats(at.dataframe[2])
    assert by_month["收入（元）"] == "%,.2f"
    assert {m.label: m.value for m in at.metric}["资金结余（元）"] == "8,300.00"
    archive = at.selectbox(key="ledger_archive_entry")
    assert "8,300.00元" in archive.options[0]


def test_the_ledger_in_english(world, engine, coordinator):
    _received(engine, coordinator, 8300)
    at = AppTest.from_function(_ledger, default_timeout=60)
    at.session_state[ACTOR_KEY] = coordinator
    at.session_state[LANG_KEY] = "en"
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"Money left (yuan)": "8,300.00"}
    entries = _column_formats(at.dataframe[0])
    assert (entries["Date"], entries["Amount (yuan)"]) == ("YYYY-MM-DD", "%,.2f")
    assert list(at.dataframe[0].value["Kind"]) == ["Received"]
    assert "8,300.00 yuan" in at.selectbox(key="ledger_archive_entry").options[0]
    assert at.radio(key="ledger_out_split").options == ["Split equally", "Per child"]
