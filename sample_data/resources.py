"""Resource providers (资源方), needs (需求), wishes (心愿) and donations (捐助)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sample_data import names, places, texts
from sample_data.activities import ActivityRec
from sample_data.children import Kid
from sample_data.context import Context, day_between, pick, stamp, stamps
from sample_data.orgs import OrgTree
from sample_data.writer import Row

NEED_STATUS_MIX = (("open", 32), ("linked", 28), ("resolved", 32), ("closed", 8))
CLOSED_REASONS = ("家长已自行解决", "儿童已随父母外出", "经核实不属于帮扶范围")


@dataclass(frozen=True)
class Provider:
    id: int
    name: str
    kind: str


def make_providers(ctx: Context) -> list[Provider]:
    return [Provider(ctx.new_id("resource_providers"), template.format(county=places.COUNTY),
                     kind) for template, kind in texts.PROVIDERS]


def provider_rows(ctx: Context, providers: list[Provider]) -> list[Row]:
    rng = ctx.rng("providers")
    return [{
        "id": p.id, "name": p.name, "kind": p.kind,
        "contact_person": names.adult_name(rng, rng.choice(("male", "female"))),
        "phone": names.mobile(rng), "notes": None, "archived_at": None, "archive_reason": None,
        **stamps(stamp(rng, ctx.roster_day)),
    } for p in providers]


def need_rows(ctx: Context, kids: list[Kid], providers: list[Provider]) -> list[Row]:
    """Needs found on visits: most children in difficulty have one, some others too."""
    rng = ctx.rng("needs")
    rows = []
    for kid in kids:
        if kid.archived_on is not None:
            continue
        share = 0.45 if len(kid.categories) > 1 or "left_behind" not in kid.categories else 0.1
        if rng.random() >= share:
            continue
        for kind in _need_kinds(rng, kid):
            rows.append(_need(ctx, rng, kid, kind, providers))
    return rows


def _need_kinds(rng: random.Random, kid: Kid) -> list[str]:
    mix = dict(texts.NEED_WEIGHTS)
    if "disabled" not in kid.categories:
        mix.pop("assistive_device")
    else:
        mix["assistive_device"] = 40
    first = pick(rng, tuple(mix.items()))
    kinds = [first]
    if rng.random() < 0.2:
        second = pick(rng, tuple(mix.items()))
        if second != first:
            kinds.append(second)
    return kinds


def _need(ctx: Context, rng: random.Random, kid: Kid, kind: str, providers: list[Provider]
          ) -> Row:
    found = day_between(rng, max(kid.registered_on, ctx.window_start), ctx.today)
    status = pick(rng, NEED_STATUS_MIX) if found < ctx.today - timedelta(days=7) else "open"
    linked = status in ("linked", "resolved")
    provider = rng.choice(providers) if linked else None
    ended = day_between(rng, found + timedelta(days=3), ctx.today) \
        if status in ("resolved", "closed") else None
    created = stamp(rng, found)
    return {
        "id": ctx.new_id("needs"), "child_id": kid.id, "kind": kind, "status": status,
        "description": rng.choice(texts.NEED_TEXTS[kind]), "found_on": found,
        "provider_id": provider.id if provider else None,
        "linked_on": found + timedelta(days=2) if linked else None,
        "asked": "请协助解决" if linked else None,
        "resolved_on": ended if status == "resolved" else None,
        "resolution": f"经{provider.name}帮助已解决" if status == "resolved" and provider
        else None,
        "closed_on": ended if status == "closed" else None,
        "closed_reason": rng.choice(CLOSED_REASONS) if status == "closed" else None,
        "priority": "normal", "archived_at": None, "archive_reason": None,
        **stamps(created, stamp(rng, ended) if ended else created),
    }


def wish_drive_rows(ctx: Context) -> list[Row]:
    """One 六一满愿 drive a year: wishes collected in May, fulfilled around 1 June."""
    year = ctx.today.year if ctx.today >= date(ctx.today.year, 5, 1) else ctx.today.year - 1
    created = datetime.combine(date(year, 4, 25), datetime.min.time())
    return [{"id": ctx.new_id("wish_drives"), "name": f"{year}年六一“微心愿”满愿行动",
             "starts_on": date(year, 5, 1), "ends_on": date(year, 6, 15), "org_unit_id": None,
             "notes": None, "archived_at": None, "archive_reason": None, **stamps(created)}]


def wish_rows(ctx: Context, kids: list[Kid], providers: list[Provider],
              drive: Row | None = None) -> list[Row]:
    """微心愿 collected from younger children; about two in three already came true."""
    rng = ctx.rng("wishes")
    rows = []
    for kid in kids:
        if kid.archived_on is not None or kid.age > 14 or rng.random() >= 0.15:
            continue
        collected = day_between(rng, max(kid.registered_on, ctx.window_start), ctx.today)
        fulfilled = None
        provider = None
        taken = None
        if collected < ctx.today - timedelta(days=7) and rng.random() < 0.65:
            fulfilled = day_between(rng, collected + timedelta(days=5),
                                    min(collected + timedelta(days=60), ctx.today))
            provider = rng.choice(providers)
            taken = fulfilled
        elif rng.random() < 0.4:  # a donor has taken it and not delivered yet
            taken = day_between(rng, collected, ctx.today)
            provider = rng.choice(providers)
        created = stamp(rng, collected)
        rows.append({
            "id": ctx.new_id("wishes"), "child_id": kid.id, "content": rng.choice(texts.WISHES),
            "status": "fulfilled" if fulfilled else "taken" if taken else "collected",
            "collected_on": collected,
            "fulfilled_on": fulfilled, "provider_id": provider.id if provider else None,
            "fulfilled_by": provider.name if provider else None, "archived_at": None,
            "archive_reason": None, "taken_on": taken, "drive_id": (
                drive["id"] if drive and drive["starts_on"] <= collected <= drive["ends_on"]
                else None),
            **stamps(created, stamp(rng, fulfilled) if fulfilled else created),
        })
    return rows


def donation_rows(ctx: Context, tree: OrgTree, kids: list[Kid], activities: list[ActivityRec],
                  providers: list[Provider]) -> tuple[list[Row], list[Row]]:
    """Donations of money and goods, to an activity or straight to children; and recipients."""
    rng = ctx.rng("donations")
    by_town: dict[int, list[Kid]] = {}
    for kid in kids:
        by_town.setdefault(kid.town_id, []).append(kid)
    towns = [t for t in tree.towns if by_town.get(t.id)]
    rows, recipients = [], []
    for _ in range(ctx.scale.donations):
        donation_id = ctx.new_id("donations")
        activity = rng.choice(activities) if activities and rng.random() < 0.4 else None
        day = activity.held_on if activity else day_between(rng, ctx.window_start, ctx.today)
        town = activity.host.town if activity else rng.choice(towns)
        money = Decimal(rng.randrange(500, 20_000, 100)) if rng.random() < 0.55 else Decimal(0)
        goods, value = _goods(rng) if money == 0 or rng.random() < 0.4 else (None, None)
        if activity is None:
            present = [k.id for k in by_town.get(town.id, []) if k.present_on(day)]
            chosen = sorted(rng.sample(present, min(len(present), rng.randint(1, 30))))
        else:  # a gift at an activity goes to its attending children, as the app records it
            chosen = sorted(set(activity.attendees))
        recipients += [{"donation_id": donation_id, "child_id": c} for c in chosen]
        created = stamp(rng, day)
        rows.append({
            "id": donation_id, "provider_id": rng.choice(providers).id, "donated_on": day,
            "money_yuan": money, "goods": goods, "goods_value_yuan": value,
            "activity_id": activity.id if activity else None, "org_unit_id": town.id,
            "notes": None, "archived_at": None, "archive_reason": None, **stamps(created),
        })
    return rows, recipients


def _goods(rng: random.Random) -> tuple[str, Decimal]:
    item, unit, price = rng.choice(texts.GOODS)
    count = rng.randrange(10, 200, 10)
    return f"{item}{count}{unit}", Decimal(count * price)
