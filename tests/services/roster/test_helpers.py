"""Helpers (帮扶人): registering, changing, linking a login, deactivating and reactivating."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from core.vocab import Gender, HelperKind, PairingEndReason, Role
from db.models import AuditEvent, Helper
from services.access.permissions import Actor
from services.pairing import pairing_board
from services.pairing.match_health import helper_health
from services.roster import helpers
from services.roster.helpers import HelperInput, helper_problems
from services.stats import headline_counts
from tests.factories import make_helper, make_pairing, make_user
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    make_child_in,
    make_places,
    refused,
)


@pytest.fixture
def places(session):
    return make_places(session)


def helper_input(places, **overrides) -> HelperInput:
    values = {"name": "李老师", "kind": HelperKind.teacher, "org_unit_id": places.school.id,
              "phone": "13912345678", "school_id": places.school.id}
    values.update(overrides)
    return HelperInput(**values)


def peer_input(places, **overrides) -> HelperInput:
    values = {"name": "赵同学", "kind": HelperKind.peer_student, "gender": Gender.male,
              "birth_date": date(2013, 5, 1), "class_name": "五年级1班"}
    values.update(overrides)
    return helper_input(places, **values)


# --- registering -----------------------------------------------------------------------------

def test_a_helper_is_registered_with_a_capacity_of_two_and_an_audit_event(session, places):
    helper = helpers.create_helper(session, actor=ADMIN, data=helper_input(places), today=TODAY)

    assert (helper.name, helper.kind, helper.capacity) == ("李老师", HelperKind.teacher, 2)
    assert helper.archived_at is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "helper"))
    assert (event.action, event.entity_id) == ("create", str(helper.id))
    assert "登记帮扶人 李老师" in event.summary


def test_blank_text_is_trimmed_and_spaces_leave_the_phone(session, places):
    data = helper_input(places, name=" 李老师 ", phone="139 1234 5678", work_unit="  ",
                        class_name=" 三年级2班 ")
    helper = helpers.create_helper(session, actor=ADMIN, data=data, today=TODAY)

    assert (helper.name, helper.phone, helper.work_unit, helper.class_name) == (
        "李老师", "13912345678", None, "三年级2班")


@pytest.mark.parametrize("capacity", [0, 1, 2, 30])
def test_any_capacity_from_zero_to_thirty_is_accepted(session, places, capacity):
    assert helper_problems(session, helper_input(places, capacity=capacity), today=TODAY) == {}


def test_a_peer_student_with_school_gender_and_age_is_accepted(session, places):
    assert helper_problems(session, peer_input(places), today=TODAY) == {}


@pytest.mark.parametrize(("overrides", "field", "reason"), [
    pytest.param({"name": ""}, "姓名", "必填", id="name-blank"),
    pytest.param({"name": "李" * 51}, "姓名", "最多50个字", id="name-too-long"),
    pytest.param({"phone": "1391234"}, "电话", "11位手机号", id="phone-short"),
    pytest.param({"capacity": -1}, "可结对人数", "0到30", id="capacity-negative"),
    pytest.param({"capacity": 31}, "可结对人数", "0到30", id="capacity-over-30"),
    pytest.param({"org_unit_id": None}, "所属单位", "请选择", id="no-org-unit"),
])
def test_each_helper_rule_names_its_field(session, places, overrides, field, reason):
    problems = helper_problems(session, helper_input(places, **overrides).normalised(),
                               today=TODAY)
    assert field in problems
    assert reason in problems[field]


@pytest.mark.parametrize(("overrides", "field", "reason"), [
    pytest.param({"school_id": None}, "学校", "所在学校", id="no-school"),
    pytest.param({"gender": None}, "性别", "应与被帮扶儿童相同", id="no-gender"),
    pytest.param({"birth_date": None}, "出生日期", "年长", id="no-birth-date"),
    pytest.param({"birth_date": date(2006, 1, 1)}, "出生日期", "6至18岁", id="aged-20"),
    pytest.param({"birth_date": date(2021, 6, 1)}, "出生日期", "6至18岁", id="aged-5"),
])
def test_a_peer_student_needs_what_the_safeguards_check(session, places, overrides, field,
                                                        reason):
    problems = helper_problems(session, peer_input(places, **overrides), today=TODAY)
    assert field in problems
    assert reason in problems[field]


def test_an_invalid_helper_is_refused_with_every_problem_and_nothing_saved(session, places):
    data = helper_input(places, name="", phone="123", capacity=-1)
    message = refused(session, lambda: helpers.create_helper(
        session, actor=ADMIN, data=data, today=TODAY), ValidationFailed)
    assert all(word in message for word in ("姓名", "电话", "可结对人数"))
    assert session.scalar(select(Helper.id)) is None


# --- linking a login -------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "active", "reason"), [
    pytest.param(Role.viewer, True, "只能关联角色为“帮扶人”的账号", id="viewer-login"),
    pytest.param(Role.coordinator, True, "只能关联角色为“帮扶人”的账号", id="coordinator-login"),
    pytest.param(Role.helper, False, "不存在或已停用", id="inactive-login"),
])
def test_only_an_active_helper_login_can_be_linked(session, places, role, active, reason):
    user = make_user(session, "wangls", role, is_active=active)
    problems = helper_problems(session, helper_input(places, user_id=user.id), today=TODAY)
    assert reason in problems["登录账号"]


def test_a_login_that_does_not_exist_is_refused(session, places):
    problems = helper_problems(session, helper_input(places, user_id=9999), today=TODAY)
    assert "不存在" in problems["登录账号"]


def test_a_login_already_linked_to_another_helper_is_refused(session, places):
    user = make_user(session, "lils", Role.helper)
    first = helpers.create_helper(session, actor=ADMIN, today=TODAY,
                                  data=helper_input(places, user_id=user.id))
    data = helper_input(places, name="王老师", user_id=user.id)
    message = refused(session, lambda: helpers.create_helper(
        session, actor=ADMIN, data=data, today=TODAY), ValidationFailed)
    assert "该账号已关联帮扶人“李老师”" in message
    # Saving the helper who holds the login again is no conflict.
    assert helper_problems(session, helper_input(places, user_id=user.id), today=TODAY,
                           helper_id=first.id) == {}


def test_linkable_accounts_are_free_active_helper_logins(session, places):
    free = make_user(session, "free", Role.helper, display_name="甲")
    taken = make_user(session, "taken", Role.helper, display_name="乙")
    make_user(session, "off", Role.helper, is_active=False)
    make_user(session, "boss", Role.coordinator)
    holder = make_helper(session, org_unit=places.school, user_id=taken.id)

    assert helpers.linkable_accounts(session, ADMIN) == [free]
    # While editing the helper who holds a login, that login stays on the list.
    assert set(helpers.linkable_accounts(session, ADMIN, holder.id)) == {free, taken}


# --- changing --------------------------------------------------------------------------------

def test_an_update_saves_the_new_capacity_and_audits_the_change(session, places):
    helper = helpers.create_helper(session, actor=ADMIN, data=helper_input(places), today=TODAY)
    data = replace(helpers.helper_to_input(helper), capacity=4)

    helpers.update_helper(session, actor=ADMIN, helper_id=helper.id,
                          expected_version=helper.version, data=data, today=TODAY)

    assert (helper.capacity, helper.version) == (4, 2)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.before, event.after) == ({"capacity": 2}, {"capacity": 4})


def test_an_update_from_an_old_version_is_refused_and_changes_nothing(session, places):
    helper = helpers.create_helper(session, actor=ADMIN, data=helper_input(places), today=TODAY)
    opened = helper.version
    helpers.update_helper(session, actor=ADMIN, helper_id=helper.id, expected_version=opened,
                          data=helper_input(places, capacity=3), today=TODAY)

    message = refused(session, lambda: helpers.update_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=opened,
        data=helper_input(places, capacity=5), today=TODAY), ConcurrentEdit)

    assert "已被其他人修改" in message
    assert session.get(Helper, helper.id).capacity == 3


def test_an_invalid_update_is_refused_and_changes_nothing(session, places):
    helper = helpers.create_helper(session, actor=ADMIN, data=helper_input(places), today=TODAY)
    message = refused(session, lambda: helpers.update_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=helper.version,
        data=helper_input(places, capacity=99), today=TODAY), ValidationFailed)
    assert "可结对人数" in message


def test_capacity_may_drop_below_the_load_and_the_helper_is_then_flagged(session, places):
    helper = make_helper(session, org_unit=places.village, capacity=3)
    for name in ("甲", "乙"):
        make_pairing(session, make_child_in(session, places.village, name), helper,
                     started_on=date(2026, 11, 20))

    helpers.update_helper(session, actor=ADMIN, helper_id=helper.id, expected_version=1,
                          data=replace(helpers.helper_to_input(helper), capacity=1),
                          today=TODAY)

    [health] = helper_health(session, ADMIN, today=TODAY)
    assert health.over_capacity
    assert health.flags(TODAY) == ["超出可结对人数（2/1）"]


# --- deactivating ----------------------------------------------------------------------------

@pytest.fixture
def busy_helper(session, places):
    """A teacher with two children now and one pairing that ended last term."""
    helper = make_helper(session, org_unit=places.village, name="李老师", capacity=3)
    children = [make_child_in(session, places.village, name) for name in ("甲", "乙", "丙")]
    make_pairing(session, children[0], helper)
    make_pairing(session, children[1], helper)
    make_pairing(session, children[2], helper, started_on=date(2025, 9, 1),
                 ended_on=date(2026, 1, 20), end_reason=PairingEndReason.parents_returned)
    return helper, children


def test_deactivating_returns_the_open_pairings_to_reassign(session, busy_helper):
    helper, children = busy_helper

    waiting = helpers.deactivate_helper(session, actor=ADMIN, helper_id=helper.id,
                                        expected_version=helper.version, reason=" 工作调动 ")

    assert [p.child_id for p in waiting] == [children[0].id, children[1].id]
    assert all(p.ended_on is None for p in waiting)  # kept open until someone takes over
    assert helper.archived_at is not None
    assert helper.archive_reason == "工作调动"


def test_a_deactivated_helpers_children_wait_for_a_new_helper(session, places, busy_helper):
    helper, _ = busy_helper
    before = headline_counts.pairing_stats(session, ADMIN)
    helpers.deactivate_helper(session, actor=ADMIN, helper_id=helper.id,
                              expected_version=helper.version, reason="工作调动")

    waiting = pairing_board.unpaired_children(session, ADMIN, today=TODAY)
    assert {(c.name, c.helper_left) for c in waiting} == {("甲", True), ("乙", True),
                                                         ("丙", False)}
    assert pairing_board.count_unpaired(session, ADMIN) == 3
    after = headline_counts.pairing_stats(session, ADMIN)
    assert (before.children_paired, before.helpers) == (2, 1)
    assert (after.children_paired, after.unpaired, after.helpers) == (0, 3, 0)
    assert helper.id not in {p.id for p in pairing_board.helpers_with_places(session, ADMIN)}


def test_deactivating_needs_a_reason(session, busy_helper):
    helper, _ = busy_helper
    message = refused(session, lambda: helpers.deactivate_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=helper.version,
        reason="  "), ValidationFailed)
    assert "停用原因" in message


def test_deactivating_from_an_old_version_is_refused(session, busy_helper):
    helper, _ = busy_helper
    opened = helper.version
    helpers.update_helper(session, actor=ADMIN, helper_id=helper.id, expected_version=opened,
                          data=replace(helpers.helper_to_input(helper), capacity=4), today=TODAY)
    message = refused(session, lambda: helpers.deactivate_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=opened,
        reason="工作调动"), ConcurrentEdit)
    assert "已被其他人修改" in message
    assert session.get(Helper, helper.id).archived_at is None


def test_deactivating_twice_is_refused(session, busy_helper):
    helper, _ = busy_helper
    helpers.deactivate_helper(session, actor=ADMIN, helper_id=helper.id,
                              expected_version=helper.version, reason="工作调动")
    message = refused(session, lambda: helpers.deactivate_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=helper.version,
        reason="工作调动"))
    assert "已停用" in message


def test_a_reactivated_helper_takes_their_waiting_children_back(session, busy_helper):
    helper, _ = busy_helper
    helpers.deactivate_helper(session, actor=ADMIN, helper_id=helper.id,
                              expected_version=helper.version, reason="请假")

    helpers.reactivate_helper(session, actor=ADMIN, helper_id=helper.id,
                              expected_version=helper.version)

    assert (helper.archived_at, helper.archive_reason) == (None, None)
    assert headline_counts.pairing_stats(session, ADMIN).children_paired == 2
    message = refused(session, lambda: helpers.reactivate_helper(
        session, actor=ADMIN, helper_id=helper.id, expected_version=helper.version))
    assert "未停用" in message


# --- who may ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_helpers_and_viewers_cannot_register_helpers(session, places, role):
    actor = Actor(user_id=None, username="x", role=role)
    refused(session, lambda: helpers.create_helper(
        session, actor=actor, data=helper_input(places), today=TODAY), PermissionDenied)


def test_a_helper_cannot_edit_or_deactivate_themself(session, places):
    helper = make_helper(session, org_unit=places.school)
    actor = Actor(user_id=None, username="li", role=Role.helper, helper_id=helper.id)
    refused(session, lambda: helpers.update_helper(
        session, actor=actor, helper_id=helper.id, expected_version=1,
        data=helper_input(places, capacity=9), today=TODAY), PermissionDenied)
    refused(session, lambda: helpers.deactivate_helper(
        session, actor=actor, helper_id=helper.id, expected_version=1, reason="不想做了"),
        PermissionDenied)


def test_a_coordinator_registers_helpers_only_in_their_town(session, places):
    coordinator = coordinator_of(places.town)
    data = helper_input(places, org_unit_id=places.far_village.id, school_id=None)
    message = refused(session, lambda: helpers.create_helper(
        session, actor=coordinator, data=data, today=TODAY), PermissionDenied)
    assert "管辖范围" in message
    assert helpers.create_helper(session, actor=coordinator, data=helper_input(places),
                                 today=TODAY).id


def test_a_coordinator_cannot_open_edit_or_deactivate_another_towns_helper(session, places):
    far = make_helper(session, org_unit=places.far_village, name="王志愿者",
                      kind=HelperKind.volunteer)
    coordinator = coordinator_of(places.town)
    data = helper_input(places, org_unit_id=places.far_village.id, school_id=None, capacity=5)
    for call in (
        lambda: helpers.get_helper(session, coordinator, far.id),
        lambda: helpers.update_helper(session, actor=coordinator, helper_id=far.id,
                                      expected_version=1, data=data, today=TODAY),
        lambda: helpers.deactivate_helper(session, actor=coordinator, helper_id=far.id,
                                          expected_version=1, reason="调走"),
    ):
        assert "不在您的管辖范围内" in refused(session, call, NotFound)


def test_a_coordinator_cannot_move_a_helper_out_of_their_town(session, places):
    helper = make_helper(session, org_unit=places.village, kind=HelperKind.volunteer)
    data = helper_input(places, kind=HelperKind.volunteer, org_unit_id=places.far_village.id,
                        school_id=None)
    refused(session, lambda: helpers.update_helper(
        session, actor=coordinator_of(places.town), helper_id=helper.id, expected_version=1,
        data=data, today=TODAY), PermissionDenied)
