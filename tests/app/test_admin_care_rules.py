"""管理 › 帮扶要求 in AppTest: the list, adding a rule, a refused stale edit, deactivating."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import CareRule
from services.access.permissions import Actor
from services.care.care_rules import rule_to_input, update_rule
from tests.app.conftest import logged_in


def _admin() -> AppTest:
    at = logged_in("admin").switch_page("pages/admin.py").run()
    assert not at.exception
    return at


def _rules_table(at: AppTest):
    return next(d.value for d in at.dataframe if "寒暑假暂停" in d.value.columns)


def _rule(engine, code: str) -> CareRule:
    with Session(engine, expire_on_commit=False) as session:
        return session.scalar(select(CareRule).where(CareRule.code == code))


def test_the_rules_are_listed_with_whom_they_bind(world):
    table = _rules_table(_admin())
    rows = {r["名称"]: r for r in table.to_dict("records")}
    assert len(rows) == 7
    assert rows["每月谈心至少1次"]["寒暑假暂停"] == "是"
    assert rows["红色风险儿童每周走访至少1次"]["适用"] == "红色风险"
    assert rows["志愿者（爱心辅导员）每月走访至少2次"]["适用"] == "志愿者的结对"
    assert rows["每月与监护人交流至少1次"]["联系对象"] == "监护人"
    assert rows["每月与监护人交流至少1次"]["帮扶方式"] == "家访、电访"


def test_the_rules_table_shows_no_code_column(world):
    """Codes such as monthly_talk are for the program; an admin reads names and labels."""
    table = _rules_table(_admin())
    assert "代码" not in table.columns
    shown = " ".join(str(v) for v in table.to_numpy().ravel())
    assert "monthly_talk" not in shown and "_" not in shown


def test_an_admin_adds_a_rule(world, engine):
    at = _admin()
    at.text_input(key="rule_new_name").input("留守儿童每月书信至少1次")
    at.multiselect(key="rule_new_kinds").set_value(["letter"])
    at.selectbox(key="rule_new_category").set_value("left_behind")
    at.button(key="rule_new_submit").click().run()
    assert not at.exception
    assert "已新增“留守儿童每月书信至少1次”。" in [s.value for s in at.success]
    rule = _rule(engine, "month_letter_x1_left_behind")
    assert (rule.name, rule.contact_kinds, rule.min_count) == ("留守儿童每月书信至少1次",
                                                               ["letter"], 1)


def test_a_rule_without_kinds_is_refused_in_chinese(world, engine):
    at = _admin()
    at.text_input(key="rule_new_name").input("空要求")
    at.button(key="rule_new_submit").click().run()
    assert "请至少选择一种帮扶方式" in " ".join(e.value for e in at.error)
    assert _rule(engine, "month_x1") is None


def test_a_stale_edit_is_refused_and_the_other_change_kept(world, engine):
    at = _admin()
    talk = _rule(engine, "monthly_talk")
    at.selectbox(key="rule_pick").set_value(talk.id).run()
    with Session(engine) as session, session.begin():
        rule = session.scalar(select(CareRule).where(CareRule.code == "monthly_talk"))
        update_rule(session, actor=Actor.system(), rule_id=rule.id, expected_version=1,
                    data=replace(rule_to_input(rule), min_count=2))
    at.number_input(key=f"rule_{talk.id}_1_count").set_value(3)
    at.button(key=f"rule_{talk.id}_1_submit").click().run()
    assert "已被其他人修改" in " ".join(e.value for e in at.error)
    assert _rule(engine, "monthly_talk").min_count == 2


def test_an_admin_deactivates_a_rule(world, engine):
    at = _admin()
    at.selectbox(key="rule_pick").set_value(_rule(engine, "weekly_parent_call").id).run()
    next(b for b in at.button if b.label == "停用该要求").click().run()
    assert not at.exception
    assert "已停用“每周亲情电话至少1次”。" in [s.value for s in at.success]
    assert _rule(engine, "weekly_parent_call").is_active is False
    rows = {r["名称"]: r for r in _rules_table(at).to_dict("records")}
    assert rows["每周亲情电话至少1次"]["状态"] == "停用"
