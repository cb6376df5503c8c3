"""The children on the roster: who they are, where they live and study, and how they are doing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sample_data import names, places, texts
from sample_data.context import Context, add_years, day_between, pick, stamp, stamps
from sample_data.orgs import COMBINED, HIGH, MIDDLE, PRIMARY, OrgTree, School, Village
from sample_data.writer import Row
from services.pinyin import pinyin_keys
from services.validators import age_on
from services.vocab import ArchiveReason, Category, OrgKind

GRADE_NAMES = ("一年级 二年级 三年级 四年级 五年级 六年级 七年级 八年级 九年级 高一 高二 高三").split()
CATEGORY_MIX = (("left_behind", 78), ("in_difficulty", 14), ("de_facto_unsupported", 3),
                ("scattered_orphan", 2), ("disabled", 3))
# The seeds' shares: (外)祖父母 58%, 父母单方 31%, 亲友 11%.
GUARDIAN_MIX = (("grandparents", 58), ("single_parent", 31), ("relatives_friends", 10.6),
                ("other", 0.4))
NO_PARENT_GUARDIANS = (("grandparents", 65), ("relatives_friends", 33), ("other", 2))
RISK_ORDER = ("green", "blue", "yellow", "red")
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
    guardian_type: str
    left_behind_type: str | None
    registered_on: date
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


def make_children(ctx: Context, tree: OrgTree) -> tuple[list[Kid], list[Row]]:
    """Generate the roster; returns the children and their `children` rows."""
    rng = ctx.rng("children")
    ids = names.IdNumbers(ctx.rng("id-numbers"))
    placer = SchoolPlacer(tree)
    homes = rng.choices(tree.villages, [v.weight for v in tree.villages], k=ctx.scale.children)
    taken: set[tuple[str, date, int]] = set()
    kids: list[Kid] = []
    rows: list[Row] = []
    for village in homes:
        kid = _new_kid(ctx, rng, placer, village, taken)
        kids.append(kid)
        rows.append(_row(ctx, rng, ids, kid))
    return kids, rows


def _new_kid(ctx: Context, rng: random.Random, placer: SchoolPlacer, village: Village,
             taken: set[tuple[str, date, int]]) -> Kid:
    gender = "male" if rng.random() < 0.5 else "female"
    age = rng.choices(range(1, 18), ctx.scale.age_weights)[0]
    latest = add_years(ctx.today, -age)
    birth = day_between(rng, add_years(ctx.today, -age - 1) + timedelta(days=1), latest)
    # Villages named after a clan are full of that surname.
    surname = village.clan if village.clan and rng.random() < 0.4 else names.pick_surname(rng)
    name = surname + names.child_given_name(rng, gender)
    while (name, birth, village.unit.id) in taken:  # the app flags these as duplicates
        name = surname + names.child_given_name(rng, gender)
    taken.add((name, birth, village.unit.id))
    school, grade = placer.place(rng, village, grade_index(birth, ctx.today))
    class_name = f"{rng.randint(1, school.classes_per_grade)}班" if school else None
    categories = _categories(rng)
    guardian_type, left_behind_type = _guardianship(rng, categories)
    registered = _registered_on(ctx, rng, birth)
    kid = Kid(ctx.new_id("children"), name, surname, gender, birth, age, village,
              places.address(rng, village.town.name, village.unit.name,
                             community=village.unit.kind is OrgKind.community),
              school, grade, class_name, categories, guardian_type,
              left_behind_type, registered)
    kid.risk = _risk(rng, categories)
    if rng.random() < 0.03 and registered < ctx.today - timedelta(days=90):
        _archive(ctx, rng, kid)
    return kid


def _categories(rng: random.Random) -> tuple[str, ...]:
    primary = pick(rng, CATEGORY_MIX)
    extra = {"left_behind": (("in_difficulty", 0.08), ("disabled", 0.01)),
             "disabled": (("in_difficulty", 0.6),),
             "de_facto_unsupported": (("in_difficulty", 0.4),),
             "in_difficulty": (("disabled", 0.05),)}.get(primary, ())
    found = [primary] + [code for code, share in extra if rng.random() < share]
    order = [c.value for c in Category]
    return tuple(sorted(found, key=order.index))


def _guardianship(rng: random.Random, categories: tuple[str, ...]) -> tuple[str, str | None]:
    """Guardian type and, for left-behind children, which parents are away."""
    no_parents = "scattered_orphan" in categories or "de_facto_unsupported" in categories
    guardian = pick(rng, NO_PARENT_GUARDIANS if no_parents else GUARDIAN_MIX)
    if "left_behind" not in categories:
        return guardian, None
    if guardian == "single_parent":  # one parent away, the other at home caring
        return guardian, "father_away" if rng.random() < 0.7 else "mother_away"
    roll = rng.random()
    away = "both_parents_away" if roll < 0.9 else "father_away" if roll < 0.96 else "mother_away"
    return guardian, away


def _registered_on(ctx: Context, rng: random.Random, birth: date) -> date:
    """Most children were listed at the roster survey; the rest were added since."""
    if rng.random() < 0.75:
        day = ctx.roster_day + timedelta(days=rng.randint(0, 20))
    else:
        day = day_between(rng, ctx.roster_day, ctx.today - timedelta(days=3))
    return min(max(day, birth + timedelta(days=30)), ctx.today)


def _risk(rng: random.Random, categories: tuple[str, ...]) -> str | None:
    if rng.random() < 0.08:
        return None  # not assessed yet
    vulnerable = "scattered_orphan" in categories or "de_facto_unsupported" in categories
    weights = (25, 30, 30, 15) if vulnerable else (50, 30, 15, 5)
    return rng.choices(RISK_ORDER, weights)[0]


def _archive(ctx: Context, rng: random.Random, kid: Kid) -> None:
    start = max(kid.registered_on + timedelta(days=60), ctx.today - timedelta(days=300))
    kid.archived_on = day_between(rng, start, ctx.today - timedelta(days=7))
    if kid.age >= 16 and rng.random() < 0.7:
        kid.archive_reason = ArchiveReason.aged_out.value
    else:
        kid.archive_reason = pick(rng, ARCHIVE_MIX).value


def _row(ctx: Context, rng: random.Random, ids: names.IdNumbers, kid: Kid) -> Row:
    left_behind = "left_behind" in kid.categories
    hardship = 0.9 if "in_difficulty" in kid.categories else 0.52
    economic = ("hardship" if rng.random() < hardship
                else rng.choices(("average", "comfortable"), (35, 7))[0])
    key_concern = rng.random() < {"red": 0.8, "yellow": 0.25}.get(kid.risk or "", 0.03)
    troubled = kid.risk in ("red", "yellow")
    pinyin, initials = pinyin_keys(kid.name)
    created = stamp(rng, kid.registered_on)
    archived = stamp(rng, kid.archived_on) if kid.archived_on else None
    return {
        "id": kid.id, "name": kid.name, "name_pinyin": pinyin, "name_initials": initials,
        "gender": kid.gender, "birth_date": kid.birth,
        "id_number": ids.issue(kid.birth, kid.gender) if rng.random() < 0.7 else None,
        "left_behind_type": kid.left_behind_type, "guardian_type": kid.guardian_type,
        "town_id": kid.town_id, "village_id": kid.village.unit.id,
        "school_id": kid.school.unit.id if kid.school else None,
        "grade": GRADE_NAMES[kid.grade] if kid.school and kid.grade is not None else None,
        "class_name": kid.class_name, "address": kid.address, "economic_status": economic,
        "academic_level": (rng.choices(("excellent", "good", "average", "poor"),
                                       (13.6, 20.4, 46, 20))[0] if kid.school else None),
        "health": _health(rng, kid), "hobbies": _hobbies(rng, kid),
        "psychological_notes": (rng.choice(texts.PSYCH_NOTES)
                                if rng.random() < (0.3 if troubled else 0.04) else None),
        "contact_with_parents": _contact_with_parents(rng, kid),
        "safety_incident": rng.random() < 0.182,
        "in_mountain_area": (rng.random() < 0.5) if rng.random() < 0.08 else None,
        "boarding": _boarding(rng, kid),
        "household_type": ("rural" if left_behind or rng.random() < 0.9 else "urban"),
        "guardianship_agreement": rng.random() < (0.88 if left_behind else 0.4),
        "key_concern": key_concern,
        "concern_tags": ("、".join(rng.sample(texts.CONCERN_TAGS, rng.randint(1, 2)))
                         if key_concern else None),
        "risk_level": kid.risk, "notes": _notes(kid),
        "archived_at": archived, "archive_reason": kid.archive_reason,
        **stamps(created, archived),
    }


def _health(rng: random.Random, kid: Kid) -> str:
    if "disabled" in kid.categories:
        return rng.choice(texts.HEALTH_DISABLED)
    return pick(rng, texts.HEALTH_COMMON)


def _hobbies(rng: random.Random, kid: Kid) -> str | None:
    if kid.age < 4 or rng.random() < 0.2:
        return None
    return "、".join(rng.sample(texts.HOBBIES, rng.randint(1, 2)))


def _contact_with_parents(rng: random.Random, kid: Kid) -> str | None:
    if "scattered_orphan" in kid.categories:
        return None
    if "de_facto_unsupported" in kid.categories:
        return "长期失联"
    if "left_behind" in kid.categories or kid.guardian_type != "single_parent":
        return pick(rng, texts.PARENT_CONTACT_LEFT_BEHIND)
    return "同住"


def _boarding(rng: random.Random, kid: Kid) -> bool:
    if kid.school is None or kid.grade is None:
        return False
    share = {MIDDLE: 0.45, HIGH: 0.8}.get(kid.school.level, 0.15 if kid.grade >= 3 else 0.0)
    if kid.school.village_id is not None:
        share = 0.0  # 村小 have no dormitories
    return rng.random() < share


def _notes(kid: Kid) -> str | None:
    if kid.school is None and kid.grade is not None and kid.grade >= 6:
        return "在县外就读" + ("高中" if kid.grade >= 9 else "初中")
    return None


def category_rows(kids: list[Kid]) -> list[Row]:
    return [{"child_id": k.id, "category": c} for k in kids for c in k.categories]
