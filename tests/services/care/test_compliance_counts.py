"""`rule_counts` (SQL totals) against `compliance_rates(group_by="rule")` (Python standings).

Both must give, per rule, the same due, met and overdue on any data and any day: varied
generated worlds, every kind of rule, days inside and outside 寒暑假, pairings that began just
before a deadline. A few hand-worked cases pin the numbers themselves.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    RuleAudience,
    RulePeriod,
)
from db.base import utcnow
from db.models import CareRule, Helper
from services.access.permissions import Actor
from services.care.compliance_counts import rule_counts
from services.care.todo import compliance_rates
from services.stats.figures import StatsScope, children_in
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    Places,
    coordinator_of,
    helper_actor,
    make_child_in,
    make_contact,
    make_places,
)

EXTRA_RULES = [
    # a category rule about the child, two kinds of contact
    dict(code="disabled_monthly_visit", name="残障儿童每月走访或谈心至少1次",
         contact_kinds=["home_visit", "talk"], min_count=1, period=RulePeriod.month,
         category=Category.disabled),
    # a term rule that rests in 寒暑假 (its deadline is the last school day)
    dict(code="term_school_visit", name="每学期家访(在校期间)", contact_kinds=["home_visit"],
         min_count=1, period=RulePeriod.term, pauses_in_holidays=True),
    # a colour rule about the guardian (anyone's contacts), resting in the holidays
    dict(code="green_guardian_twice", name="绿色儿童每月联系监护人2次",
         contact_kinds=["phone_visit", "home_visit"], min_count=2, period=RulePeriod.month,
         risk_level=RiskLevel.green, audience=RuleAudience.guardian, pauses_in_holidays=True),
    # a helper-kind weekly rule that rests in the holidays
    dict(code="class_teacher_weekly_talk", name="班主任每周谈心", contact_kinds=["talk"],
         min_count=1, period=RulePeriod.week, helper_kind=HelperKind.class_teacher,
         pauses_in_holidays=True),
    # a weekly parents rule asking for two
    dict(code="weekly_parent_call_twice", name="每周亲情电话2次", contact_kinds=["parent_call"],
         min_count=2, period=RulePeriod.week, audience=RuleAudience.parents),
]

STARTS = [date(2025, 9, 1), date(2026, 1, 12), date(2026, 1, 13), date(2026, 2, 10),
          date(2026, 7, 2), date(2026, 7, 3), date(2026, 8, 25), date(2026, 9, 23),
          date(2026, 9, 24), date(2026, 10, 24), date(2026, 10, 25), date(2026, 11, 15),
          date(2026, 11, 16), date(2026, 11, 22)]

TODAYS = [
    date(2026, 11, 28),  # a Saturday in term
    date(2026, 11, 30),  # a month's last day
    date(2026, 12, 1),  # a month's first day
    date(2026, 11, 23),  # a Monday
    date(2026, 9, 1),  # a term's first day
    date(2026, 1, 19),  # the last school day before 寒假
    date(2026, 1, 25),  # inside 寒假
    date(2026, 2, 21),  # the first day after 寒假
    date(2026, 7, 15),  # inside 暑假
    date(2026, 8, 31),  # the last day of 暑假 and of the spring term
    date(2026, 10, 31),
    date(2026, 6, 30),
]


def add_rules(session: Session) -> None:
    for values in EXTRA_RULES:
        session.add(CareRule(**values))
    session.flush()


def generated(session: Session, seed: int) -> Places:
    """Children, helpers, pairings and contacts drawn with a seeded random generator."""
    rnd = random.Random(seed)
    places = make_places(session)
    add_rules(session)
    homes = [places.village, places.other_village, places.far_village]
    kinds = [HelperKind.teacher, HelperKind.volunteer, HelperKind.class_teacher,
             HelperKind.social_worker, HelperKind.volunteer, HelperKind.class_teacher]
    helpers = [make_helper(session, org_unit=rnd.choice(homes), name=f"帮扶人{i}", kind=kind,
                           capacity=20) for i, kind in enumerate(kinds)]
    helpers.append(make_helper(session, org_unit=places.village, name="已调走",
                               archived_at=utcnow(), archive_reason="调走"))
    risks = [None, *RiskLevel]
    children = []
    for i in range(14):
        categories = tuple(c for c in Category if rnd.random() < 0.35) or (Category.left_behind,)
        child = make_child_in(
            session, rnd.choice(homes), f"儿童{i}", categories=categories,
            risk_level=rnd.choice(risks),
            **({"archived_at": utcnow(), "archive_reason": "moved_away"} if i == 13 else {}))
        children.append(child)
        for helper in rnd.sample(helpers, rnd.choice([0, 1, 1, 2, 3])):
            started = rnd.choice(STARTS)
            ends = rnd.random() < 0.1 and started < date(2026, 10, 1)
            make_pairing(session, child, helper, started_on=started,
                         ended_on=date(2026, 10, 1) if ends else None)
    first = date(2025, 12, 1)
    for _ in range(260):
        child = rnd.choice(children)
        make_contact(session, child, rnd.choice([*helpers, None]),
                     first + timedelta(days=rnd.randrange(380)),
                     kind=rnd.choice(list(ContactKind)),
                     archived_at=utcnow() if rnd.random() < 0.05 else None)
    return places


def by_rates(session: Session, actor: Actor, today: date) -> dict[str, tuple[int, int, int]]:
    return {r.key: (r.due, r.met, r.overdue)
            for r in compliance_rates(session, actor, today=today, group_by="rule")}


def by_counts(session: Session, actor: Actor, today: date, *, org_unit_id: int | None = None,
              helper_id: int | None = None) -> dict[str, tuple[int, int, int]]:
    children = children_in(session, actor, StatsScope(today, today, org_unit_id))
    return {r.code: (r.due, r.met, r.overdue)
            for r in rule_counts(session, children=children, today=today, helper_id=helper_id)}


def active_codes(session: Session) -> list[str]:
    return list(session.scalars(select(CareRule.code).where(CareRule.is_active.is_(True))
                                .order_by(CareRule.id)))


def same(counts: dict[str, tuple[int, int, int]],
         rates: dict[str, tuple[int, int, int]]) -> None:
    """Every active rule in the counts; a rule with nothing due has no rates row."""
    assert set(rates) <= set(counts)
    wanted = {code: rates.get(code, (0, 0, 0)) for code in counts}
    assert counts == wanted


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_rule_every_day_as_the_standings_say(session, seed):
    places = generated(session, seed)
    due = met = overdue = 0
    for today in TODAYS:
        counts = by_counts(session, ADMIN, today)
        assert list(counts) == active_codes(session)
        same(counts, by_rates(session, ADMIN, today))
        town = coordinator_of(places.town)
        same(by_counts(session, town, today), by_rates(session, town, today))
        due += sum(row[0] for row in counts.values())
        met += sum(row[1] for row in counts.values())
        overdue += sum(row[2] for row in counts.values())
    # the worlds are not trivially empty: some met, some overdue, many due
    assert due > 100
    assert met > 10
    assert overdue > 10


@pytest.mark.parametrize("seed", [4, 5])
def test_a_helpers_own_pairings(session, seed):
    generated(session, seed)
    for helper in session.scalars(select(Helper).where(Helper.archived_at.is_(None))):
        actor = helper_actor(helper)
        for today in (date(2026, 11, 28), date(2026, 1, 25), date(2026, 3, 2)):
            same(by_counts(session, actor, today, helper_id=helper.id),
                 by_rates(session, actor, today))


# ---- hand-worked cases --------------------------------------------------------------------

def only(session: Session, *codes: str) -> None:
    for rule in session.scalars(select(CareRule)):
        rule.is_active = rule.code in codes
    session.flush()


@pytest.fixture
def places(session: Session) -> Places:
    places = make_places(session)
    add_rules(session)
    return places


@pytest.mark.parametrize(("started", "overdue"), [
    (date(2026, 10, 1), 1),  # began with October: owes it
    (date(2026, 10, 24), 1),  # 7 days before October's deadline: owes it
    (date(2026, 10, 25), 0),  # 6 days before: a new pair owes nothing yet
    (date(2026, 11, 2), 0),
])
def test_grace_days_before_a_monthly_deadline(session, places, started, overdue):
    only(session, "monthly_talk")
    teacher = make_helper(session, org_unit=places.village)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=started)
    today = date(2026, 11, 10)
    expected = {"monthly_talk": (1, 0, overdue)}
    assert by_counts(session, ADMIN, today) == expected
    assert by_rates(session, ADMIN, today) == expected


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 1, 19), (1, 1, 0)),  # the last school day of the autumn term: met
    (date(2026, 1, 20), (0, 0, 0)),  # 寒假: resting, nothing due
    (date(2026, 2, 20), (0, 0, 0)),
    (date(2026, 2, 21), (1, 0, 0)),  # the spring term: due again, autumn was met
    (date(2026, 7, 10), (0, 0, 0)),  # 暑假
])
def test_a_resting_rule_in_the_holidays(session, places, today, expected):
    only(session, "term_school_visit")
    teacher = make_helper(session, org_unit=places.village)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=date(2025, 9, 1))
    make_contact(session, child, teacher, date(2025, 10, 9), kind=ContactKind.home_visit)
    assert by_counts(session, ADMIN, today) == {"term_school_visit": expected}
    same(by_counts(session, ADMIN, today), by_rates(session, ADMIN, today))


def test_child_rules_count_the_helpers_own_guardian_rules_anyones(session, places):
    only(session, "monthly_talk", "monthly_guardian_contact", "volunteer_twice_monthly_visit")
    teacher = make_helper(session, org_unit=places.village, name="李老师")
    volunteer = make_helper(session, org_unit=places.village, name="王志愿者",
                            kind=HelperKind.volunteer)
    child = make_child_in(session, places.village)
    make_pairing(session, child, teacher, started_on=date(2026, 11, 1))
    make_pairing(session, child, volunteer, started_on=date(2026, 11, 1))
    make_contact(session, child, volunteer, date(2026, 11, 3), kind=ContactKind.talk)
    make_contact(session, child, volunteer, date(2026, 11, 4), kind=ContactKind.home_visit)
    today = date(2026, 11, 28)
    expected = {"monthly_talk": (2, 1, 0),  # the volunteer's talk is not the teacher's
                "monthly_guardian_contact": (2, 2, 0),  # one visit serves both pairings
                "volunteer_twice_monthly_visit": (1, 0, 0)}  # the volunteer only, 1 of 2
    assert by_counts(session, ADMIN, today) == expected
    assert by_rates(session, ADMIN, today) == expected
