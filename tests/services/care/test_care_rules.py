"""Admins keep the care rules: validation in Chinese, versioned edits, deactivation, audit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from core.errors import ConcurrentEdit, DomainError, PermissionDenied, ValidationFailed
from core.vocab import Role, RulePeriod
from db.models import AuditEvent, CareRule
from services.access.permissions import Actor
from services.care.care_rules import (
    RuleInput,
    archive_rule,
    create_rule,
    list_rules,
    rule_problems,
    rule_to_input,
    set_rule_active,
    update_rule,
)
from services.care.compliance import active_rules
from tests.pairing_factories import ADMIN

VISITS = RuleInput(name="黄色风险儿童每周电访至少1次", contact_kinds=("phone_visit",),
                   min_count=1, period="week", risk_level="yellow")


@pytest.mark.parametrize(("changes", "field", "words"), [
    pytest.param({"name": "  "}, "名称", "请填写", id="no-name"),
    pytest.param({"name": "长" * 101}, "名称", "最多100个字", id="long-name"),
    pytest.param({"contact_kinds": ()}, "帮扶方式", "至少选择一种", id="no-kind"),
    pytest.param({"contact_kinds": ("visit",)}, "帮扶方式", "无法识别“visit”", id="bad-kind"),
    pytest.param({"min_count": 0}, "最少次数", "1到31", id="zero"),
    pytest.param({"min_count": 32}, "最少次数", "1到31", id="too-many"),
    pytest.param({"min_count": "2"}, "最少次数", "整数", id="text"),
    pytest.param({"min_count": True}, "最少次数", "整数", id="bool"),
    pytest.param({"period": "year"}, "周期", "每周、每月、每学期", id="bad-period"),
    pytest.param({"audience": "teacher"}, "联系对象", "儿童本人", id="bad-audience"),
    pytest.param({"risk_level": "purple"}, "风险等级", "无法识别", id="bad-colour"),
    pytest.param({"category": "x"}, "儿童类别", "无法识别", id="bad-category"),
    pytest.param({"helper_kind": "x"}, "帮扶人类型", "无法识别", id="bad-helper-kind"),
])
def test_a_rule_with_bad_fields_is_refused_in_chinese(changes, field, words):
    problems = rule_problems(replace(VISITS, **changes))
    assert list(problems) == [field]
    assert words in problems[field]


@pytest.mark.parametrize("count", [1, 31])
def test_the_minimum_may_be_1_to_31(count):
    assert rule_problems(replace(VISITS, min_count=count)) == {}


def test_an_admin_adds_a_rule_with_a_readable_code_and_it_is_checked_at_once(session):
    rule = create_rule(session, actor=ADMIN, data=VISITS)
    assert (rule.code, rule.period, rule.is_active, rule.version) == (
        "week_phone_visit_x1_yellow", RulePeriod.week, True, 1)
    assert rule in active_rules(session)
    second = create_rule(session, actor=ADMIN, data=replace(VISITS, name="另一条",
                                                            audience="guardian"))
    assert second.code == "week_phone_visit_x1_yellow_guardian"
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "care_rule")).first()
    assert (event.action, event.summary) == ("create", "新增帮扶要求 黄色风险儿童每周电访至少1次")


def test_codes_stay_unique(session):
    first = create_rule(session, actor=ADMIN, data=VISITS)
    archive_rule(session, actor=ADMIN, rule_id=first.id, expected_version=first.version,
                 reason="试行结束")
    again = create_rule(session, actor=ADMIN, data=VISITS)
    assert again.code == "week_phone_visit_x1_yellow_2"


@pytest.mark.parametrize("changes", [
    pytest.param({"name": "每月谈心至少1次", "min_count": 3}, id="same-name"),
    pytest.param({"name": "谈心", "contact_kinds": ("talk",), "min_count": 1, "period": "month",
                  "risk_level": None}, id="same-demand"),
])
def test_a_duplicate_rule_is_refused(session, changes):
    with pytest.raises(DomainError, match="已有相同的帮扶要求“每月谈心至少1次”"):
        create_rule(session, actor=ADMIN, data=replace(VISITS, **changes))


def test_only_an_admin_changes_rules(session):
    coordinator = Actor(None, "c", Role.coordinator)
    with pytest.raises(PermissionDenied, match="只有管理员"):
        create_rule(session, actor=coordinator, data=VISITS)
    rule = session.scalar(select(CareRule).where(CareRule.code == "monthly_talk"))
    with pytest.raises(PermissionDenied):
        set_rule_active(session, actor=coordinator, rule_id=rule.id,
                        expected_version=rule.version, active=False)


def test_an_edit_keeps_the_code_and_is_audited(session):
    rule = session.scalar(select(CareRule).where(CareRule.code == "monthly_talk"))
    update_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=rule.version,
                data=replace(rule_to_input(rule), min_count=2, name="每月谈心至少2次"))
    assert (rule.code, rule.min_count, rule.version, rule.pauses_in_holidays) == (
        "monthly_talk", 2, 2, True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "care_rule")).one()
    assert (event.before, event.after) == ({"min_count": 1, "name": "每月谈心至少1次"},
                                           {"min_count": 2, "name": "每月谈心至少2次"})


def test_a_stale_save_is_refused(session):
    rule = session.scalar(select(CareRule).where(CareRule.code == "monthly_talk"))
    opened = rule.version
    update_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=opened,
                data=replace(rule_to_input(rule), min_count=2))
    with pytest.raises(ConcurrentEdit):
        update_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=opened,
                    data=replace(rule_to_input(rule), min_count=3))
    assert rule.min_count == 2


def test_an_invalid_edit_writes_nothing(session):
    rule = session.scalar(select(CareRule).where(CareRule.code == "monthly_talk"))
    with pytest.raises(ValidationFailed):
        update_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=rule.version,
                    data=replace(rule_to_input(rule), contact_kinds=()))
    assert (rule.contact_kinds, rule.version) == (["talk"], 1)


def test_deactivate_and_activate(session):
    rule = session.scalar(select(CareRule).where(CareRule.code == "weekly_parent_call"))
    set_rule_active(session, actor=ADMIN, rule_id=rule.id, expected_version=1, active=False)
    assert rule not in active_rules(session)
    assert rule in list_rules(session)
    assert list_rules(session)[-1] is rule  # inactive ones last
    with pytest.raises(DomainError, match="已停用"):
        set_rule_active(session, actor=ADMIN, rule_id=rule.id, expected_version=2,
                        active=False)
    set_rule_active(session, actor=ADMIN, rule_id=rule.id, expected_version=2, active=True)
    assert rule in active_rules(session)


def test_an_archived_rule_is_hidden_and_never_checked(session):
    rule = session.scalar(select(CareRule).where(CareRule.code == "weekly_parent_call"))
    with pytest.raises(ValidationFailed, match="归档原因"):
        archive_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=1, reason=" ")
    archive_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=1, reason="并入电访")
    assert rule not in list_rules(session)
    assert rule in list_rules(session, include_archived=True)
    assert rule not in active_rules(session)
    with pytest.raises(DomainError, match="已归档"):
        set_rule_active(session, actor=ADMIN, rule_id=rule.id, expected_version=2, active=True)
