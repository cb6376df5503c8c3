"""The `children` rows: the traits the seeds count (家庭情况较差 57.6%, 安全事故 18.2% …)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from db.field_crypto import active_key
from sample_data import names, texts
from sample_data.children import GRADE_NAMES, Kid
from sample_data.context import Context, pick, stamp, stamps
from sample_data.orgs import HIGH, MIDDLE
from sample_data.quota import choose, deal
from sample_data.writer import Row
from services.roster.pinyin import pinyin_keys

HARDSHIP_SHARE = 0.576
OTHER_ECONOMIC = (("average", 35), ("comfortable", 7.4))
ACADEMIC_MIX = (("excellent", 13.6), ("good", 20.4), ("average", 46), ("poor", 20))
SAFETY_MIX = ((True, 18.2), (False, 81.8))
KEY_CONCERN_SHARE = 0.10
ID_NUMBER_SHARE = 0.7


@dataclass(frozen=True)
class Traits:
    economic: str
    academic: str | None
    safety_incident: bool
    key_concern: bool


def deal_traits(rng: random.Random, kids: list[Kid]) -> list[Traits]:
    """Deal the counted traits so every scale shows the seeds' shares."""
    # Children in difficulty are far likelier to come from the poorest homes.
    poor = choose(rng, kids, HARDSHIP_SHARE, lambda k: 4 if "in_difficulty" in k.categories else 1)
    others = iter(deal(rng, len(kids) - len(poor), OTHER_ECONOMIC))
    pupils = [k.id for k in kids if k.school is not None]
    academic = dict(zip(pupils, deal(rng, len(pupils), ACADEMIC_MIX), strict=True))
    safety = deal(rng, len(kids), SAFETY_MIX)
    concern = choose(rng, kids, KEY_CONCERN_SHARE,
                     lambda k: {"red": 40, "yellow": 6}.get(k.risk or "", 0.6))
    return [Traits("hardship" if i in poor else next(others), academic.get(kid.id), safety[i],
                   i in concern) for i, kid in enumerate(kids)]


def child_rows(ctx: Context, kids: list[Kid]) -> list[Row]:
    rng = ctx.rng("child-rows")
    ids = names.IdNumbers(ctx.rng("id-numbers"), names.region_code(ctx.county))
    traits = deal_traits(rng, kids)
    return [_row(rng, ids, kid, trait) for kid, trait in zip(kids, traits, strict=True)]


def _row(rng: random.Random, ids: names.IdNumbers, kid: Kid, trait: Traits) -> Row:
    left_behind = "left_behind" in kid.categories
    troubled = kid.risk in ("red", "yellow")
    pinyin, initials = pinyin_keys(kid.name)
    created = stamp(rng, kid.registered_on)
    archived = stamp(rng, kid.archived_on) if kid.archived_on else None
    return {
        "id": kid.id, "name": kid.name, "name_pinyin": pinyin, "name_initials": initials,
        "gender": kid.gender, "birth_date": kid.birth,
        **active_key().columns(
            ids.issue(kid.birth, kid.gender) if rng.random() < ID_NUMBER_SHARE else None),
        "left_behind_type": kid.left_behind_type, "guardian_type": kid.guardian_type,
        "town_id": kid.town_id, "village_id": kid.village.unit.id,
        "school_id": kid.school.unit.id if kid.school else None,
        "grade": GRADE_NAMES[kid.grade] if kid.school and kid.grade is not None else None,
        "class_name": kid.class_name, "address": kid.address,
        "economic_status": trait.economic, "academic_level": trait.academic,
        "health": _health(rng, kid), "hobbies": _hobbies(rng, kid),
        "psychological_notes": (rng.choice(texts.PSYCH_NOTES)
                                if rng.random() < (0.3 if troubled else 0.04) else None),
        "contact_with_parents": _contact_with_parents(rng, kid),
        "safety_incident": trait.safety_incident,
        # Mostly as the home village is; a few live in a hamlet unlike the rest of it.
        "in_mountain_area": (rng.random() < 0.5) if rng.random() < 0.08 else None,
        "boarding": _boarding(rng, kid),
        "household_type": ("rural" if left_behind or rng.random() < 0.9 else "urban"),
        "guardianship_agreement": rng.random() < (0.88 if left_behind else 0.4),
        "key_concern": trait.key_concern,
        "concern_tags": ("、".join(rng.sample(texts.CONCERN_TAGS, rng.randint(1, 2)))
                         if trait.key_concern else None),
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
    if kid.school is None or kid.grade is None or kid.school.village_id is not None:
        return False  # 村小 have no dormitories
    share = {MIDDLE: 0.45, HIGH: 0.8}.get(kid.school.level, 0.15 if kid.grade >= 3 else 0.0)
    return rng.random() < share


def _notes(kid: Kid) -> str | None:
    if kid.school is None and kid.grade is not None and kid.grade >= 6:
        return "在县外就读" + ("高中" if kid.grade >= 9 else "初中")
    return None
