"""待办, completion rates and the children nobody contacted this month, from the rule standings.

Each pairing × rule and its status come from `services.care.compliance` (its docstring has the
table).
Rates count every pairing × rule that is not paused: due = met + open + due soon + overdue;
rate = met / due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.vocab import Role, RulePeriod
from db.models import CareContact, Child, Helper, OrgUnit, Pairing
from services.access.permissions import Actor, Capability, helpers_visible
from services.care.compliance import (
    ComplianceStatus,
    Standing,
    active_rules,
    pair_conditions,
    standings,
)
from services.care.terms import Period, period_of, week_of

NO_SCHOOL = "未登记学校"
GroupBy = Literal["helper", "school", "village", "rule"]
GROUPINGS: tuple[GroupBy, ...] = ("helper", "school", "village", "rule")


# ---- 待办 --------------------------------------------------------------------------------

class TodoItem(NamedTuple):
    """One rule a pairing has not met yet: "张小明 · 每月谈心至少1次 · 11月 0/1 · 11-30前"; an
    overdue one says which period it was due in and that it is past (see `situation`)."""

    pairing_id: int
    child_id: int
    child_name: str
    school: str
    village: str
    helper_id: int
    helper_name: str
    rule_code: str
    rule_name: str
    period: Period
    deadline: date
    done: int
    needed: int
    status: ComplianceStatus
    previous: Period
    done_before: int
    due_this_week: bool
    previous_deadline: date | None = None  # the previous period's (for an overdue item)

    @property
    def urgency(self) -> int:
        """0 overdue, 1 due this week, 2 due soon, 3 open: the 待办 order."""
        if self.status is ComplianceStatus.overdue:
            return 0
        if self.due_this_week:
            return 1
        return 2 if self.status is ComplianceStatus.due_soon else 3

    @property
    def place(self) -> str:
        return self.school or self.village

    @property
    def situation(self) -> str:
        """Where the item stands, in words that cannot contradict its status.

        Overdue: the period it was due in, and that it is past ("11月应完成1次\uff0c已完成0次\uff0c
        已逾期\uff1b12月再完成1次即消除"), never the current period's deadline as though the
        item were still open. Otherwise: this period's count and its deadline."""
        if self.status is ComplianceStatus.overdue:
            return (f"{self.previous.name}应完成{self.needed}次\uff0c"
                    f"已完成{self.done_before}次\uff0c已逾期\uff1b"
                    f"{self.period.name}再完成{self.needed - self.done}次即消除")
        return f"{self.period.name}已完成{self.done}/{self.needed}次\uff0c{self.deadline:%m-%d}前"

    @property
    def deadline_text(self) -> str:
        """The deadline that matters: the passed one for an overdue item, marked so."""
        if self.status is ComplianceStatus.overdue:
            passed = self.previous_deadline or self.previous.end
            return f"{passed.isoformat()}\uff08已过\uff09"
        return self.deadline.isoformat()

    @property
    def text(self) -> str:
        return f"{self.rule_name}\uff1a{self.situation}"


def todo_of(standings_: Iterable[Standing], today: date) -> list[TodoItem]:
    """The unmet, unpaused ones as 待办 items: overdue, due this week, due soon, then open."""
    week_end = week_of(today).end
    items = []
    for s in standings_:
        if s.status in (ComplianceStatus.met, ComplianceStatus.paused):
            continue
        deadline = s.clock.deadline or s.clock.current.end
        p = s.pair
        items.append(TodoItem(
            p.pairing_id, p.child_id, p.child_name, p.school, p.village, p.helper_id,
            p.helper_name, s.rule.code, s.rule.name, s.clock.current, deadline, s.done,
            s.rule.min_count, s.status, s.clock.previous, s.done_before, deadline <= week_end,
            s.clock.previous_deadline))
    return sorted(items, key=lambda i: (i.urgency, i.deadline, i.child_name, i.child_id,
                                        i.helper_name, i.rule_name))


def todo_for_helper(session: Session, actor: Actor, *, today: date,
                    helper_id: int | None = None) -> list[TodoItem]:
    """What a helper still owes: overdue first, then due this week, due soon, the rest.

    Without `helper_id`, the actor's own helper record (someone without one owes nothing);
    a coordinator may name a helper in their scope.
    """
    actor.require(Capability.LOG_CONTACTS)
    if helper_id is None or actor.role is Role.helper:
        helper_id = actor.helper_id
    elif session.scalar(select(Helper.id).where(Helper.id == helper_id,
                                                helpers_visible(actor))) is None:
        return []
    if helper_id is None:
        return []
    return todo_of(standings(session, actor, today=today, helper_id=helper_id), today)


def todo_items(session: Session, actor: Actor, *, today: date,
               statuses: Iterable[ComplianceStatus] | None = None) -> list[TodoItem]:
    """Everything not yet met in the actor's scope (or only the given statuses), 待办 order."""
    actor.require(Capability.VIEW_PEOPLE)
    wanted = set(statuses) if statuses is not None else None
    return [item for item in todo_of(standings(session, actor, today=today), today)
            if wanted is None or item.status in wanted]


# ---- rates -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    key: str
    label: str
    due: int
    met: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.met / self.due if self.due else None


def _group(s: Standing, group_by: GroupBy) -> tuple[str, str]:
    pair = s.pair
    if group_by == "helper":
        return str(pair.helper_id), pair.helper_name
    if group_by == "school":
        return pair.school, pair.school or NO_SCHOOL
    if group_by == "village":
        return pair.village, pair.village
    return s.rule.code, s.rule.name


def rates_of(standings_: Iterable[Standing], group_by: GroupBy) -> list[RateRow]:
    """Due, met and overdue items per group; rules in their own order, else lowest rate first."""
    if group_by not in GROUPINGS:
        raise ValueError(f"unknown grouping {group_by!r}")
    tally: dict[str, list] = {}
    for s in standings_:
        if s.status is ComplianceStatus.paused:
            continue
        key, label = _group(s, group_by)
        row = tally.setdefault(key, [label, 0, 0, 0, s.rule.id])
        row[1] += 1
        row[2] += s.status is ComplianceStatus.met
        row[3] += s.status is ComplianceStatus.overdue
    rows = {key: RateRow(key, label, due, met, overdue)
            for key, (label, due, met, overdue, _) in tally.items()}
    if group_by == "rule":
        return [rows[key] for key in sorted(rows, key=lambda k: tally[k][4])]
    return sorted(rows.values(),
                  key=lambda r: (r.rate if r.rate is not None else 2.0, r.label, r.key))


def compliance_rates(session: Session, actor: Actor, *, today: date,
                     group_by: GroupBy) -> list[RateRow]:
    """Due, met and overdue pairing × rule items in scope per helper, school, village or rule."""
    if group_by == "helper":
        actor.require(Capability.VIEW_PEOPLE)
    return rates_of(standings(session, actor, today=today, names=False), group_by)


def compliance_summary(session: Session, actor: Actor, *, today: date
                       ) -> dict[str, dict[str, float | int]]:
    """`stats --json` "compliance": each active rule's code → due, met, rate (0.0 if none due)."""
    rows = {r.key: r for r in compliance_rates(session, actor, today=today, group_by="rule")}
    summary: dict[str, dict[str, float | int]] = {}
    for rule in active_rules(session):
        row = rows.get(rule.code)
        due, met = (row.due, row.met) if row else (0, 0)
        summary[rule.code] = {"due": due, "met": met, "rate": round(met / due, 4) if due else 0.0}
    return summary


# ---- no contact at all this month --------------------------------------------------------

@dataclass(frozen=True)
class QuietChild:
    """A paired child nobody has contacted this month."""

    child_id: int
    name: str
    school: str
    village: str
    helpers: str
    last_contact: date | None


def no_contact_this_month(session: Session, actor: Actor, *, today: date) -> list[QuietChild]:
    """Children in scope with an active pairing and no contact of any kind this month so far;
    the longest silence first."""
    month = period_of(RulePeriod.month, today)
    contacted = (select(CareContact.child_id).where(
        CareContact.archived_at.is_(None), CareContact.contact_date.between(month.start, today)))
    last = (select(func.max(CareContact.contact_date)).where(
        CareContact.child_id == Child.id, CareContact.archived_at.is_(None),
        CareContact.contact_date <= today).correlate(Child).scalar_subquery())
    school, village = aliased(OrgUnit), aliased(OrgUnit)
    rows = session.execute(
        select(Child.id, Child.name, school.name, village.name, Helper.name, last)
        .join(Pairing, Pairing.child_id == Child.id).join(Helper, Helper.id == Pairing.helper_id)
        .outerjoin(school, school.id == Child.school_id)
        .outerjoin(village, village.id == Child.village_id)
        .where(*pair_conditions(actor, names=True, helper_id=None),
               Child.id.not_in(contacted))
        .order_by(Child.id, Helper.name))
    found: dict[int, QuietChild] = {}
    for child_id, name, school_name, village_name, helper_name, last_contact in rows:
        if (seen := found.get(child_id)) is not None:
            found[child_id] = QuietChild(child_id, name, seen.school, seen.village,
                                         f"{seen.helpers}、{helper_name}", last_contact)
            continue
        found[child_id] = QuietChild(child_id, name, school_name or "",
                                     village_name or "", helper_name, last_contact)
    return sorted(found.values(), key=lambda c: (c.last_contact or date.min, c.name, c.child_id))
