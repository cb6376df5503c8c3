"""The children on the roster: who they are, where they live and study, and how they are doing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from core.validators import add_years, age_on
from core.vocab import ArchiveReason, Category, OrgKind
from sample_data import names, places
from sample_data.context import Context, day_between, pick
from sample_data.orgs import COMBINED, HIGH, MIDDLE, PRIMARY, OrgTree, School, Village
from sample_data.quota import deal
from sample_data.writer import Row

GRADE_NAMES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级",
               "九年级", "高一", "高二", "高三")
CATEGORY_MIX = (("left_behind", 78), ("in_difficulty", 14), ("de_facto_unsupported", 3),
                ("scattered_orphan", 2), ("disabled", 3))
# The seeds' shares: (外)祖父母 58%, 父母单方 31%, 亲友 11%.
GUARDIAN_MIX = (("grandparents", 58), ("single_parent", 31), ("relatives_friends", 10.6),
                ("other", 0.4))
RISK_ORDER = ("green", "blue", "yellow", "red")
# The counties' 四色 grading: mostly green and blue, ~15% yellow, ~5% red.
RISK_MIX = (("green", 50), ("blue", 30), ("yellow", 15), ("red", 5))
GENDER_MIX = (("male", 50), ("female", 50))
ARCHIVE_MIX = ((ArchiveReason.parents_returned, 50), (ArchiveReason.moved_away, 30),
               (ArchiveReason.no_longer_eligible, 12), (ArchiveReason.other, 3))


@dataclass(slots=True)
class Kid:
    """What later steps need to know about a child (the row itself is written and dropped)."""

    id: int
    name: str
    surname: str
    gender: str
    birth: date
    age: int
    village: Village
    address: str
    school: School | None
    grade: int | None
    class_name: str | None
    categories: tuple[str, ...]
    registered_on: date
    guardian_type: str = ""
    left_behind_type: str | None = None
    archived_on: date | None = None
    archive_reason: str | None = None
    risk: str | None = None
    guardian: str = "监护人"  # how the child calls the guardian, for contact notes

    @property
    def town_id(self) -> int:
        return self.village.town.id

    @property
    def class_label(self) -> str | None:
        """三年级2班, the way a class is named on a helper's record."""
        if self.grade is None or self.class_name is None:
            return None
        return GRADE_NAMES[self.grade] + self.class_name

    def present_on(self, day: date) -> bool:
        """On the roster on `day`: registered by then and not yet archived."""
        return self.registered_on <= day and (self.archived_on is None or day < self.archived_on)


class SchoolPlacer:
    """Finds the school a child of a given grade from a given village goes to."""

    def __init__(self, tree: OrgTree) -> None:
        self.combined = next((s for s in tree.schools if s.level == COMBINED), None)
        self.by_village = {s.village_id: s for s in tree.schools if s.village_id is not None}
        self.by_town: dict[tuple[int, str], list[School]] = {}
        self.by_level: dict[str, list[School]] = {}
        for school in tree.schools:
            if school.village_id is None:
                town_id = school.unit.parent.id if school.unit.parent else 0
                self.by_town.setdefault((town_id, school.level), []).append(school)
                self.by_level.setdefault(school.level, []).append(school)

    def place(self, rng: random.Random, village: Village, grade: int | None
              ) -> tuple[School | None, int | None]:
        if self.combined is not None:
            return self.combined, min(max(grade or 0, 0), 8)
        if grade is None:
            return None, None
        level = PRIMARY if grade < 6 else MIDDLE if grade < 9 else HIGH
        own = self.by_village.get(village.unit.id)
        if level == PRIMARY and own is not None and (grade < 3 or rng.random() < 0.5):
            return own, grade
        local = self.by_town.get((village.town.id, level)) or self.by_level.get(level)
        return (rng.choice(local), grade) if local else (None, grade)


def grade_index(birth: date, today: date) -> int | None:
    """0 for 一年级: children who are six by 31 August start school that September."""
    year_start = today.year if today.month >= 9 else today.year - 1
    grade = age_on(birth, date(year_start, 8, 31)) - 6
    return grade if grade >= 0 else None


def make_children(ctx: Context, tree: OrgTree) -> list[Kid]:
    """Generate the roster with the seeds' shares of age, sex, category, guardian and risk."""
    rng = ctx.rng("children")
    count = ctx.scale.children
    placer = SchoolPlacer(tree)
    homes = rng.choices(tree.villages, [v.weight for v in tree.villages], k=count)
    ages = [rng.choice(band) for band in deal(rng, count, ctx.scale.age_bands)]
    genders = deal(rng, count, GENDER_MIX)
    primaries = deal(rng, count, CATEGORY_MIX)
    taken: set[tuple[str, date, int]] = set()
    kids = [_new_kid(ctx, rng, placer, taken, *spec)
            for spec in zip(homes, ages, genders, primaries, strict=True)]
    _deal_guardianship(rng, kids)
    assessed = deal(rng, count, (("yes", 92), ("no", 8)))
    risks = iter(deal(rng, assessed.count("yes"), RISK_MIX))
    for kid, was_assessed in zip(kids, assessed, strict=True):
        kid.risk = next(risks) if was_assessed == "yes" else None
    return kids


def _new_kid(ctx: Context, rng: random.Random, placer: SchoolPlacer,
             taken: set[tuple[str, date, int]], village: Village, age: int, gender: str,
             category: str) -> Kid:
    birth = day_between(rng, add_years(ctx.today, -age - 1) + timedelta(days=1),
                        add_years(ctx.today, -age))
    # Villages named after a clan are full of that surname.
    surname = village.clan if village.clan and rng.random() < 0.4 else names.pick_surname(rng)
    name = surname + names.child_given_name(rng, gender)
    while (name, birth, village.unit.id) in taken:  # the app flags these as duplicates
        name = surname + names.child_given_name(rng, gender)
    taken.add((name, birth, village.unit.id))
    school, grade = placer.place(rng, village, grade_index(birth, ctx.today))
    class_name = f"{rng.randint(1, school.classes_per_grade)}班" if school else None
    registered = _registered_on(ctx, rng, birth)
    kid = Kid(ctx.new_id("children"), name, surname, gender, birth, age, village,
              places.address(rng, village.town.name, village.unit.name,
                             community=village.unit.kind is OrgKind.community),
              school, grade, class_name, _categories(rng, category), registered)
    if rng.random() < 0.03 and registered < ctx.today - timedelta(days=90):
        _archive(ctx, rng, kid)
    return kid


def _categories(rng: random.Random, primary: str) -> tuple[str, ...]:
    """The dealt category, sometimes with a second one (留守 and 困境, 残障 and 困境 …)."""
    extra = {"left_behind": (("in_difficulty", 0.08), ("disabled", 0.01)),
             "disabled": (("in_difficulty", 0.6),),
             "de_facto_unsupported": (("in_difficulty", 0.4),),
             "in_difficulty": (("disabled", 0.05),)}.get(primary, ())
    found = [primary] + [code for code, share in extra if rng.random() < share]
    order = [c.value for c in Category]
    return tuple(sorted(found, key=order.index))


def _deal_guardianship(rng: random.Random, kids: list[Kid]) -> None:
    """Guardian types in the seeds' shares; for left-behind children, which parents are away."""
    cards = deal(rng, len(kids), GUARDIAN_MIX)
    # Orphans and children without support cannot be in a parent's care: they draw first,
    # from the other cards, so the whole roster still shows the seeds' shares.
    others = [card for card in cards if card != "single_parent"]
    orphans = [kid for kid in kids if _without_parents(kid)]
    for kid in orphans:
        kid.guardian_type = others.pop()
    rest = others + [card for card in cards if card == "single_parent"]
    rng.shuffle(rest)
    for kid in kids:
        if not _without_parents(kid):
            kid.guardian_type = rest.pop()
        if "left_behind" not in kid.categories:
            continue
        if kid.guardian_type == "single_parent":  # one parent away, the other at home caring
            kid.left_behind_type = "father_away" if rng.random() < 0.7 else "mother_away"
            continue
        roll = rng.random()
        kid.left_behind_type = ("both_parents_away" if roll < 0.9
                                else "father_away" if roll < 0.96 else "mother_away")


def _without_parents(kid: Kid) -> bool:
    return "scattered_orphan" in kid.categories or "de_facto_unsupported" in kid.categories


def _registered_on(ctx: Context, rng: random.Random, birth: date) -> date:
    """Most children were listed at the roster survey; the rest were added since."""
    if rng.random() < 0.75:
        day = ctx.roster_day + timedelta(days=rng.randint(0, 20))
    else:
        day = day_between(rng, ctx.roster_day, ctx.today - timedelta(days=3))
    return min(max(day, birth + timedelta(days=30)), ctx.today)


def _archive(ctx: Context, rng: random.Random, kid: Kid) -> None:
    """Archive with a reason: parents came home, the family moved, or the child turned 16."""
    start = max(kid.registered_on + timedelta(days=60), ctx.today - timedelta(days=300))
    last = ctx.today - timedelta(days=7)
    sixteenth = add_years(kid.birth, 16)
    if sixteenth <= last and rng.random() < 0.7:
        kid.archived_on = day_between(rng, max(start, sixteenth), last)
        kid.archive_reason = ArchiveReason.aged_out.value
    else:
        kid.archived_on = day_between(rng, start, last)
        kid.archive_reason = pick(rng, ARCHIVE_MIX).value


def category_rows(kids: list[Kid]) -> list[Row]:
    return [{"child_id": k.id, "category": c} for k in kids for c in k.categories]
