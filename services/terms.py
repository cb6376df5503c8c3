"""Calendar periods the care rules and reports count in: week, month and school term (学期)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.vocab import RulePeriod


@dataclass(frozen=True)
class Period:
    """An inclusive span of days with the name people call it by."""

    start: date
    end: date
    name: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), "本周")


def month_of(day: date) -> Period:
    return Period(day.replace(day=1), _month_end(day), f"{day.month}月")


def term_of(day: date) -> Period:
    """春季学期 Feb–Jul, 秋季学期 Sep–Jan; the summer holiday (August) ends the spring term,
    so every day lies in the term returned for it."""
    if 2 <= day.month <= 8:
        return Period(date(day.year, 2, 1), date(day.year, 8, 31), f"{day.year}年春季学期")
    autumn_year = day.year if day.month >= 9 else day.year - 1
    return Period(date(autumn_year, 9, 1), date(autumn_year + 1, 1, 31),
                  f"{autumn_year}年秋季学期")


def period_of(period: RulePeriod, day: date) -> Period:
    """The week, month or term that contains `day`."""
    return {RulePeriod.week: week_of, RulePeriod.month: month_of,
            RulePeriod.term: term_of}[period](day)
