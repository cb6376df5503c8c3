"""An activity's money or goods go to its attending children, so the ledger, the fairness view
and the statistics name the children helped; chosen recipients stay chosen; old data is filled.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from config import local_today
from core.errors import ValidationFailed
from core.vocab import Category
from db import schema
from db.base import utcnow
from db.models import (
    Activity,
    AuditEvent,
    Child,
    ChildCategory,
    Donation,
    OrgUnit,
    donation_recipients,
)
from services.access.permissions import Actor
from services.care import activities
from services.care.activity_checks import ActivityInput, DonationInput
from services.imports import run_import
from services.resources.ledger_reading import donation_summary, fairness, list_entries
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places

HELD = date(2026, 11, 20)
PERIOD = {"date_from": date(2026, 11, 1), "date_to": TODAY}
MIGRATION = importlib.import_module(
    "db.migrations.versions.0007_activity_donation_recipients")


@dataclass
class World:
    town: OrgUnit
    school: OrgUnit
    pupils: list[Child]  # 张小明, 王小红, 李小刚 in 李家村, at the school
    other: Child  # 钱小宝, same town, not at the activity at first
    far: Child  # 孙小强, in the other town
    coordinator: Actor


@pytest.fixture
def world(session) -> World:
    p = make_places(session)
    pupils = [make_child_in(session, p.village, name, school_id=p.school.id)
              for name in ("张小明", "王小红", "李小刚")]
    pupils[0].categories = [ChildCategory(category=Category.in_difficulty)]
    return World(p.town, p.school, pupils, make_child_in(session, p.village, "钱小宝"),
                 make_child_in(session, p.far_village, "孙小强"), coordinator_of(p.town))


def _input(world: World, gift: DonationInput | None = None, **overrides) -> ActivityInput:
    values = {"kind": "festival_visit", "title": "中秋送温暖", "held_on": HELD,
              "org_unit_id": world.school.id, "child_ids": tuple(c.id for c in world.pupils),
              "donations": (gift,) if gift else ()}
    return ActivityInput(**(values | overrides))


def _create(session, world: World, gift: DonationInput | None, **overrides) -> Activity:
    return activities.create_activity(session, actor=world.coordinator, today=TODAY,
                                      data=_input(world, gift, **overrides))


def _update(session, world: World, activity: Activity, gift: DonationInput | None,
            **overrides) -> Activity:
    return activities.update_activity(session, actor=world.coordinator, activity_id=activity.id,
                                      expected_version=activity.version, today=TODAY,
                                      data=_input(world, gift, **overrides))


def _recipients(session) -> dict[int, set[str]]:
    """Each active donation's recipients by name."""
    rows = session.execute(
        select(Donation.id, Child.name)
        .outerjoin(donation_recipients, donation_recipients.c.donation_id == Donation.id)
        .outerjoin(Child, Child.id == donation_recipients.c.child_id)
        .where(Donation.archived_at.is_(None)))
    found: dict[int, set[str]] = {}
    for donation_id, name in rows:
        found.setdefault(donation_id, set()).update({name} if name else set())
    return found


def _summary(session, actor: Actor, **options) -> dict[str, float | int]:
    return donation_summary(session, actor, **PERIOD, **options)


PUPILS = {"张小明", "王小红", "李小刚"}


# --- create --------------------------------------------------------------------------------

def test_money_at_an_activity_goes_to_every_attending_child(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300)))

    assert list(_recipients(session).values()) == [PUPILS]
    assert _summary(session, world.coordinator) == {"money_yuan": 300.0, "children_helped": 3}
    fair = fairness(session, world.coordinator, **PERIOD)
    assert sorted((r.child_name, r.times_helped, r.money_yuan) for r in fair.rows) == [
        ("张小明", 1, Decimal("100.00")), ("李小刚", 1, Decimal("100.00")),
        ("王小红", 1, Decimal("100.00"))]
    assert fair.never_helped == 1  # 钱小宝; 孙小强 is outside the coordinator's town
    ledger = list_entries(session, world.coordinator, **PERIOD)
    assert [(e.activity_title, set(e.recipients)) for e in ledger] == [("中秋送温暖", PUPILS)]
    shares = session.execute(select(donation_recipients.c.money_yuan,
                                    donation_recipients.c.goods_quantity)).all()
    assert set(shares) == {(None, None)}  # equal shares: nothing recorded per child


def test_the_audit_names_how_many_children_were_helped(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300), goods="书包3个"))
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "donation")).one()
    assert event.summary == ("活动“中秋送温暖”捐助 300元 书包3个\uff0c受助儿童3名"
                             "\uff08全部参加儿童\uff09")
    assert event.after["recipients"] == sorted(c.id for c in world.pupils)


def test_recipients_chosen_are_kept(session, world):
    chosen = (world.pupils[0].id, world.pupils[1].id)
    _create(session, world, DonationInput(money_yuan=Decimal(300), recipient_ids=chosen))

    assert list(_recipients(session).values()) == [{"张小明", "王小红"}]
    assert _summary(session, world.coordinator)["children_helped"] == 2
    assert {r.money_yuan for r in fairness(session, world.coordinator, **PERIOD).rows} == {
        Decimal("150.00")}


def test_a_collective_gift_chosen_on_purpose_has_no_recipients(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300), recipient_ids=()))
    assert list(_recipients(session).values()) == [set()]
    assert _summary(session, world.coordinator) == {"money_yuan": 300.0, "children_helped": 0}


def test_a_gift_at_an_activity_nobody_attended_has_no_recipients(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300)), child_ids=(),
            extra_person_times=40)
    assert list(_recipients(session).values()) == [set()]


@pytest.mark.parametrize("recipients", [
    pytest.param(lambda w: (w.other.id,), id="not attending"),
    pytest.param(lambda w: (w.far.id,), id="outside the scope"),
])
def test_recipients_must_attend_and_be_in_scope(session, world, recipients):
    with pytest.raises(ValidationFailed) as caught:
        _create(session, world, DonationInput(money_yuan=Decimal(300),
                                              recipient_ids=recipients(world)))
    assert "受助儿童须是参加本次活动的儿童" in caught.value.problems["捐助"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Donation)) == 0


def test_an_attendee_outside_the_scope_refuses_the_whole_activity(session, world):
    with pytest.raises(ValidationFailed) as caught:
        _create(session, world, DonationInput(money_yuan=Decimal(300)),
                child_ids=(world.pupils[0].id, world.far.id))
    assert "不在您的管辖范围内" in caught.value.problems["参加儿童"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Activity)) == 0
    assert session.scalar(select(func.count()).select_from(donation_recipients)) == 0


# --- goods, shares, the statistics' figure --------------------------------------------------

def test_goods_only_entries_are_counted_when_asked(session, world):
    _create(session, world, DonationInput(goods="书包3个"))
    _create(session, world, DonationInput(money_yuan=Decimal(90), goods="文具3套"),
            title="六一慰问")
    _create(session, world, DonationInput(goods="图书20册"), title="读书会",
            child_ids=(world.other.id,))

    assert _summary(session, world.coordinator) == {"money_yuan": 90.0, "children_helped": 4}
    assert _summary(session, world.coordinator, with_goods=True) == {
        "money_yuan": 90.0, "children_helped": 4, "goods_entries": 2}
    # A category's figures count only the entries that reached its children.
    difficult = Child.id.in_(select(ChildCategory.child_id).where(
        ChildCategory.category == Category.in_difficulty))
    assert _summary(session, world.coordinator, among=difficult, shares_only=True,
                    with_goods=True) == {"money_yuan": 30.0, "children_helped": 1,
                                         "goods_entries": 1}
    goods = {r.child_name: r.goods for r in fairness(session, world.coordinator, **PERIOD).rows}
    assert goods["张小明"] == "书包3个、文具3套" and goods["钱小宝"] == "图书20册"


def test_a_categorys_money_is_its_childrens_equal_shares(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300)))
    difficult = Child.id.in_(select(ChildCategory.child_id).where(
        ChildCategory.category == Category.in_difficulty))
    assert _summary(session, world.coordinator, among=difficult, shares_only=True) == {
        "money_yuan": 100.0, "children_helped": 1}


def test_an_other_towns_coordinator_counts_none_of_it(session, world):
    _create(session, world, DonationInput(money_yuan=Decimal(300)))
    far = coordinator_of(session.get(OrgUnit, world.far.town_id))
    assert _summary(session, far, with_goods=True) == {
        "money_yuan": 0.0, "children_helped": 0, "goods_entries": 0}


# --- update ----------------------------------------------------------------------------------

def test_recipients_follow_the_attendees_when_they_change(session, world):
    gift = DonationInput(money_yuan=Decimal(400))
    activity = _create(session, world, gift)
    first = session.scalar(select(Donation.id))
    assert activities.activity_donations(session, activity.id)[0].follows_attendees

    kept = (world.pupils[0].id, world.pupils[1].id, world.other.id)
    _update(session, world, activity, gift, child_ids=kept)

    assert list(_recipients(session).values()) == [{"张小明", "王小红", "钱小宝"}]
    assert session.get(Donation, first).archive_reason == "活动修改后重新登记"
    assert _summary(session, world.coordinator) == {"money_yuan": 400.0, "children_helped": 3}


def test_chosen_recipients_stay_chosen_when_attendees_change(session, world):
    chosen = (world.pupils[0].id,)
    activity = _create(session, world, DonationInput(money_yuan=Decimal(100),
                                                     recipient_ids=chosen))
    [gift] = activities.activity_donations(session, activity.id)
    assert gift.recipient_ids == chosen  # what the edit form starts from

    _update(session, world, activity, gift,
            child_ids=(*(c.id for c in world.pupils), world.other.id))
    assert list(_recipients(session).values()) == [{"张小明"}]


def test_an_edit_that_changes_nothing_keeps_the_donation(session, world):
    activity = _create(session, world, DonationInput(money_yuan=Decimal(100)))
    first = session.scalar(select(Donation.id))
    [gift] = activities.activity_donations(session, activity.id)
    _update(session, world, activity, gift, title="中秋送温暖(改名)")
    assert list(_recipients(session)) == [first]
    assert session.scalar(select(func.count()).select_from(Donation)) == 1


def test_recipients_taken_off_an_activity_are_refused_on_update(session, world):
    activity = _create(session, world, DonationInput(
        money_yuan=Decimal(100), recipient_ids=(world.pupils[2].id,)))
    with pytest.raises(ValidationFailed) as caught:
        _update(session, world, activity, DonationInput(
            money_yuan=Decimal(100), recipient_ids=(world.pupils[2].id,)),
            child_ids=(world.pupils[0].id,))
    assert "李小刚" in caught.value.problems["捐助"]


# --- import ----------------------------------------------------------------------------------

HEADER = "名称,类型,日期,场次,人次,参加儿童,捐助金额(元),捐助物资,资源方"
DAY = (local_today() - timedelta(days=5)).isoformat()


def _import(session, lines: list[str], actor: Actor):
    data = "\n".join([HEADER, *lines]).encode("utf-8-sig")
    return run_import(session, actor=actor, kind="activities", data=data,
                      filename="活动.csv", dry_run=False)


def test_an_imported_gift_goes_to_the_children_named(session, world):
    report = _import(session, [
        f"中秋送温暖,节日慰问,{DAY},1,30,张小明、王小红,2000,月饼2盒,县潮汕商会",
        f"读书会,其他,{DAY},1,10,李小刚,,图书10册,",
        f"安全讲座,安全教育,{DAY},1,100,,500,,"], world.coordinator)
    assert report.ok, report.errors
    assert sorted(map(sorted, _recipients(session).values())) == [
        [], ["张小明", "王小红"], ["李小刚"]]
    day = date.fromisoformat(DAY)
    assert donation_summary(session, world.coordinator, date_from=day, date_to=day,
                            with_goods=True) == {
        "money_yuan": 2500.0, "children_helped": 3, "goods_entries": 1}


def test_an_import_naming_a_child_outside_the_scope_writes_nothing(session, world):
    report = _import(session, [
        f"中秋送温暖,节日慰问,{DAY},1,30,张小明,2000,,",
        f"六一慰问,节日慰问,{DAY},1,30,王小红、孙小强,1000,,"], world.coordinator)
    assert [(e.row, e.column) for e in report.errors] == [(3, "参加儿童")]
    assert "不在您的管辖范围内" in report.errors[0].reason
    for table in (Activity.__table__, Donation.__table__, donation_recipients):
        assert session.scalar(select(func.count()).select_from(table)) == 0


# --- existing data ---------------------------------------------------------------------------

def _old_gift(session, activity_id: int | None, **values) -> int:
    """A donation as it was saved before recipients were recorded for an activity's gift."""
    donation = Donation(donated_on=HELD, money_yuan=Decimal(100), activity_id=activity_id,
                        **values)
    session.add(donation)
    session.flush()
    return donation.id


def test_the_migration_gives_old_gifts_to_the_attending_children(session, world):
    activity = _create(session, world, None)
    bare = _old_gift(session, activity.id)
    kept = _old_gift(session, activity.id, recipients=[world.pupils[0]])
    archived = _old_gift(session, activity.id, archived_at=utcnow())
    receipt = _old_gift(session, activity.id, direction="received")
    unlinked = _old_gift(session, None)
    empty = _create(session, world, None, title="没人参加", child_ids=())
    nobody = _old_gift(session, empty.id)
    session.commit()

    MIGRATION.backfill(session.connection())
    session.commit()

    found = _recipients(session)
    assert found[bare] == PUPILS
    assert found[kept] == {"张小明"}
    assert found[receipt] == found[unlinked] == found[nobody] == set()
    assert session.scalar(select(func.count()).select_from(donation_recipients).where(
        donation_recipients.c.donation_id == archived)) == 0
    event = session.scalars(select(AuditEvent).where(AuditEvent.username == "migration:0007")
                            ).one()
    assert (event.entity, event.entity_id) == ("donation", str(bare))
    assert event.summary == "补记受助儿童3名（活动的全部参加儿童，平均分配）"
    assert _summary(session, world.coordinator)["children_helped"] == 3


def _migrate(engine, revision: str, *, down: bool = False) -> None:
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_upgrading_from_0006_fills_the_recipients(engine):
    """The real migration path, on whichever database the suite targets."""
    _migrate(engine, "0006", down=True)  # 0007's downgrade changes nothing
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO org_units (id, name, kind, path, is_mountain_area, version, "
                "created_at, updated_at) VALUES (1, '石门镇', 'town', '/1/', false, 1, "
                "'2026-01-01', '2026-01-01'), (2, '李家村', 'village', '/1/2/', false, 1, "
                "'2026-01-01', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO children (id, name, name_pinyin, name_initials, gender, birth_date, "
                "town_id, village_id, safety_incident, boarding, guardianship_agreement, "
                "key_concern, version, created_at, updated_at) VALUES (:id, :name, '', '', "
                "'female', '2015-03-01', 1, 2, false, false, false, false, 1, '2026-01-01', "
                "'2026-01-01')"), [{"id": i, "name": n} for i, n in
                                   ((1, "王小红"), (2, "张小明"), (3, "李小刚"))])
            conn.execute(text(
                "INSERT INTO activities (id, kind, title, held_on, sessions, extra_person_times, "
                "volunteers, version, created_at, updated_at) VALUES (1, 'festival_visit', "
                "'中秋送温暖', '2026-11-20', 1, 0, 0, 1, '2026-11-20', '2026-11-20')"))
            conn.execute(text("INSERT INTO attendances (activity_id, child_id) "
                              "VALUES (1, 1), (1, 2)"))
            conn.execute(text(
                "INSERT INTO donations (id, donated_on, money_yuan, direction, activity_id, "
                "version, created_at, updated_at) VALUES (1, '2026-11-20', 1000, 'direct', 1, 1, "
                "'2026-11-20', '2026-11-20'), (2, '2026-11-20', 0, 'direct', 1, 1, "
                "'2026-11-20', '2026-11-20')"))
            conn.execute(text("INSERT INTO donation_recipients (donation_id, child_id) "
                              "VALUES (2, 3)"))
    finally:
        assert schema.upgrade(engine) == schema.head_revision()

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT donation_id, child_id FROM donation_recipients "
                                 "ORDER BY donation_id, child_id")).all()
        assert [tuple(r) for r in rows] == [(1, 1), (1, 2), (2, 3)]
        assert conn.execute(text("SELECT entity_id, summary FROM audit_events")).all() == [
            ("1", "补记受助儿童2名（活动的全部参加儿童，平均分配）")]
    with Session(engine) as session:
        assert donation_summary(session, ADMIN, date_from=HELD, date_to=HELD) == {
            "money_yuan": 1000.0, "children_helped": 3}


def test_a_gift_goes_to_every_attendee_unless_recipients_are_named():
    """`DonationInput()` means every attendee; a tuple, even empty, means chosen."""
    assert DonationInput().follows_attendees
    assert DonationInput().recipients_among((1, 2)) == (1, 2)
    assert replace(DonationInput(), recipient_ids=()).recipients_among((1, 2)) == ()
    assert not replace(DonationInput(), recipient_ids=(2,)).follows_attendees
