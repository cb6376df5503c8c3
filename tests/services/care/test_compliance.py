"""Care-rule compliance: statuses across period boundaries and holidays, 待办, rates, summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event, select

from core.errors import PermissionDenied
from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    Role,
    RuleAudience,
    RulePeriod,
)
from db.base import utcnow
from db.models import CareRule
from services.access.permissions import Actor
from services.care.care_rules import rule_to_input, update_rule
from services.care.compliance import (
    ComplianceStatus,
    RuleView,
    due_items,
    judge,
    rule_clock,
    standings,
)
from services.care.terms import (
    in_school_holiday,
    last_school_day,
    month_of,
    period_of,
    previous_period,
)
from services.care.todo import (
    compliance_rates,
    compliance_summary,
    no_contact_this_month,
    todo_for_helper,
    todo_items,
)
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_contact,
    make_places,
)

# TODAY, 2026-11-28, is a Saturday: this week is 11-23 … 11-29.
S = ComplianceStatus
TALK = RuleView(1, "monthly_talk", "每月谈心至少1次", ("talk",), 1, RulePeriod.month,
                pauses_in_holidays=True)
CALL = RuleView(2, "weekly_parent_call", "每周亲情电话至少1次", ("parent_call",), 1,
                RulePeriod.week, audience=RuleAudience.parents)
VISIT = RuleView(3, "term_home_visit", "每学期家访至少1次", ("home_visit",), 1, RulePeriod.term)
TWICE = RuleView(4, "yellow_twice_monthly_visit", "黄色每月走访至少2次", ("home_visit",), 2,
                 RulePeriod.month, risk_level=RiskLevel.yellow)
SCHOOL_VISIT = RuleView(5, "term_school_visit", "每学期家访(在校期间)", ("home_visit",), 1,
                        RulePeriod.term, pauses_in_holidays=True)
LONG_AGO = date(2025, 9, 1)
NEW = date(2026, 11, 1)  # paired this month: nothing earlier is owed

# (rule, today, pairing started, done this period, done last period) → status
CASES = [
    # the monthly talk, which rests in 寒暑假
    (TALK, TODAY, LONG_AGO, 1, 0, S.met, "met-beats-overdue"),
    (TALK, TODAY, LONG_AGO, 0, 1, S.due_soon, "2-days-left"),
    (TALK, date(2026, 11, 23), LONG_AGO, 0, 1, S.due_soon, "7-days-left"),
    (TALK, date(2026, 11, 22), LONG_AGO, 0, 1, S.open, "8-days-left"),
    (TALK, date(2026, 11, 10), LONG_AGO, 0, 0, S.overdue, "october-missed"),
    (TALK, date(2026, 11, 1), LONG_AGO, 0, 0, S.overdue, "first-of-month"),
    (TALK, date(2026, 10, 31), LONG_AGO, 0, 1, S.due_soon, "last-of-month"),
    (TALK, date(2026, 11, 10), date(2026, 10, 24), 0, 0, S.overdue, "had-7-days-of-october"),
    (TALK, date(2026, 11, 10), date(2026, 10, 25), 0, 0, S.open, "had-6-days-of-october"),
    (TALK, date(2026, 11, 10), date(2026, 11, 9), 0, 0, S.open, "new-this-month"),
    (TALK, date(2026, 8, 15), LONG_AGO, 0, 0, S.paused, "summer-holiday"),
    (TALK, date(2026, 8, 15), LONG_AGO, 1, 0, S.paused, "summer-holiday-even-if-met"),
    (TALK, date(2026, 7, 9), LONG_AGO, 0, 1, S.due_soon, "last-day-before-summer"),
    (TALK, date(2026, 7, 10), LONG_AGO, 0, 0, S.paused, "first-day-of-summer"),
    (TALK, date(2026, 7, 2), LONG_AGO, 0, 1, S.due_soon, "july-due-by-the-9th"),
    (TALK, date(2026, 9, 1), LONG_AGO, 0, 0, S.open, "august-all-holiday-waived"),
    (TALK, date(2026, 1, 12), LONG_AGO, 0, 1, S.due_soon, "january-due-by-the-19th"),
    (TALK, date(2026, 1, 11), LONG_AGO, 0, 1, S.open, "january-8-days-before-winter"),
    (TALK, date(2026, 1, 20), LONG_AGO, 0, 0, S.paused, "first-day-of-winter"),
    (TALK, date(2026, 2, 20), LONG_AGO, 0, 0, S.paused, "last-day-of-winter"),
    (TALK, date(2026, 2, 21), LONG_AGO, 0, 1, S.due_soon, "back-to-school"),
    (TALK, date(2026, 2, 21), LONG_AGO, 0, 0, S.overdue, "january-missed-before-winter"),
    # the weekly parent call, which never rests
    (CALL, date(2026, 11, 23), LONG_AGO, 0, 1, S.due_soon, "monday-a-week-is-always-due-soon"),
    (CALL, date(2026, 11, 29), LONG_AGO, 0, 1, S.due_soon, "sunday"),
    (CALL, date(2026, 11, 23), LONG_AGO, 0, 0, S.overdue, "last-week-missed"),
    (CALL, date(2026, 11, 23), date(2026, 11, 16), 0, 0, S.overdue, "paired-last-monday"),
    (CALL, date(2026, 11, 23), date(2026, 11, 17), 0, 0, S.due_soon, "paired-last-tuesday"),
    (CALL, date(2026, 8, 3), LONG_AGO, 0, 1, S.due_soon, "holidays-do-not-pause-it"),
    (CALL, date(2026, 12, 28), LONG_AGO, 1, 0, S.met, "across-the-new-year"),
    # the term home visit
    (VISIT, TODAY, LONG_AGO, 0, 1, S.open, "autumn-term-64-days-left"),
    (VISIT, date(2027, 1, 25), LONG_AGO, 0, 1, S.due_soon, "autumn-term-6-days-left"),
    (VISIT, date(2026, 8, 31), LONG_AGO, 0, 1, S.due_soon, "spring-term-ends-31-august"),
    (VISIT, date(2026, 9, 1), LONG_AGO, 0, 0, S.overdue, "spring-term-missed"),
    (VISIT, date(2026, 9, 1), date(2026, 8, 25), 0, 0, S.open, "paired-in-late-august"),
    (VISIT, date(2027, 2, 1), LONG_AGO, 0, 1, S.open, "spring-term-starts"),
    # a term visit that rests in holidays: due by the last school day
    (SCHOOL_VISIT, date(2026, 7, 3), LONG_AGO, 0, 1, S.due_soon, "due-by-9-july"),
    (SCHOOL_VISIT, date(2026, 9, 2), LONG_AGO, 0, 0, S.overdue, "spring-missed-before-summer"),
    (SCHOOL_VISIT, date(2027, 1, 13), LONG_AGO, 0, 1, S.due_soon, "autumn-due-by-19-january"),
    # twice a month
    (TWICE, TODAY, LONG_AGO, 1, 2, S.due_soon, "one-of-two"),
    (TWICE, date(2026, 11, 10), LONG_AGO, 1, 1, S.overdue, "october-one-of-two"),
    (TWICE, date(2026, 11, 10), LONG_AGO, 2, 0, S.met, "two-of-two"),
]


@pytest.mark.parametrize(("rule", "today", "started", "done", "before", "expected"),
                         [c[:6] for c in CASES], ids=[c[6] for c in CASES])
def test_status_across_period_boundaries(rule, today, started, done, before, expected):
    clock = rule_clock(rule, today)
    assert judge(rule, clock, today=today, started_on=started, done=done,
                 done_before=before) is expected


@pytest.mark.parametrize(("day", "holiday"), [
    (date(2026, 1, 19), False), (date(2026, 1, 20), True), (date(2026, 2, 20), True),
    (date(2026, 2, 21), False), (date(2026, 7, 9), False), (date(2026, 7, 10), True),
    (date(2026, 8, 31), True), (date(2026, 9, 1), False), (date(2026, 12, 31), False),
])
def test_school_holidays(day, holiday):
    assert in_school_holiday(day) is holiday


@pytest.mark.parametrize(("period", "day", "last"), [
    (RulePeriod.month, date(2026, 1, 5), date(2026, 1, 19)),
    (RulePeriod.month, date(2026, 2, 5), date(2026, 2, 28)),
    (RulePeriod.month, date(2026, 8, 5), None),
    (RulePeriod.term, date(2026, 3, 5), date(2026, 7, 9)),
    (RulePeriod.term, date(2026, 10, 5), date(2027, 1, 19)),
    (RulePeriod.week, date(2026, 2, 18), date(2026, 2, 22)),
])
def test_a_resting_rules_deadline_is_the_last_school_day(period, day, last):
    assert last_school_day(period_of(period, day)) == last


def test_previous_periods():
    assert previous_period(RulePeriod.week, TODAY).name == "上周"
    assert previous_period(RulePeriod.month, date(2026, 1, 5)) == month_of(date(2025, 12, 1))
    assert previous_period(RulePeriod.term, date(2026, 2, 1)).name == "2025年秋季学期"


# --- against the database --------------------------------------------------------------------

@pytest.fixture
def places(session):
    return make_places(session)


@pytest.fixture
def teacher(session, places):
    return make_helper(session, org_unit=places.village, name="李老师", capacity=5)


def rules_by_code(session) -> dict[str, CareRule]:
    return {r.code: r for r in session.scalars(select(CareRule))}


def keep_only(session, *codes: str) -> None:
    """Deactivate every seeded rule but these, so a test reads one rule at a time."""
    for rule in session.scalars(select(CareRule)):
        rule.is_active = rule.code in codes
    session.flush()


def statuses(session, actor, today=TODAY) -> dict[tuple[str, str, str], ComplianceStatus]:
    return {(s.pair.child_name, s.pair.helper_name, s.rule.code): s.status
            for s in standings(session, actor, today=today)}


def test_a_rule_about_the_child_counts_only_this_helpers_contacts(session, places, teacher):
    keep_only(session, "monthly_talk")
    volunteer = make_helper(session, org_unit=places.village, name="王志愿者",
                            kind=HelperKind.volunteer)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=NEW)
    make_pairing(session, child, volunteer, started_on=NEW)
    make_contact(session, child, volunteer, date(2026, 11, 3), kind=ContactKind.talk)

    assert statuses(session, ADMIN) == {("张小明", "李老师", "monthly_talk"): S.due_soon,
                                        ("张小明", "王志愿者", "monthly_talk"): S.met}


def test_a_rule_about_the_guardian_counts_anyones_contacts(session, places, teacher):
    keep_only(session, "monthly_guardian_contact", "weekly_parent_call")
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher)
    other = make_helper(session, org_unit=places.village, name="社工小周")
    make_contact(session, child, other, date(2026, 11, 3), kind=ContactKind.phone_visit)
    make_contact(session, child, None, date(2026, 11, 24), kind=ContactKind.parent_call)

    assert statuses(session, ADMIN) == {
        ("张小明", "李老师", "monthly_guardian_contact"): S.met,
        ("张小明", "李老师", "weekly_parent_call"): S.met}


def test_a_rule_for_one_kind_of_helper_binds_only_those_pairings(session, places, teacher):
    keep_only(session, "volunteer_twice_monthly_visit")
    volunteer = make_helper(session, org_unit=places.village, name="王志愿者",
                            kind=HelperKind.volunteer)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=NEW)
    make_pairing(session, child, volunteer, started_on=NEW)
    make_contact(session, child, volunteer, date(2026, 11, 3), kind=ContactKind.home_visit)

    assert statuses(session, ADMIN) == {
        ("张小明", "王志愿者", "volunteer_twice_monthly_visit"): S.due_soon}


@pytest.mark.parametrize(("risk", "categories", "expected"), [
    pytest.param(None, (Category.left_behind,), set(), id="plain"),
    pytest.param(RiskLevel.red, (Category.left_behind,), {"red_weekly_visit"}, id="red"),
    pytest.param(RiskLevel.yellow, (Category.left_behind,), {"yellow_twice_monthly_visit"},
                 id="yellow"),
    pytest.param(RiskLevel.green, (Category.left_behind, Category.disabled),
                 {"disabled_visit"}, id="disabled"),
])
def test_colour_and_category_rules(session, places, teacher, risk, categories, expected):
    keep_only(session, "red_weekly_visit", "yellow_twice_monthly_visit")
    session.add(CareRule(id=100, code="disabled_visit", name="残障儿童每月走访至少1次",
                         contact_kinds=["home_visit"], min_count=1, period=RulePeriod.month,
                         category=Category.disabled))
    session.flush()
    child = make_child_in(session, places.village, risk_level=risk, categories=categories)
    make_pairing(session, child, teacher)
    assert {code for (_, _, code) in statuses(session, ADMIN)} == expected


def test_editing_a_rules_minimum_changes_the_status_at_once(session, places, teacher):
    keep_only(session, "monthly_talk")
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher)
    make_contact(session, child, teacher, date(2026, 11, 3), kind=ContactKind.talk)
    make_contact(session, child, teacher, date(2026, 10, 3), kind=ContactKind.talk)
    key = ("张小明", "李老师", "monthly_talk")
    assert statuses(session, ADMIN)[key] is S.met

    rule = rules_by_code(session)["monthly_talk"]
    update_rule(session, actor=ADMIN, rule_id=rule.id, expected_version=rule.version,
                data=replace(rule_to_input(rule), min_count=2))
    assert statuses(session, ADMIN)[key] is S.overdue  # October had one of two as well

    [item] = todo_for_helper(session, helper_actor(teacher), today=TODAY)
    assert item.situation.startswith("10月应完成2次\uff0c已完成1次\uff0c已逾期\uff1b11月再完成")


def test_a_resting_rule_is_left_out_in_the_holidays(session, places, teacher):
    keep_only(session, "monthly_talk", "weekly_parent_call")
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher)
    summer = date(2026, 8, 12)

    assert statuses(session, ADMIN, summer) == {
        ("张小明", "李老师", "monthly_talk"): S.paused,
        ("张小明", "李老师", "weekly_parent_call"): S.overdue}
    assert [i.rule_code for i in todo_for_helper(session, helper_actor(teacher),
                                                  today=summer)] == ["weekly_parent_call"]
    assert compliance_summary(session, ADMIN, today=summer)["monthly_talk"] == {
        "due": 0, "met": 0, "rate": 0.0}


@pytest.mark.parametrize(("contact_date", "archived", "counts"), [
    pytest.param(date(2026, 11, 1), False, True, id="first-of-month"),
    pytest.param(date(2026, 10, 31), False, False, id="last-month"),
    pytest.param(date(2026, 11, 29), False, False, id="tomorrow"),
    pytest.param(date(2026, 11, 20), True, False, id="archived"),
])
def test_which_contacts_count(session, places, teacher, contact_date, archived, counts):
    keep_only(session, "monthly_talk")
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher)
    make_contact(session, child, teacher, contact_date, kind=ContactKind.talk,
                 archived_at=utcnow() if archived else None)
    [s] = standings(session, ADMIN, today=TODAY)
    assert (s.status is S.met) is counts


def test_only_active_pairings_children_and_helpers_count(session, places, teacher):
    keep_only(session, "monthly_talk")
    ended, archived, stopped, live = (make_child_in(session, places.village, n)
                                      for n in ("甲", "乙", "丙", "丁"))
    make_pairing(session, ended, teacher, ended_on=date(2026, 10, 1))
    make_pairing(session, archived, teacher)
    archived.archived_at = utcnow()
    gone = make_helper(session, org_unit=places.village, name="离职老师",
                       archived_at=utcnow())
    make_pairing(session, stopped, gone)
    make_pairing(session, live, teacher)
    session.flush()
    assert [s.pair.child_name for s in standings(session, ADMIN, today=TODAY)] == ["丁"]


# --- 待办 ------------------------------------------------------------------------------------

@pytest.fixture
def busy(session, places, teacher):
    """李老师 with two children in November; a colleague in the other town."""
    ming = make_child_in(session, places.village, "张小明", school_id=places.school.id,
                         risk_level=RiskLevel.red)
    hong = make_child_in(session, places.other_village, "王小红")
    make_pairing(session, ming, teacher)
    make_pairing(session, hong, teacher)
    make_contact(session, ming, teacher, date(2026, 10, 12), kind=ContactKind.talk)
    make_contact(session, hong, teacher, date(2026, 10, 20), kind=ContactKind.talk)
    make_contact(session, hong, teacher, date(2026, 11, 2), kind=ContactKind.home_visit)
    make_contact(session, hong, teacher, date(2026, 11, 24), kind=ContactKind.parent_call)
    far = make_child_in(session, places.far_village, "赵小刚")
    colleague = make_helper(session, org_unit=places.far_village, name="陈老师")
    make_pairing(session, far, colleague)
    return ming, hong


def test_a_helpers_todo_lists_overdue_first_then_this_week_then_the_rest(session, busy,
                                                                         teacher):
    items = todo_for_helper(session, helper_actor(teacher), today=TODAY)
    assert [(i.child_name, i.rule_code, i.status, i.urgency) for i in items] == [
        ("张小明", "weekly_parent_call", S.overdue, 0),
        ("张小明", "red_weekly_visit", S.overdue, 0),
        ("张小明", "monthly_guardian_contact", S.overdue, 0),
        ("张小明", "term_home_visit", S.overdue, 0),  # the spring term had no visit
        ("张小明", "monthly_talk", S.due_soon, 2),
        ("王小红", "monthly_talk", S.due_soon, 2),
    ]
    first = items[0]
    assert (first.place, first.done, first.needed, first.deadline) == (
        "石门镇中心小学", 0, 1, date(2026, 11, 29))
    # Overdue: the week it was due in and that it is past, not "11-29前" as if still open.
    assert first.text == ("每周亲情电话至少1次\uff1a上周应完成1次\uff0c已完成0次\uff0c已逾期\uff1b"
                          "本周再完成1次即消除")
    assert first.situation == "上周应完成1次\uff0c已完成0次\uff0c已逾期\uff1b本周再完成1次即消除"
    assert "11-29" not in first.text and "前" not in first.situation
    assert first.deadline_text == "2026-11-22\uff08已过\uff09"
    talk = next(i for i in items if i.status is S.due_soon)
    assert talk.situation == "11月已完成0/1次\uff0c11-30前"
    assert talk.deadline_text == "2026-11-30"


def test_what_ends_this_week_comes_before_what_ends_next_week(session, places, teacher):
    keep_only(session, "weekly_parent_call", "monthly_talk")
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=date(2026, 11, 23))
    items = todo_for_helper(session, helper_actor(teacher), today=date(2026, 11, 25))
    assert [(i.rule_code, i.status, i.urgency, i.due_this_week) for i in items] == [
        ("weekly_parent_call", S.due_soon, 1, True), ("monthly_talk", S.due_soon, 2, False)]
    # In the week of 12-28 … 01-03 the month ends too.
    late = make_child_in(session, places.village, "王小红")
    make_pairing(session, late, teacher, started_on=date(2026, 12, 28))
    new_year = todo_for_helper(session, helper_actor(teacher), today=date(2026, 12, 28))
    assert {i.rule_code: i.urgency for i in new_year if i.child_id == late.id} == {
        "weekly_parent_call": 1, "monthly_talk": 1}


def test_logging_a_contact_takes_the_item_off_the_todo(session, busy, teacher):
    ming, _ = busy
    before = {i.rule_code for i in todo_for_helper(session, helper_actor(teacher), today=TODAY)
              if i.child_id == ming.id}
    make_contact(session, ming, teacher, TODAY, kind=ContactKind.home_visit)
    after = {i.rule_code for i in todo_for_helper(session, helper_actor(teacher), today=TODAY)
             if i.child_id == ming.id}
    assert before - after == {"red_weekly_visit", "monthly_guardian_contact", "term_home_visit"}


def test_whose_todo(session, busy, teacher, places):
    town = coordinator_of(places.town)
    assert len(todo_for_helper(session, town, today=TODAY, helper_id=teacher.id)) == 6
    far_helper = next(s.pair.helper_id for s in standings(session, ADMIN, today=TODAY)
                      if s.pair.child_name == "赵小刚")
    assert todo_for_helper(session, town, today=TODAY, helper_id=far_helper) == []
    # A helper sees only their own list, whatever id they pass.
    assert {i.helper_id for i in todo_for_helper(session, helper_actor(teacher), today=TODAY,
                                                 helper_id=far_helper)} == {teacher.id}
    assert todo_for_helper(session, Actor(None, "h", Role.helper), today=TODAY) == []
    with pytest.raises(PermissionDenied):
        todo_for_helper(session, Actor(None, "v", Role.viewer), today=TODAY)


def test_todo_items_in_a_coordinators_scope(session, busy, places):
    items = todo_items(session, coordinator_of(places.town), today=TODAY,
                       statuses=[S.overdue])
    assert {i.child_name for i in items} == {"张小明"}
    assert {i.child_name for i in todo_items(session, ADMIN, today=TODAY)} == {
        "张小明", "王小红", "赵小刚"}
    with pytest.raises(PermissionDenied):
        todo_items(session, Actor(None, "v", Role.viewer), today=TODAY)


# --- rates and summary -----------------------------------------------------------------------

def test_rates_by_rule_school_village_and_helper(session, busy, places):
    town = coordinator_of(places.town)
    by_rule = {r.key: (r.due, r.met, r.overdue) for r in compliance_rates(
        session, town, today=TODAY, group_by="rule")}
    assert by_rule == {"monthly_talk": (2, 0, 0), "term_home_visit": (2, 1, 1),
                       "monthly_guardian_contact": (2, 1, 1), "weekly_parent_call": (2, 1, 1),
                       "red_weekly_visit": (1, 0, 1)}
    by_school = {r.label: (r.due, r.met) for r in compliance_rates(
        session, town, today=TODAY, group_by="school")}
    assert by_school == {"石门镇中心小学": (5, 0), "未登记学校": (4, 3)}
    by_village = compliance_rates(session, town, today=TODAY, group_by="village")
    assert [(r.label, r.rate) for r in by_village] == [("李家村", 0.0), ("张家村", 0.75)]
    [helper] = compliance_rates(session, town, today=TODAY, group_by="helper")
    assert (helper.label, helper.due, helper.met) == ("李老师", 9, 3)


def test_rates_need_a_right_to_see_aggregates_and_names_per_helper(session, busy, places):
    viewer = Actor(None, "v", Role.viewer, org_unit_id=places.town.id)
    assert sum(r.due for r in compliance_rates(session, viewer, today=TODAY,
                                               group_by="village")) == 9
    with pytest.raises(PermissionDenied):
        compliance_rates(session, viewer, today=TODAY, group_by="helper")
    with pytest.raises(ValueError, match="grouping"):
        compliance_rates(session, ADMIN, today=TODAY, group_by="class")


def test_summary_has_the_stats_json_shape(session, busy, places):
    rules_by_code(session)["red_weekly_visit"].is_active = False
    session.flush()
    summary = compliance_summary(session, coordinator_of(places.town), today=TODAY)
    assert list(summary) == ["monthly_talk", "term_home_visit", "monthly_guardian_contact",
                             "weekly_parent_call", "yellow_twice_monthly_visit",
                             "volunteer_twice_monthly_visit"]
    assert summary["term_home_visit"] == {"due": 2, "met": 1, "rate": 0.5}
    assert summary["yellow_twice_monthly_visit"] == {"due": 0, "met": 0, "rate": 0.0}
    for figures in summary.values():
        assert set(figures) == {"due", "met", "rate"}
        assert isinstance(figures["due"], int) and isinstance(figures["rate"], float)


def test_the_work_is_a_few_grouped_queries_whatever_the_number_of_pairings(session, engine,
                                                                            places, teacher):
    def queries(n_children: int) -> int:
        for i in range(n_children):
            child = make_child_in(session, places.village, f"儿童{i}")
            make_pairing(session, child, teacher)
            make_contact(session, child, teacher, date(2026, 11, 2), kind=ContactKind.talk)
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            compliance_rates(session, ADMIN, today=TODAY, group_by="helper")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert queries(2) == queries(20) <= 8


# --- no contact at all this month ------------------------------------------------------------

def test_children_nobody_contacted_this_month(session, places, teacher):
    quiet = make_child_in(session, places.village, "甲")
    talked = make_child_in(session, places.village, "乙")
    by_other = make_child_in(session, places.village, "丙")
    never = make_child_in(session, places.other_village, "丁", school_id=places.school.id)
    unpaired = make_child_in(session, places.village, "戊")
    far = make_child_in(session, places.far_village, "己")
    for child in (quiet, talked, by_other, never, far):
        make_pairing(session, child, teacher)
    second = make_helper(session, org_unit=places.village, name="王老师")
    make_pairing(session, never, second)
    make_contact(session, quiet, teacher, date(2026, 10, 30))
    make_contact(session, quiet, teacher, date(2026, 11, 5), archived_at=utcnow())
    make_contact(session, talked, teacher, date(2026, 11, 1), kind=ContactKind.letter)
    make_contact(session, by_other, None, date(2026, 11, 27), kind=ContactKind.delivery)
    make_contact(session, unpaired, teacher, date(2026, 9, 1))

    rows = no_contact_this_month(session, coordinator_of(places.town), today=TODAY)

    assert [(r.name, r.school, r.village, r.helpers, r.last_contact) for r in rows] == [
        ("丁", "石门镇中心小学", "张家村", "李老师、王老师", None),
        ("甲", "", "李家村", "李老师", date(2026, 10, 30))]
    assert {r.name for r in no_contact_this_month(session, ADMIN, today=TODAY)} == {
        "甲", "丁", "己"}
    with pytest.raises(PermissionDenied):
        no_contact_this_month(session, Actor(None, "v", Role.viewer), today=TODAY)


# --- 我的结对's due items ----------------------------------------------------------------------

def test_due_items_for_one_helper_count_their_own_talks(session, places, teacher):
    volunteer = make_helper(session, org_unit=places.village, name="王志愿者",
                            kind=HelperKind.volunteer)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher)
    make_pairing(session, child, volunteer)
    make_contact(session, child, volunteer, date(2026, 11, 3), kind=ContactKind.talk)

    mine = [i.rule_code for i in due_items(session, [child], today=TODAY,
                                           helper_id=teacher.id)[child.id]]
    theirs = [i.rule_code for i in due_items(session, [child], today=TODAY,
                                             helper_id=volunteer.id)[child.id]]
    childs = [i.rule_code for i in due_items(session, [child], today=TODAY)[child.id]]
    assert "monthly_talk" in mine and "monthly_talk" not in theirs
    assert "volunteer_twice_monthly_visit" not in mine
    assert "volunteer_twice_monthly_visit" in theirs and "volunteer_twice_monthly_visit" in childs


def test_due_items_leave_out_resting_rules_and_give_the_school_deadline(session, places):
    child = make_child_in(session, places.village)
    summer = [i.rule_code for i in due_items(session, [child], today=date(2026, 8, 3))[child.id]]
    assert "monthly_talk" not in summer
    [talk] = [i for i in due_items(session, [child], today=date(2026, 7, 3))[child.id]
              if i.rule_code == "monthly_talk"]
    assert talk.text == "每月谈心至少1次\uff087月已0次\uff0c07-09前\uff09"
