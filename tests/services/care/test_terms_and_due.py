"""Weeks, months and terms; the care rules still due for a child; a helper's 我的结对 list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import (
    Category,
    ContactKind,
    Gender,
    MatchHealth,
    Relation,
    RiskLevel,
    Role,
    RulePeriod,
)
from db.base import utcnow
from db.models import CareRule
from services.access.permissions import Actor
from services.care.compliance import active_rules, due_items
from services.care.terms import Period, month_of, period_of, term_of, week_of
from services.pairing.my_pairings import my_children
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    TODAY,
    helper_actor,
    make_child_in,
    make_contact,
    make_places,
    make_relative,
)

# TODAY, 2026-11-28, is a Saturday: this week is 11-23 … 11-29.


# --- periods ---------------------------------------------------------------------------------

TERMS = [
    (date(2026, 1, 31), date(2025, 9, 1), date(2026, 1, 31), "2025年秋季学期"),
    (date(2026, 2, 1), date(2026, 2, 1), date(2026, 8, 31), "2026年春季学期"),
    (date(2026, 7, 31), date(2026, 2, 1), date(2026, 8, 31), "2026年春季学期"),
    (date(2026, 8, 15), date(2026, 2, 1), date(2026, 8, 31), "2026年春季学期"),
    (date(2026, 8, 31), date(2026, 2, 1), date(2026, 8, 31), "2026年春季学期"),
    (date(2026, 9, 1), date(2026, 9, 1), date(2027, 1, 31), "2026年秋季学期"),
    (date(2026, 12, 31), date(2026, 9, 1), date(2027, 1, 31), "2026年秋季学期"),
    (date(2027, 1, 1), date(2026, 9, 1), date(2027, 1, 31), "2026年秋季学期"),
    (date(2028, 2, 29), date(2028, 2, 1), date(2028, 8, 31), "2028年春季学期"),
]


@pytest.mark.parametrize(("day", "start", "end", "name"), TERMS,
                         ids=[str(row[0]) for row in TERMS])
def test_term_of_boundary_dates(day, start, end, name):
    assert term_of(day) == Period(start, end, name)


def test_every_day_lies_in_its_term_and_terms_follow_on_without_a_gap():
    day = date(2025, 1, 1)
    while day < date(2028, 12, 31):
        term = term_of(day)
        assert day in term
        assert term_of(term.end + timedelta(days=1)).start == term.end + timedelta(days=1)
        day += timedelta(days=1)


WEEKS = [
    (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29)),  # Monday
    (date(2026, 11, 28), date(2026, 11, 23), date(2026, 11, 29)),  # Saturday
    (date(2026, 11, 29), date(2026, 11, 23), date(2026, 11, 29)),  # Sunday
    (date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3)),  # across the new year
]


@pytest.mark.parametrize(("day", "start", "end"), WEEKS, ids=[str(row[0]) for row in WEEKS])
def test_a_week_runs_monday_to_sunday(day, start, end):
    assert week_of(day) == Period(start, end, "本周")


MONTHS = [
    (date(2026, 11, 28), date(2026, 11, 1), date(2026, 11, 30), "11月"),
    (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 31), "12月"),
    (date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28), "2月"),
    (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29), "2月"),
    (date(2026, 1, 31), date(2026, 1, 1), date(2026, 1, 31), "1月"),
]


@pytest.mark.parametrize(("day", "start", "end", "name"), MONTHS,
                         ids=[str(row[0]) for row in MONTHS])
def test_a_month_runs_from_its_first_to_its_last_day(day, start, end, name):
    assert month_of(day) == Period(start, end, name)


@pytest.mark.parametrize(("period", "expected"), [
    ("week", week_of(TODAY)), ("month", month_of(TODAY)), ("term", term_of(TODAY)),
])
def test_period_of_picks_the_rules_period(period, expected):
    assert period_of(RulePeriod(period), TODAY) == expected


def test_a_period_contains_only_days_within_it():
    week = week_of(TODAY)
    assert date(2026, 11, 23) in week and date(2026, 11, 29) in week
    assert date(2026, 11, 22) not in week and date(2026, 11, 30) not in week
    assert "2026-11-25" not in week


# --- care rules still due --------------------------------------------------------------------

@pytest.fixture
def places(session):
    return make_places(session)


@pytest.fixture
def helper(session, places):
    return make_helper(session, org_unit=places.village, name="李老师", capacity=5)


def due_codes(session, child, today=TODAY) -> list[str]:
    return [item.rule_code for item in due_items(session, [child], today=today)[child.id]]


PLAIN = ["weekly_parent_call", "monthly_guardian_contact", "monthly_talk", "term_home_visit"]


def test_the_rules_checked_are_the_seeded_defaults(session):
    assert [r.code for r in active_rules(session)] == [
        "monthly_talk", "term_home_visit", "monthly_guardian_contact", "weekly_parent_call",
        "red_weekly_visit", "yellow_twice_monthly_visit", "volunteer_twice_monthly_visit"]


@pytest.mark.parametrize(("risk", "expected"), [
    pytest.param(None, PLAIN, id="not-assessed"),
    pytest.param(RiskLevel.green, PLAIN, id="green"),
    pytest.param(RiskLevel.blue, PLAIN, id="blue"),
    pytest.param(RiskLevel.yellow, ["weekly_parent_call", "monthly_guardian_contact",
                                    "monthly_talk", "yellow_twice_monthly_visit",
                                    "term_home_visit"], id="yellow"),
    pytest.param(RiskLevel.red, ["weekly_parent_call", "red_weekly_visit",
                                 "monthly_guardian_contact", "monthly_talk",
                                 "term_home_visit"], id="red"),
])
def test_rules_for_a_risk_colour_apply_only_to_children_of_that_colour(session, places, risk,
                                                                       expected):
    child = make_child_in(session, places.village, risk_level=risk)
    assert due_codes(session, child) == expected  # nearest deadline first, then by name


def test_a_rule_is_met_by_enough_contacts_of_its_kinds_in_its_period(session, places, helper):
    child = make_child_in(session, places.village, risk_level=RiskLevel.yellow)
    make_contact(session, child, helper, date(2026, 11, 23), kind=ContactKind.parent_call)
    make_contact(session, child, helper, date(2026, 11, 2), kind=ContactKind.talk)
    make_contact(session, child, helper, date(2026, 11, 10), kind=ContactKind.home_visit)

    [visits] = due_items(session, [child], today=TODAY)[child.id]

    # One home visit meets the term and guardian rules; a yellow child needs two this month.
    assert (visits.rule_code, visits.done, visits.needed) == ("yellow_twice_monthly_visit", 1, 2)
    assert visits.text == "黄色风险儿童每月走访至少2次\uff0811月已1次\uff0c11-30前\uff09"


@pytest.mark.parametrize(("contact_date", "kind", "archived", "counts"), [
    pytest.param(date(2026, 11, 23), ContactKind.parent_call, False, True, id="this-monday"),
    pytest.param(date(2026, 11, 22), ContactKind.parent_call, False, False, id="last-sunday"),
    pytest.param(date(2026, 11, 29), ContactKind.parent_call, False, False, id="tomorrow"),
    pytest.param(date(2026, 11, 24), ContactKind.phone_visit, False, False, id="other-kind"),
    pytest.param(date(2026, 11, 24), ContactKind.parent_call, True, False, id="archived"),
])
def test_only_unarchived_contacts_of_the_rules_kinds_so_far_this_period_count(
        session, places, helper, contact_date, kind, archived, counts):
    child = make_child_in(session, places.village)
    make_contact(session, child, helper, contact_date, kind=kind,
                 archived_at=utcnow() if archived else None)
    assert ("weekly_parent_call" not in due_codes(session, child)) is counts


def test_a_contact_by_anyone_counts_towards_the_childs_rules(session, places):
    child = make_child_in(session, places.village)
    make_contact(session, child, None, date(2026, 11, 24), kind=ContactKind.parent_call)
    assert "weekly_parent_call" not in due_codes(session, child)


def test_an_inactive_or_archived_rule_is_never_due(session, places):
    child = make_child_in(session, places.village)
    rules = {r.code: r for r in session.scalars(select(CareRule))}
    rules["monthly_talk"].is_active = False
    rules["term_home_visit"].archived_at = utcnow()
    session.flush()
    assert due_codes(session, child) == ["weekly_parent_call", "monthly_guardian_contact"]
    assert "monthly_talk" not in {r.code for r in active_rules(session)}


def test_a_category_rule_applies_only_to_children_of_that_category(session, places):
    # An explicit id: the PostgreSQL reset re-inserts the seeded rules without moving the
    # sequence on (tests/conftest.py), so the next generated id would collide.
    next_id = max(r.id for r in session.scalars(select(CareRule))) + 1
    session.add(CareRule(id=next_id, code="disabled_visit", name="残障儿童每月走访至少1次",
                         contact_kinds=["home_visit"], min_count=1, period=RulePeriod.month,
                         category=Category.disabled))
    session.flush()
    disabled = make_child_in(session, places.village, "甲",
                             categories=(Category.left_behind, Category.disabled))
    plain = make_child_in(session, places.village, "乙")
    due = due_items(session, [disabled, plain], today=TODAY)
    assert "disabled_visit" in [i.rule_code for i in due[disabled.id]]
    assert "disabled_visit" not in [i.rule_code for i in due[plain.id]]


def test_due_items_of_no_children_is_empty(session):
    assert due_items(session, [], today=TODAY) == {}


def test_a_term_rule_in_the_summer_holiday_is_due_by_the_end_of_august(session, places):
    child = make_child_in(session, places.village)
    items = due_items(session, [child], today=date(2026, 8, 15))[child.id]
    [term] = [i for i in items if i.rule_code == "term_home_visit"]
    assert term.text == "每学期家访至少1次\uff082026年春季学期已0次\uff0c08-31前\uff09"


# --- 我的结对 ----------------------------------------------------------------------------------

@pytest.fixture
def mine(session, places, helper):
    """李老师's two children, and a child of a colleague's."""
    ming = make_child_in(session, places.village, "张小明", school_id=places.school.id,
                         grade="三年级", class_name="2班", birth_date=date(2015, 3, 1))
    hong = make_child_in(session, places.village, "王小红", gender=Gender.female,
                         birth_date=date(2016, 12, 1))
    other = make_child_in(session, places.village, "陈小华")
    make_relative(session, ming, Relation.father, name="张大山", phone="13800000001")
    make_relative(session, ming, Relation.guardian, name="张奶奶", phone="13800000002",
                  relation_detail="祖母")
    make_relative(session, hong, Relation.mother, name="王芳", phone=None)
    make_pairing(session, ming, helper, started_on=date(2026, 9, 1))
    make_pairing(session, hong, helper, started_on=date(2026, 9, 1))
    colleague = make_helper(session, org_unit=places.village, name="刘志愿者")
    make_pairing(session, other, colleague)
    make_pairing(session, hong, colleague)
    make_contact(session, ming, helper, date(2026, 11, 20), kind=ContactKind.talk)
    return helper


def test_my_children_lists_a_helpers_own_children_with_what_is_due(session, mine):
    rows = my_children(session, helper_actor(mine), today=TODAY)

    # 王小红 has had no contact for over 30 days; 张小明 was visited on 11-20, but the built-in
    # rules he missed last period are overdue in 待办, so his badge cannot say 正常 either.
    assert [(r.name, r.status) for r in rows] == [("张小明", MatchHealth.attention),
                                                  ("王小红", MatchHealth.attention)]
    ming, hong = rows
    assert (ming.gender, ming.age, ming.school, ming.class_label, ming.village) == (
        "男", 11, "石门镇中心小学", "三年级2班", "李家村")
    assert (ming.contact_name, ming.contact_phone) == ("祖母 张奶奶", "13800000002")
    assert (ming.started_on, ming.last_contact) == (date(2026, 9, 1), date(2026, 11, 20))
    assert [d.rule_code for d in ming.due] == ["weekly_parent_call", "monthly_guardian_contact",
                                               "term_home_visit"]
    assert ming.next_due == "每周亲情电话至少1次\uff08本周已0次\uff0c11-29前\uff09"
    assert (hong.age, hong.school, hong.class_label) == (9, "", "")
    assert (hong.contact_name, hong.contact_phone) == ("未登记联系电话", None)
    assert hong.last_contact is None


@pytest.mark.parametrize(("relatives", "expected"), [
    pytest.param([(Relation.father, "13800000001"), (Relation.mother, "13800000002")],
                 ("母亲 李四", "13800000002"), id="mother-before-father"),
    pytest.param([(Relation.father, "13800000001"), (Relation.guardian, None)],
                 ("父亲 李四", "13800000001"), id="no-phone-skipped"),
    pytest.param([(Relation.guardian, "13800000003")], ("监护人 李四", "13800000003"),
                 id="guardian-without-detail"),
    pytest.param([], ("未登记联系电话", None), id="nobody"),
])
def test_the_helper_is_told_whom_to_call(session, places, helper, relatives, expected):
    child = make_child_in(session, places.village)
    for relation, phone in relatives:
        make_relative(session, child, relation, name="李四", phone=phone)
    make_pairing(session, child, helper)
    [row] = my_children(session, helper_actor(helper), today=TODAY)
    assert (row.contact_name, row.contact_phone) == expected


def test_an_archived_relative_is_not_called(session, places, helper):
    child = make_child_in(session, places.village)
    make_relative(session, child, Relation.guardian, name="旧监护人", archived_at=utcnow())
    make_pairing(session, child, helper)
    [row] = my_children(session, helper_actor(helper), today=TODAY)
    assert row.contact_phone is None


def test_when_every_rule_is_met_nothing_is_due(session, places, helper):
    child = make_child_in(session, places.village)
    make_pairing(session, child, helper, started_on=date(2026, 11, 1))
    for kind in (ContactKind.parent_call, ContactKind.talk, ContactKind.home_visit):
        make_contact(session, child, helper, date(2026, 11, 24), kind=kind)
    [row] = my_children(session, helper_actor(helper), today=TODAY)
    assert (row.due, row.next_due, row.status) == ((), "本期帮扶要求均已完成", MatchHealth.new)


def test_someone_not_linked_to_a_helper_record_has_no_children_of_their_own(session, mine):
    for role in (Role.helper, Role.coordinator, Role.admin):
        assert my_children(session, Actor(None, "x", role), today=TODAY) == []


def test_a_viewer_has_no_pairing_list(session, mine):
    with pytest.raises(PermissionDenied):
        my_children(session, Actor(None, "v", Role.viewer), today=TODAY)
