"""A period is read from the rollups as whole months plus the days left at either end, each day
exactly once, however the period falls on the calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import RollupDay
from services.stats.rollups.families import BY_NAME
from services.stats.rollups.reading import Rollups
from services.stats.rollups.sums import remake_months, remake_trees
from tests.factories import make_org

FIRST, LAST = date(2025, 12, 20), date(2026, 3, 10)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]


@pytest.fixture
def every_day(engine) -> Session:
    """One contact-like row per day, counting the day's ordinal, on unit 7; months and the
    top units' trees remade (unit 7 is in no tree: its own top)."""
    with Session(engine) as session, session.begin():
        session.execute(insert(RollupDay), [
            {"field": "contact", "day": day, "unit_id": 7, "code": "home_visit",
             "n": day.toordinal(), "extra": 1} for day in DAYS])
        remake_months(session, BY_NAME["contacts"])
        remake_trees(session, BY_NAME["contacts"])
    session = Session(engine)
    yield session
    session.close()


PERIODS = [
    (date(2026, 1, 1), date(2026, 1, 31)),     # one whole month
    (date(2026, 1, 1), date(2026, 2, 28)),     # two whole months
    (date(2026, 1, 15), date(2026, 1, 20)),    # inside one month
    (date(2025, 12, 31), date(2026, 1, 1)),    # two days across a year
    (date(2025, 12, 25), date(2026, 2, 3)),    # partial, whole, partial
    (date(2026, 2, 1), date(2026, 3, 10)),     # whole then partial
    (date(2025, 12, 20), date(2026, 1, 31)),   # partial then whole
    (date(2026, 2, 28), date(2026, 2, 28)),    # one day, the month's last
    (date(2026, 3, 1), date(2026, 3, 1)),      # one day, the month's first
    (date(2020, 1, 1), date(2030, 12, 31)),    # beyond the data on both sides
]


@pytest.mark.parametrize(("first", "last"), PERIODS, ids=lambda d: f"{d}")
def test_each_day_counts_once(every_day, first, last):
    wanted = [day for day in DAYS if first <= day <= last]
    got = Rollups(every_day, None).period("contact", first, last)
    assert got.get("home_visit", (0, 0)) == (sum(d.toordinal() for d in wanted), len(wanted))


@pytest.mark.parametrize(("first", "last"), [(None, date(2026, 1, 10)), (date(2026, 2, 15), None),
                                             (None, None)], ids=str)
def test_an_open_end_reads_everything_on_that_side(every_day, first, last):
    wanted = [day for day in DAYS if (first is None or day >= first)
              and (last is None or day <= last)]
    got = Rollups(every_day, None).period("contact", first, last)
    assert got["home_visit"] == (sum(d.toordinal() for d in wanted), len(wanted))


def test_by_month_puts_each_day_in_its_month(every_day):
    got = Rollups(every_day, None).by_month("contact", date(2025, 12, 30), date(2026, 2, 2))
    assert {month: extra for month, (_, extra) in got.items()} == {
        "2025-12": 2, "2026-01": 31, "2026-02": 2}


def test_another_unit_sees_none_of_it(every_day):
    with every_day.begin():
        other = make_org(every_day, "别处镇")
    assert Rollups(every_day, other.id).period("contact", FIRST, LAST) == {}
