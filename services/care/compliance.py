"""帮扶要求: how every active pairing stands under every care rule on a day.

One rule, one active pairing, on day T; the rule's period P is the week, month or term holding T.

| status   | when (checked in this order)                                                     |
| -------- | -------------------------------------------------------------------------------- |
| paused   | the rule pauses in 寒暑假 and T is a holiday day (not due; left out of rates)    |
| met      | the contacts counted in P up to T reach the rule's minimum                       |
| overdue  | the period before P ended short of the minimum — until P itself is met           |
| due_soon | P's deadline is at most 7 days away (so a weekly rule always is)                 |
| open     | more than 7 days left                                                            |

A period's deadline is its last day; for a rule that pauses, its last school day (January's
talk is due by Jan 19, before 寒假). A period that is all holiday (August) is owed by nobody.
A pairing owes the previous period only if it began by that period's start or at least 7 days
before its deadline, so a new pair is never overdue for days it did not have.

Counted: unarchived contacts of the rule's kinds dated in P up to T. For a rule about the child,
this helper's contacts with this child; about the guardian or the parents, anyone's contacts
with this child (the family is the child's, not the helper's). The 待办, the rates and the
no-contact list built on these standings are in `services.care.todo`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, and_, case, func, select, true, type_coerce
from sqlalchemy.orm import Session, aliased

from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    Role,
    RuleAudience,
    RulePeriod,
    Vocabulary,
)
from db.models import CareContact, CareRule, Child, ChildCategory, Helper, OrgUnit, Pairing
from services.access.permissions import (
    Actor,
    children_counted,
    children_listed,
)
from services.care.terms import (
    Period,
    in_school_holiday,
    last_school_day,
    period_of,
    previous_period,
)

DUE_SOON_DAYS = 7  # a deadline this close (or closer) makes an unmet rule "due soon"
GRACE_DAYS = 7  # a pairing younger than this at a period's deadline does not owe that period


class ComplianceStatus(Vocabulary):
    met = ("met", "已完成", "Met")
    open = ("open", "进行中", "Open")
    due_soon = ("due_soon", "即将到期", "Due soon")
    overdue = ("overdue", "已逾期", "Overdue")
    paused = ("paused", "假期暂停", "Paused in holidays")


@dataclass(frozen=True)
class RuleView:
    """A care rule as the check reads it, detached from the session."""

    id: int
    code: str
    name: str
    kinds: tuple[str, ...]
    min_count: int
    period: RulePeriod
    risk_level: RiskLevel | None = None
    category: Category | None = None
    helper_kind: HelperKind | None = None
    audience: RuleAudience = RuleAudience.child
    pauses_in_holidays: bool = False

    @classmethod
    def of(cls, rule: CareRule) -> RuleView:
        known = set(ContactKind.codes())
        return cls(rule.id, rule.code, rule.name,
                   tuple(k for k in rule.contact_kinds or () if k in known), rule.min_count,
                   rule.period, rule.risk_level, rule.category, rule.helper_kind,
                   rule.audience or RuleAudience.child, bool(rule.pauses_in_holidays))

    def applies(self, risk_level: RiskLevel | None, categories: AbstractSet[str],
                helper_kind: HelperKind | None) -> bool:
        """Whether the rule binds a pairing of this child (colour, categories) and helper."""
        return ((self.risk_level is None or self.risk_level == risk_level)
                and (self.category is None or self.category in categories)
                and (self.helper_kind is None or self.helper_kind == helper_kind))


@dataclass(frozen=True)
class RuleClock:
    """Where a rule stands on a day: the current and previous periods and their deadlines."""

    current: Period
    deadline: date | None
    previous: Period
    previous_deadline: date | None
    paused: bool


def rule_clock(rule: RuleView, today: date) -> RuleClock:
    current, previous = period_of(rule.period, today), previous_period(rule.period, today)
    if not rule.pauses_in_holidays:
        return RuleClock(current, current.end, previous, previous.end, False)
    return RuleClock(current, last_school_day(current), previous, last_school_day(previous),
                     in_school_holiday(today))


def judge(rule: RuleView, clock: RuleClock, *, today: date, started_on: date, done: int,
          done_before: int) -> ComplianceStatus:
    """The status of one pairing under one rule (see the module's table)."""
    if clock.paused:
        return ComplianceStatus.paused
    if done >= rule.min_count:
        return ComplianceStatus.met
    before, deadline = clock.previous, clock.previous_deadline
    owed = deadline is not None and (started_on <= before.start
                                     or (deadline - started_on).days >= GRACE_DAYS)
    if owed and done_before < rule.min_count:
        return ComplianceStatus.overdue
    if ((clock.deadline or today) - today).days <= DUE_SOON_DAYS:
        return ComplianceStatus.due_soon
    return ComplianceStatus.open


def active_rules(session: Session) -> list[CareRule]:
    return list(session.scalars(select(CareRule).where(
        CareRule.is_active.is_(True), CareRule.archived_at.is_(None)).order_by(CareRule.id)))


# ---- counting contacts in SQL ------------------------------------------------------------

Counts = dict[tuple[int, int | None], tuple[int, ...]]


def _count_contacts(session: Session, rules: Sequence[RuleView], clocks: Sequence[RuleClock],
                    today: date, children: ColumnElement[bool] | None) -> Counts:
    """Contacts per (child, helper): for each rule, [current, previous] period counts.

    One grouped query per kind of period, so a weekly rule does not make the query read a year.
    """
    counts: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0] * (2 * len(rules)))
    for period in RulePeriod:
        wanted = [i for i, r in enumerate(rules) if r.period is period and r.kinds]
        if not wanted:
            continue
        columns = []
        for i in wanted:
            kinds = CareContact.kind.in_(rules[i].kinds)
            for span in (clocks[i].current, clocks[i].previous):
                within = CareContact.contact_date.between(span.start, min(span.end, today))
                columns.append(func.sum(case((and_(kinds, within), 1), else_=0)))
        stmt = (select(CareContact.child_id, CareContact.helper_id, *columns)
                .where(CareContact.archived_at.is_(None),
                       CareContact.contact_date.between(
                           min(clocks[i].previous.start for i in wanted), today),
                       CareContact.kind.in_(sorted({k for i in wanted for k in rules[i].kinds})))
                .group_by(CareContact.child_id, CareContact.helper_id))
        if children is not None:
            stmt = stmt.where(children)
        for child_id, helper_id, *values in session.execute(stmt):
            row = counts[child_id, helper_id]
            for n, i in enumerate(wanted):
                row[2 * i], row[2 * i + 1] = int(values[2 * n] or 0), int(values[2 * n + 1] or 0)
    return {key: tuple(row) for key, row in counts.items()}


def _per_child(counts: Counts, width: int) -> dict[int, list[int]]:
    """Contacts by anyone: the per-helper counts summed over helpers."""
    totals: dict[int, list[int]] = {}
    for (child_id, _), row in counts.items():
        total = totals.setdefault(child_id, [0] * width)
        for i, value in enumerate(row):
            total[i] += value
    return totals


def _categories(session: Session, children: ColumnElement[bool]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    # Codes as plain text: skipping the Enum conversion saves a third at county scale.
    code = type_coerce(ChildCategory.category, String)
    for child_id, category in session.execute(
            select(ChildCategory.child_id, code).where(children)):
        found[child_id].add(category)
    return found


# ---- every active pairing × rule --------------------------------------------------------

class PairFacts(NamedTuple):
    """An active pairing with what the rules and the lists need to know of it."""

    pairing_id: int
    child_id: int
    child_name: str
    helper_id: int
    helper_name: str
    helper_kind: HelperKind
    started_on: date
    risk_level: RiskLevel | None
    school: str
    village: str


class Standing(NamedTuple):
    """One active pairing under one rule that applies to it, and how it stands."""

    pair: PairFacts
    rule: RuleView
    clock: RuleClock
    done: int
    done_before: int
    status: ComplianceStatus


def pair_conditions(actor: Actor, *, names: bool,
                    helper_id: int | None) -> list[ColumnElement[bool]]:
    """Open pairings of active children and helpers in the actor's scope."""
    conditions = [Pairing.ended_on.is_(None), Child.archived_at.is_(None),
                  Helper.archived_at.is_(None),
                  children_listed(actor) if names else children_counted(actor)]
    if actor.role is Role.helper:
        conditions.append(Pairing.helper_id == (actor.helper_id or -1))
    if helper_id is not None:
        conditions.append(Pairing.helper_id == helper_id)
    return conditions


def _pairs(session: Session, conditions: list[ColumnElement[bool]]) -> list[PairFacts]:
    school, village = aliased(OrgUnit), aliased(OrgUnit)
    # Codes read as text and turned into members by lookup: faster at county scale.
    kinds = {k.value: k for k in HelperKind}
    risks = {r.value: r for r in RiskLevel}
    stmt = (select(Pairing.id, Child.id, Child.name, Helper.id, Helper.name,
                   type_coerce(Helper.kind, String), Pairing.started_on,
                   type_coerce(Child.risk_level, String), school.name, village.name)
            .join(Child, Child.id == Pairing.child_id).join(Helper, Helper.id == Pairing.helper_id)
            .outerjoin(school, school.id == Child.school_id)
            .outerjoin(village, village.id == Child.village_id)
            .where(*conditions))
    return [PairFacts(pairing_id, child_id, child_name, helper_id, helper_name, kinds[kind],
                      started_on, risks.get(risk), school_name or "", village_name or "")
            for (pairing_id, child_id, child_name, helper_id, helper_name, kind, started_on, risk,
                 school_name, village_name) in session.execute(stmt)]


def standings(session: Session, actor: Actor, *, today: date, names: bool = True,
              helper_id: int | None = None) -> Iterator[Standing]:
    """Every active pairing in scope under every rule that applies to it."""
    rules = [RuleView.of(r) for r in active_rules(session)]
    conditions = pair_conditions(actor, names=names, helper_id=helper_id)
    pairs = _pairs(session, conditions)
    if not rules or not pairs:
        return
    clocks = [rule_clock(rule, today) for rule in rules]
    scoped = actor.org_unit_id is not None or actor.role is Role.helper or helper_id is not None
    in_scope = (select(Pairing.child_id).join(Child, Child.id == Pairing.child_id)
                .join(Helper, Helper.id == Pairing.helper_id).where(*conditions))
    counts = _count_contacts(session, rules, clocks, today,
                             CareContact.child_id.in_(in_scope) if scoped else None)
    by_child = _per_child(counts, 2 * len(rules))
    categories = _categories(session, ChildCategory.child_id.in_(in_scope) if scoped else true())
    none, no_categories = (0,) * (2 * len(rules)), frozenset[str]()
    checks = [(2 * i, rule, clock, rule.audience is RuleAudience.child, rule.min_count)
              for i, (rule, clock) in enumerate(zip(rules, clocks, strict=True))]
    met, paused = ComplianceStatus.met, ComplianceStatus.paused
    for pair in pairs:
        own = counts.get((pair.child_id, pair.helper_id), none)
        anyone = by_child.get(pair.child_id, none)
        cats = categories.get(pair.child_id, no_categories)
        for at, rule, clock, about_child, needed in checks:
            if not rule.applies(pair.risk_level, cats, pair.helper_kind):
                continue
            row = own if about_child else anyone
            done, before = row[at], row[at + 1]
            if clock.paused:
                status = paused
            elif done >= needed:
                status = met
            else:
                status = judge(rule, clock, today=today, started_on=pair.started_on, done=done,
                               done_before=before)
            yield Standing(pair, rule, clock, done, before, status)


# ---- the children of 我的结对 --------------------------------------------------------------

@dataclass(frozen=True)
class DueItem:
    """One rule not yet met in its current period: "每周亲情电话至少1次（本周已0次，11-29前）"."""

    rule_code: str
    rule_name: str
    done: int
    needed: int
    period: Period
    deadline: date | None = None  # the period's end unless the rule rests in 寒暑假

    @property
    def text(self) -> str:
        return (f"{self.rule_name}\uff08{self.period.name}已{self.done}次\uff0c"
                f"{self.deadline or self.period.end:%m-%d}前\uff09")


def _helper_kinds(session: Session, ids: list[int], helper_id: int | None
                  ) -> dict[int, set[HelperKind]]:
    """The kinds of helper each child has now: the one helper asked about, or all of them."""
    stmt = (select(Pairing.child_id, Helper.kind).join(Helper, Helper.id == Pairing.helper_id)
            .where(Pairing.child_id.in_(ids), Pairing.ended_on.is_(None),
                   Helper.archived_at.is_(None)))
    if helper_id is not None:
        stmt = stmt.where(Helper.id == helper_id)
    kinds: dict[int, set[HelperKind]] = defaultdict(set)
    for child_id, kind in session.execute(stmt):
        kinds[child_id].add(kind)
    return kinds


def due_items(session: Session, children: Sequence[Child], *, today: date,
              helper_id: int | None = None) -> dict[int, list[DueItem]]:
    """For each child, the rules still unmet in their current period, nearest deadline first.

    With `helper_id`, as that helper's pairing (rules about the child count their own contacts
    only); without, as the child's: anyone's contacts, and a rule for one kind of helper binds
    when the child has such a helper. Rules resting in 寒暑假 are left out on holiday days.
    """
    if not children:
        return {}
    ids = [c.id for c in children]
    rules = [RuleView.of(r) for r in active_rules(session)]
    clocks = [rule_clock(rule, today) for rule in rules]
    counts = _count_contacts(session, rules, clocks, today, CareContact.child_id.in_(ids))
    by_child = _per_child(counts, 2 * len(rules))
    categories = _categories(session, ChildCategory.child_id.in_(ids))
    kinds = _helper_kinds(session, ids, helper_id)
    none = (0,) * (2 * len(rules))
    due: dict[int, list[DueItem]] = {}
    for child in children:
        own = counts.get((child.id, helper_id), none) if helper_id is not None else none
        items = due[child.id] = []
        for i, (rule, clock) in enumerate(zip(rules, clocks, strict=True)):
            if rule.helper_kind is not None and rule.helper_kind not in kinds[child.id]:
                continue
            # The helper's kind was checked just above, against the child's helpers.
            if not rule.applies(child.risk_level, categories[child.id], rule.helper_kind):
                continue
            mine = helper_id is not None and rule.audience is RuleAudience.child
            done = (own if mine else by_child.get(child.id, none))[2 * i]
            if clock.paused or done >= rule.min_count:
                continue
            items.append(DueItem(rule.code, rule.name, done, rule.min_count, clock.current,
                                 clock.deadline))
        items.sort(key=lambda item: (item.deadline or item.period.end, item.rule_name))
    return due
