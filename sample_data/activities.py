"""Group activities (活动) at schools and towns, with the children who attended (人次)."""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from config import load_settings
from sample_data import texts
from sample_data.children import Kid
from sample_data.context import Context, in_school_holiday, pick, stamp, stamps
from sample_data.helpers import HelperRec
from sample_data.orgs import OrgTree, Unit
from sample_data.writer import Row

BASE_MIX = {"safety_education": 20, "mental_health": 10, "tutoring": 12, "capacity_building": 6,
            "care_visit": 10, "sports_arts": 10, "family_link": 8, "wish_fulfilment": 4,
            "meeting": 6, "volunteer_service": 6, "other": 2}
FESTIVALS = {1: "春节送温暖慰问", 2: "春节送温暖慰问", 6: "六一儿童节慰问",
             9: "中秋节“月圆人团圆”慰问", 10: "中秋节“月圆人团圆”慰问"}
DROWNING_SEASON = range(5, 9)


@dataclass(slots=True)
class ActivityRec:
    id: int
    kind: str
    title: str
    held_on: date
    host: Unit
    at_school: bool
    attendees: list[int] = field(default_factory=list)


def make_activities(ctx: Context, tree: OrgTree, kids: list[Kid]) -> list[ActivityRec]:
    """Plan the activities of the window month by month, then seat their children."""
    rng = ctx.rng("activities")
    scale = ctx.scale
    hosts = [(s.unit, True, scale.school_activities_per_month) for s in tree.schools]
    hosts += [(t, False, scale.town_activities_per_month) for t in tree.towns]
    planned: list[tuple[date, int, str, str, Unit, bool]] = []
    for month_start, month_end in _months(ctx.window_start, ctx.today):
        for unit, at_school, rate in hosts:
            for _ in range(int(rate * rng.uniform(0.5, 1.5) + rng.random())):
                day = month_start + timedelta(days=rng.randint(0, (month_end - month_start).days))
                if at_school and in_school_holiday(day):
                    continue
                kind, title = _kind_and_title(rng, day, at_school)
                planned.append((day, unit.id, kind, title, unit, at_school))
    planned.sort(key=lambda p: (p[0], p[1], p[2], p[3]))
    members = _members(tree, kids)
    activities = []
    for day, _unit_id, kind, title, unit, at_school in planned:
        activity = ActivityRec(ctx.new_id("activities"), kind, title, day, unit, at_school)
        present = [k.id for k in members.get(unit.id, []) if k.present_on(day)]
        share = rng.uniform(0.15, 0.5) if at_school else rng.uniform(0.02, 0.05)
        want = min(len(present), max(round(len(present) * share), rng.randint(5, 15)))
        activity.attendees = sorted(rng.sample(present, want))
        activities.append(activity)
    return activities


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar months overlapping [start, end], clipped to it."""
    spans = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        spans.append((first, min(following - timedelta(days=1), end)))
        first = following
    return spans


def _kind_and_title(rng: random.Random, day: date, at_school: bool) -> tuple[str, str]:
    mix = dict(BASE_MIX)
    if day.month in FESTIVALS:
        mix["festival_visit"] = 25
    if day.month in DROWNING_SEASON:
        mix["safety_education"] = 40
    if not at_school:
        mix["meeting"] = 2
    kind = pick(rng, tuple(mix.items()))
    if kind == "festival_visit":
        return kind, FESTIVALS[day.month]
    if kind == "safety_education" and day.month in DROWNING_SEASON and rng.random() < 0.6:
        return kind, "防溺水安全教育讲座"
    return kind, rng.choice(texts.ACTIVITY_TITLES[kind])


def _members(tree: OrgTree, kids: list[Kid]) -> dict[int, list[Kid]]:
    """The children each host may seat: a school's pupils, a town's residents."""
    members: dict[int, list[Kid]] = {}
    for kid in kids:
        members.setdefault(kid.town_id, []).append(kid)
        if kid.school is not None:
            members.setdefault(kid.school.unit.id, []).append(kid)
    return members


def activity_rows(ctx: Context, activities: list[ActivityRec]) -> list[Row]:
    rng = ctx.rng("activity-rows")
    return [_row(rng, a) for a in activities]


def _row(rng: random.Random, a: ActivityRec) -> Row:
    seated = len(a.attendees)
    if a.kind == "safety_education" and a.at_school:
        extra = rng.randint(50, 400)  # the whole school often listens in
    elif a.kind == "meeting":
        extra = round(seated * rng.uniform(0.6, 1.0)) + rng.randint(2, 8)
    else:
        extra = rng.randint(0, 30) if rng.random() < 0.6 else 0
    longer = a.kind in ("tutoring", "capacity_building", "mental_health")
    if a.at_school:
        place = a.host.name + rng.choice(texts.SCHOOL_PLACES)
    else:
        place = a.host.name + rng.choice(texts.TOWN_PLACES)
    cost = None if rng.random() < 0.4 else Decimal(rng.randrange(200, 5000, 50))
    created = stamp(rng, a.held_on)
    return {
        "id": a.id, "kind": a.kind, "title": a.title, "held_on": a.held_on, "place": place,
        "org_unit_id": a.host.id, "sessions": rng.randint(1, 3) if longer else 1,
        "extra_person_times": extra,
        "volunteers": rng.randint(5, 20) if a.kind == "volunteer_service" else rng.randint(0, 8),
        "cost_yuan": cost, "notes": None, "archived_at": None, "archive_reason": None,
        **stamps(created),
    }


def attendance_rows(activities: list[ActivityRec]) -> list[Row]:
    return [{"activity_id": a.id, "child_id": c} for a in activities for c in a.attendees]


def provider_link_rows(ctx: Context, activities: list[ActivityRec], provider_ids: list[int]
                       ) -> list[Row]:
    """About a quarter of the activities name a resource provider (资源方)."""
    rng = ctx.rng("activity-providers")
    return [{"activity_id": a.id, "provider_id": rng.choice(provider_ids)}
            for a in activities if provider_ids and rng.random() < 0.25]


def helper_link_rows(ctx: Context, activities: list[ActivityRec], helpers: list[HelperRec]
                     ) -> list[Row]:
    """Who served: one to three helpers of the host school or town at most activities."""
    rng = ctx.rng("activity-helpers")
    by_unit: dict[int, list[int]] = {}
    for helper in helpers:
        if helper.kind != "peer_student":
            by_unit.setdefault(helper.org_unit_id, []).append(helper.id)
    rows = []
    for activity in activities:
        local = by_unit.get(activity.host.id, [])
        if local and rng.random() < 0.7:
            chosen = rng.sample(local, min(len(local), rng.randint(1, 3)))
            rows += [{"activity_id": activity.id, "helper_id": h} for h in sorted(chosen)]
    return rows


def campaign_rows(ctx: Context, tree: OrgTree) -> list[Row]:
    """专项行动 as the seeds run them: 春节慰问, 暑期防溺水, home visits to 红 children."""
    year = ctx.today.year if ctx.today.month >= 3 else ctx.today.year - 1
    term_start = date(ctx.today.year, 9, 1) if ctx.today.month >= 9 else date(year, 2, 1)
    town = tree.towns[0]
    drives = [
        ("春节送温暖慰问", date(year, 1, 15), date(year, 2, 20), "festival_visit", None,
         town.id, "in_difficulty", None),
        ("暑期防溺水安全教育", date(year, 6, 1), date(year, 8, 31), "safety_education", None,
         None, None, None),
        ("红色风险儿童本学期家访", term_start, ctx.today, None, "home_visit", None, None, "red"),
    ]
    rng = ctx.rng("campaigns")
    return [{"id": ctx.new_id("campaigns"), "name": name, "starts_on": start, "ends_on": end,
             "activity_kind": activity_kind, "contact_kind": contact_kind, "org_unit_id": unit,
             "category": category, "risk_level": risk, "notes": None, "archived_at": None,
             "archive_reason": None, **stamps(stamp(rng, min(start, ctx.today)))}
            for name, start, end, activity_kind, contact_kind, unit, category, risk in drives]


# ---- photos ----------------------------------------------------------------------------------
PHOTO_SHARE = 0.15  # of the activities have photos
MAX_SAMPLE_PHOTOS = 40  # at any scale: a demo needs a few, not a gigabyte of them
PHOTO_SIZE = (96, 64)
PHOTO_CAPTIONS = ("活动现场", "集体合影", "志愿者与孩子们", "物资发放", "认真听讲")
PALETTE = ((233, 196, 106), (244, 162, 97), (231, 111, 81), (42, 157, 143), (38, 70, 83),
           (142, 202, 230), (255, 183, 3), (251, 133, 0), (106, 153, 78), (167, 201, 87))


def sample_png(rng: random.Random, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A small real PNG of coloured blocks (a few hundred bytes), built with zlib and struct."""
    width, height = size
    columns, rows = rng.randint(2, 4), rng.randint(2, 3)
    colours = [[rng.choice(PALETTE) for _ in range(columns)] for _ in range(rows)]
    lines = bytearray()
    for y in range(height):
        band = colours[y * rows // height]
        lines.append(0)  # filter type: none
        for x in range(width):
            lines.extend(band[x * columns // width])
    return b"".join((b"\x89PNG\r\n\x1a\n",
                     _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
                     _chunk(b"IDAT", zlib.compress(bytes(lines), 9)), _chunk(b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def photo_rows(ctx: Context, activities: list[ActivityRec],
               data_dir: Path | None = None) -> list[Row]:
    """A few activities' photos: files written under the data folder, rows that point to them.

    Each file is named by its content, so seeding twice (or two databases) writes the same
    file once and the rows stay identical for the same seed and day.
    """
    root = data_dir if data_dir is not None else load_settings().data_dir
    rng = ctx.rng("activity-photos")
    chosen = [a for a in activities if rng.random() < PHOTO_SHARE] or activities[-1:]
    rows: list[Row] = []
    for activity in chosen:
        for number in range(1, rng.randint(1, 3) + 1):
            if len(rows) >= MAX_SAMPLE_PHOTOS:
                return rows
            data = sample_png(rng)
            digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()[:20]
            path = f"photos/{activity.held_on:%Y/%m}/sample-{digest}.png"
            target = root / path
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            rows.append({"id": ctx.new_id("activity_photos"), "activity_id": activity.id,
                         "path": path, "filename": f"{activity.title}-{number}.png",
                         "content_type": "image/png", "size_bytes": len(data),
                         "caption": rng.choice(PHOTO_CAPTIONS),
                         **_photo_stamps(stamp(rng, activity.held_on))})
    return rows


def _photo_stamps(created: object) -> Row:
    return {"created_at": created, "updated_at": created}
