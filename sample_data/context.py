"""What every generation step shares: the scale, the date, seeded randomness and id counters."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sample_data import places
from sample_data.scales import Scale
from services.care.terms import in_school_holiday  # noqa: F401 - the generator and the rules share one calendar

T = TypeVar("T")

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
    # Which of a province's counties is generated: its place in the list (0 for a county).
    county: int = 0

    def rng(self, stage: str) -> random.Random:
        """A generator of its own per stage, so one stage's changes do not reshuffle the others."""
        part = f"{self.county}:" if self.county else ""
        return random.Random(f"shouwang:{self.seed}:{part}{stage}")

    @property
    def county_name(self) -> str:
        return places.COUNTIES[self.county]

    def new_id(self, table: str) -> int:
        value = self.next_ids.get(table, 1)
        self.next_ids[table] = value + 1
        return value

    @property
    def window_start(self) -> date:
        """Contacts and activities cover the last two terms (about ten months) up to today."""
        return self.today - timedelta(days=self.scale.window_days)

    @property
    def history_start(self) -> date:
        """The first day a pairing may have begun."""
        return self.today - timedelta(days=self.scale.history_days)

    @property
    def roster_day(self) -> date:
        """The roster was first drawn up (摸底) a little over a year ago."""
        return self.today - timedelta(days=self.scale.roster_days_ago)


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
