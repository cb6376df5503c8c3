"""四色 risk assessments: the latest one's colour is the child's risk level."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from sample_data import texts
from sample_data.children import RISK_ORDER, Kid
from sample_data.context import Context, day_between, stamp
from sample_data.writer import Row

ASPECTS = ("guardianship_risk", "physical_risk", "behavioural_risk")


def assessment_rows(ctx: Context, kids: list[Kid], assessor: dict[int, int]) -> Iterator[Row]:
    """Yield one or two assessments per assessed child; `assessor` maps town id → user id."""
    rng = ctx.rng("risk")
    for kid in kids:
        if kid.risk is None:
            continue
        last = kid.archived_on or ctx.today
        first = max(kid.registered_on, ctx.today - timedelta(days=365))
        levels = [kid.risk]
        days = [day_between(rng, first, last)]
        if (last - first).days > 150 and rng.random() < 0.2:
            levels.insert(0, _earlier_level(rng, kid.risk))
            days = [day_between(rng, first, first + timedelta(days=60)),
                    day_between(rng, first + timedelta(days=120), last)]
        for level, day in zip(levels, days, strict=True):
            yield _row(ctx, rng, kid, level, day, assessor.get(kid.town_id))


def _earlier_level(rng: random.Random, latest: str) -> str:
    """Colours change: an earlier grading one step better or worse, or the same."""
    index = RISK_ORDER.index(latest)
    step = rng.choice((-1, 0, 1))
    return RISK_ORDER[min(max(index + step, 0), len(RISK_ORDER) - 1)]


def _row(ctx: Context, rng: random.Random, kid: Kid, level: str, day: date,
         assessor_id: int | None) -> Row:
    worst = RISK_ORDER.index(level)
    aspects = {name: RISK_ORDER[rng.randint(0, worst)] for name in ASPECTS}
    aspects[rng.choice(ASPECTS)] = level  # the overall colour is the worst aspect's
    recorded = stamp(rng, day)
    return {
        "id": ctx.new_id("risk_assessments"), "child_id": kid.id, "assessed_on": day,
        "level": level, **aspects, "assessor_id": assessor_id,
        "notes": rng.choice(texts.ASSESSMENT_NOTES[level]),
        "created_at": recorded, "updated_at": recorded,
    }
