"""帮扶要求: which care rules a child is still short of in the current week, month or term."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CareContact, CareRule, Child, ChildCategory
from services.terms import Period, period_of


@dataclass(frozen=True)
class DueItem:
    """One rule not yet met in its current period: "本周亲情电话 0/1, 11-29前"."""

    rule_code: str
    rule_name: str
    done: int
    needed: int
    period: Period

    @property
    def text(self) -> str:
        return (f"{self.rule_name}({self.period.name}已{self.done}次,"
                f"{self.period.end:%m-%d}前)")


def active_rules(session: Session) -> list[CareRule]:
    return list(session.scalars(select(CareRule).where(
        CareRule.is_active.is_(True), CareRule.archived_at.is_(None)).order_by(CareRule.id)))


def _applies(rule: CareRule, child: Child, categories: set[str]) -> bool:
    if rule.risk_level is not None and rule.risk_level != child.risk_level:
        return False
    return rule.category is None or rule.category in categories


def due_items(session: Session, children: Sequence[Child], *, today: date
              ) -> dict[int, list[DueItem]]:
    """For each child, the rules still unmet in their current period, nearest deadline first."""
    if not children:
        return {}
    ids = [c.id for c in children]
    categories: dict[int, set[str]] = {}
    for child_id, category in session.execute(select(
            ChildCategory.child_id, ChildCategory.category).where(ChildCategory.child_id.in_(ids))):
        categories.setdefault(child_id, set()).add(category)
    due: dict[int, list[DueItem]] = {c.id: [] for c in children}
    for rule in active_rules(session):
        period = period_of(rule.period, today)
        done = dict(session.execute(
            select(CareContact.child_id, func.count()).where(
                CareContact.child_id.in_(ids), CareContact.kind.in_(rule.contact_kinds),
                CareContact.archived_at.is_(None),
                CareContact.contact_date.between(period.start, today))
            .group_by(CareContact.child_id)).all())
        for child in children:
            count = done.get(child.id, 0)
            if _applies(rule, child, categories.get(child.id, set())) and count < rule.min_count:
                due[child.id].append(DueItem(rule.code, rule.name, count, rule.min_count, period))
    for items in due.values():
        items.sort(key=lambda item: (item.period.end, item.rule_name))
    return due
