"""Helpers (帮扶人) made as the children need them, and the pairings (结对) between them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from core.vocab import ArchiveReason
from sample_data import names, places, texts
from sample_data.children import Kid
from sample_data.context import Context, day_between, pick, stamp, stamps
from sample_data.orgs import OrgTree, Unit
from sample_data.writer import Row

VOLUNTEER_UNITS = (f"{places.COUNTY}志愿者协会", f"{places.COUNTY}青年志愿者协会",
                   f"{places.COUNTY}应急志愿者协会", f"{places.COUNTY}巾帼志愿服务队",
                   "退休教师志愿服务队")
SOCIAL_WORK_UNITS = (f"{places.COUNTY}阳光社会工作服务中心", "双百社工站")
# Who looks after children who are not at school, or whose school has no helper for them.
COMMUNITY_MIX = (("volunteer", 65), ("social_worker", 15), ("caring_parent", 20))
PRESCHOOL_MIX = (("volunteer", 40), ("social_worker", 15), ("caring_parent", 45))
HISTORY_SHARE = 0.08
ARCHIVE_TO_END = {"parents_returned": "parents_returned", "moved_away": "child_moved"}
FEMALE_SHARE = {"class_teacher": 0.65, "teacher": 0.65, "volunteer": 0.55, "caring_parent": 0.85,
                "social_worker": 0.7, "child_director": 0.6}


@dataclass(slots=True)
class HelperRec:
    id: int
    kind: str
    name: str
    gender: str
    org_unit_id: int
    town_id: int
    work_unit: str | None
    phone: str | None
    capacity: int
    school_id: int | None = None
    class_name: str | None = None
    birth_date: date | None = None
    user_id: int | None = None
    open: int = 0  # open pairings, never more than capacity
    created_on: date | None = None


@dataclass(slots=True)
class PairRec:
    id: int
    kid: Kid
    helper: HelperRec
    started_on: date
    ended_on: date | None = None
    end_reason: str | None = None
    end_note: str | None = None


class HelperBook:
    """Creates helpers on demand and hands out their free places."""

    def __init__(self, ctx: Context, rng: random.Random) -> None:
        self.ctx, self.rng = ctx, rng
        self.helpers: list[HelperRec] = []
        self.by_town: dict[int, list[HelperRec]] = {}
        self._current: dict[tuple[object, ...], HelperRec] = {}

    def new(self, kind: str, unit: Unit, work_unit: str | None, capacity: int | None = None,
            class_name: str | None = None) -> HelperRec:
        female = self.rng.random() < FEMALE_SHARE.get(kind, 0.5)
        gender = "female" if female else "male"
        helper = HelperRec(self.ctx.new_id("helpers"), kind,
                           names.adult_name(self.rng, gender), gender, unit.id, unit.town.id,
                           work_unit, names.mobile(self.rng),
                           capacity or self.ctx.scale.helper_capacity, class_name=class_name)
        self._add(helper)
        return helper

    def new_peer(self, kid: Kid) -> HelperRec:
        """A classmate of the same sex, paired 一帮一 (one child only)."""
        school = kid.school
        assert school is not None
        helper = HelperRec(
            self.ctx.new_id("helpers"), "peer_student",
            names.pick_surname(self.rng) + names.child_given_name(self.rng, kid.gender),
            kid.gender, school.unit.id, school.unit.town.id, school.unit.name, None, 1,
            school_id=school.unit.id, class_name=kid.class_label,
            birth_date=kid.birth + timedelta(days=self.rng.randint(-150, 150)))
        self._add(helper)
        return helper

    def _add(self, helper: HelperRec) -> None:
        self.helpers.append(helper)
        self.by_town.setdefault(helper.town_id, []).append(helper)

    def place(self, key: tuple[object, ...], make: Callable[[bool], HelperRec]) -> HelperRec:
        """A helper under `key` with a free place; `make(first)` adds one when all are full."""
        helper = self._current.get(key)
        if helper is None or helper.open >= helper.capacity:
            helper = make(helper is None)
            self._current[key] = helper
        helper.open += 1
        return helper

    def preset(self, key: tuple[object, ...], helper: HelperRec) -> None:
        self._current[key] = helper


def make_pairings(ctx: Context, tree: OrgTree, kids: list[Kid]
                  ) -> tuple[list[HelperRec], list[PairRec]]:
    """Pair ~88% of the active children, keep some history, leave some helpers free."""
    rng = ctx.rng("pairings")
    book = HelperBook(ctx, ctx.rng("helpers"))
    for village in tree.villages:  # one 儿童主任 per village or community
        unit = village.unit
        office = "居委会" if unit.name.endswith("社区") else "村委会"
        book.preset(("village", unit.id), book.new("child_director", unit, unit.name + office))
    pairs: list[PairRec] = []
    for kid in kids:
        if kid.archived_on is None and not _stays_unpaired(ctx, rng, kid):
            pairs += _current_pairings(ctx, rng, book, kid)
    for town in tree.towns:  # new volunteers not yet paired, so the pairing page has choices
        for _ in range(max(1, len(book.by_town.get(town.id, [])) // 30)):
            idle = book.new("volunteer", town, rng.choice(VOLUNTEER_UNITS), rng.choice((2, 3)))
            idle.created_on = day_between(rng, ctx.today - timedelta(days=60), ctx.today)
    current: dict[int, list[PairRec]] = {}
    for pair in pairs:
        current.setdefault(pair.kid.id, []).append(pair)
    # Earlier helpers were adults of the child's town who were on the books back then.
    veterans = {town: [h for h in found if h.kind != "peer_student" and h.created_on is None]
                for town, found in book.by_town.items()}
    for kid in kids:
        pairs += _past_pairings(ctx, rng, veterans.get(kid.town_id, []), kid,
                                current.get(kid.id, []))
    for pair in pairs:
        pair.id = ctx.new_id("pairings")
    return book.helpers, pairs


def _stays_unpaired(ctx: Context, rng: random.Random, kid: Kid) -> bool:
    """Newly listed children often wait for a helper; a few others too."""
    recent = kid.registered_on > ctx.today - timedelta(days=60)
    return rng.random() < (0.5 if recent else 0.1)


def _current_pairings(ctx: Context, rng: random.Random, book: HelperBook, kid: Kid
                      ) -> list[PairRec]:
    first_day = max(kid.registered_on, ctx.history_start)
    # Some children changed helper: their current pairing began later (see _past_pairings).
    changed = (ctx.today - first_day).days > 240 and rng.random() < HISTORY_SHARE
    delay = rng.randint(90, 180) if changed else rng.randint(0, 40)
    start = min(first_day + timedelta(days=delay), ctx.today)
    school = kid.school
    if school is not None and rng.random() < 0.85:
        helper = _class_helper(book, kid)
    else:
        helper = _community_helper(rng, book, kid, COMMUNITY_MIX if school else PRESCHOOL_MIX)
    pairs = [PairRec(0, kid, helper, start)]
    if school is not None and kid.class_label and rng.random() < 0.12:
        peer = book.new_peer(kid)
        peer.open += 1
        pairs.append(PairRec(0, kid, peer, day_between(rng, start, ctx.today)))
    return pairs


def _class_helper(book: HelperBook, kid: Kid) -> HelperRec:
    """The class teacher takes the first children of a class, subject teachers the rest."""
    school = kid.school
    assert school is not None

    def make(first: bool) -> HelperRec:
        kind = "class_teacher" if first else "teacher"
        return book.new(kind, school.unit, school.unit.name,
                        class_name=kid.class_label if first else None)

    return book.place(("class", school.unit.id, kid.class_label), make)


def _community_helper(rng: random.Random, book: HelperBook, kid: Kid,
                      mix: tuple[tuple[str, int], ...]) -> HelperRec:
    kind = pick(rng, mix)
    village, town = kid.village.unit, kid.village.town
    if kind == "caring_parent":
        # The village's 儿童主任 takes the first children, 爱心家长 the rest.
        return book.place(("village", village.id),
                          lambda _first: book.new("caring_parent", village, None))
    units = VOLUNTEER_UNITS if kind == "volunteer" else SOCIAL_WORK_UNITS
    return book.place(("town", town.id, kind), lambda _first: book.new(
        kind, town, rng.choice(units),
        book.ctx.scale.helper_capacity + 1 if kind == "volunteer" and rng.random() < 0.3 else None))


def _past_pairings(ctx: Context, rng: random.Random, candidates: list[HelperRec], kid: Kid,
                   current: list[PairRec]) -> list[PairRec]:
    """Ended pairings: an archived child's, and a few children's earlier helper."""
    if not candidates:
        return []
    first_day = max(kid.registered_on, ctx.history_start)
    if kid.archived_on is not None:
        if rng.random() > 0.85 or (kid.archived_on - first_day).days < 30:
            return []
        archive_reason = kid.archive_reason
        assert archive_reason is not None  # children.py sets it together with archived_on
        start = first_day + timedelta(days=rng.randint(0, 20))
        reason = ARCHIVE_TO_END.get(archive_reason, "child_archived")
        note = f"儿童档案归档({ArchiveReason(archive_reason).zh})"
        return [PairRec(0, kid, rng.choice(candidates), start, kid.archived_on, reason, note)]
    if not current:
        return []
    now = min(p.started_on for p in current)
    if (now - first_day).days < 60:  # only those whose helper changed start this late
        return []
    earlier = rng.choice(candidates)
    while any(earlier is p.helper for p in current) and len(candidates) > len(current):
        earlier = rng.choice(candidates)
    start = day_between(rng, first_day, now - timedelta(days=50))
    end = day_between(rng, start + timedelta(days=30), now - timedelta(days=1))
    reason, note = rng.choice(texts.END_REASONS)
    return [PairRec(0, kid, earlier, start, end, reason, note)]


def helper_rows(ctx: Context, helpers: list[HelperRec]) -> list[Row]:
    rng = ctx.rng("helper-rows")
    return [{
        "id": h.id, "name": h.name, "gender": h.gender, "kind": h.kind,
        "org_unit_id": h.org_unit_id, "work_unit": h.work_unit, "phone": h.phone,
        "capacity": h.capacity, "school_id": h.school_id, "class_name": h.class_name,
        "birth_date": h.birth_date, "user_id": h.user_id, "archived_at": None,
        "archive_reason": None, **stamps(stamp(rng, h.created_on or ctx.roster_day)),
    } for h in helpers]


def pairing_rows(ctx: Context, pairs: list[PairRec]) -> list[Row]:
    rng = ctx.rng("pairing-rows")
    rows = []
    for p in pairs:
        created = stamp(rng, p.started_on)
        updated = stamp(rng, p.ended_on) if p.ended_on else created
        rows.append({"id": p.id, "child_id": p.kid.id, "helper_id": p.helper.id,
                     "started_on": p.started_on, "ended_on": p.ended_on,
                     "end_reason": p.end_reason, "end_note": p.end_note,
                     **stamps(created, updated)})
    return rows
