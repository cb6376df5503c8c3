"""帮扶要求 in figures: per rule, how many pairings it binds, how many met it, how many are overdue.

`compliance.standings` judges every pairing × rule in Python to build 待办 lists. The dashboard
only needs the totals, so they are counted here in SQL with the same definitions: an item is due
when the rule applies and is not resting in 寒暑假; met when the current period's contacts reach
the rule's count; overdue when it is not met, the previous period fell short and was owed
(`compliance.judge`). tests/services/care/test_compliance_counts.py holds the two to the same
answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Connection, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from core.vocab import RuleAudience
from db.models import CareContact, Child, ChildCategory, Helper, Pairing
from services.care.compliance import GRACE_DAYS, RuleClock, RuleView, active_rules, rule_clock


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    due: int
    met: int
    overdue: int

    @property
    def rate(self) -> float:
        return self.met / self.due if self.due else 0.0


def rule_counts(session: Session, *, children: ColumnElement[bool], today: date,
                helper_id: int | None = None, narrow: bool = True) -> list[RuleCount]:
    """Due, met and overdue pairing × rule items among open pairings of `children`
    (only `helper_id`'s pairings when given).

    `narrow=False` says `children` is everyone: the contacts are then counted without
    checking each against the children, which is faster for a county.
    """
    found = []
    for rule in (RuleView.of(r) for r in active_rules(session)):
        clock = rule_clock(rule, today)
        if clock.paused:
            found.append(RuleCount(rule.code, rule.name, 0, 0, 0))
            continue
        found.append(count_rule(session, rule, clock, children=children, today=today,
                                helper_id=helper_id, narrow=narrow))
    return found


def count_rule(session: Session, rule: RuleView, clock: RuleClock, *,
               children: ColumnElement[bool], today: date, helper_id: int | None = None,
               narrow: bool = True) -> RuleCount:
    """One rule's due, met and overdue under `clock` (see `rule_counts`)."""
    contacts_of = (CareContact.child_id.in_(select(Child.id).where(children)) if narrow
                   else true())
    stmt = rule_statement(rule, clock, children, contacts_of, today)
    if helper_id is not None:
        stmt = stmt.where(Pairing.helper_id == helper_id)
    due, met_count, overdue_count = session.execute(stmt).one()
    return RuleCount(rule.code, rule.name, due or 0, met_count or 0, overdue_count or 0)


def counts_by_village(session: Session | Connection, rule: RuleView, clock: RuleClock, today: date,
                      villages: list[int] | None) -> dict[int, tuple[int, int, int]]:
    """(due, met, overdue) of the rule per village of the pairings' children, for the figures'
    rollups (`services.stats.rollups`); only `villages` when given. Active children only."""
    children: ColumnElement[bool] = Child.archived_at.is_(None)
    contacts_of: ColumnElement[bool] = true()
    if villages is not None:
        children = and_(children, Child.village_id.in_(villages))
        contacts_of = CareContact.child_id.in_(select(Child.id).where(
            Child.village_id.in_(villages)))
    stmt = (rule_statement(rule, clock, children, contacts_of, today)
            .add_columns(Child.village_id).group_by(Child.village_id))
    return {village: (due or 0, met or 0, overdue or 0)
            for due, met, overdue, village in session.execute(stmt)}


def rule_statement(rule: RuleView, clock: RuleClock, children: ColumnElement[bool],
                   contacts_of: ColumnElement[bool], today: date) -> Select:
    """SELECT due, met, overdue over the open pairings of `children` the rule binds."""
    current, previous = clock.current, clock.previous
    own = rule.audience is RuleAudience.child
    keys = [CareContact.child_id, CareContact.helper_id] if own else [CareContact.child_id]
    in_current = CareContact.contact_date.between(current.start, min(current.end, today))
    in_previous = CareContact.contact_date.between(previous.start, previous.end)
    done = (select(*keys,
                   func.count(case((in_current, 1))).label("now"),
                   func.count(case((in_previous, 1))).label("before"))
            .where(CareContact.archived_at.is_(None), CareContact.kind.in_(rule.kinds),
                   CareContact.contact_date.between(previous.start, today), contacts_of)
            .group_by(*keys).subquery())
    joined = done.c.child_id == Pairing.child_id
    if own:
        joined = and_(joined, done.c.helper_id == Pairing.helper_id)
    now, before = func.coalesce(done.c.now, 0), func.coalesce(done.c.before, 0)
    met = now >= rule.min_count
    deadline = clock.previous_deadline
    if deadline is None:  # the previous period was all holiday: nothing is owed for it
        overdue: ColumnElement[bool] = false()
    else:
        owed = or_(Pairing.started_on <= previous.start,
                   Pairing.started_on <= deadline - timedelta(days=GRACE_DAYS))
        overdue = and_(~met, before < rule.min_count, owed)
    return (select(func.count(), func.count(case((met, 1))), func.count(case((overdue, 1))))
            .select_from(Pairing).join(Child, Child.id == Pairing.child_id)
            .join(Helper, Helper.id == Pairing.helper_id).outerjoin(done, joined)
            .where(Pairing.ended_on.is_(None), Child.archived_at.is_(None),
                   Helper.archived_at.is_(None), children, *_applies(rule)))


def _applies(rule: RuleView) -> list[ColumnElement[bool]]:
    """`RuleView.applies` as SQL conditions on the pairing's child and helper."""
    conditions: list[ColumnElement[bool]] = []
    if rule.risk_level is not None:
        conditions.append(Child.risk_level == rule.risk_level)
    if rule.category is not None:
        conditions.append(Child.id.in_(select(ChildCategory.child_id).where(
            ChildCategory.category == rule.category)))
    if rule.helper_kind is not None:
        conditions.append(Helper.kind == rule.helper_kind)
    return conditions
