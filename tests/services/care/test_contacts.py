"""帮扶记录: the logging rules, the double-click guard, the 7-day edit lock and corrections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.vocab import ContactKind, PairingEndReason, Role
from db.models import AuditEvent, CareContact, Child, Helper, Pairing
from services.access.permissions import Actor
from services.care import contacts
from tests.factories import make_helper, make_pairing, make_user
from tests.pairing_factories import ADMIN, TODAY, Places, make_child_in, make_contact, make_places

NOON = datetime(2026, 11, 28, 4, 0)  # when TODAY's contacts are saved (UTC)


@dataclass
class World:
    places: Places
    child: Child  # 张小明, born 2015-03-01, paired with the teacher
    other: Child  # 王小红 in the same village, paired with nobody
    far: Child  # 赵小刚 in the other town
    teacher: Helper
    volunteer: Helper
    helper: Actor  # the teacher's own account
    coordinator: Actor  # of 石门镇
    other_coordinator: Actor  # of 青山乡


def _actor(session: Session, role: Role, **fields: object) -> Actor:
    user = make_user(session, role=role, org_unit=fields.pop("org_unit", None))
    return Actor(user_id=user.id, username=user.username, role=role, org_unit_id=user.org_unit_id,
                 **fields)


@pytest.fixture
def world(session) -> World:
    places = make_places(session)
    child = make_child_in(session, places.village, "张小明", school_id=places.school.id)
    other = make_child_in(session, places.village, "王小红")
    far = make_child_in(session, places.far_village, "赵小刚")
    teacher = make_helper(session, org_unit=places.school, name="李老师",
                          school_id=places.school.id)
    volunteer = make_helper(session, org_unit=places.village, name="刘志愿者")
    make_pairing(session, child, teacher, started_on=date(2026, 9, 1))
    world = World(places, child, other, far, teacher, volunteer,
                  _actor(session, Role.helper, helper_id=teacher.id),
                  _actor(session, Role.coordinator, org_unit=places.town),
                  _actor(session, Role.coordinator, org_unit=places.other_town))
    session.commit()
    return world


def _log(session: Session, actor: Actor, child: Child, helper: Helper | None = None,
         **fields: object) -> CareContact:
    values: dict[str, object] = {"kind": ContactKind.talk, "contact_date": TODAY, "today": TODAY}
    values.update(fields)
    return contacts.log_contact(session, actor=actor, child_id=child.id,
                                helper_id=helper.id if helper else None, **values)


def _state(session: Session) -> tuple:
    rows = session.execute(select(
        CareContact.id, CareContact.kind, CareContact.contact_date, CareContact.minutes,
        CareContact.notes, CareContact.version, CareContact.archived_at)
        .order_by(CareContact.id)).all()
    return rows, session.scalar(select(func.count()).select_from(AuditEvent))


def _refused(session: Session, call: Callable[[], object],
             error: type[Exception] = DomainError) -> str:
    """The change is refused with a message and the database is left as it was."""
    session.commit()
    before = _state(session)
    with pytest.raises(error) as caught:
        call()
    session.rollback()
    assert _state(session) == before
    return caught.value.message


# ---- logging -------------------------------------------------------------------------------

def test_helper_logs_a_talk_with_their_child_and_it_is_audited(session, world):
    contact = _log(session, world.helper, world.child, minutes=30, notes=" 聊了学习 ")
    assert (contact.helper_id, contact.kind, contact.minutes, contact.notes) == (
        world.teacher.id, ContactKind.talk, 30, "聊了学习")
    assert contact.recorded_by_id == world.helper.user_id
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "care_contact"))
    assert (event.action, event.entity_id) == ("create", str(contact.id))
    assert event.summary == "李老师谈心张小明(2026-11-28)"


def test_coordinator_logs_for_any_helper_in_scope(session, world):
    contact = _log(session, world.coordinator, world.other, world.volunteer,
                   kind=ContactKind.home_visit, follow_up=True,
                   follow_up_on=TODAY + timedelta(days=7))
    assert (contact.child_id, contact.helper_id) == (world.other.id, world.volunteer.id)
    assert contact.follow_up_on == date(2026, 12, 5)


def test_a_kind_may_be_given_by_its_code(session, world):
    assert _log(session, ADMIN, world.child, world.teacher, kind="phone_visit").kind is (
        ContactKind.phone_visit)


def test_follow_up_date_is_dropped_without_follow_up(session, world):
    contact = _log(session, world.helper, world.child, follow_up_on=TODAY)
    assert contact.follow_up_on is None


BAD_FIELDS = [
    ("future date", {"contact_date": TODAY + timedelta(days=1)}, "日期", "不能晚于今天"),
    ("before birth", {"contact_date": date(2015, 2, 28)}, "日期",
     "不能早于儿童出生日期（2015-03-01）"),
    ("negative minutes", {"minutes": -1}, "时长(分钟)", "不能为负数"),
    ("absurd minutes", {"minutes": 601}, "时长(分钟)", "最多600分钟"),
    ("long notes", {"notes": "很" * 2001}, "记录", "最多2000字"),
    ("follow-up without date", {"follow_up": True}, "跟进日期", "请填写跟进日期"),
    ("follow-up before contact", {"follow_up": True, "follow_up_on": TODAY - timedelta(days=1)},
     "跟进日期", "不能早于帮扶日期"),
]


@pytest.mark.parametrize(("fields", "field", "reason"), [case[1:] for case in BAD_FIELDS],
                         ids=[case[0] for case in BAD_FIELDS])
def test_bad_fields_are_refused_in_chinese_and_save_nothing(session, world, fields, field,
                                                             reason):
    message = _refused(session, lambda: _log(session, world.helper, world.child, **fields),
                       ValidationFailed)
    assert field in message and reason in message


@pytest.mark.parametrize("minutes", [0, 600, None])
def test_minutes_at_the_limits_are_accepted(session, world, minutes):
    assert _log(session, world.helper, world.child, minutes=minutes).minutes == minutes


def test_birth_day_itself_is_accepted(session, world):
    assert _log(session, ADMIN, world.child, world.teacher,
                contact_date=date(2015, 3, 1)).contact_date == date(2015, 3, 1)


REFUSALS = [
    ("helper for an unpaired child", "helper", "other", None, PermissionDenied,
     "只能为与您结对的儿童"),
    ("helper as someone else", "helper", "child", "volunteer", PermissionDenied,
     "只能以本人名义"),
    ("coordinator outside scope", "other_coordinator", "child", "teacher", NotFound,
     "找不到该儿童档案"),
    ("coordinator with a helper outside scope", "other_coordinator", "far", "teacher",
     NotFound, "找不到该帮扶人"),
    ("coordinator without a helper", "coordinator", "child", None, ValidationFailed,
     "请选择帮扶人"),
]


@pytest.mark.parametrize(("who", "child", "helper", "error", "reason"),
                         [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_who_may_log_for_whom(session, world, who, child, helper, error, reason):
    actor, child_ = getattr(world, who), getattr(world, child)
    helper_ = getattr(world, helper) if helper else None
    assert reason in _refused(session, lambda: _log(session, actor, child_, helper_), error)


def test_a_helper_whose_pairing_ended_can_no_longer_log(session, world):
    pairing = session.scalar(select(Pairing).where(Pairing.child_id == world.child.id))
    pairing.ended_on, pairing.end_reason = TODAY, PairingEndReason.other
    assert "只能为与您结对的儿童" in _refused(
        session, lambda: _log(session, world.helper, world.child), PermissionDenied)


def test_a_helper_account_without_a_helper_record_is_refused(session, world):
    lone = _actor(session, Role.helper)
    assert "还没有关联帮扶人档案" in _refused(
        session, lambda: _log(session, lone, world.child), PermissionDenied)


def test_viewer_may_not_log(session, world):
    viewer = Actor(user_id=None, username="v", role=Role.viewer)
    _refused(session, lambda: _log(session, viewer, world.child, world.teacher),
             PermissionDenied)


def test_archived_child_is_refused(session, world):
    world.other.archived_at, world.other.archive_reason = datetime(2026, 11, 1), "迁出"
    message = _refused(session, lambda: _log(session, world.coordinator, world.other,
                                             world.volunteer))
    assert message == "“王小红”的档案已归档，不能记录帮扶。"


def test_deactivated_helper_only_up_to_the_day_they_stopped(session, world):
    world.volunteer.archived_at = datetime(2026, 11, 1, 9, 0)
    assert "已于2026-11-01停用" in _refused(
        session, lambda: _log(session, world.coordinator, world.other, world.volunteer),
        ValidationFailed)
    backfilled = _log(session, world.coordinator, world.other, world.volunteer,
                      contact_date=date(2026, 10, 30))
    assert backfilled.contact_date == date(2026, 10, 30)


def test_the_same_client_token_saves_once_and_returns_the_first_record(session, world):
    first = _log(session, world.helper, world.child, client_token="token-1", minutes=20)
    session.commit()
    audits = _state(session)[1]
    again = _log(session, world.helper, world.child, client_token="token-1", minutes=45,
                 kind=ContactKind.home_visit)
    session.commit()
    assert again.id == first.id and again.minutes == 20
    assert session.scalar(select(func.count()).select_from(CareContact)) == 1
    assert _state(session)[1] == audits  # no second audit event
    other = _log(session, world.helper, world.child, client_token="token-2")
    assert other.id != first.id


def test_a_refused_save_leaves_its_token_free_for_the_corrected_one(session, world):
    _refused(session, lambda: _log(session, world.helper, world.child, minutes=900,
                                   client_token="t"), ValidationFailed)
    assert _log(session, world.helper, world.child, minutes=90, client_token="t").minutes == 90


# ---- editing, the lock and corrections ------------------------------------------------------

def _saved(session: Session, world: World, *, days_ago: int, actor: Actor | None = None,
           **fields: object) -> CareContact:
    """A contact the teacher logged `days_ago` days before TODAY."""
    contact = _log(session, actor or world.helper, world.child, world.teacher,
                   contact_date=TODAY - timedelta(days=days_ago), **fields)
    # A plain UPDATE: saved that long ago, still at its first version.
    session.execute(update(CareContact).where(CareContact.id == contact.id)
                    .values(created_at=NOON - timedelta(days=days_ago)))
    session.commit()
    session.refresh(contact)
    return contact


def _edit(session: Session, actor: Actor, contact: CareContact, **fields: object) -> CareContact:
    values: dict[str, object] = {
        "kind": contact.kind, "contact_date": contact.contact_date, "minutes": contact.minutes,
        "notes": contact.notes or "", "today": TODAY, "expected_version": contact.version}
    values.update(fields)
    return contacts.edit_contact(session, actor=actor, contact_id=contact.id, **values)


@pytest.mark.parametrize(("days_ago", "open_"), [(0, True), (6, True), (7, False), (30, False)])
def test_the_author_may_edit_for_seven_days(session, world, days_ago, open_):
    contact = _saved(session, world, days_ago=days_ago)
    if open_:
        edited = _edit(session, world.helper, contact, minutes=40, kind=ContactKind.home_visit)
        assert (edited.minutes, edited.kind, edited.version) == (40, ContactKind.home_visit, 2)
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "update"
        assert event.before == {"kind": "talk", "minutes": None}
        assert event.after == {"kind": "home_visit", "minutes": 40}
    else:
        message = _refused(session, lambda: _edit(session, world.helper, contact, minutes=40),
                           PermissionDenied)
        assert "7天后已锁定" in message and "联系负责人" in message


def test_coordinator_corrects_a_locked_contact_with_a_reason_on_record(session, world):
    contact = _saved(session, world, days_ago=20, minutes=30)
    assert "请写明更正原因" in _refused(
        session, lambda: _edit(session, world.coordinator, contact, minutes=45),
        ValidationFailed)
    corrected = _edit(session, world.coordinator, contact, minutes=45, reason="核对纸质记录")
    assert corrected.minutes == 45
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.user_id) == ("correct", world.coordinator.user_id)
    assert (event.before, event.after) == ({"minutes": 30}, {"minutes": 45})
    assert event.summary == "更正帮扶记录：核对纸质记录"


def test_someone_elses_contact_cannot_be_edited_by_a_helper(session, world):
    contact = _saved(session, world, days_ago=0, actor=world.coordinator)
    assert "只能修改本人填写的帮扶记录" in _refused(
        session, lambda: _edit(session, world.helper, contact, minutes=5), PermissionDenied)


def test_an_edit_follows_the_logging_rules(session, world):
    contact = _saved(session, world, days_ago=1)
    assert "不能晚于今天" in _refused(session, lambda: _edit(
        session, world.helper, contact, contact_date=TODAY + timedelta(days=2)),
        ValidationFailed)


def test_a_stale_version_is_refused(session, world):
    contact = _saved(session, world, days_ago=1)
    _edit(session, world.helper, contact, minutes=10)
    session.commit()
    assert "已被其他人修改" in _refused(
        session, lambda: _edit(session, world.coordinator, contact, minutes=20, reason="核对",
                               expected_version=1), ConcurrentEdit)


def test_a_save_racing_another_one_is_refused_by_the_version_column(engine, session, world):
    contact = _saved(session, world, days_ago=1)
    with Session(engine) as other:
        mine = other.get(CareContact, contact.id)
        _edit(session, world.helper, contact, minutes=10)
        session.commit()
        mine.minutes = 99
        with pytest.raises(StaleDataError):
            other.flush()


def test_contacts_outside_scope_are_not_found(session, world):
    contact = _saved(session, world, days_ago=1)
    _refused(session, lambda: _edit(session, world.other_coordinator, contact, minutes=5,
                                    reason="x"), NotFound)


# ---- withdrawing ---------------------------------------------------------------------------

def test_coordinator_withdraws_a_contact_with_a_reason(session, world):
    contact = _saved(session, world, days_ago=30)
    assert "请写明撤销原因" in _refused(session, lambda: contacts.archive_contact(
        session, actor=world.coordinator, contact_id=contact.id, expected_version=1,
        reason=" ", today=TODAY), ValidationFailed)
    contacts.archive_contact(session, actor=world.coordinator, contact_id=contact.id,
                             expected_version=1, reason="重复记录", today=TODAY)
    assert contact.archive_reason == "重复记录"
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.summary) == ("archive", "撤销帮扶记录：重复记录")
    assert contacts.recent_contacts(session, world.coordinator, today=TODAY) == []
    _refused(session, lambda: _edit(session, world.coordinator, contact, reason="x"), NotFound)


@pytest.mark.parametrize(("days_ago", "allowed"), [(2, True), (8, False)])
def test_the_author_may_withdraw_only_within_the_week(session, world, days_ago, allowed):
    contact = _saved(session, world, days_ago=days_ago)

    def withdraw() -> CareContact:
        return contacts.archive_contact(session, actor=world.helper, contact_id=contact.id,
                                        expected_version=1, reason="选错了儿童", today=TODAY)
    if allowed:
        assert withdraw().archived_at is not None
    else:
        _refused(session, withdraw, PermissionDenied)


# ---- the recent list -------------------------------------------------------------------------

def test_recent_contacts_are_scoped_newest_first_with_what_each_actor_may_do(session, world):
    mine = _saved(session, world, days_ago=1, minutes=15)
    locked = _saved(session, world, days_ago=10)
    theirs = make_contact(session, world.child, world.volunteer, TODAY,
                          kind=ContactKind.home_visit)
    make_contact(session, world.far, world.volunteer, TODAY)
    make_contact(session, world.child, world.teacher, TODAY - timedelta(days=40))  # too old
    session.commit()

    rows = contacts.recent_contacts(session, world.helper, today=TODAY)
    assert [(r.id, r.access) for r in rows] == [(mine.id, "edit"), (locked.id, None)]
    assert (rows[0].child_name, rows[0].helper_name, rows[0].minutes) == ("张小明", "李老师", 15)
    assert rows[0].recorded_by == "测试用户" and rows[0].editable and not rows[1].editable

    rows = contacts.recent_contacts(session, world.coordinator, today=TODAY)
    assert [(r.id, r.access) for r in rows] == [
        (theirs.id, "correct"), (mine.id, "correct"), (locked.id, "correct")]
    assert [r.id for r in contacts.recent_contacts(
        session, world.coordinator, today=TODAY, helper_id=world.volunteer.id)] == [theirs.id]
    assert len(contacts.recent_contacts(session, ADMIN, today=TODAY, days=60)) == 5
    assert len(contacts.recent_contacts(session, ADMIN, today=TODAY, child_id=world.far.id)) == 1


# ---- choices for the form ------------------------------------------------------------------

def test_a_helper_chooses_among_their_own_children_and_only_themself(session, world):
    children = contacts.loggable_children(session, world.helper, today=TODAY)
    assert [c.name for c in children] == ["张小明"]
    assert children[0].place == "石门镇中心小学" and children[0].helper_ids == (world.teacher.id,)
    assert [h.helper_id for h in contacts.helper_choices(session, world.helper, children[0])] == [
        world.teacher.id]


def test_a_coordinator_searches_children_and_sees_the_childs_helper_first(session, world):
    children = contacts.loggable_children(session, world.coordinator, today=TODAY)
    assert sorted(c.name for c in children) == ["张小明", "王小红"]
    found = contacts.loggable_children(session, world.coordinator, today=TODAY, text="wxh")
    assert [c.name for c in found] == ["王小红"]
    zhang = next(c for c in children if c.name == "张小明")
    choices = contacts.helper_choices(session, world.coordinator, zhang)
    assert [(h.name, h.paired) for h in choices] == [("李老师", True), ("刘志愿者", False)]
    assert choices[0].label == "李老师(教师·结对)"
