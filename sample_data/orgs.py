"""The organisation tree: one county, its towns and subdistrict, villages and schools."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.vocab import OrgKind
from sample_data import places
from sample_data.context import Context, stamp, stamps
from sample_data.quota import choose
from sample_data.writer import Row

MOUNTAIN_SHARE = 0.4
PRIMARY, MIDDLE, HIGH, COMBINED = "primary", "middle", "high", "combined"
# Grade indexes each level teaches: 0 is 一年级, 6 is 七年级, 9 is 高一.
GRADES_TAUGHT = {PRIMARY: range(0, 6), MIDDLE: range(6, 9), HIGH: range(9, 12),
                 COMBINED: range(0, 9)}


@dataclass
class Unit:
    id: int
    name: str
    kind: OrgKind
    parent: Unit | None
    path: str
    mountain: bool = False
    enrolled: int | None = None

    @property
    def town(self) -> Unit:
        """The town or subdistrict this unit is in (itself for a town)."""
        unit = self
        while unit.kind not in (OrgKind.town, OrgKind.subdistrict) and unit.parent is not None:
            unit = unit.parent
        return unit


@dataclass
class School:
    unit: Unit
    level: str
    classes_per_grade: int
    village_id: int | None = None  # a 村小 serves one village


@dataclass
class Village:
    unit: Unit
    town: Unit
    weight: float
    clan: str | None  # the surname the village is named after (李家湾村 → 李)


@dataclass
class OrgTree:
    county: Unit
    towns: list[Unit] = field(default_factory=list)
    villages: list[Village] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    def schools_in(self, town_id: int, level: str) -> list[School]:
        return [s for s in self.schools if s.unit.parent and s.unit.parent.id == town_id
                and s.level == level]


def build_tree(ctx: Context) -> OrgTree:
    """Lay out the county; enrolled_students are filled in once the children are placed."""
    rng = ctx.rng("orgs")
    scale = ctx.scale
    tree = OrgTree(county=_unit(ctx, ctx.county_name, OrgKind.county, None))
    tree.units.append(tree.county)
    per_town = [rng.randint(*scale.villages_per_town) for _ in range(scale.towns)]
    names = iter(places.village_names(rng, sum(per_town)))
    upland: set[int] = set()
    for index, village_count in enumerate(per_town):
        town = _add(ctx, tree, places.TOWNS[index], OrgKind.town, tree.county)
        tree.towns.append(town)
        if rng.random() < 0.45:
            upland.add(town.id)
        for _ in range(village_count):
            name, clan = next(names)
            village = _add(ctx, tree, name, OrgKind.village, town)
            tree.villages.append(Village(village, town, rng.uniform(0.5, 1.5), clan))
    # 40% of villages are in the mountains, clustered in upland towns (the seeds' 北部山区).
    for index in choose(rng, tree.villages, MOUNTAIN_SHARE,
                        lambda v: 8 if v.town.id in upland else 1):
        tree.villages[index].unit.mountain = True
    for index in range(scale.subdistricts):
        district = _add(ctx, tree, places.SUBDISTRICTS[index], OrgKind.subdistrict, tree.county)
        tree.towns.append(district)
        for name in places.COMMUNITIES[:scale.communities_per_subdistrict]:
            community = _add(ctx, tree, name, OrgKind.community, district)
            # Few children on the roster live in the county seat (the seeds: 98.8% in 乡镇).
            tree.villages.append(Village(community, district, rng.uniform(0.05, 0.15), None))
    _add_schools(ctx, rng, tree)
    return tree


def _add_schools(ctx: Context, rng: random.Random, tree: OrgTree) -> None:
    scale = ctx.scale
    for index, town in enumerate(t for t in tree.towns if t.kind is OrgKind.town):
        short = town.name
        if scale.combined_school:
            _school(ctx, tree, f"{short}中心学校", town, COMBINED, 2)
            continue
        if index < scale.central_schools:
            _school(ctx, tree, f"{short}中心小学", town, PRIMARY, rng.randint(2, 3))
        if index < scale.middle_schools:
            _school(ctx, tree, f"{short}中学", town, MIDDLE, rng.randint(3, 6))
        own = [v for v in tree.villages if v.town is town]
        for village in rng.sample(own, min(len(own), rng.randint(*scale.village_schools_per_town))):
            school = _school(ctx, tree, places.village_school_name(village.unit.name), town,
                             PRIMARY, 1)
            school.village_id = village.unit.id
    if scale.seat_schools:
        seat = next(t for t in tree.towns if t.kind is OrgKind.subdistrict)
        _school(ctx, tree, "城关实验小学", seat, PRIMARY, 4)
        _school(ctx, tree, f"{ctx.county_name}第二中学", seat, MIDDLE, 8)
        _school(ctx, tree, f"{ctx.county_name}第一中学", tree.county, HIGH, 10)
        _school(ctx, tree, f"{ctx.county_name}职业中学", tree.county, HIGH, 6)


def _school(ctx: Context, tree: OrgTree, name: str, parent: Unit, level: str,
            classes: int) -> School:
    school = School(_add(ctx, tree, name, OrgKind.school, parent), level, classes)
    tree.schools.append(school)
    return school


def _add(ctx: Context, tree: OrgTree, name: str, kind: OrgKind, parent: Unit) -> Unit:
    unit = _unit(ctx, name, kind, parent)
    tree.units.append(unit)
    return unit


def _unit(ctx: Context, name: str, kind: OrgKind, parent: Unit | None) -> Unit:
    unit_id = ctx.new_id("org_units")
    return Unit(unit_id, name, kind, parent, f"{parent.path if parent else '/'}{unit_id}/")


def set_enrolled(ctx: Context, tree: OrgTree, pupils: dict[int, int]) -> None:
    """Give each school an enrolled count so its roster children are the scale's share of it."""
    rng = ctx.rng("enrolled")
    for school in tree.schools:
        count = pupils.get(school.unit.id, 0)
        if count:
            share = rng.uniform(*ctx.scale.enrolled_share)
            school.unit.enrolled = max(count + 5, round(count / share))
        else:
            school.unit.enrolled = rng.randint(150, 400)


def org_rows(ctx: Context, tree: OrgTree) -> list[Row]:
    """The org_units rows, each parent before its children."""
    rng = ctx.rng("org-rows")
    created = stamp(rng, ctx.roster_day)
    return [{
        "id": u.id, "name": u.name, "kind": u.kind.value,
        "parent_id": u.parent.id if u.parent else None, "path": u.path,
        "is_mountain_area": u.mountain, "enrolled_students": u.enrolled,
        "archived_at": None, "archive_reason": None, **stamps(created),
    } for u in tree.units]
