"""Match health: 正常 / 需关注 / 新结对 for each open pairing; helpers to have a word with."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.vocab import ContactKind, HelperKind, MatchHealth
from db.base import utcnow
from db.models import CareRule
from services.pairing.match_health import health_status, helper_health, pairing_health
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


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


NEW, OK, ATTENTION = MatchHealth.new, MatchHealth.healthy, MatchHealth.attention


@pytest.mark.parametrize(("started", "last_contact", "status"), [
    pytest.param(0, None, NEW, id="started-today"),
    pytest.param(29, None, NEW, id="29-days-old-still-new"),
    pytest.param(30, None, ATTENTION, id="30-days-old-never-contacted"),
    pytest.param(31, None, ATTENTION, id="31-days-old-never-contacted"),
    pytest.param(29, 45, NEW, id="new-whatever-the-contacts"),
    pytest.param(30, 0, OK, id="30-days-old-contacted-today"),
    pytest.param(90, 29, OK, id="contact-29-days-ago"),
    pytest.param(90, 30, OK, id="contact-30-days-ago"),
    pytest.param(90, 31, ATTENTION, id="contact-31-days-ago"),
])
def test_health_status_at_the_30_day_boundaries(started, last_contact, status):
    contact = None if last_contact is None else ago(last_contact)
    assert health_status(ago(started), contact, TODAY) is status


@pytest.fixture
def places(session):
    return make_places(session)


def _rules_only(session, *codes: str) -> None:
    for rule in session.scalars(select(CareRule)):
        rule.is_active = rule.code in codes
    session.flush()


@pytest.fixture(autouse=True)
def _no_rules(session):
    """These tests are about contact recency: no care rule is in force unless a test says so
    (an overdue rule makes a pairing 需关注 too, tested at the end)."""
    _rules_only(session)


def test_last_contact_and_counts_come_from_this_helpers_contacts_with_this_child(session,
                                                                                 places):
    child = make_child_in(session, places.village, "张小明")
    other_child = make_child_in(session, places.village, "王小红")
    li = make_helper(session, org_unit=places.village, name="李老师")
    liu = make_helper(session, org_unit=places.village, name="刘志愿者")
    made = make_pairing(session, child, li, started_on=date(2026, 9, 1))
    for day in (date(2026, 11, 27), date(2026, 11, 1), date(2026, 10, 15), date(2026, 9, 1),
                date(2026, 8, 20)):
        make_contact(session, child, li, day)
    make_contact(session, child, li, date(2026, 11, 28), kind=ContactKind.home_visit,
                 archived_at=utcnow(), archive_reason="录错")
    make_contact(session, child, li, date(2026, 11, 30))  # dated in the future
    make_contact(session, child, liu, date(2026, 11, 28))  # another helper's visit
    make_contact(session, other_child, li, date(2026, 11, 28))  # another child

    [health] = pairing_health(session, ADMIN, today=TODAY)

    assert (health.pairing_id, health.child_name, health.helper_name) == (
        made.id, "张小明", "李老师")
    assert health.last_contact == date(2026, 11, 27)
    assert (health.contacts_this_month, health.contacts_this_term) == (2, 4)
    assert health.status is OK
    assert health.days_since_contact(TODAY) == 1


def test_a_pairing_never_contacted_has_no_last_contact(session, places):
    child = make_child_in(session, places.village)
    make_pairing(session, child, make_helper(session, org_unit=places.village),
                 started_on=ago(40))
    [health] = pairing_health(session, ADMIN, today=TODAY)
    assert (health.last_contact, health.contacts_this_month, health.contacts_this_term) == (
        None, 0, 0)
    assert health.days_since_contact(TODAY) is None
    assert health.status is ATTENTION


@pytest.fixture
def three(session, places):
    """Three open pairings of one helper: quiet for 45 days, contacted last week, brand new."""
    helper = make_helper(session, org_unit=places.village, name="李老师", capacity=5)
    quiet, fine, new = (make_child_in(session, places.village, n) for n in ("甲", "乙", "丙"))
    make_pairing(session, quiet, helper, started_on=ago(100))
    make_pairing(session, fine, helper, started_on=ago(100))
    make_pairing(session, new, helper, started_on=ago(5))
    make_contact(session, quiet, helper, ago(45))
    make_contact(session, fine, helper, ago(7))
    return helper


def test_pairings_needing_attention_come_first(session, three):
    rows = pairing_health(session, ADMIN, today=TODAY)
    assert (rows[0].child_name, rows[0].status) == ("甲", ATTENTION)
    assert {(r.child_name, r.status) for r in rows[1:]} == {("乙", OK), ("丙", NEW)}


@pytest.mark.parametrize(("status", "children"), [
    (ATTENTION, ["甲"]), (OK, ["乙"]), (NEW, ["丙"]), (None, ["甲", "乙", "丙"]),
])
def test_pairing_health_filters_by_status(session, three, status, children):
    rows = pairing_health(session, ADMIN, today=TODAY, status=status)
    assert sorted(r.child_name for r in rows) == sorted(children)


def test_ended_pairings_and_archived_children_are_not_in_match_health(session, places):
    helper = make_helper(session, org_unit=places.village, capacity=5)
    make_pairing(session, make_child_in(session, places.village, "甲"), helper,
                 started_on=ago(100), ended_on=ago(10))
    make_pairing(session, make_child_in(session, places.village, "乙", archived_at=utcnow()),
                 helper, started_on=ago(100))
    make_pairing(session, make_child_in(session, places.village, "丙"), helper)
    assert [r.child_name for r in pairing_health(session, ADMIN, today=TODAY)] == ["丙"]


def test_a_deactivated_helpers_pairings_stay_listed_until_reassigned(session, places):
    helper = make_helper(session, org_unit=places.village, archived_at=utcnow())
    make_pairing(session, make_child_in(session, places.village), helper)
    [row] = pairing_health(session, ADMIN, today=TODAY)
    assert row.helper_active is False


def test_pairing_health_is_limited_to_one_helper_on_request_and_to_scope(session, places):
    li = make_helper(session, org_unit=places.village, name="李老师")
    wang = make_helper(session, org_unit=places.far_village, name="王老师")
    make_pairing(session, make_child_in(session, places.village, "甲"), li)
    make_pairing(session, make_child_in(session, places.far_village, "乙"), wang)

    assert [r.child_name for r in pairing_health(session, ADMIN, today=TODAY,
                                                 helper_id=wang.id)] == ["乙"]
    assert [r.child_name for r in pairing_health(
        session, coordinator_of(places.town), today=TODAY)] == ["甲"]
    assert [r.child_name for r in pairing_health(
        session, helper_actor(wang), today=TODAY)] == ["乙"]


# --- helpers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("oldest", "last_contact", "silent"), [
    pytest.param(None, None, False, id="no-children"),
    pytest.param(29, None, False, id="newest-pairing-under-30-days"),
    pytest.param(30, None, True, id="30-days-and-never-a-contact"),
    pytest.param(90, 30, False, id="contact-30-days-ago"),
    pytest.param(90, 31, True, id="contact-31-days-ago"),
])
def test_a_helper_is_flagged_after_30_days_without_a_contact(session, places, oldest,
                                                            last_contact, silent):
    helper = make_helper(session, org_unit=places.village, name="李老师")
    if oldest is not None:
        make_pairing(session, make_child_in(session, places.village), helper,
                     started_on=ago(oldest))
    if last_contact is not None:
        make_contact(session, make_child_in(session, places.village, "旧"), helper,
                     ago(last_contact))

    [row] = helper_health(session, ADMIN, today=TODAY)

    assert row.silent(TODAY) is silent
    assert ("30天内无帮扶记录" in row.flags(TODAY)) is silent


def test_helpers_with_flags_come_first(session, places):
    calm = make_helper(session, org_unit=places.village, name="甲老师")
    full = make_helper(session, org_unit=places.village, name="乙老师", capacity=1)
    for name in ("一", "二"):
        make_pairing(session, make_child_in(session, places.village, name), full,
                     started_on=ago(3))
    make_pairing(session, make_child_in(session, places.village, "三"), calm,
                 started_on=ago(3))

    rows = helper_health(session, ADMIN, today=TODAY)

    assert [(r.name, r.load, r.capacity, r.flags(TODAY)) for r in rows] == [
        ("乙老师", 2, 1, ["超出可结对人数（2/1）"]), ("甲老师", 1, 2, [])]


def test_an_archived_childs_leftover_pairing_does_not_count_as_load(session, places):
    helper = make_helper(session, org_unit=places.village, capacity=1)
    make_pairing(session, make_child_in(session, places.village, "甲", archived_at=utcnow()),
                 helper)
    [row] = helper_health(session, ADMIN, today=TODAY)
    assert (row.load, row.over_capacity) == (0, False)


def test_helper_health_filters_inactive_kind_and_name(session, places):
    make_helper(session, org_unit=places.village, name="李老师")
    make_helper(session, org_unit=places.village, name="刘志愿者", kind=HelperKind.volunteer)
    make_helper(session, org_unit=places.village, name="周老师", archived_at=utcnow(),
                archive_reason="调走")

    def names(**filters):
        return sorted(r.name for r in helper_health(session, ADMIN, today=TODAY, **filters))

    assert names() == sorted(["李老师", "刘志愿者"])
    assert names(include_inactive=True) == sorted(["李老师", "刘志愿者", "周老师"])
    assert names(kind=HelperKind.volunteer) == ["刘志愿者"]
    assert names(text=" 老师 ") == ["李老师"]
    assert names(text="%") == []


def test_helper_health_shows_the_inactive_helper_with_their_reason(session, places):
    make_helper(session, org_unit=places.village, name="周老师", archived_at=utcnow(),
                archive_reason="调往县城")
    [row] = helper_health(session, ADMIN, today=TODAY, include_inactive=True)
    assert (row.active, row.archive_reason) == (False, "调往县城")


def test_a_helper_sees_only_their_own_health(session, places):
    li = make_helper(session, org_unit=places.village, name="李老师")
    make_helper(session, org_unit=places.village, name="刘志愿者")
    assert [r.name for r in helper_health(session, helper_actor(li), today=TODAY)] == ["李老师"]


# --- an overdue care rule ----------------------------------------------------------------------

def test_an_overdue_rule_makes_a_recently_contacted_pairing_need_attention(session, places):
    """The badge must not say 正常 beside 待办's 已逾期: contacted a week ago (a talk), but last
    week's parent call was never made."""
    _rules_only(session, "weekly_parent_call")
    helper = make_helper(session, org_unit=places.village, name="李老师")
    child = make_child_in(session, places.village, "张小明")
    make_pairing(session, child, helper, started_on=ago(100))
    make_contact(session, child, helper, ago(7))  # a talk, not a parent call
    [row] = pairing_health(session, ADMIN, today=TODAY)
    assert row.status is ATTENTION
    assert row.overdue_rules == ("每周亲情电话至少1次",)
    assert row.attention_reason == "逾期\uff1a每周亲情电话至少1次"
    assert [r.child_name for r in pairing_health(session, ADMIN, today=TODAY,
                                                 status=OK)] == []


def test_the_overdue_rule_cleared_the_pairing_is_healthy_again(session, places):
    _rules_only(session, "weekly_parent_call")
    helper = make_helper(session, org_unit=places.village, name="李老师")
    child = make_child_in(session, places.village, "张小明")
    make_pairing(session, child, helper, started_on=ago(100))
    make_contact(session, child, helper, TODAY, kind=ContactKind.parent_call)  # this week's
    [row] = pairing_health(session, ADMIN, today=TODAY)
    assert (row.status, row.overdue_rules, row.attention_reason) == (OK, (), "")


def test_a_new_pairing_with_an_overdue_rule_needs_attention_not_new(session, places):
    _rules_only(session, "weekly_parent_call")
    helper = make_helper(session, org_unit=places.village)
    child = make_child_in(session, places.village)
    make_pairing(session, child, helper, started_on=ago(20))  # owed last week's call
    [row] = pairing_health(session, ADMIN, today=TODAY)
    assert row.status is ATTENTION and row.overdue_rules


def test_silence_alone_is_the_reason_when_no_rule_is_overdue(session, places):
    helper = make_helper(session, org_unit=places.village)
    child = make_child_in(session, places.village)
    make_pairing(session, child, helper, started_on=ago(100))
    make_contact(session, child, helper, ago(45))
    [row] = pairing_health(session, ADMIN, today=TODAY)
    assert (row.status, row.attention_reason) == (ATTENTION, "超过30天未联系")


def test_an_overdue_rule_in_another_helpers_pairing_does_not_flag_this_one(session, places):
    _rules_only(session, "weekly_parent_call")
    li = make_helper(session, org_unit=places.village, name="李老师")
    wang = make_helper(session, org_unit=places.village, name="王老师")
    ming, hong = (make_child_in(session, places.village, n) for n in ("张小明", "王小红"))
    make_pairing(session, ming, li, started_on=ago(100))
    make_pairing(session, hong, wang, started_on=ago(100))
    make_contact(session, ming, li, TODAY, kind=ContactKind.parent_call)
    make_contact(session, hong, wang, ago(3))  # a talk: the call is still owed
    rows = {r.child_name: r for r in pairing_health(session, helper_actor(li), today=TODAY)}
    assert set(rows) == {"张小明"} and rows["张小明"].status is OK
