"""The figures add up: on random worlds, the towns sum to the county and the villages to the town.

Every child and helper is counted in one home unit (`services.roster.home_unit`), so every additive
figure of `stats --json` is a sum: the county's is the sum of its townships', and a township's
is the sum of its villages' plus what belongs to the township itself (its own and its schools'
helpers and activities; children with no village, whom the schema cannot hold: `village_id`
is NOT NULL, so that part is always empty here).

`hypothesis` is not installed, so the worlds come from a seeded `random.Random`, one test per
seed. Besides the sums, a few county and town figures are worked out here from the rows this
file created, so the test cannot pass by both sides being wrong the same way.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.vocab import (
    AcademicLevel,
    ActivityKind,
    Category,
    ContactKind,
    DonationDirection,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedStatus,
    OrgKind,
    RiskLevel,
    WishStatus,
)
from db.base import utcnow
from db.models import Activity, Attendance, Child, Donation, Helper, Need, OrgUnit, Wish
from services.stats.figures import StatsScope, compute
from tests.factories import make_child, make_helper, make_org, make_pairing
from tests.pairing_factories import ADMIN, coordinator_of, make_contact

START, END = date(2026, 9, 1), date(2026, 11, 30)
WORLDS = 16  # each a fresh random world; more would lengthen CI, which runs the suite twice

# The additive breakdowns of `children` in as_json (every code is a count of children).
CHILD_BREAKDOWNS = ("by_category", "by_gender", "by_age_band", "by_guardian_type",
                    "by_left_behind_type", "by_economic_status", "by_academic_level",
                    "by_risk_level", "by_town")
CHILD_COUNTS = ("total", "in_mountain_area", "in_townships", "safety_incident", "key_concern",
                "boarding", "aged_out_review")


# ---- the world, as rows and as this file's own record of them --------------------------

@dataclass
class Kid:
    row: Child
    town: OrgUnit
    village: OrgUnit | None
    school: OrgUnit | None
    archived: bool


@dataclass
class Aide:
    row: Helper
    home: OrgUnit  # its own unit, else its school
    archived: bool


@dataclass
class Event:
    row: Activity
    held_by: OrgUnit
    kind: str
    on: date
    sessions: int
    person_times: int
    archived: bool


@dataclass
class World:
    county: OrgUnit
    towns: list[OrgUnit]
    villages: dict[int, list[OrgUnit]]  # town id → its villages (村 or 社区)
    schools: dict[int, list[OrgUnit]]  # town id → its schools
    kids: list[Kid] = field(default_factory=list)
    aides: list[Aide] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    gifts: list[tuple[OrgUnit, Decimal, date, DonationDirection, bool]] = field(
        default_factory=list)
    open_pairs: set[tuple[int, int]] = field(default_factory=set)  # (child id, helper id)

    def town_of(self, unit: OrgUnit) -> OrgUnit:
        """The township a village or school lies in (a town is its own)."""
        for town in self.towns:
            if unit.id == town.id or unit in self.villages[town.id] or unit in self.schools[
                    town.id]:
                return town
        raise AssertionError(f"{unit.name} lies in no town")

    @property
    def units(self) -> list[OrgUnit]:
        """Every town, village and school (the county holds nothing itself here)."""
        return [*self.towns, *(v for t in self.towns for v in self.villages[t.id]),
                *(s for t in self.towns for s in self.schools[t.id])]

    @property
    def active_kids(self) -> list[Kid]:
        return [k for k in self.kids if not k.archived]


def _date(rng: random.Random) -> date:
    """Mostly inside the period, sometimes just before or after it, or on its ends."""
    choice = rng.random()
    if choice < 0.15:
        return START - timedelta(days=rng.randint(1, 60))
    if choice < 0.25:
        return END + timedelta(days=rng.randint(1, 60))
    if choice < 0.35:
        return rng.choice([START, END])
    return START + timedelta(days=rng.randint(0, (END - START).days))


def _maybe(rng: random.Random, vocab: type, blank: float = 0.2) -> Any:
    return None if rng.random() < blank else rng.choice(list(vocab))


def build(session: Session, seed: int) -> World:
    rng = random.Random(seed)
    county = make_org(session, "平安县", OrgKind.county)
    world = World(county, [], {}, {})
    n_towns = rng.randint(2, 4)
    for t in range(n_towns):
        street = t > 0 and rng.random() < 0.3  # the first is always a 乡镇
        kind = OrgKind.subdistrict if street else OrgKind.town
        town = make_org(session, f"城关{t}街道" if street else f"石门{t}镇", kind, parent=county)
        world.towns.append(town)
        world.villages[town.id] = [
            make_org(session, f"{town.name}{v}{'社区' if street else '村'}",
                     OrgKind.community if street else OrgKind.village, parent=town,
                     is_mountain_area=rng.random() < 0.4)
            for v in range(rng.randint(1, 3))]
        world.schools[town.id] = [
            make_org(session, f"{town.name}第{s}小学", OrgKind.school, parent=town,
                     enrolled_students=rng.choice([None, rng.randint(20, 300)]))
            for s in range(rng.randint(0, 2))]
    all_schools = [s for schools in world.schools.values() for s in schools]
    all_units = world.units

    # Children: one village each (NOT NULL in the schema); a school anywhere or none.
    n_children = 0 if seed == 0 else rng.randint(0, 30)
    for i in range(n_children):
        town = rng.choice(world.towns)
        village = rng.choice(world.villages[town.id])
        school = None
        if all_schools and rng.random() < 0.7:
            elsewhere = [s for s in all_schools if s not in world.schools[town.id]]
            # Often a school in another town: counted at home, served by that school's town.
            school = rng.choice(elsewhere if elsewhere and rng.random() < 0.4 else all_schools)
        archived = rng.random() < 0.1
        categories = tuple(rng.sample(list(Category), rng.choice([0, 1, 1, 1, 2])))
        extra: dict[str, Any] = {"archived_at": utcnow(), "archive_reason": "moved_away"} \
            if archived else {}
        row = make_child(
            session, village=village, name=f"儿童{i}", categories=categories,
            gender=rng.choice(list(Gender)),
            birth_date=date(2008, 9, 1) + timedelta(days=rng.randint(0, 18 * 365)),
            school_id=school.id if school else None,
            guardian_type=_maybe(rng, GuardianType),
            left_behind_type=_maybe(rng, LeftBehindType, 0.4),
            economic_status=_maybe(rng, EconomicStatus),
            academic_level=_maybe(rng, AcademicLevel),
            risk_level=_maybe(rng, RiskLevel, 0.3),
            in_mountain_area=rng.choice([None, None, True, False]),
            safety_incident=rng.random() < 0.2, key_concern=rng.random() < 0.3,
            boarding=rng.random() < 0.3, **extra)
        world.kids.append(Kid(row, town, village, school, archived))

    # Helpers: an own unit (town, village or school), sometimes a school elsewhere, or a school
    # only.
    for i in range(rng.randint(0, 10)):
        school = rng.choice(all_schools) if all_schools and rng.random() < 0.4 else None
        own = None if school is not None and rng.random() < 0.3 else rng.choice(all_units)
        archived = rng.random() < 0.15
        extra = {"archived_at": utcnow(), "archive_reason": "调走"} if archived else {}
        row = make_helper(session, org_unit=own, name=f"帮扶人{i}",
                          kind=rng.choice(list(HelperKind)),
                          school_id=school.id if school else None, **extra)
        world.aides.append(Aide(row, own or school, archived))

    # Pairings, some ended; at most one open pairing per child and helper.
    for _ in range(rng.randint(0, 25) if world.kids and world.aides else 0):
        kid, aide = rng.choice(world.kids), rng.choice(world.aides)
        if (kid.row.id, aide.row.id) in world.open_pairs:
            continue
        if rng.random() < 0.25:
            make_pairing(session, kid.row, aide.row, started_on=date(2026, 3, 1),
                         ended_on=date(2026, 6, 1))
        else:
            make_pairing(session, kid.row, aide.row)
            world.open_pairs.add((kid.row.id, aide.row.id))

    # Care contacts, in and out of the period, a few archived.
    for _ in range(rng.randint(0, 40) if world.kids else 0):
        kid = rng.choice(world.kids)
        aide = rng.choice(world.aides) if world.aides and rng.random() < 0.8 else None
        make_contact(session, kid.row, aide.row if aide else None, _date(rng),
                     kind=rng.choice(list(ContactKind)),
                     **({"archived_at": utcnow()} if rng.random() < 0.1 else {}))

    # Activities held by towns, villages or schools, with attendees from anywhere.
    for i in range(rng.randint(0, 12)):
        held_by = rng.choice(all_units)
        attendees = rng.sample(world.kids, rng.randint(0, min(6, len(world.kids))))
        on, kind = _date(rng), rng.choice(list(ActivityKind)).value
        n_sessions, extra_times = rng.randint(1, 3), rng.choice([0, 0, rng.randint(1, 20)])
        archived = rng.random() < 0.1
        row = Activity(kind=kind, title=f"活动{i}", held_on=on, org_unit_id=held_by.id,
                       sessions=n_sessions, extra_person_times=extra_times,
                       archived_at=utcnow() if archived else None)
        session.add(row)
        session.flush()
        for kid in attendees:
            session.add(Attendance(activity_id=row.id, child_id=kid.row.id))
        session.flush()
        world.events.append(Event(row, held_by, kind, on, n_sessions,
                                  len(attendees) + extra_times, archived))

    # Donations given, given directly or received, by towns, villages or schools.
    for _ in range(rng.randint(0, 8)):
        unit = rng.choice(all_units)
        direction = rng.choice(list(DonationDirection))
        money = Decimal(rng.randint(0, 2000)) / 2
        on = _date(rng)
        archived = rng.random() < 0.1
        row = Donation(direction=direction, donated_on=on, money_yuan=money,
                       org_unit_id=unit.id, archived_at=utcnow() if archived else None)
        row.recipients = [k.row for k in rng.sample(world.kids,
                                                    rng.randint(0, min(4, len(world.kids))))]
        session.add(row)
        session.flush()
        world.gifts.append((unit, money, on, direction, archived))

    # Needs and wishes of random children.
    for _ in range(rng.randint(0, 15) if world.kids else 0):
        session.add(Need(child_id=rng.choice(world.kids).row.id, kind=rng.choice(list(NeedKind)),
                         status=rng.choice(list(NeedStatus)), found_on=_date(rng),
                         archived_at=utcnow() if rng.random() < 0.1 else None))
    for _ in range(rng.randint(0, 10) if world.kids else 0):
        collected = _date(rng)
        fulfilled = collected + timedelta(days=rng.randint(0, 40)) if rng.random() < 0.5 \
            else None
        session.add(Wish(child_id=rng.choice(world.kids).row.id, content="书包",
                         collected_on=collected, fulfilled_on=fulfilled,
                         status=WishStatus.fulfilled if fulfilled else WishStatus.collected,
                         archived_at=utcnow() if rng.random() < 0.1 else None))
    session.flush()
    return world


# ---- reading the figures ------------------------------------------------------------------

def stats(session: Session, unit: OrgUnit | None, actor=ADMIN) -> dict[str, Any]:
    scope = StatsScope(START, END, unit.id if unit else None)
    return compute(session, actor, scope, today=END).as_json()


def additive(figures: dict[str, Any]) -> Counter[str]:
    """Every additive figure of `stats --json`, flattened to "children.by_gender.male" → n."""
    out: Counter[str] = Counter()
    c = figures["children"]
    for key in CHILD_COUNTS:
        out[f"children.{key}"] = c[key]
    for group in CHILD_BREAKDOWNS:
        for code, n in c[group].items():
            out[f"children.{group}.{code}"] = n
    p = figures["pairing"]
    for key in ("helpers", "children_paired", "unpaired"):
        out[f"pairing.{key}"] = p[key]
    for code, n in p["helpers_by_kind"].items():
        out[f"pairing.helpers_by_kind.{code}"] = n
    for code, tally in figures["contacts"]["by_kind"].items():
        out[f"contacts.{code}.count"] = tally["count"]
        out[f"contacts.{code}.children"] = tally["children"]
    for code, a in figures["activities"]["by_kind"].items():
        out[f"activities.{code}.sessions"] = a["sessions"]
        out[f"activities.{code}.person_times"] = a["person_times"]
    out["activities.total.sessions"] = figures["activities"]["total"]["sessions"]
    out["activities.total.person_times"] = figures["activities"]["total"]["person_times"]
    for group in ("by_kind", "by_status"):
        for code, n in figures["needs"][group].items():
            out[f"needs.{group}.{code}"] = n
    for key, n in figures["wishes"].items():
        out[f"wishes.{key}"] = n
    out["donations.children_helped"] = figures["donations"]["children_helped"]
    return out


def summed(parts: list[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        for key, n in part.items():
            total[key] += n
    return total


def differences(whole: Counter[str], parts: Counter[str]) -> dict[str, tuple[int, int]]:
    """Keys whose whole differs from the sum of its parts: key → (whole, sum)."""
    return {key: (whole[key], parts[key]) for key in sorted(set(whole) | set(parts))
            if whole[key] != parts[key]}


# ---- what belongs to a township itself, worked out from the rows ---------------------------

def own_part(world: World, town: OrgUnit) -> Counter[str]:
    """What a township counts that none of its villages does: children with no village (none:
    the schema requires one), helpers at home in the township itself or its schools, and the
    activities they hold."""
    own = {town.id} | {s.id for s in world.schools[town.id]}
    part: Counter[str] = Counter()
    for kid in world.active_kids:
        assert kid.village is not None  # village_id is NOT NULL: nothing to add for children
    for aide in world.aides:
        if not aide.archived and aide.home.id in own:
            part["pairing.helpers"] += 1
            part[f"pairing.helpers_by_kind.{aide.row.kind.value}"] += 1
    for event in world.events:
        if not event.archived and START <= event.on <= END and event.held_by.id in own:
            for key in (event.kind, "total"):
                part[f"activities.{key}.sessions"] += event.sessions
                part[f"activities.{key}.person_times"] += event.person_times
    return part


def money_given(world: World, units: set[int]) -> float:
    return float(sum(money for unit, money, on, direction, archived in world.gifts
                     if unit.id in units and not archived and START <= on <= END
                     and direction is not DonationDirection.received))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def band(born: date) -> str | None:
    age = age_on(born, END)
    for name, low, high in (("0-6", -99, 6), ("7-12", 7, 12), ("13-15", 13, 15),
                            ("16-18", 16, 18)):
        if low <= age <= high:
            return name
    return None


def expected_county(world: World) -> dict[str, Any]:
    """A few county figures worked out from this file's own record of the rows."""
    kids = world.active_kids
    live_helpers = {a.row.id for a in world.aides if not a.archived}
    paired = {child for child, helper in world.open_pairs if helper in live_helpers}
    mountain = [k for k in kids if (k.row.in_mountain_area if k.row.in_mountain_area is not None
                                    else k.village.is_mountain_area)]
    in_period = [e for e in world.events if not e.archived and START <= e.on <= END]
    return {
        "total": len(kids),
        "by_gender": Counter(k.row.gender.value for k in kids),
        "by_category": Counter(c.category.value for k in kids for c in k.row.categories),
        "by_town": Counter(k.town.name for k in kids),
        "by_risk_level": Counter(k.row.risk_level.value if k.row.risk_level else "unassessed"
                                 for k in kids),
        "by_age_band": Counter(b for k in kids if (b := band(k.row.birth_date))),
        "in_townships": sum(1 for k in kids if k.town.kind is OrgKind.town),
        "in_mountain_area": len(mountain),
        "children_paired": sum(1 for k in kids if k.row.id in paired),
        "helpers": len(live_helpers),
        "sessions": sum(e.sessions for e in in_period),
        "person_times": sum(e.person_times for e in in_period),
    }


def nonzero(counts: dict[str, int]) -> Counter[str]:
    return Counter({k: v for k, v in counts.items() if v})


# ---- the test -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(WORLDS))
def test_towns_add_up_to_the_county_and_villages_to_the_town(session, seed):
    world = build(session, seed)
    county_json = stats(session, world.county)
    county = additive(county_json)
    towns = {town.id: stats(session, town) for town in world.towns}

    # The county is the sum of its townships, figure by figure.
    assert differences(county, summed([additive(t) for t in towns.values()])) == {}, (
        f"seed {seed}: county ≠ sum of its townships (figure: (county, sum))")
    assert county_json["donations"]["money_yuan"] == pytest.approx(
        sum(t["donations"]["money_yuan"] for t in towns.values()))

    # Each township is the sum of its villages plus what belongs to the township itself.
    for town in world.towns:
        villages = [stats(session, v) for v in world.villages[town.id]]
        own = own_part(world, town)
        assert differences(additive(towns[town.id]),
                           summed([*map(additive, villages), own])) == {}, (
            f"seed {seed}: {town.name} ≠ its villages + its own part (figure: (town, sum))")
        own_units = {town.id} | {s.id for s in world.schools[town.id]}
        assert towns[town.id]["donations"]["money_yuan"] == pytest.approx(
            sum(v["donations"]["money_yuan"] for v in villages)
            + money_given(world, own_units))

    # Independently of compute: the county's figures from the rows this test made.
    e = expected_county(world)
    c = county_json["children"]
    assert c["total"] == e["total"]
    assert nonzero(c["by_gender"]) == e["by_gender"]
    assert nonzero(c["by_category"]) == e["by_category"]
    assert nonzero(c["by_town"]) == e["by_town"]
    assert nonzero(c["by_risk_level"]) == e["by_risk_level"]
    assert nonzero(c["by_age_band"]) == e["by_age_band"]
    assert (c["in_townships"], c["in_mountain_area"]) == (e["in_townships"],
                                                           e["in_mountain_area"])
    assert county_json["pairing"]["children_paired"] == e["children_paired"]
    assert county_json["pairing"]["unpaired"] == e["total"] - e["children_paired"]
    assert county_json["pairing"]["helpers"] == e["helpers"]
    assert county_json["activities"]["total"] == {"sessions": e["sessions"],
                                                  "person_times": e["person_times"]}
    assert county_json["donations"]["money_yuan"] == pytest.approx(money_given(
        world, {u.id for u in world.units}))
    # With a single county, the whole database is the county.
    assert stats(session, None) == county_json


@pytest.mark.parametrize("seed", range(WORLDS))
def test_a_township_counts_only_the_children_living_in_it(session, seed):
    """A child at a town's school who lives in another town is counted at home, and the
    town's coordinator is told how many such children there are."""
    world = build(session, seed)
    for town in world.towns:
        at_home = [k for k in world.active_kids if k.town.id == town.id]
        own_schools = {s.id for s in world.schools[town.id]}
        from_elsewhere = [k for k in world.active_kids
                          if k.school and k.school.id in own_schools and k.town.id != town.id]
        figures = stats(session, town)
        assert figures["children"]["total"] == len(at_home)
        # by_town names the townships of the children counted: only this one
        assert nonzero(figures["children"]["by_town"]) == (
            Counter({town.name: len(at_home)}) if at_home else Counter())
        for village in world.villages[town.id]:
            assert stats(session, village)["children"]["total"] == sum(
                1 for k in at_home if k.village.id == village.id)

        coordinator = coordinator_of(town)
        scope = StatsScope(START, END)
        mine = compute(session, coordinator, scope, today=END)
        assert mine.children.attending_from_elsewhere == len(from_elsewhere), (
            f"seed {seed}: {town.name}")
        assert mine.children.total == len(at_home)
        # the coordinator's own figures are the admin's figures of the town
        assert mine.as_json() == figures
        admin = compute(session, ADMIN, StatsScope(START, END, town.id), today=END)
        assert admin.children.attending_from_elsewhere == len(from_elsewhere)

    # A school counts the children enrolled there, wherever they live.
    for schools in world.schools.values():
        for school in schools:
            assert stats(session, school)["children"]["total"] == sum(
                1 for k in world.active_kids if k.school and k.school.id == school.id)
    # The county has no "elsewhere" within itself.
    county = compute(session, coordinator_of(world.county), StatsScope(START, END), today=END)
    assert county.children.attending_from_elsewhere == 0
    assert county.children.total == len(world.active_kids)


def test_the_worlds_cover_the_cases_that_matter(session):
    """The random worlds are not vacuous: across the seeds there are children and helpers at
    another town's school, subdistricts, archived rows, activities and an empty county."""
    shapes = Counter()
    for seed in range(WORLDS):
        session.rollback()
        world = build(session, seed)
        school_town = {s.id: town for town in world.towns for s in world.schools[town.id]}
        kids = world.active_kids
        shapes["empty"] += not kids
        shapes["child at another town's school"] += any(
            k.school and school_town[k.school.id].id != k.town.id for k in kids)
        shapes["helper at another town's school"] += any(
            a.row.school_id and a.row.org_unit_id and not a.archived
            and school_town[a.row.school_id].id != world.town_of(a.home).id
            for a in world.aides)
        shapes["helper with a school only"] += any(
            a.row.org_unit_id is None and not a.archived for a in world.aides)
        shapes["subdistrict"] += any(t.kind is OrgKind.subdistrict for t in world.towns)
        shapes["archived child"] += any(k.archived for k in world.kids)
        shapes["activity in the period"] += any(
            not e.archived and START <= e.on <= END for e in world.events)
    session.rollback()
    assert shapes["empty"] >= 1
    for case in ("child at another town's school", "helper at another town's school",
                 "subdistrict", "archived child", "activity in the period"):
        assert shapes[case] >= 5, (case, shapes)
    assert shapes["helper with a school only"] >= 2, shapes
