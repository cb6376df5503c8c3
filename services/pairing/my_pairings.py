"""我的结对: the children a logged-in helper looks after, with what to do next for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.validators import age_on
from core.vocab import MatchHealth, Relation
from db.models import Child, OrgUnit
from services.access.permissions import Actor, Capability
from services.care.compliance import DueItem, due_items
from services.pairing.match_health import pairing_health

# Whom the helper calls about the child: the guardian first, then a parent.
CALL_ORDER = (Relation.guardian, Relation.mother, Relation.father)


@dataclass(frozen=True)
class MyChild:
    child_id: int
    name: str
    gender: str
    age: int
    school: str
    class_label: str
    village: str
    contact_name: str
    contact_phone: str | None
    started_on: date
    last_contact: date | None
    status: MatchHealth
    due: tuple[DueItem, ...]

    @property
    def next_due(self) -> str:
        return self.due[0].text if self.due else "本期帮扶要求均已完成"


def _who_to_call(child: Child) -> tuple[str, str | None]:
    people = {r.relation: r for r in child.relatives if r.archived_at is None}
    for relation in CALL_ORDER:
        if (person := people.get(relation)) and person.phone:
            return f"{person.relation_detail or relation.zh} {person.name}", person.phone
    return "未登记联系电话", None


def my_children(session: Session, actor: Actor, *, today: date) -> list[MyChild]:
    """The actor's own paired children; anyone who is not linked to a helper record has none."""
    actor.require(Capability.LOG_CONTACTS)
    if actor.helper_id is None:
        return []
    health = pairing_health(session, actor, today=today, helper_id=actor.helper_id)
    children = {c.id: c for c in session.scalars(
        select(Child).where(Child.id.in_([h.child_id for h in health]))
        .options(selectinload(Child.relatives)))}
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(
        {u for c in children.values() for u in (c.village_id, c.school_id) if u}))).all())
    due = due_items(session, list(children.values()), today=today, helper_id=actor.helper_id)
    result = []
    for h in health:
        child = children[h.child_id]
        contact, phone = _who_to_call(child)
        result.append(MyChild(
            child.id, child.name, child.gender.zh, age_on(child.birth_date, today),
            units.get(child.school_id or 0, ""), f"{child.grade or ''}{child.class_name or ''}",
            units.get(child.village_id, ""), contact, phone, h.started_on, h.last_contact,
            h.status, tuple(due.get(child.id, ()))))
    return sorted(result, key=lambda c: (c.status is not MatchHealth.attention, c.name))
