"""Two saves in one county at the same moment on PostgreSQL: both land, and the county's rollups
count both. Each save recomputes the same county rows (the tree of that day); without taking
turns the second would insert a row the first had just inserted and fail."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.vocab import ContactKind, OrgKind
from db.engine import transaction
from services.access.permissions import Actor
from services.care import contacts
from services.stats.rollups import tracking
from services.stats.rollups.reading import Rollups
from services.stats.rollups.refresh import differences
from tests.concurrency.helpers import wait_until
from tests.factories import make_child, make_helper, make_org, make_pairing

ADMIN = Actor.system()
DAY = date(2026, 11, 30)


def _two_pairs(engine) -> tuple[int, list[tuple[int, int]]]:
    """Two children in two villages of one county, each paired with a helper of their own."""
    with transaction(engine) as session:
        county = make_org(session, "平安县", OrgKind.county)
        town = make_org(session, "石门镇", OrgKind.town, parent=county)
        pairs = []
        for n, name in enumerate(("王小明", "李小红")):
            village = make_org(session, f"{name[0]}家村", OrgKind.village, parent=town)
            child = make_child(session, village=village, name=name, town_id=town.id)
            helper = make_helper(session, org_unit=village, name=f"帮扶人{n}")
            make_pairing(session, child, helper)
            pairs.append((child.id, helper.id))
        return county.id, pairs


def _log(session: Session, child_id: int, helper_id: int) -> None:
    contacts.log_contact(session, actor=ADMIN, child_id=child_id, helper_id=helper_id,
                         kind=ContactKind.home_visit, contact_date=DAY, minutes=30,
                         notes="家访", today=DAY)


def _second_is_waiting(engine) -> bool:
    """Some session of this database waits for a lock (which one is the code's business)."""
    with engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")))


def test_two_saves_in_one_county_take_turns_and_both_count(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns from BEGIN; this is PostgreSQL's case")
    county, pairs = _two_pairs(engine)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with transaction(engine) as session:
                _log(session, *pairs[1])
        except BaseException as exc:  # reported to the test below
            failures.append(exc)

    with transaction(engine) as first:
        _log(first, *pairs[0])
        tracking.catch_up(first)  # the first save's rollups recomputed, not yet committed
        other = threading.Thread(target=second)
        other.start()
        wait_until(lambda: _second_is_waiting(engine), what="the second save to wait")
    other.join(timeout=120)
    assert not other.is_alive()
    assert failures == []
    with transaction(engine, write=False) as session:
        assert differences(session) == []
        assert Rollups(session, county).period("contact", DAY, DAY) == {"home_visit": (2, 0)}
        assert session.scalar(select(text("count(*)")).select_from(text("care_contacts"))) == 2
