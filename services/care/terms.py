"""Calendar periods the care rules and reports count in: week, month and school term (学期)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from core.vocab import RulePeriod


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


# 寒暑假 as fixed (month, day) spans, inclusive. Real calendars move with the Spring Festival
# and differ by county by a week or so; rules that pause in holidays rest on these days.
WINTER_HOLIDAY = ((1, 20), (2, 20))
SUMMER_HOLIDAY = ((7, 10), (8, 31))
HOLIDAYS = {"寒假": WINTER_HOLIDAY, "暑假": SUMMER_HOLIDAY}


def holiday_name(day: date) -> str | None:
    """寒假 or 暑假 when `day` falls in one, else None."""
    key = (day.month, day.day)
    for name, (first, last) in HOLIDAYS.items():
        if first <= key <= last:
            return name
    return None


def in_school_holiday(day: date) -> bool:
    """Whether `day` lies in the winter (Jan 20 – Feb 20) or summer (Jul 10 – Aug 31) holiday."""
    return holiday_name(day) is not None


def last_school_day(period: Period) -> date | None:
    """The period's last day outside 寒暑假, or None when the whole period is a holiday."""
    day = period.end
    while day >= period.start:
        if not in_school_holiday(day):
            return day
        day -= timedelta(days=1)
    return None


def previous_period(period: RulePeriod, day: date) -> Period:
    """The week (上周), month or term just before the one containing `day`."""
    before = period_of(period, period_of(period, day).start - timedelta(days=1))
    return replace(before, name="上周") if period is RulePeriod.week else before


def school_year_of(day: date) -> Period:
    """学年: from 1 September to the end of August, named by the years it spans."""
    first = day.year if day.month >= 9 else day.year - 1
    return Period(date(first, 9, 1), date(first + 1, 8, 31), f"{first}—{first + 1}学年")


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31), f"{day.year}年")


def report_periods(today: date) -> dict[str, Period]:
    """The dashboard's and reports' presets: 本月, 本学期, 本学年, 今年 (each up to its end)."""
    return {"month": replace(month_of(today), name="本月"),
            "term": replace(term_of(today), name="本学期"),
            "school_year": replace(school_year_of(today), name="本学年"),
            "year": replace(year_of(today), name="今年")}


def relative_name(start: date, end: date, today: date) -> str:
    """"本月", "本学期", "本学年", "今年" when the span is that preset, else "本期"."""
    for period in report_periods(today).values():
        if (period.start, period.end) == (start, end):
            return period.name
    return "本期"


def as_of_words(day: date) -> str:
    """"截至2026年12月3日": how a period still running is written."""
    return f"截至{day.year}年{day.month}月{day.day}日"
