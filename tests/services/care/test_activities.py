"""活动: 人次 arithmetic, refusals, whole-class picks, donations, double clicks, edits, kinds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.vocab import Role
from db.base import utcnow
from db.models import (
    Activity,
    ActivityKindRow,
    Attendance,
    AuditEvent,
    Child,
    Donation,
    Helper,
    ResourceProvider,
    activity_helpers,
    activity_providers,
)
from services.access.permissions import Actor
from services.care import activities, activity_kinds, activity_queries
from services.care.activity_checks import ActivityInput, DonationInput
from services.care.activity_queries import (
    classes_of_school,
    helpers_for_unit,
    person_times,
    search_child_choices,
)
from tests.factories import make_helper
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    Places,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_places,
)

HELD = date(2026, 11, 20)


@dataclass
class World:
    places: Places
    class_a: list[Child]  # 三年级2班 of the town's school: three children
    other_class: Child  # 四年级1班 of the same school
    villager: Child  # lives in 李家村, no school
    far: Child  # in the other town
    teacher: Helper
    coordinator: Actor


@pytest.fixture
def world(session) -> World:
    p = make_places(session)
    school = {"school_id": p.school.id}
    class_a = [make_child_in(session, p.village, name, grade="三年级", class_name="2班", **school)
               for name in ("张小明", "王小红", "李小刚")]
    return World(
        p, class_a,
        make_child_in(session, p.other_village, "赵小丽", grade="四年级", class_name="1班",
                      **school),
        make_child_in(session, p.village, "钱小宝"),
        make_child_in(session, p.far_village, "孙小强"),
        make_helper(session, org_unit=p.school, name="李老师", school_id=p.school.id),
        coordinator_of(p.town),
    )


def _input(world: World, **overrides) -> ActivityInput:
    values = {"kind": "safety_education", "title": "防溺水安全教育", "held_on": HELD,
              "org_unit_id": world.places.school.id, "place": "学校操场", "sessions": 1,
              "child_ids": tuple(c.id for c in world.class_a)}
    return ActivityInput(**(values | overrides))


def _create(session, world: World, actor: Actor | None = None, **overrides) -> Activity:
    return activities.create_activity(session, actor=actor or world.coordinator,
                                      data=_input(world, **overrides), today=TODAY)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _problems(session, world: World, **overrides) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        _create(session, world, **overrides)
    session.rollback()
    return caught.value.problems


# --- 人次 ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("attending", "extra", "expected"), [
    (0, 0, 0), (3, 0, 3), (0, 120, 120), (25, 300, 325), (1, 1, 2),
])
def test_person_times_is_attending_children_plus_extra(attending, extra, expected):
    assert person_times(attending, extra) == expected


def test_saved_activity_lists_its_sessions_attendance_and_person_times(session, world):
    _create(session, world, sessions=2, extra_person_times=40)
    _create(session, world, title="心理健康讲座", kind="mental_health", child_ids=(),
            extra_person_times=60)

    rows = activity_queries.list_activities(session, world.coordinator, date_from=HELD,
                                      date_to=HELD)
    assert [(r.title, r.sessions, r.attending, r.extra, r.person_times) for r in rows] == [
        ("心理健康讲座", 1, 0, 60, 60), ("防溺水安全教育", 2, 3, 40, 43)]
    totals = activity_queries.activity_totals(rows)
    assert (totals.activities, totals.sessions, totals.person_times) == (2, 3, 103)


def test_list_filters_by_period_kind_and_unit(session, world):
    _create(session, world)
    _create(session, world, held_on=HELD - timedelta(days=40), title="十月讲座")
    _create(session, world, kind="festival_visit", title="慰问", org_unit_id=world.places.town.id)
    rows = activity_queries.list_activities
    assert [r.title for r in rows(session, world.coordinator, date_from=HELD, date_to=HELD)] == [
        "慰问", "防溺水安全教育"]
    assert [r.title for r in rows(session, world.coordinator, date_from=None, date_to=None,
                                  kind="safety_education")] == ["防溺水安全教育", "十月讲座"]
    assert {r.title for r in rows(session, world.coordinator, date_from=None, date_to=None,
                                  org_unit_id=world.places.school.id)} == {
        "防溺水安全教育", "十月讲座"}


def test_creation_is_audited_with_its_person_times(session, world):
    activity = _create(session, world, extra_person_times=7)
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "activity"))
    assert event.entity_id == str(activity.id)
    assert "10人次" in event.summary


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"held_on": TODAY + timedelta(days=1)}, "日期", "不能晚于今天"),
    ({"held_on": date(1999, 12, 31)}, "日期", "不能早于"),
    ({"sessions": 0}, "场次", "1到50"),
    ({"sessions": 51}, "场次", "1到50"),
    ({"extra_person_times": -1}, "其他人次", "0到100,000"),
    ({"extra_person_times": 100_001}, "其他人次", "0到100,000"),
    ({"title": "  "}, "名称", "必填"),
    ({"kind": "no_such_kind"}, "类型", "请选择"),
    ({"org_unit_id": None}, "举办单位", "请选择"),
    ({"volunteers": -2}, "志愿者人数", "0到"),
    ({"cost_yuan": Decimal(-5)}, "费用", "金额"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_written(session, world, overrides, field,
                                                             words):
    session.commit()
    problems = _problems(session, world, **overrides)
    assert words in problems[field]
    assert _count(session, Activity) == _count(session, Attendance) == 0


def test_unit_outside_scope_is_refused(session, world):
    problems = _problems(session, world, org_unit_id=world.places.other_town.id)
    assert "管辖范围" in problems["举办单位"]


def test_archived_child_is_refused_by_name(session, world):
    world.class_a[1].archived_at = utcnow()
    assert "“王小红”的档案已归档" in _problems(session, world)["参加儿童"]


def test_child_outside_scope_is_refused(session, world):
    problems = _problems(session, world, child_ids=(world.class_a[0].id, world.far.id))
    assert "1名儿童不存在或不在您的管辖范围内" in problems["参加儿童"]


def test_date_before_a_childs_birth_is_refused(session, world):
    problems = _problems(session, world, held_on=date(2014, 6, 1))
    assert "出生日期" in problems["参加儿童"]


def test_archived_kind_is_refused_for_a_new_activity(session, world):
    kind = activity_kinds.add_activity_kind(session, actor=ADMIN, label_zh="研学旅行")
    activity_kinds.archive_activity_kind(session, actor=ADMIN, code=kind.code, expected_version=1)
    assert "已停用" in _problems(session, world, kind=kind.code)["类型"]


def test_deactivated_helper_is_refused(session, world):
    world.teacher.archived_at = utcnow()
    problems = _problems(session, world, helper_ids=(world.teacher.id,))
    assert "“李老师”已停用" in problems["服务人员"]


def test_helper_and_viewer_may_not_record_activities(session, world):
    for actor in (helper_actor(world.teacher),
                  Actor(user_id=None, username="v", role=Role.viewer)):
        with pytest.raises(PermissionDenied):
            _create(session, world, actor=actor)


# --- whole class, school, village ------------------------------------------------------------

def test_whole_class_school_and_village_are_taken_at_once(session, world):
    pick = activity_queries.children_for_group
    school = world.places.school.id
    by_class = pick(session, world.coordinator, school_id=school, grade_class=("三年级", "2班"))
    assert {c.name for c in by_class} == {"张小明", "王小红", "李小刚"}
    assert "石门镇中心小学三年级2班" in by_class[0].label
    assert {c.name for c in pick(session, world.coordinator, school_id=school)} == {
        "张小明", "王小红", "李小刚", "赵小丽"}
    assert {c.name for c in pick(session, world.coordinator, village_id=world.places.village.id)
            } == {"张小明", "王小红", "李小刚", "钱小宝"}


def test_whole_class_leaves_out_archived_and_out_of_scope_children(session, world):
    world.class_a[0].archived_at = utcnow()
    other = coordinator_of(world.places.other_town)
    assert {c.name for c in activity_queries.children_for_group(
        session, world.coordinator, school_id=world.places.school.id,
        grade_class=("三年级", "2班"))} == {"王小红", "李小刚"}
    school_id = world.places.school.id
    assert activity_queries.children_for_group(session, other, school_id=school_id) == []


def test_group_pick_needs_a_school_or_village(session, world):
    with pytest.raises(DomainError, match="请选择学校"):
        activity_queries.children_for_group(session, world.coordinator)


def test_classes_search_and_helpers_for_the_pickers(session, world):
    assert classes_of_school(session, world.coordinator, world.places.school.id) == [
        ("三年级", "2班", 3), ("四年级", "1班", 1)]
    assert [c.name for c in search_child_choices(session, world.coordinator, "小红",
                                                 today=TODAY)] == ["王小红"]
    far_helper = make_helper(session, org_unit=world.places.other_town, name="远方老师")
    assert [h[0] for h in helpers_for_unit(session, ADMIN, world.places.school.id)] == [
        world.teacher.id]
    assert far_helper.id in [h[0] for h in helpers_for_unit(session, ADMIN, None)]


def test_a_class_taken_then_one_unticked_is_saved_as_ticked(session, world):
    taken = activity_queries.children_for_group(session, world.coordinator,
                                          school_id=world.places.school.id,
                                          grade_class=("三年级", "2班"))
    kept = tuple(c.id for c in taken if c.name != "李小刚")
    activity = _create(session, world, child_ids=kept)
    assert set(session.scalars(select(Attendance.child_id).where(
        Attendance.activity_id == activity.id))) == set(kept)


# --- helpers, providers, donations -----------------------------------------------------------

def test_helpers_providers_and_a_donation_are_saved_together(session, world):
    session.add(ResourceProvider(name="县潮汕商会"))
    gift = DonationInput(money_yuan=Decimal("2000"), goods="书包3个", provider_name="县潮汕商会",
                         recipient_ids=(world.class_a[0].id, world.class_a[1].id))
    activity = _create(session, world, helper_ids=(world.teacher.id,),
                       provider_names=("县潮汕商会", "县应急志愿者协会"), donations=(gift,))

    assert session.scalars(select(activity_helpers.c.helper_id)).all() == [world.teacher.id]
    assert _count(session, ResourceProvider) == 2  # the new one created, the old one reused
    assert len(session.execute(select(activity_providers)).all()) == 2
    donation = session.scalar(select(Donation))
    assert (donation.activity_id, donation.money_yuan, donation.donated_on) == (
        activity.id, Decimal("2000.00"), HELD)
    assert donation.provider.name == "县潮汕商会"
    assert {c.name for c in donation.recipients} == {"张小明", "王小红"}
    detail = activity_queries.activity_detail(session, world.coordinator, activity.id)
    assert set(detail.donations[0].recipients) == {"张小明", "王小红"}
    assert detail.providers == ("县应急志愿者协会", "县潮汕商会")
    assert detail.helpers == ((world.teacher.id, "李老师"),)
    assert detail.person_times == 3


def test_donation_recipients_must_be_attendees(session, world):
    gift = DonationInput(money_yuan=Decimal(500), recipient_ids=(world.villager.id,))
    problems = _problems(session, world, donations=(gift,))
    assert "受助儿童须是参加本次活动的儿童（“钱小宝”未参加）" in problems["捐助"]
    assert _count(session, Donation) == _count(session, ResourceProvider) == 0


@pytest.mark.parametrize(("gift", "words"), [
    (DonationInput(), "请填写捐助金额或物资"),
    (DonationInput(money_yuan=Decimal(-1)), "0到1000万元"),
    (DonationInput(money_yuan=Decimal(20_000_000)), "0到1000万元"),
    (DonationInput(goods="书包", provider_name="不在资源方里的公司"), "应在本次活动的资源方中"),
])
def test_bad_donations_are_refused(session, world, gift, words):
    assert words in _problems(session, world, donations=(gift,))["捐助"]


# --- double clicks, edits, archiving ---------------------------------------------------------

def test_the_same_client_token_returns_the_first_record(session, world):
    first = activities.create_activity(session, actor=world.coordinator, data=_input(world),
                                       today=TODAY, client_token="tok-1")
    again = activities.create_activity(session, actor=world.coordinator,
                                       data=_input(world, title="改了名字"), today=TODAY,
                                       client_token="tok-1")
    assert again.id == first.id
    assert _count(session, Activity) == 1
    assert _count(session, Attendance) == 3


def test_two_clicks_racing_past_the_look_up_still_make_one_record(session, world,
                                                                 monkeypatch):
    activities.create_activity(session, actor=world.coordinator, data=_input(world),
                               today=TODAY, client_token="tok-2")
    session.commit()
    monkeypatch.setattr(activities, "_first_with_token", lambda *_: None)
    with pytest.raises(DomainError, match="请勿重复提交"):
        activities.create_activity(session, actor=world.coordinator, data=_input(world),
                                   today=TODAY, client_token="tok-2")
    session.rollback()
    assert _count(session, Activity) == 1


def test_update_replaces_attendees_and_bumps_the_version(session, world):
    activity = _create(session, world)
    keep = (world.class_a[0].id, world.villager.id)
    activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                               expected_version=1, today=TODAY,
                               data=_input(world, child_ids=keep, extra_person_times=5))
    assert activity.version == 2
    assert set(session.scalars(select(Attendance.child_id))) == set(keep)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert "参加儿童 3 → 2" in event.summary


def test_update_keeps_an_attendee_archived_since(session, world):
    activity = _create(session, world)
    world.class_a[2].archived_at = utcnow()
    activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                               expected_version=1, today=TODAY,
                               data=_input(world, title="改名"))
    assert activity.title == "改名"
    assert _count(session, Attendance) == 3


def test_stale_edit_is_refused(session, world):
    activity = _create(session, world)
    with pytest.raises(ConcurrentEdit):
        activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                                   expected_version=0, data=_input(world), today=TODAY)


def test_an_edit_between_read_and_write_raises_stale_data(session, engine, world):
    activity = _create(session, world)
    session.commit()
    with engine.begin() as conn:
        conn.execute(Activity.__table__.update().values(version=5))
    with pytest.raises((ConcurrentEdit, StaleDataError)):
        activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                                   expected_version=1, data=_input(world), today=TODAY)
    session.rollback()


def test_changed_donations_are_archived_and_recorded_anew(session, world):
    gift = DonationInput(money_yuan=Decimal(100))
    activity = _create(session, world, donations=(gift,))
    activities.update_activity(
        session, actor=world.coordinator, activity_id=activity.id, expected_version=1,
        today=TODAY, data=_input(world, donations=(replace(gift, money_yuan=Decimal(300)),)))
    money = session.execute(select(Donation.money_yuan, Donation.archived_at.is_(None))
                            .order_by(Donation.id)).all()
    assert money == [(Decimal("100.00"), False), (Decimal("300.00"), True)]


def test_archived_activity_leaves_the_list_with_its_donations(session, world):
    activity = _create(session, world, donations=(DonationInput(goods="文具"),))
    with pytest.raises(ValidationFailed):
        activities.archive_activity(session, actor=world.coordinator, activity_id=activity.id,
                                    expected_version=1, reason=" ")
    activities.archive_activity(session, actor=world.coordinator, activity_id=activity.id,
                                expected_version=1, reason="重复登记")
    assert activity_queries.list_activities(session, world.coordinator, date_from=None,
                                      date_to=None) == []
    assert session.scalar(select(Donation.archive_reason)) == "活动已归档"
    with pytest.raises(DomainError, match="已归档"):
        activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                                   expected_version=2, data=_input(world), today=TODAY)
    activities.restore_activity(session, actor=world.coordinator, activity_id=activity.id,
                                expected_version=2)
    assert len(activity_queries.list_activities(session, world.coordinator, date_from=None,
                                          date_to=None)) == 1
    assert session.scalar(select(Donation.archived_at)) is None  # back with its activity


def test_another_towns_coordinator_cannot_see_or_change_it(session, world):
    activity = _create(session, world)
    other = coordinator_of(world.places.other_town)
    assert activity_queries.list_activities(session, other, date_from=None, date_to=None) == []
    with pytest.raises(NotFound):
        activities.archive_activity(session, actor=other, activity_id=activity.id,
                                    expected_version=1, reason="x")


# --- activity kinds --------------------------------------------------------------------------

def test_admin_adds_renames_and_archives_a_kind(session, world):
    kind = activity_kinds.add_activity_kind(session, actor=ADMIN, label_zh="研学旅行",
                                        label_en="Study trip")
    assert kind.code == "custom_1" and not kind.is_builtin
    assert activity_kinds.resolve_kind(session, "研学旅行").code == "custom_1"
    assert activity_kinds.resolve_kind(session, "座谈会").code == "meeting"
    activity_kinds.rename_activity_kind(session, actor=ADMIN, code=kind.code, expected_version=1,
                                    label_zh="研学实践")
    activity_kinds.archive_activity_kind(session, actor=ADMIN, code=kind.code, expected_version=2)
    assert kind.code not in {k.code for k in activity_kinds.list_activity_kinds(session)}
    with pytest.raises(DomainError, match="无法识别活动类型"):
        activity_kinds.resolve_kind(session, "研学实践")
    assert activity_kinds.kind_labels(session)[kind.code] == "研学实践"


@pytest.mark.parametrize(("label", "words"), [
    ("安全教育", "已有活动类型"), ("座谈会", "别称"), ("", "必填"), ("长" * 51, "最多50个字"),
])
def test_bad_kind_labels_are_refused(session, label, words):
    with pytest.raises(ValidationFailed) as caught:
        activity_kinds.add_activity_kind(session, actor=ADMIN, label_zh=label)
    assert words in caught.value.problems["名称"]


def test_builtin_kinds_cannot_be_archived_and_only_admins_edit(session, world):
    with pytest.raises(DomainError, match="内置活动类型"):
        activity_kinds.archive_activity_kind(session, actor=ADMIN, code="safety_education",
                                         expected_version=1)
    with pytest.raises(PermissionDenied):
        activity_kinds.add_activity_kind(session, actor=world.coordinator, label_zh="研学")
    assert session.scalar(select(func.count()).select_from(ActivityKindRow)) == 12
