"""紧急查看: one child outside one's scope, named exactly, for a reason, for 24 hours, reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from core.validators import id_number_checksum
from core.vocab import NeedKind, Role, ViewKind
from db.base import utcnow
from db.models import AuditEvent, Child, Need, User, ViewEvent, Wish
from services.access.permissions import Actor, children_visible
from services.access.users import actor_for
from services.care.contact_cards import cards_for_children
from services.exports.export_kinds import export_list, hub_lists
from services.exports.roster_export import export_roster
from services.privacy import emergency
from services.privacy.emergency import EmergencyRequest, open_in_emergency
from services.resources.needs import list_needs
from services.roster import records as roster
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import search_children
from tests.factories import make_child, make_town_with_village, make_user

REASON = "该儿童已随父母迁入本镇，需核对原镇的帮扶记录"
BORN = date(2015, 3, 1)
FIRST17 = f"430102{BORN:%Y%m%d}013"
NUMBER = FIRST17 + id_number_checksum(FIRST17)


@dataclass
class World:
    coordinator: User
    admin: Actor
    moved: Child      # lives in 石门镇, outside the coordinator's 清水镇
    own: Child


@pytest.fixture
def world(session: Session) -> World:
    _, stone_village = make_town_with_village(session, "石门镇", "李家村")
    water, water_village = make_town_with_village(session, "清水镇", "王家村")
    moved = make_child(session, village=stone_village, name="林小雨", birth_date=BORN,
                       id_number=NUMBER)
    own = make_child(session, village=water_village, name="王小明")
    coordinator = make_user(session, "qingshui", Role.coordinator, org_unit=water)
    admin = make_user(session, "admin1", Role.admin)
    session.commit()
    return World(coordinator, actor_for(session, admin), moved, own)


def _actor(session: Session, world: World) -> Actor:
    return actor_for(session, world.coordinator)


def _sees(session: Session, actor: Actor, child: Child) -> bool:
    return session.scalar(select(Child.id).where(Child.id == child.id,
                                                 children_visible(actor))) is not None


@pytest.mark.parametrize("named", [
    EmergencyRequest(REASON, id_number=NUMBER),
    EmergencyRequest(REASON, name="林小雨", birth_date=BORN),
])
def test_a_named_child_is_opened_for_24_hours(session: Session, world: World,
                                              named: EmergencyRequest) -> None:
    before = _actor(session, world)
    assert not _sees(session, before, world.moved)

    grant = open_in_emergency(session, before, named, page="roster")
    session.commit()

    after = _actor(session, world)
    assert after.emergency_child_ids == {world.moved.id}
    assert _sees(session, after, world.moved)
    assert roster.get_child(session, after, world.moved.id).name == "林小雨"
    assert grant.expires_at - grant.granted_at == timedelta(hours=24)
    assert session.scalar(select(func.count()).select_from(ViewEvent).where(
        ViewEvent.kind == ViewKind.emergency)) == 1
    logged = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "emergency_view")).one()
    assert logged.after is not None and logged.after["reason"] == REASON


@pytest.mark.parametrize(("hours_ago", "open_now"), [(23.9, True), (24.1, False)])
def test_access_ends_after_24_hours(session: Session, world: World, hours_ago: float,
                                    open_now: bool) -> None:
    open_in_emergency(session, _actor(session, world), EmergencyRequest(REASON, id_number=NUMBER),
                      page="roster", now=utcnow() - timedelta(hours=hours_ago))
    session.commit()
    assert _sees(session, _actor(session, world), world.moved) is open_now


@pytest.mark.parametrize(("named", "field"), [
    (EmergencyRequest("看看", id_number=NUMBER), "理由"),
    (EmergencyRequest("x" * 501, id_number=NUMBER), "理由"),
    (EmergencyRequest(REASON), "儿童"),
    (EmergencyRequest(REASON, name="林小雨"), "儿童"),
])
def test_a_reason_and_an_exact_name_are_required(session: Session, world: World,
                                                 named: EmergencyRequest, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        open_in_emergency(session, _actor(session, world), named, page="roster")
    assert field in str(refused.value)
    assert session.scalar(select(func.count()).select_from(ViewEvent)) == 0


def test_no_match_and_several_matches_read_the_same(session: Session, world: World) -> None:
    _, village = make_town_with_village(session, "白云镇", "张家村")
    make_child(session, village=village, name="周杰", birth_date=BORN)
    make_child(session, village=village, name="周杰", birth_date=BORN)
    session.commit()
    actor = _actor(session, world)
    messages = []
    for named in (EmergencyRequest(REASON, name="周杰", birth_date=BORN),
                  EmergencyRequest(REASON, name="无此人", birth_date=BORN),
                  EmergencyRequest(REASON, id_number=FIRST17[:-1] + "1" + "X")):
        with pytest.raises(DomainError) as refused:
            open_in_emergency(session, actor, named, page="roster")
        messages.append(str(refused.value))
    assert len(set(messages)) == 1 and "找不到唯一" in messages[0]


def test_a_child_in_scope_needs_no_emergency(session: Session, world: World) -> None:
    with pytest.raises(DomainError, match="管辖范围内"):
        open_in_emergency(session, _actor(session, world),
                          EmergencyRequest(REASON, name="王小明", birth_date=world.own.birth_date),
                          page="roster")


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_only_a_coordinator_may_ask(session: Session, world: World, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        open_in_emergency(session, Actor(user_id=None, username="x", role=role),
                          EmergencyRequest(REASON, id_number=NUMBER), page="roster")


def test_an_anonymised_child_cannot_be_opened(session: Session, world: World) -> None:
    world.moved.anonymised_at = datetime(2026, 1, 1)
    session.commit()
    with pytest.raises(DomainError, match="找不到唯一"):
        open_in_emergency(session, _actor(session, world),
                          EmergencyRequest(REASON, id_number=NUMBER), page="roster")


def test_it_waits_for_an_administrator_to_acknowledge(session: Session, world: World) -> None:
    grant = open_in_emergency(session, _actor(session, world),
                              EmergencyRequest(REASON, id_number=NUMBER), page="roster")
    session.commit()
    with pytest.raises(PermissionDenied):
        emergency.review_list(session, _actor(session, world))

    [row] = emergency.review_list(session, world.admin)
    assert (row.username, row.child_name, row.reason, row.active) == (
        "qingshui", "林小雨", REASON, True)
    emergency.acknowledge(session, world.admin, grant.id)
    session.commit()

    assert emergency.review_list(session, world.admin) == []
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "acknowledge", AuditEvent.entity == "emergency_grant")) == 1
    # Acknowledging is a review, not a revocation: the 24 hours run on.
    assert _sees(session, _actor(session, world), world.moved)


def test_the_opened_child_is_for_its_page_not_for_lists_exports_or_cards(
        session: Session, world: World) -> None:
    open_in_emergency(session, _actor(session, world), EmergencyRequest(REASON, id_number=NUMBER),
                      page="roster")
    session.commit()
    actor = _actor(session, world)
    assert roster.get_child(session, actor, world.moved.id).name == "林小雨"
    listed = search_children(session, actor, RosterFilter(), today=date(2026, 11, 28))
    assert [row.name for row in listed.rows] == ["王小明"]
    exported = export_roster(session, actor=actor, roster_filter=RosterFilter(), fmt="csv",
                             today=date(2026, 11, 28), include_sensitive=True)
    assert "王小明".encode() in exported and "林小雨".encode() not in exported
    cards = cards_for_children(session, actor, [world.moved.id, world.own.id], fmt="pdf",
                               today=date(2026, 11, 28), page="roster")
    assert [card.name for card in cards] == ["王小明"]


def test_no_list_or_export_holds_the_opened_child(session: Session, world: World) -> None:
    """Every list of the exports page, masked and in full: the opened child is in none, not
    even masked (a list's masking of the names inside free text knows only its own rows)."""
    session.add(Need(child_id=world.moved.id, kind=NeedKind.medical, found_on=date(2026, 11, 2),
                     description="林小雨的奶奶需要送药"))
    session.add(Wish(child_id=world.moved.id, content="林小雨想要一本字典",
                     collected_on=date(2026, 11, 2)))
    session.commit()
    open_in_emergency(session, _actor(session, world), EmergencyRequest(REASON, id_number=NUMBER),
                      page="roster")
    session.commit()
    actor = _actor(session, world)
    for kind in hub_lists():
        for sensitive in (False, True):
            try:
                text = export_list(session, actor=actor, kind=kind, fmt="csv",
                                   today=date(2026, 11, 28),
                                   include_sensitive=sensitive).data.decode("utf-8-sig")
            except NotFound:  # a survey's lists: this world has no survey
                continue
            assert "小雨" not in text and "林*雨" not in text, (kind, sensitive)
    assert list_needs(session, actor, today=date(2026, 11, 28)) == []


def test_tries_are_limited_and_a_try_that_finds_no_one_is_recorded(
        session: Session, world: World) -> None:
    actor = _actor(session, world)
    nobody = EmergencyRequest(REASON, name="无此人", birth_date=BORN)
    for _ in range(emergency.TRIES_PER_DAY - 1):
        with pytest.raises(emergency.EmergencyNotFound):
            open_in_emergency(session, actor, nobody, page="roster")
        emergency.record_not_found(session, actor, nobody)
    session.commit()
    open_in_emergency(session, actor, EmergencyRequest(REASON, id_number=NUMBER), page="roster")
    session.commit()
    with pytest.raises(DomainError, match="最多紧急查看 5 次"):
        open_in_emergency(session, actor, nobody, page="roster")
    logged = session.scalars(select(AuditEvent.summary).where(
        AuditEvent.action == "emergency_not_found")).all()
    assert logged == ["紧急查看未找到唯一符合的儿童（按姓名和出生日期）"] * 4
    assert all("无此人" not in text for text in logged)
    # A day later the tries are back.
    later = utcnow() + timedelta(hours=24, minutes=1)
    with pytest.raises(emergency.EmergencyNotFound):
        open_in_emergency(session, actor, nobody, page="roster", now=later)
