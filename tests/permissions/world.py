"""A county of two towns holding one of every record, and who may see which of its people.

Town A (石门镇) has a village and a school; town B (青山乡) the same. Children: A1 and A2 live
and study in A, U1 lives in A but goes to B's school (the union-scope case), B1 and B2 live
and study in B. Helper HA1 (at A's school, linked to the helper login) is paired with A1,
HA2 (town A) has no pairing and its own login, HB (B's school) is paired with B1. Every person
has a name, phone and ID number found nowhere else, so a leak is a plain substring search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from core.vocab import (
    ContactKind,
    HelperKind,
    NeedKind,
    NeedPriority,
    OrgKind,
    Relation,
    RiskLevel,
    Role,
)
from db.models import OrgUnit, ResourceProvider
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care.activities import create_activity
from services.care.activity_checks import ActivityInput, DonationInput
from services.care.campaigns import CampaignInput, create_campaign
from services.care.contacts import log_contact
from services.resources import ledger, needs, survey_answers, surveys, wish_drives, wishes
from services.roster.risk import record_assessment
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user
from tests.pairing_factories import make_relative

TODAY = date(2026, 12, 3)
TERM_START = date(2026, 9, 1)
SYSTEM = Actor.system()


@dataclass(frozen=True)
class Person:
    """A child (with one guardian) or a helper: every string that identifies them."""

    key: str
    name: str
    phone: str
    id_number: str | None = None
    relative: str | None = None
    relative_phone: str | None = None

    @property
    def strings(self) -> tuple[str, ...]:
        found = (self.name, self.phone, self.id_number, self.relative, self.relative_phone)
        return tuple(s for s in found if s)


def id_number(birth: date, serial: str) -> str:
    """A valid 18-digit 身份证号 (GB 11643 check digit) for this birth date."""
    body = f"110101{birth:%Y%m%d}{serial}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


BIRTH = {"A1": date(2015, 3, 1), "A2": date(2014, 4, 2), "U1": date(2013, 5, 3),
         "B1": date(2012, 6, 4), "B2": date(2011, 7, 5)}
CHILDREN = {
    "A1": Person("A1", "柳如烟", "13900000011", id_number(BIRTH["A1"], "001"), "柳大山",
                 "13900000012"),
    "A2": Person("A2", "司马光", "13900000021", id_number(BIRTH["A2"], "003"), "司马懿",
                 "13900000022"),
    "U1": Person("U1", "欧阳锋", "13900000031", id_number(BIRTH["U1"], "005"), "欧阳克",
                 "13900000032"),
    "B1": Person("B1", "慕容复", "13900000041", id_number(BIRTH["B1"], "007"), "慕容博",
                 "13900000042"),
    "B2": Person("B2", "段誉明", "13900000051", id_number(BIRTH["B2"], "009"), "段正淳",
                 "13900000052"),
}
HELPERS = {
    "HA1": Person("HA1", "黄药师", "13700000001"),
    "HA2": Person("HA2", "洪七公", "13700000002"),
    "HB": Person("HB", "欧冶子", "13700000003"),
}
# Each login's display name; the staff's names are people's names too: a viewer sees none
# of them (but their own, in the sidebar).
DISPLAY_NAMES = {"admin": "诸葛管", "coord_town_a": "韦主任", "coord_school_a": "郝校长",
                 "helper_a": "黄药师", "helper_idle": "洪七公", "viewer": "纪督导",
                 "viewer_a": "钟督导"}
STAFF_NAMES = tuple(DISPLAY_NAMES.values())

# Which children and helpers each login may see by name (README › Roles).
VISIBLE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "admin": (frozenset(CHILDREN), frozenset(HELPERS)),
    "coord_town_a": (frozenset({"A1", "A2", "U1"}), frozenset({"HA1", "HA2"})),
    "coord_school_a": (frozenset({"A1", "A2"}), frozenset({"HA1"})),
    "helper_a": (frozenset({"A1"}), frozenset({"HA1"})),
    "helper_idle": (frozenset(), frozenset({"HA2"})),
    "viewer": (frozenset(), frozenset()),
    "viewer_a": (frozenset(), frozenset()),
}
USERS = tuple(VISIBLE)
ROLE_OF = {"admin": Role.admin, "coord_town_a": Role.coordinator,
           "coord_school_a": Role.coordinator, "helper_a": Role.helper,
           "helper_idle": Role.helper, "viewer": Role.viewer, "viewer_a": Role.viewer}


def visible_people(user: str) -> set[str]:
    children, helpers = VISIBLE[user]
    return set(children) | set(helpers)


def hidden_strings(user: str) -> set[str]:
    """Every identifying string of the people this login may not see."""
    seen = visible_people(user)
    hidden = {s for key, p in {**CHILDREN, **HELPERS}.items() if key not in seen
              for s in p.strings}
    if ROLE_OF[user] is Role.viewer:
        hidden.update(STAFF_NAMES)
    return hidden


@dataclass
class World:
    """Ids of everything built, and an Actor per login."""

    ids: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def _places(session: Session, world: World) -> dict[str, OrgUnit]:
    county = make_org(session, "平安县", OrgKind.county)
    town_a = make_org(session, "石门镇", OrgKind.town, parent=county)
    town_b = make_org(session, "青山乡", OrgKind.town, parent=county)
    units = {
        "county": county, "town_a": town_a, "town_b": town_b,
        "village_a": make_org(session, "李家村", OrgKind.village, parent=town_a),
        "school_a": make_org(session, "石门镇中心小学", OrgKind.school, parent=town_a),
        "village_b": make_org(session, "王家村", OrgKind.village, parent=town_b),
        "school_b": make_org(session, "青山乡中心小学", OrgKind.school, parent=town_b),
    }
    world.ids.update({key: unit.id for key, unit in units.items()})
    return units


def _people(session: Session, world: World, units: dict[str, OrgUnit]) -> None:
    homes = {"A1": ("village_a", "school_a"), "A2": ("village_a", "school_a"),
             "U1": ("village_a", "school_b"), "B1": ("village_b", "school_b"),
             "B2": ("village_b", "school_b")}
    for key, (village, school) in homes.items():
        person = CHILDREN[key]
        child = make_child(session, village=units[village], name=person.name,
                           id_number=person.id_number, school_id=units[school].id,
                           birth_date=BIRTH[key],
                           grade="三年级", class_name="1班", address=f"{person.phone}号院")
        make_relative(session, child, Relation.guardian, name=person.relative,
                      phone=person.relative_phone)
        world.ids[key] = child.id
    users = {
        "admin": make_user(session, "admin", Role.admin, display_name="诸葛管"),
        "coord_town_a": make_user(session, "coord_town_a", Role.coordinator,
                                  org_unit=units["town_a"], display_name="韦主任"),
        "coord_school_a": make_user(session, "coord_school_a", Role.coordinator,
                                    org_unit=units["school_a"], display_name="郝校长"),
        "helper_a": make_user(session, "helper_a", Role.helper, display_name="黄药师"),
        "helper_idle": make_user(session, "helper_idle", Role.helper, display_name="洪七公"),
        "viewer": make_user(session, "viewer", Role.viewer, display_name="纪督导"),
        "viewer_a": make_user(session, "viewer_a", Role.viewer, org_unit=units["town_a"],
                              display_name="钟督导"),
    }
    helpers = {
        "HA1": make_helper(session, org_unit=units["school_a"], name=HELPERS["HA1"].name,
                           kind=HelperKind.class_teacher, phone=HELPERS["HA1"].phone,
                           school_id=units["school_a"].id, user_id=users["helper_a"].id),
        "HA2": make_helper(session, org_unit=units["town_a"], name=HELPERS["HA2"].name,
                           phone=HELPERS["HA2"].phone, user_id=users["helper_idle"].id),
        "HB": make_helper(session, org_unit=units["school_b"], name=HELPERS["HB"].name,
                          phone=HELPERS["HB"].phone, school_id=units["school_b"].id),
    }
    world.ids.update({key: h.id for key, h in helpers.items()})
    world.ids["pairing_A1"] = make_pairing(session, _child(session, world, "A1"),
                                           helpers["HA1"]).id
    world.ids["pairing_B1"] = make_pairing(session, _child(session, world, "B1"),
                                           helpers["HB"]).id
    for key, user in users.items():
        world.ids[f"user_{key}"] = user.id
        world.actors[key] = actor_for(session, user)
    world.actors["coord_town_b"] = Actor(None, "coord_town_b", Role.coordinator,
                                         org_unit_id=units["town_b"].id)


def _child(session: Session, world: World, key: str):
    from db.models import Child
    return session.get(Child, world[key])


def _records(session: Session, world: World) -> None:
    """Per town: a contact, an activity with attendance and a donation, a need, a wish,
    a risk assessment, money received and given; county-wide: a survey and a campaign."""
    coord_b = world.actors["coord_town_b"]
    coord_a = world.actors["coord_town_a"]
    provider = ResourceProvider(name="潮汕商会", contact_person="郭靖", phone="13600000001")
    session.add(provider)
    session.flush()
    world.ids["provider"] = provider.id
    drive = wish_drives.create_drive(session, actor=SYSTEM, name="六一满愿",
                                starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31))
    world.ids["drive"] = drive.id
    survey = surveys.create_from_template(session, actor=SYSTEM, held_on=date(2026, 11, 2))
    world.ids["survey"] = survey.id
    question = survey.questions[0]
    for side, child, helper, coord, town in (("A", "A1", "HA1", coord_a, "town_a"),
                                            ("B", "B1", "HB", coord_b, "town_b")):
        world.ids[f"contact_{side}"] = log_contact(
            session, actor=SYSTEM, child_id=world[child], helper_id=world[helper],
            kind=ContactKind.home_visit, contact_date=date(2026, 11, 20), minutes=30,
            notes="家访", today=TODAY).id
        world.ids[f"activity_{side}"] = create_activity(session, actor=SYSTEM, data=ActivityInput(
            kind="safety_education", title=f"安全教育{side}", held_on=date(2026, 11, 10),
            org_unit_id=world[town], child_ids=(world[child],), helper_ids=(world[helper],),
            provider_names=("潮汕商会",),
            donations=(DonationInput(money_yuan=Decimal(100), provider_name="潮汕商会",
                                     recipient_ids=(world[child],)),)), today=TODAY).id
        world.ids[f"need_{side}"] = needs.record_need(
            session, actor=SYSTEM, child_id=world[child], kind=NeedKind.study,
            description="需要辅导", found_on=date(2026, 11, 5), priority=NeedPriority.high,
            due_on=date(2026, 11, 30), today=TODAY).id
        world.ids[f"wish_{side}"] = wishes.collect_wish(
            session, actor=SYSTEM, child_id=world[child], content="一个书包",
            collected_on=date(2026, 11, 3), today=TODAY, drive_id=drive.id).id
        record_assessment(session, actor=SYSTEM, child_id=world[child],
                          assessed_on=date(2026, 11, 4), level=RiskLevel.red, today=TODAY)
        ledger.record_received(session, actor=coord, provider_id=provider.id,
                               donated_on=date(2026, 11, 1), money_yuan=500, today=TODAY)
        world.ids[f"given_{side}"] = ledger.record_given(
            session, actor=coord, donated_on=date(2026, 11, 6), money_yuan=200,
            recipients=[world[child]], today=TODAY).id
        survey_answers.record_answers(session, actor=SYSTEM, survey_id=survey.id,
                               child_id=world[child], answers={question.id: [question.options[0]]})
    # The school's own money, so its coordinator can give some out.
    ledger.record_received(session, actor=world.actors["coord_school_a"], provider_id=None,
                           donated_on=date(2026, 11, 1), money_yuan=100, today=TODAY)
    world.ids["campaign"] = create_campaign(session, actor=SYSTEM, data=CampaignInput(
        name="冬季家访", starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31),
        contact_kind=ContactKind.home_visit)).id


def build_world(session: Session) -> World:
    """Everything above, flushed; the caller commits."""
    world = World()
    units = _places(session, world)
    _people(session, world, units)
    _records(session, world)
    session.flush()
    return world
