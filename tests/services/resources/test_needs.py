"""需求: recording, the status table (allowed and refused moves), stale saves, scope and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.vocab import NeedKind, NeedPriority, NeedStatus, Role
from db.models import AuditEvent, Child, OrgUnit
from db.models.resources import Need, ResourceProvider
from services.access.permissions import Actor
from services.resources import needs
from tests.factories import make_helper, make_pairing, make_user
from tests.pairing_factories import TODAY, make_child_in, make_contact, make_places

S = NeedStatus


@dataclass
class World:
    child: Child  # 张小明, paired with the helper
    other: Child  # 王小红, same village, not paired
    far: Child  # 赵小刚, in the other town
    provider: ResourceProvider
    helper: Actor
    coordinator: Actor  # of 石门镇
    viewer: Actor
    village_id: int


def _actor(session: Session, role: Role, **fields: object) -> Actor:
    user = make_user(session, role=role, org_unit=fields.pop("org_unit", None))
    return Actor(user_id=user.id, username=user.username, role=role,
                 org_unit_id=user.org_unit_id, **fields)


@pytest.fixture
def world(session) -> World:
    places = make_places(session)
    child = make_child_in(session, places.village, "张小明")
    other = make_child_in(session, places.other_village, "王小红")
    far = make_child_in(session, places.far_village, "赵小刚")
    teacher = make_helper(session, org_unit=places.town, name="李老师")
    make_pairing(session, child, teacher, started_on=date(2026, 9, 1))
    provider = ResourceProvider(name="潮汕商会", offers="助学金")
    session.add(provider)
    session.flush()
    world = World(child, other, far, provider,
                  _actor(session, Role.helper, helper_id=teacher.id),
                  _actor(session, Role.coordinator, org_unit=places.town),
                  _actor(session, Role.viewer), places.village.id)
    session.commit()
    return world


def _record(session: Session, actor: Actor, child: Child, **fields: object) -> Need:
    values: dict[str, object] = {"kind": NeedKind.assistive_device, "description": "需要轮椅",
                                 "found_on": TODAY, "priority": NeedPriority.normal,
                                 "today": TODAY}
    values.update(fields)
    return needs.record_need(session, actor=actor, child_id=child.id, **values)


GIVEN = {"link": {"asked": "捐赠轮椅一台"}, "resolve": {"resolution": "商会捐赠轮椅"},
         "close": {"reason": "已随父母迁出"}, "reopen": {"reason": "轮椅尺寸不合适"}}
DO = {"link": needs.link_need, "resolve": needs.resolve_need, "close": needs.close_need,
      "reopen": needs.reopen_need}
TARGET = {"link": S.linked, "resolve": S.resolved, "close": S.closed, "reopen": S.open}


def _do(session: Session, world: World, need: Need, action: str, **fields: object) -> Need:
    values = dict(GIVEN[action])
    if action == "link":
        values["provider_id"] = world.provider.id
    values.update(fields)
    return DO[action](session, actor=world.coordinator, need_id=need.id,
                      expected_version=need.version, today=TODAY, **values)


def _at(session: Session, world: World, status: NeedStatus) -> Need:
    """A need brought to `status` through allowed moves."""
    need = _record(session, world.coordinator, world.child)
    path = {S.open: [], S.linked: ["link"], S.resolved: ["link", "resolve"],
            S.closed: ["close"]}[status]
    for action in path:
        need = _do(session, world, need, action)
    return need


ALLOWED = [(S.open, "link"), (S.open, "resolve"), (S.linked, "resolve"), (S.open, "close"),
           (S.linked, "close"), (S.resolved, "reopen"), (S.closed, "reopen")]
REFUSED = [(status, action) for status in NeedStatus for action in DO
           if (status, action) not in ALLOWED]


def test_the_table_is_the_allowed_moves():
    assert {(a, TARGET[action]) for a, action in ALLOWED} == set(needs.TRANSITIONS)


@pytest.mark.parametrize(("start", "action"), ALLOWED)
def test_allowed_moves_change_the_status_and_are_audited(session, world, start, action):
    need = _at(session, world, start)
    version = need.version
    need = _do(session, world, need, action)
    assert need.status is TARGET[action]
    assert need.version == version + 1
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.entity, event.entity_id) == (action, "need", str(need.id))


@pytest.mark.parametrize(("start", "action"), REFUSED)
def test_refused_moves_name_both_statuses(session, world, start, action):
    need = _at(session, world, start)
    with pytest.raises(DomainError) as refused:
        _do(session, world, need, action)
    assert f"“{start.zh}”" in refused.value.message
    assert f"“{TARGET[action].zh}”" in refused.value.message
    session.refresh(need)
    assert need.status is start


@pytest.mark.parametrize(("start", "action", "blank", "field"), [
    (S.open, "link", {"asked": " "}, "对接内容"),
    (S.open, "link", {"provider_id": None}, "资源方"),
    (S.open, "resolve", {"resolution": ""}, "解决方式"),
    (S.linked, "resolve", {"resolution": "  "}, "解决方式"),
    (S.open, "close", {"reason": ""}, "关闭原因"),
    (S.resolved, "reopen", {"reason": ""}, "重新打开原因"),
])
def test_a_move_without_its_required_field_is_refused(session, world, start, action, blank,
                                                      field):
    need = _at(session, world, start)
    with pytest.raises(ValidationFailed) as refused:
        _do(session, world, need, action, **blank)
    assert field in refused.value.problems
    session.refresh(need)
    assert need.status is start


def test_the_moves_fill_in_their_fields_and_reopen_clears_them(session, world):
    need = _at(session, world, S.open)
    need = _do(session, world, need, "link")
    assert (need.provider_id, need.asked, need.linked_on) == (
        world.provider.id, "捐赠轮椅一台", TODAY)
    need = _do(session, world, need, "resolve")
    assert (need.resolution, need.resolved_on) == ("商会捐赠轮椅", TODAY)
    need = _do(session, world, need, "reopen")
    assert (need.status, need.resolution, need.resolved_on, need.provider_id) == (
        S.open, None, None, None)


def test_a_stale_version_is_refused(session, world):
    need = _at(session, world, S.open)
    stale = need.version
    _do(session, world, need, "link")
    with pytest.raises(ConcurrentEdit):
        needs.resolve_need(session, actor=world.coordinator, need_id=need.id,
                           expected_version=stale, resolution="已解决", today=TODAY)


def test_record_need_keeps_who_found_it_and_the_visit(session, world):
    contact = make_contact(session, world.child, None, TODAY - timedelta(days=1))
    need = _record(session, world.helper, world.child, care_contact_id=contact.id,
                   due_on=TODAY + timedelta(days=30), priority="high")
    assert (need.status, need.priority, need.care_contact_id, need.found_by_id) == (
        S.open, NeedPriority.high, contact.id, world.helper.user_id)


@pytest.mark.parametrize(("fields", "field"), [
    ({"description": " "}, "需求描述"),
    ({"found_on": TODAY + timedelta(days=1)}, "发现日期"),
    ({"found_on": date(2010, 1, 1)}, "发现日期"),
    ({"due_on": TODAY - timedelta(days=1)}, "期限"),
    ({"owner_id": 999_999}, "负责人"),
])
def test_record_need_refuses_bad_input(session, world, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        _record(session, world.coordinator, world.child, **fields)
    assert field in refused.value.problems


def test_a_contact_of_another_child_is_refused(session, world):
    contact = make_contact(session, world.other, None, TODAY)
    with pytest.raises(ValidationFailed, match="帮扶记录"):
        _record(session, world.coordinator, world.child, care_contact_id=contact.id)


@pytest.mark.parametrize(("who", "child", "error"), [
    ("helper", "child", None),
    ("helper", "other", PermissionDenied),
    ("coordinator", "other", None),
    ("coordinator", "far", NotFound),
    ("viewer", "child", PermissionDenied),
])
def test_who_may_record_a_need_for_whom(session, world, who, child, error):
    actor, target = getattr(world, who), getattr(world, child)
    if error is None:
        assert _record(session, actor, target).child_id == target.id
    else:
        with pytest.raises(error):
            _record(session, actor, target)


def test_a_helper_may_not_move_a_need(session, world):
    need = _record(session, world.helper, world.child)
    with pytest.raises(PermissionDenied):
        needs.close_need(session, actor=world.helper, need_id=need.id,
                         expected_version=need.version, reason="不需要了", today=TODAY)


def test_another_towns_coordinator_cannot_see_or_move_the_need(session, world):
    need = _record(session, world.coordinator, world.child)
    outsider = Actor(user_id=None, username="east", role=Role.coordinator,
                     org_unit_id=world.far.town_id)
    assert needs.list_needs(session, outsider, today=TODAY) == []
    with pytest.raises(NotFound):
        needs.close_need(session, actor=outsider, need_id=need.id,
                         expected_version=need.version, reason="x", today=TODAY)


def test_list_needs_puts_overdue_first_and_says_how_old(session, world):
    calm = _record(session, world.coordinator, world.child, priority="high",
                   found_on=TODAY - timedelta(days=3))
    late = _record(session, world.coordinator, world.other, found_on=TODAY - timedelta(days=40),
                   due_on=TODAY - timedelta(days=1), kind=NeedKind.economic)
    done = _record(session, world.coordinator, world.other, due_on=TODAY - timedelta(days=1),
                   found_on=TODAY - timedelta(days=5))
    _do(session, world, done, "resolve")
    rows = needs.list_needs(session, world.coordinator, today=TODAY)
    assert [(r.id, r.overdue) for r in rows] == [(late.id, True), (calm.id, False),
                                                 (done.id, False)]
    assert (rows[0].child_name, rows[0].place, rows[0].age_days) == ("王小红", "石门镇张家村", 40)
    only = needs.list_needs(session, world.coordinator, today=TODAY, overdue_only=True)
    assert [r.id for r in only] == [late.id]
    assert needs.overdue_count(session, world.coordinator, today=TODAY) == 1


def test_list_needs_filters_by_status_kind_and_place(session, world):
    first = _record(session, world.coordinator, world.child)
    second = _record(session, world.coordinator, world.other, kind=NeedKind.economic)
    _do(session, world, first, "link")
    rows = needs.list_needs(session, world.coordinator, today=TODAY, statuses=[S.linked])
    assert [(r.id, r.provider_name) for r in rows] == [(first.id, "潮汕商会")]
    rows = needs.list_needs(session, world.coordinator, today=TODAY, kinds=[NeedKind.economic])
    assert [r.id for r in rows] == [second.id]
    rows = needs.list_needs(session, world.coordinator, today=TODAY,
                            org_unit_id=world.village_id)
    assert [r.id for r in rows] == [first.id]


def test_a_helper_lists_only_their_own_childs_needs(session, world):
    mine = _record(session, world.helper, world.child)
    _record(session, world.coordinator, world.other)
    assert [r.id for r in needs.list_needs(session, world.helper, today=TODAY)] == [mine.id]


def test_need_counts_by_kind_and_status_in_scope(session, world):
    _record(session, world.coordinator, world.child)
    resolved = _record(session, world.coordinator, world.other, kind=NeedKind.economic)
    _do(session, world, resolved, "resolve")
    admin = Actor.system()
    _record(session, admin, world.far, kind=NeedKind.economic)
    counts = needs.need_counts(session, world.coordinator).as_dict()
    assert counts["by_kind"] == {**dict.fromkeys(NeedKind.codes(), 0),
                                 "assistive_device": 1, "economic": 1}
    assert counts["by_status"] == {"open": 1, "linked": 0, "resolved": 1, "closed": 0}
    assert needs.need_counts(session, admin).by_kind["economic"] == 2
    assert needs.need_counts(session, world.viewer).by_status["open"] == 2


def test_a_need_may_be_owned_by_the_coordinators_of_the_scope_only(session, world):
    places_user = make_user(session, "wang", Role.coordinator,
                            org_unit=session.get(OrgUnit, world.coordinator.org_unit_id))
    elsewhere = make_user(session, "zhao", Role.coordinator)  # the whole county: out of reach
    helper_account = make_user(session, "li", Role.helper)
    owners = [u.id for u in needs.owner_choices(session, world.coordinator)]
    assert owners[0] == world.coordinator.user_id  # the person recording comes first
    assert places_user.id in owners
    assert elsewhere.id not in owners and helper_account.id not in owners



def test_a_need_without_a_deadline_is_never_late_however_long_it_waits(session, world):
    coordinator = world.coordinator
    waiting = _record(session, coordinator, world.child, found_on=TODAY - timedelta(days=298))
    late = _record(session, coordinator, world.other, found_on=TODAY - timedelta(days=40),
                   due_on=TODAY - timedelta(days=5))
    rows = {r.id: r for r in needs.list_needs(session, coordinator, today=TODAY)}
    assert (rows[waiting.id].overdue, rows[waiting.id].days_late) == (False, None)
    assert rows[waiting.id].waiting_text == "已等待298天"
    assert (rows[late.id].overdue, rows[late.id].days_late) == (True, 5)
    assert needs.overdue_count(session, coordinator, today=TODAY) == 1
    assert needs.long_waiting_count(session, coordinator, today=TODAY) == 1
    assert needs.long_waiting_count(session, coordinator, today=TODAY, days=300) == 0
    # Out of scope: another town's coordinator counts none of them.
    assert needs.long_waiting_count(session, Actor(None, "c", Role.coordinator,
                                                   org_unit_id=world.far.town_id),
                                    today=TODAY) == 0


def test_a_finished_need_has_stopped_waiting(session, world):
    need = _record(session, world.coordinator, world.child, found_on=TODAY - timedelta(days=298))
    resolved = _do(session, world, need, "link")
    resolved = _do(session, world, resolved, "resolve")
    [row] = [r for r in needs.list_needs(session, world.coordinator, today=TODAY,
                                         statuses=list(NeedStatus)) if r.id == need.id]
    assert (row.waiting_days, row.waiting_text, row.days_late) == (None, "", None)
    assert needs.long_waiting_count(session, world.coordinator, today=TODAY) == 0
