"""Each child's father, mother and guardian (联系卡), consistent with who is away and who cares."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from sample_data import names, places
from sample_data.children import Kid
from sample_data.context import Context, pick, stamp, stamps
from sample_data.writer import Row

GRANDPARENTS = (("祖母", 40), ("祖父", 25), ("外婆", 22), ("外公", 13))
RELATIVES = (("姑姑", 25), ("舅舅", 20), ("叔叔", 20), ("伯父", 15), ("姨妈", 20))
OTHERS = (("邻居", 60), ("村干部", 40))
# relation_detail → (gender, elder, whose surname: "child", "mother" or None for any)
KIN = {
    "祖父": ("male", True, "child"), "祖母": ("female", True, None),
    "外公": ("male", True, "mother"), "外婆": ("female", True, None),
    "姑姑": ("female", False, "child"), "叔叔": ("male", False, "child"),
    "伯父": ("male", False, "child"), "舅舅": ("male", False, "mother"),
    "姨妈": ("female", False, "mother"), "邻居": ("", False, None), "村干部": ("", False, None),
}
# How a child calls them, as helpers write it in their notes.
CALLED = {"祖父": "爷爷", "祖母": "奶奶", "母亲": "妈妈", "父亲": "爸爸", "伯父": "伯伯",
          "村干部": "村干部"}


def relative_rows(ctx: Context, kids: list[Kid]) -> Iterator[Row]:
    """Yield the relatives of every child; sets each Kid's `guardian` as the child calls them."""
    rng = ctx.rng("relatives")
    for kid in kids:
        created = stamp(rng, kid.registered_on)
        for relation, detail, name, phone, work in _family(rng, kid):
            yield _row(ctx, kid, created, relation, detail, name, phone, work)


def _row(ctx: Context, kid: Kid, created: datetime, relation: str, detail: str | None,
         name: str, phone: str | None, work: str | None) -> Row:
    return {
        "id": ctx.new_id("relatives"), "child_id": kid.id, "relation": relation,
        "relation_detail": detail, "name": name, "phone": phone, "work_place": work,
        # Parents working away are reached by phone; everyone at home lives at the child's address.
        "address": kid.address if relation == "guardian" or work in places.HOME_WORK else None,
        "archived_at": None, "archive_reason": None, **stamps(created),
    }


Member = tuple[str, str | None, str, str | None, str | None]


def _family(rng: random.Random, kid: Kid) -> list[Member]:
    """(relation, detail, name, phone, work place) for the parents and the guardian."""
    mother_surname = names.pick_surname(rng)
    father = names.adult_name(rng, "male", surname=kid.surname)
    mother = names.adult_name(rng, "female", surname=mother_surname)
    members: list[Member] = []
    if "scattered_orphan" in kid.categories:
        pass
    elif "de_facto_unsupported" in kid.categories:
        members += [("father", None, father, None, None), ("mother", None, mother, None, None)]
    else:
        members += _parents(rng, kid, father, mother)
    members.append(_guardian(rng, kid, mother_surname, members))
    return members


def _parents(rng: random.Random, kid: Kid, father: str, mother: str) -> list[Member]:
    away = kid.left_behind_type
    father_away = away in ("both_parents_away", "father_away")
    mother_away = away in ("both_parents_away", "mother_away")
    father_work = places.work_place(rng) if father_away else rng.choice(places.HOME_WORK)
    # Couples who both leave mostly work in the same city.
    mother_work = (father_work if father_away and mother_away and rng.random() < 0.7
                   else places.work_place(rng) if mother_away else rng.choice(places.HOME_WORK))
    parents: list[Member] = [("father", None, father, _phone(rng, 0.95), father_work),
               ("mother", None, mother, _phone(rng, 0.95), mother_work)]
    if kid.guardian_type == "single_parent" and away is None:
        # Divorced or widowed: only the parent who cares for the child is on the card.
        return [parents[1] if rng.random() < 0.65 else parents[0]]
    return parents


def _guardian(rng: random.Random, kid: Kid, mother_surname: str, members: list[Member]
              ) -> Member:
    if kid.guardian_type == "single_parent":
        home = [m for m in members if m[4] in places.HOME_WORK]
        relation, _, name, phone, _ = home[0] if home else members[-1]
        detail = "父亲" if relation == "father" else "母亲"
        kid.guardian = CALLED[detail]
        return ("guardian", detail, name, phone, None)
    mix = {"grandparents": GRANDPARENTS, "relatives_friends": RELATIVES}.get(
        kid.guardian_type, OTHERS)
    detail = pick(rng, mix)
    gender, elder, surname_of = KIN[detail]
    gender = gender or ("male" if rng.random() < 0.5 else "female")
    surname = {"child": kid.surname, "mother": mother_surname}.get(surname_of or "")
    name = names.adult_name(rng, gender, elder=elder, surname=surname)
    kid.guardian = CALLED.get(detail, detail)
    return ("guardian", detail, name, _phone(rng, 0.75 if elder else 0.95), None)


def _phone(rng: random.Random, share: float) -> str | None:
    return names.mobile(rng) if rng.random() < share else None
