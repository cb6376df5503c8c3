"""Who sees, counts and manages what: role × org scope × record, checked through real SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.vocab import HelperKind, OrgKind, PairingEndReason, Role
from db.base import utcnow
from db.models import AuditEvent, Child, Helper, OrgUnit, User
from services.access import audit, orgs, users
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_visible,
    helpers_visible,
    org_units_visible,
)
from services.imports import run_import
from services.stats import headline_counts
from tests.factories import DEFAULT_PASSWORD, make_child, make_helper, make_org, make_pairing

# Hashed once: the refusal cases need a user row, not a fresh bcrypt round each.
PASSWORD_HASH = users.hash_password(DEFAULT_PASSWORD)


@dataclass
class World:
    """Two towns of one county, a school in each place a school can sit, and a few pairings."""

    orgs: dict[str, OrgUnit]
    children: dict[str, Child]
    helpers: dict[str, Helper]

    def actor(self, spec: str) -> Actor:
        """"coordinator@town_a" is scoped to a unit; "helper:h_open" acts as that helper."""
        if spec == "admin":
            return Actor.system()
        role_and_scope, _, helper = spec.partition(":")
        role, _, scope = role_and_scope.partition("@")
        helper_id = None
        if helper and helper != "unlinked":
            helper_id = self.helpers[helper].id
        return Actor(user_id=None, username=spec, role=Role(role),
                     org_unit_id=self.orgs[scope].id if scope else None, helper_id=helper_id)


def build_world(session: Session) -> World:
    county = make_org(session, "平安县", OrgKind.county)
    town_a = make_org(session, "石门镇", OrgKind.town, parent=county)
    village_a1 = make_org(session, "李家村", OrgKind.village, parent=town_a)
    school_a = make_org(session, "石门中学", OrgKind.school, parent=town_a)
    school_v = make_org(session, "李家村小学", OrgKind.school, parent=village_a1)
    town_b = make_org(session, "青山乡", OrgKind.town, parent=county)
    village_b1 = make_org(session, "王家村", OrgKind.village, parent=town_b)
    # Its id starts with town_a's digits: scope "/1/2/" must not reach "/1/299/".
    prefix_town = make_org(session, "石门新区", OrgKind.town, parent=county,
                           id=int(f"{town_a.id}99"))
    prefix_village = make_org(session, "新区村", OrgKind.village, parent=prefix_town)
    units = {
        "county": county, "town_a": town_a, "village_a1": village_a1, "school_a": school_a,
        "school_v": school_v, "town_b": town_b, "village_b1": village_b1,
        "prefix_town": prefix_town, "prefix_village": prefix_village,
    }
    children = {
        "in_village_a1": make_child(session, village=village_a1, name="张小明"),
        "in_other_town": make_child(session, village=village_b1, name="王小红"),
        "school_a_village_b1": make_child(session, village=village_b1, name="王小刚",
                                          school_id=school_a.id),
        "archived_in_village_a1": make_child(session, village=village_a1, name="李小芳",
                                             archived_at=utcnow(), archive_reason="迁出"),
        "school_v_village_b1": make_child(session, village=village_b1, name="王小华",
                                          school_id=school_v.id),
        "in_prefix_town": make_child(session, village=prefix_village, name="赵小兰"),
    }
    helpers = {
        "h_open": make_helper(session, org_unit=village_a1, name="李老师"),
        "h_ended": make_helper(session, org_unit=town_b, name="王老师"),
        "h_idle": make_helper(session, name="陈老师", school_id=school_a.id),
        "h_free": make_helper(session, name="刘志愿者", kind=HelperKind.volunteer),
        "h_archived": make_helper(session, org_unit=village_a1, name="周老师",
                                  archived_at=utcnow()),
    }
    ended = {"started_on": date(2025, 9, 1), "ended_on": date(2026, 1, 15),
             "end_reason": PairingEndReason.other, "end_note": "学期结束"}
    make_pairing(session, children["in_village_a1"], helpers["h_open"])
    make_pairing(session, children["in_other_town"], helpers["h_open"], **ended)
    make_pairing(session, children["in_village_a1"], helpers["h_ended"], **ended)
    make_pairing(session, children["in_village_a1"], helpers["h_free"])
    make_pairing(session, children["school_a_village_b1"], helpers["h_free"])
    make_pairing(session, children["archived_in_village_a1"], helpers["h_free"])
    return World(units, children, helpers)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def cells(matrix: dict[str, str], columns: tuple[str, ...]) -> list:
    """One case per (actor, record): the matrix reads like the table it is."""
    return [
        pytest.param(actor, column, mark, id=f"{actor}-{column}")
        for actor, row in matrix.items()
        for column, mark in zip(columns, row.split(), strict=True)
    ]


# S: names visible (and counted) · C: counted in aggregates, names hidden · -: neither.
# Scope is about place, not status: an archived child stays in scope (callers filter archival).
CHILD_COLUMNS = ("in_village_a1", "in_other_town", "school_a_village_b1",
                 "archived_in_village_a1", "school_v_village_b1", "in_prefix_town")
CHILDREN = {
    #                          a1  other schA  arch schV  prefix
    "admin":                  "S   S     S     S    S     S",
    "coordinator":            "S   S     S     S    S     S",
    "coordinator@town_a":     "S   -     S     S    S     -",
    "coordinator@school_a":   "-   -     S     -    -     -",
    "coordinator@village_a1": "S   -     -     S    S     -",
    "helper:h_open":          "S   -     -     -    -     -",
    "helper:h_ended":         "-   -     -     -    -     -",
    "helper:h_idle":          "-   -     -     -    -     -",
    "helper:unlinked":        "-   -     -     -    -     -",
    "viewer":                 "C   C     C     C    C     C",
    "viewer@town_a":          "C   -     C     C    C     -",
}


@pytest.mark.parametrize(("actor", "record", "mark"), [
    case for case in cells(CHILDREN, CHILD_COLUMNS) if not case.values[0].startswith("viewer")])
def test_children_visible_follows_role_and_scope(session, world, actor, record, mark):
    visible = set(session.scalars(select(Child.id).where(children_visible(world.actor(actor)))))
    assert (world.children[record].id in visible) is (mark == "S")


@pytest.mark.parametrize(("actor", "record", "mark"), cells(CHILDREN, CHILD_COLUMNS))
def test_children_counted_follows_role_and_scope(session, world, actor, record, mark):
    counted = set(session.scalars(select(Child.id).where(children_counted(world.actor(actor)))))
    assert (world.children[record].id in counted) is (mark in {"S", "C"})


@pytest.mark.parametrize("actor", ["viewer", "viewer@town_a"])
def test_viewer_never_gets_a_list_of_children(session, world, actor):
    with pytest.raises(PermissionDenied, match="没有权限进行此操作"):
        children_visible(world.actor(actor))


HELPER_COLUMNS = ("h_open", "h_ended", "h_idle", "h_free", "h_archived")
HELPERS = {
    #                          open ended idle free archived
    "admin":                  "Y    Y     Y    Y    Y",
    "coordinator":            "Y    Y     Y    Y    Y",
    "coordinator@town_a":     "Y    -     Y    -    Y",
    "coordinator@school_a":   "-    -     Y    -    -",
    "coordinator@village_a1": "Y    -     -    -    Y",
    "helper:h_open":          "Y    -     -    -    -",
    "helper:h_ended":         "-    Y     -    -    -",
    "helper:h_idle":          "-    -     Y    -    -",
    "helper:unlinked":        "-    -     -    -    -",
    "viewer":                 "Y    Y     Y    Y    Y",
    "viewer@town_a":          "Y    -     Y    -    Y",
}


@pytest.mark.parametrize(("actor", "record", "mark"), cells(HELPERS, HELPER_COLUMNS))
def test_helpers_visible_follows_role_and_scope(session, world, actor, record, mark):
    visible = set(session.scalars(select(Helper.id).where(helpers_visible(world.actor(actor)))))
    assert (world.helpers[record].id in visible) is (mark == "Y")


ORG_COLUMNS = ("county", "town_a", "village_a1", "school_a", "school_v", "town_b", "village_b1",
               "prefix_town", "prefix_village")
ORG_UNITS = {
    #                          cty  A   A1  schA schV B   B1  pre  preV
    "admin":                  "Y    Y   Y   Y    Y    Y   Y   Y    Y",
    "coordinator":            "Y    Y   Y   Y    Y    Y   Y   Y    Y",
    "coordinator@town_a":     "-    Y   Y   Y    Y    -   -   -    -",
    "coordinator@school_a":   "-    -   -   Y    -    -   -   -    -",
    "coordinator@village_a1": "-    -   Y   -    Y    -   -   -    -",
    "viewer":                 "Y    Y   Y   Y    Y    Y   Y   Y    Y",
    "viewer@town_a":          "-    Y   Y   Y    Y    -   -   -    -",
}


@pytest.mark.parametrize(("actor", "record", "mark"), cells(ORG_UNITS, ORG_COLUMNS))
def test_org_units_visible_is_the_scope_subtree(session, world, actor, record, mark):
    visible = set(session.scalars(select(OrgUnit.id).where(org_units_visible(world.actor(actor)))))
    assert (world.orgs[record].id in visible) is (mark == "Y")


def test_actor_for_ties_a_helper_account_to_its_helper_record(session, world):
    user = User(username="lilaoshi", display_name="李老师", role=Role.helper,
                password_hash=PASSWORD_HASH)
    session.add(user)
    session.flush()
    world.helpers["h_open"].user_id = user.id
    session.flush()

    actor = users.actor_for(session, user)

    assert actor == Actor(user_id=user.id, username="lilaoshi", role=Role.helper,
                          org_unit_id=None, helper_id=world.helpers["h_open"].id)
    visible = list(session.scalars(select(Child.id).where(children_visible(actor))))
    assert visible == [world.children["in_village_a1"].id]


def test_actor_for_carries_a_coordinators_scope(session, world):
    user = User(username="shimen", display_name="石门镇负责人", role=Role.coordinator,
                org_unit_id=world.orgs["town_a"].id, password_hash=PASSWORD_HASH)
    session.add(user)
    session.flush()

    actor = users.actor_for(session, user)

    assert (actor.role, actor.org_unit_id, actor.helper_id) == (
        Role.coordinator, world.orgs["town_a"].id, None)


# --- capabilities --------------------------------------------------------------------------

ROLES = (Role.admin, Role.coordinator, Role.helper, Role.viewer)
CAPABILITIES = {
    #                             admin coord helper viewer
    Capability.VIEW_AGGREGATES:  "Y     Y     -      Y",
    Capability.VIEW_PEOPLE:      "Y     Y     Y      -",
    Capability.EDIT_ROSTER:      "Y     Y     -      -",
    Capability.MANAGE_PAIRINGS:  "Y     Y     -      -",
    Capability.LOG_CONTACTS:     "Y     Y     Y      -",
    Capability.MANAGE_ACTIVITIES: "Y    Y     -      -",
    Capability.MANAGE_RESOURCES: "Y     Y     -      -",
    Capability.MANAGE_RULES:     "Y     -     -      -",
    Capability.EXPORT:           "Y     Y     -      -",
    Capability.EXPORT_SENSITIVE: "Y     Y     -      -",
    Capability.MANAGE_USERS:     "Y     -     -      -",
    Capability.MANAGE_ORGS:      "Y     -     -      -",
    Capability.SEE_WHO_LOOKED:   "Y     Y     -      -",
    Capability.EMERGENCY_VIEW:   "Y     Y     -      -",
}


def test_capability_table_covers_every_capability():
    assert set(CAPABILITIES) == set(Capability)


@pytest.mark.parametrize(("capability", "role", "allowed"), [
    pytest.param(capability, role, mark == "Y", id=f"{role}-{capability}")
    for capability, row in CAPABILITIES.items()
    for role, mark in zip(ROLES, row.split(), strict=True)
])
def test_each_role_has_exactly_its_capabilities(capability, role, allowed):
    actor = Actor(user_id=1, username="someone", role=role)
    assert actor.can(capability) is allowed
    if allowed:
        actor.require(capability)
    else:
        with pytest.raises(PermissionDenied, match="没有权限进行此操作"):
            actor.require(capability)


def _target_user(session: Session) -> User:
    user = User(username="target", display_name="被操作的用户", role=Role.viewer,
                password_hash=PASSWORD_HASH)
    session.add(user)
    session.flush()
    return user


ManageCall = Callable[[Session, Actor, World, User], object]
MANAGING_SERVICES: dict[str, ManageCall] = {
    "create_user": lambda s, a, w, u: users.create_user(
        s, actor=a, username="newcomer", display_name="新用户", role=Role.viewer,
        password="abc12345x"),
    "list_users": lambda s, a, w, u: users.list_users(s, a),
    "set_role_and_scope": lambda s, a, w, u: users.set_role_and_scope(
        s, actor=a, user_id=u.id, role=Role.coordinator, org_unit_id=None, expected_version=1),
    "set_active": lambda s, a, w, u: users.set_active(
        s, actor=a, user_id=u.id, active=False, expected_version=1),
    "reset_password": lambda s, a, w, u: users.reset_password(
        s, actor=a, user_id=u.id, new_password="abc12345x"),
    "recent_events": lambda s, a, w, u: audit.recent_events(s, a),
    "create_org_unit": lambda s, a, w, u: orgs.create_org_unit(
        s, actor=a, name="新镇", kind=OrgKind.town),
    "update_org_unit": lambda s, a, w, u: orgs.update_org_unit(
        s, actor=a, org_unit_id=w.orgs["town_a"].id, expected_version=w.orgs["town_a"].version,
        name="改名镇",
        is_mountain_area=True, enrolled_students=None),
    "archive_org_unit": lambda s, a, w, u: orgs.archive_org_unit(
        s, actor=a, org_unit_id=w.orgs["prefix_village"].id,
        expected_version=w.orgs["prefix_village"].version, reason="撤并"),
    "import_orgs": lambda s, a, w, u: run_import(
        s, actor=a, kind="orgs", data="名称,类型\n新镇,乡镇\n".encode(), filename="orgs.csv"),
}


def _counts(session: Session) -> list[int]:
    return [session.scalar(select(func.count()).select_from(model))
            for model in (User, OrgUnit, AuditEvent)]


@pytest.mark.parametrize("actor", ["coordinator", "coordinator@town_a", "helper:h_open", "viewer"])
@pytest.mark.parametrize("service", list(MANAGING_SERVICES))
def test_only_admins_manage_users_and_org_units(session, world, service, actor):
    target = _target_user(session)
    town = world.orgs["town_a"]
    before = _counts(session), town.version

    with pytest.raises(PermissionDenied, match="没有权限进行此操作"):
        MANAGING_SERVICES[service](session, world.actor(actor), world, target)

    session.flush()
    assert (_counts(session), town.version) == before
    assert (target.is_active, target.role, target.version) == (True, Role.viewer, 1)
    assert (town.name, town.is_mountain_area) == ("石门镇", False)
    assert world.orgs["prefix_village"].archived_at is None


# --- headline numbers --------------------------------------------------------------------

HEADLINES = [
    #  actor                    children helpers open pairings children paired coverage
    ("admin",                   5,       4,      3,            2,              2 / 5),
    ("coordinator",             5,       4,      3,            2,              2 / 5),
    ("coordinator@town_a",      3,       2,      3,            2,              2 / 3),
    ("coordinator@school_a",    1,       1,      1,            1,              1.0),
    ("coordinator@village_a1",  2,       1,      2,            1,              1 / 2),
    # A helper's 首页 counts their own pairings, not a colleague's with the same child.
    ("helper:h_open",           1,       1,      1,            1,              1.0),
    ("helper:h_ended",          0,       1,      0,            0,              None),
    ("helper:unlinked",         0,       0,      0,            0,              None),
    ("viewer",                  5,       4,      3,            2,              2 / 5),
    ("viewer@town_a",           3,       2,      3,            2,              2 / 3),
]


@pytest.mark.parametrize(("actor", "children", "helpers", "pairings", "paired", "coverage"),
                         HEADLINES, ids=[row[0] for row in HEADLINES])
def test_headline_counts_active_records_in_scope(session, world, actor, children, helpers,
                                                 pairings, paired, coverage):
    headline = headline_counts.headline(session, world.actor(actor))

    assert headline == headline_counts.Headline(children=children, helpers=helpers,
                                      active_pairings=pairings, children_paired=paired)
    assert headline.coverage == (None if coverage is None else pytest.approx(coverage))
