"""What every generation step shares: the scale, the date, seeded randomness and id counters."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sample_data.scales import Scale
from services.care.terms import in_school_holiday  # noqa: F401 - the generator and the rules share one calendar

T = TypeVar("T")

# Contacts and activities cover the last two terms (about ten months) up to today.
WINDOW_DAYS = 300
# The roster was first drawn up (摸底) a little over a year ago.
ROSTER_DAYS_AGO = 400
# Clock times for created_at stamps: Beijing office hours (08:00–20:50) in naive UTC, the way
# db.base.utcnow stores them; the day stays the same.
CLOCK = tuple(time(h, m) for h in range(0, 13) for m in (0, 10, 20, 30, 40, 50))


@dataclass
class Context:
    scale: Scale
    seed: int
    today: date
    # Next free id per table (the database may already hold org units or providers).
    next_ids: dict[str, int] = field(default_factory=dict)

    def rng(self, stage: str) -> random.Random:
        """A generator of its own per stage, so one stage's changes do not reshuffle the others."""
        return random.Random(f"shouwang:{self.seed}:{stage}")

    def new_id(self, table: str) -> int:
        value = self.next_ids.get(table, 1)
        self.next_ids[table] = value + 1
        return value

    @property
    def window_start(self) -> date:
        return self.today - timedelta(days=WINDOW_DAYS)

    @property
    def roster_day(self) -> date:
        return self.today - timedelta(days=ROSTER_DAYS_AGO)


def pick(rng: random.Random, mix: Sequence[tuple[T, float]]) -> T:
    """One value from (value, weight) pairs."""
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights)[0]


def stamp(rng: random.Random, day: date) -> datetime:
    """A created_at/updated_at value on `day` during Beijing working hours (stored as UTC)."""
    return datetime.combine(day, rng.choice(CLOCK))


def day_between(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random day in [start, end]; `start` when the range is empty."""
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span)) if span > 0 else start


def stamps(created: datetime, updated: datetime | None = None) -> dict[str, object]:
    """The bookkeeping columns of versioned, timestamped rows."""
    return {"version": 1, "created_at": created, "updated_at": updated or created}
