"""帮扶要求 from the rollups: each active rule's current period counted per village, kept while
the period lasts.

A rule's figures depend on the day through its clock (this week, this month, this term, and
the one before). For each active rule the current clock is materialised once (every village,
in the first write or rebuild that finds it missing) and then kept right village by village
like the other rollups. A clock whose period is over is dropped; figures for a day whose
clock is not kept (a closed period) are counted from the records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy import ColumnElement, SQLColumnExpression, delete, func, insert, select
from sqlalchemy.orm import Session

from db.models import RollupRule, RollupRuleClock
from services.care.compliance import RuleClock, RuleView, active_rules, rule_clock
from services.care.compliance_counts import RuleCount, counts_by_village

CHUNK = 500


def clock_key(rule: RuleView, clock: RuleClock) -> str:
    """A digest of everything a rule's counts depend on besides the records."""
    payload = json.dumps([rule.id, rule.kinds, rule.min_count, rule.period, rule.risk_level,
                          rule.category, rule.helper_kind, rule.audience,
                          rule.pauses_in_holidays, clock.current.start, clock.current.end,
                          clock.previous.start, clock.previous.end, clock.previous_deadline],
                         default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def views(session: Session) -> list[RuleView]:
    """The active rules, read once for a save's `refresh_villages` and `keep_current`."""
    return [RuleView.of(rule) for rule in active_rules(session)]


def keep_current(session: Session, today: date, active: list[RuleView]) -> None:
    """Materialise every active rule's current clock that is missing; drop the others."""
    wanted: dict[str, tuple[RuleView, RuleClock]] = {}
    for rule in active:
        clock = rule_clock(rule, today)
        if not clock.paused:
            wanted[clock_key(rule, clock)] = (rule, clock)
    stored = set(session.scalars(select(RollupRuleClock.clock)))
    gone = sorted(stored - set(wanted))
    if gone:
        session.execute(delete(RollupRule).where(RollupRule.clock.in_(gone)))
        session.execute(delete(RollupRuleClock).where(RollupRuleClock.clock.in_(gone)))
    for key, (rule, clock) in wanted.items():
        if key not in stored:
            _materialise(session, key, rule, clock, today, None)
            session.execute(insert(RollupRuleClock).values(
                clock=key, rule_id=rule.id, on_day=today, current_end=clock.current.end))


def refresh_villages(session: Session, villages: Mapping[int, frozenset[str] | None],
                     active: list[RuleView]) -> None:
    """Recount the kept clocks for these villages: every rule where their children or pairings
    changed (None), else only the rules counting a contact kind that changed there."""
    if not villages:
        return
    rules = {rule.id: rule for rule in active}
    for key, rule_id, on_day in session.execute(
            select(RollupRuleClock.clock, RollupRuleClock.rule_id, RollupRuleClock.on_day)):
        rule = rules.get(rule_id)
        if rule is None or clock_key(rule, rule_clock(rule, on_day)) != key:
            continue  # edited or switched off: keep_current drops it
        chosen = sorted(village for village, kinds in villages.items()
                        if kinds is None or not kinds.isdisjoint(rule.kinds))
        for start in range(0, len(chosen), CHUNK):
            part = chosen[start:start + CHUNK]
            session.execute(delete(RollupRule).where(RollupRule.clock == key,
                                                     RollupRule.unit_id.in_(part)))
            _materialise(session, key, rule, rule_clock(rule, on_day), on_day, part)


def _materialise(session: Session, key: str, rule: RuleView, clock: RuleClock, today: date,
                 villages: list[int] | None) -> None:
    rows = [{"clock": key, "unit_id": village, "due": due, "met": met, "overdue": overdue}
            for village, (due, met, overdue) in counts_by_village(
                session, rule, clock, clock.current.end, villages).items() if due]
    if rows:
        session.execute(insert(RollupRule), rows)


def differences(session: Session) -> list[str]:
    """Kept counts that differ from a recount from the records."""
    rules = {rule.id: rule for rule in views(session)}
    found = []
    for key, rule_id, on_day in session.execute(
            select(RollupRuleClock.clock, RollupRuleClock.rule_id, RollupRuleClock.on_day)):
        rule = rules.get(rule_id)
        clock = rule_clock(rule, on_day) if rule is not None else None
        if rule is None or clock is None or clock_key(rule, clock) != key:
            continue  # edited or switched off since: never read, dropped at the next write
        recount = counts_by_village(session, rule, clock, clock.current.end, None)
        wanted = {village: counts for village, counts in recount.items() if counts[0]}
        stored = {unit: (due, met, overdue) for unit, due, met, overdue in session.execute(
            select(RollupRule.unit_id, RollupRule.due, RollupRule.met, RollupRule.overdue)
            .where(RollupRule.clock == key))}
        for unit in sorted(set(wanted) | set(stored)):
            if wanted.get(unit) != stored.get(unit):
                found.append(f"rollup_rules {rule.code}/{unit}: 记录算得 {wanted.get(unit)}，"
                             f"汇总表中为 {stored.get(unit)}")
    return found


def rebuild(session: Session, today: date) -> None:
    session.execute(delete(RollupRule))
    session.execute(delete(RollupRuleClock))
    keep_current(session, today, views(session))


def rule_counts(session: Session, today: date,
                in_scope: Callable[[SQLColumnExpression[int]], ColumnElement[bool]],
                from_records: Callable[[RuleView, RuleClock], RuleCount]) -> list[RuleCount]:
    """`compliance_counts.rule_counts` for a unit's villages: kept clocks summed, the others
    (a closed period, a clock not yet kept) counted from the records."""
    kept = set(session.scalars(select(RollupRuleClock.clock)))
    clocks = [(rule, rule_clock(rule, today)) for rule in views(session)]
    keys = {rule.id: clock_key(rule, clock) for rule, clock in clocks if not clock.paused}
    summed = {key: (int(due), int(met), int(overdue)) for key, due, met, overdue in session.execute(
        select(RollupRule.clock, func.sum(RollupRule.due), func.sum(RollupRule.met),
               func.sum(RollupRule.overdue))
        .where(RollupRule.clock.in_(sorted(set(keys.values()) & kept)),
               in_scope(RollupRule.unit_id))
        .group_by(RollupRule.clock))}
    found = []
    for rule, clock in clocks:
        if clock.paused:
            found.append(RuleCount(rule.code, rule.name, 0, 0, 0))
        elif keys[rule.id] not in kept:
            found.append(from_records(rule, clock))
        else:
            found.append(RuleCount(rule.code, rule.name, *summed.get(keys[rule.id], (0, 0, 0))))
    return found


__all__ = ["clock_key", "keep_current", "rebuild", "refresh_villages", "rule_counts", "views"]
