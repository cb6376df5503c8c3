"""结对帮扶 in numbers: active helpers by kind, and children with and without an active helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.vocab import ArchiveReason, HelperKind, PairingEndReason, Role
from db.base import utcnow
from db.models import Child, Helper, OrgUnit
from services.access.permissions import Actor
from services.pairing import pairing_board
from services.pairing import pairings as pairing
from services.roster import helpers
from services.roster import records as roster
from services.stats.headline_counts import PairingStats, pairing_stats
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_places,
)


@dataclass
class World:
    town_a: OrgUnit
    town_b: OrgUnit
    children: dict[str, Child]
    helpers: dict[str, Helper]


@pytest.fixture
def world(session: Session) -> World:
    places = make_places(session)
    a, b = places.village, places.far_village

    def child(name: str, village: OrgUnit, **overrides) -> Child:
        return make_child_in(session, village, name, **overrides)

    children = {
        "paired": child("甲", a),
        "helper_left": child("乙", a),
        "ended_only": child("丙", a),
        "archived": child("丁", a, archived_at=utcnow(), archive_reason="moved_away"),
        "far_paired": child("戊", b),
        "far_waiting": child("己", b),
    }
    helper_rows = {
        "li": make_helper(session, org_unit=a, name="李老师", capacity=5),
        "liu": make_helper(session, org_unit=a, name="刘志愿者", kind=HelperKind.volunteer),
        "zhou": make_helper(session, org_unit=a, name="周老师", archived_at=utcnow(),
                            archive_reason="调走"),
        "wang": make_helper(session, org_unit=b, name="王志愿者", kind=HelperKind.volunteer),
    }
    make_pairing(session, children["paired"], helper_rows["li"])
    make_pairing(session, children["archived"], helper_rows["li"])
    make_pairing(session, children["helper_left"], helper_rows["zhou"])
    make_pairing(session, children["ended_only"], helper_rows["liu"],
                 started_on=date(2025, 9, 1), ended_on=date(2026, 1, 10),
                 end_reason=PairingEndReason.child_moved)
    make_pairing(session, children["far_paired"], helper_rows["wang"])
    return World(places.town, places.other_town, children, helper_rows)


def actor_for(world: World, spec: str) -> Actor:
    return {
        "admin": ADMIN,
        "viewer": Actor(None, "v", Role.viewer),
        "coordinator@town_a": coordinator_of(world.town_a),
        "coordinator@town_b": coordinator_of(world.town_b),
        "viewer@town_a": Actor(None, "v", Role.viewer, org_unit_id=world.town_a.id),
        "helper:li": helper_actor(world.helpers["li"]),
        "helper:unlinked": Actor(None, "h", Role.helper),
    }[spec]


STATS = [
    #  actor                 teachers volunteers children paired unpaired coverage
    ("admin",                1,       2,         5,       2,     3,       2 / 5),
    ("viewer",               1,       2,         5,       2,     3,       2 / 5),
    ("coordinator@town_a",   1,       1,         3,       1,     2,       1 / 3),
    ("viewer@town_a",        1,       1,         3,       1,     2,       1 / 3),
    ("coordinator@town_b",   0,       1,         2,       1,     1,       1 / 2),
    ("helper:li",            1,       0,         1,       1,     0,       1.0),
    ("helper:unlinked",      0,       0,         0,       0,     0,       0.0),
]


@pytest.mark.parametrize(("actor", "teachers", "volunteers", "children", "paired", "unpaired",
                          "coverage"), STATS, ids=[row[0] for row in STATS])
def test_pairing_stats_count_active_records_in_scope(session, world, actor, teachers,
                                                     volunteers, children, paired, unpaired,
                                                     coverage):
    result = pairing_stats(session, actor_for(world, actor))

    by_kind = {kind.value: 0 for kind in HelperKind} | {
        "teacher": teachers, "volunteer": volunteers}
    assert result == PairingStats(teachers + volunteers, by_kind, children, paired)
    assert result.unpaired == unpaired
    assert result.coverage == pytest.approx(coverage)


def test_a_child_counts_as_paired_only_while_their_helper_is_active(session, world):
    li = world.helpers["li"]
    assert pairing_stats(session, ADMIN).children_paired == 2

    helpers.deactivate_helper(session, actor=ADMIN, helper_id=li.id, expected_version=1,
                              reason="调往县城")
    after = pairing_stats(session, ADMIN)
    assert (after.children_paired, after.unpaired, after.helpers) == (1, 4, 2)
    assert pairing_board.count_unpaired(session, ADMIN) == 4

    pairing.pair(session, actor=ADMIN, child_id=world.children["paired"].id,
                 helper_id=world.helpers["liu"].id, started_on=TODAY, today=TODAY)
    assert pairing_stats(session, ADMIN).children_paired == 2


def test_an_archived_child_leaves_the_pairing_numbers(session, world):
    child = world.children["paired"]
    roster.archive_child(session, actor=ADMIN, child_id=child.id,
                         expected_version=child.version, reason=ArchiveReason.moved_away)
    result = pairing_stats(session, ADMIN)
    assert (result.children, result.children_paired) == (4, 1)
