"""The pairing board's two lists: children waiting for a helper, and helpers with a free place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from core.i18n import DEFAULT_LANGUAGE, t
from core.validators import age_on
from core.vocab import Category, Gender, HelperKind, RiskLevel
from db.models import Child, ChildCategory, Helper, OrgUnit, Pairing
from services.access.permissions import Actor, Capability, children_listed, helpers_visible
from services.pairing.pairings import child_is_paired
from services.roster.roster_filter import MAX_TEXT
from services.roster.roster_search import text_clause

# Children in difficulty come before those who are "only" left behind.
DIFFICULTY = (Category.in_difficulty, Category.de_facto_unsupported, Category.scattered_orphan,
              Category.disabled)


@dataclass(frozen=True)
class WaitingChild:
    id: int
    name: str
    gender: Gender
    age: int
    categories: tuple[Category, ...]
    risk_level: RiskLevel | None
    key_concern: bool
    place: str
    class_label: str
    waiting_since: date
    helper_left: bool  # their helper was deactivated; they wait for a new one

    @property
    def note(self) -> str:
        """What the risk colour does not already say: a deactivated helper, 困境, 重点关注."""
        return self.note_in(DEFAULT_LANGUAGE)

    def note_in(self, lang: str) -> str:
        if self.helper_left:
            return t("board.note.helper_left", lang)
        if difficult := [c.label(lang) for c in self.categories if c in DIFFICULTY]:
            return difficult[0]
        return t("board.note.key_concern", lang) if self.key_concern else ""

    @property
    def priority(self) -> str:
        """Why the child is near the top, in words."""
        if self.risk_level in (RiskLevel.red, RiskLevel.yellow):
            return f"{self.risk_level.zh}色风险"
        if difficult := [c.zh for c in self.categories if c in DIFFICULTY]:
            return difficult[0]
        return "重点关注" if self.key_concern else ""


def _in_difficulty() -> ColumnElement[bool]:
    return exists().where(ChildCategory.child_id == Child.id,
                          ChildCategory.category.in_(DIFFICULTY))


def priority_order() -> ColumnElement[int]:
    """Red, then yellow, then 未评估 (who may well be red: a new child must not sink below
    green), then children in difficulty or of key concern, then the rest."""
    return case((Child.risk_level == RiskLevel.red, 0), (Child.risk_level == RiskLevel.yellow, 1),
                (Child.risk_level.is_(None), 2), (_in_difficulty(), 3),
                (Child.key_concern.is_(True), 3), else_=4)


def waiting_conditions(actor: Actor, text: str = "") -> list[ColumnElement[bool]]:
    """Active, visible, without a helper; and matching the search box, when it is filled."""
    conditions: list[ColumnElement[bool]] = [
        Child.archived_at.is_(None), children_listed(actor), ~child_is_paired()]
    if (clause := text_clause(text[:MAX_TEXT])) is not None:
        conditions.append(clause)
    return conditions


def count_unpaired(session: Session, actor: Actor, *, text: str = "") -> int:
    stmt = select(func.count()).select_from(Child).where(*waiting_conditions(actor, text))
    return session.scalar(stmt) or 0


def unpaired_children(session: Session, actor: Actor, *, today: date, limit: int = 200,
                      text: str = "") -> list[WaitingChild]:
    """Active children in scope with no active helper, most urgent first, then longest waiting.

    `text` narrows them as the roster's search does: part of the name, its pinyin or initials,
    or the last digits of the ID number."""
    actor.require(Capability.MANAGE_PAIRINGS)
    village = OrgUnit.__table__.alias("village")
    school = OrgUnit.__table__.alias("school")
    left = exists().where(Pairing.child_id == Child.id, Pairing.ended_on.is_(None))
    rows = session.execute(
        select(Child, village.c.name, school.c.name, left)
        .join(village, village.c.id == Child.village_id)
        .outerjoin(school, school.c.id == Child.school_id)
        .where(*waiting_conditions(actor, text))
        .order_by(priority_order(), Child.created_at, Child.id).limit(limit)).all()
    categories: dict[int, list[Category]] = {}
    for child_id, category in session.execute(select(
            ChildCategory.child_id, ChildCategory.category).where(
            ChildCategory.child_id.in_([r[0].id for r in rows]))):
        categories.setdefault(child_id, []).append(category)
    return [WaitingChild(
        c.id, c.name, c.gender, age_on(c.birth_date, today),
        tuple(sorted(categories.get(c.id, []), key=list(Category).index)), c.risk_level,
        c.key_concern, school_name or village_name,
        f"{c.grade or ''}{c.class_name or ''}", c.created_at.date(), bool(helper_left))
        for c, village_name, school_name, helper_left in rows]


@dataclass(frozen=True)
class HelperPlace:
    id: int
    name: str
    kind: HelperKind
    unit: str
    load: int
    capacity: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.load, 0)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.kind.zh}，{self.unit}，已结对{self.load}/{self.capacity}）"


def helpers_with_places(session: Session, actor: Actor) -> list[HelperPlace]:
    """Active helpers in scope who can take another child, least loaded first."""
    actor.require(Capability.MANAGE_PAIRINGS)
    load = (select(Pairing.helper_id, func.count().label("n")).where(Pairing.ended_on.is_(None))
            .group_by(Pairing.helper_id).subquery())
    taken = func.coalesce(load.c.n, 0)
    rows = session.execute(
        select(Helper, taken, OrgUnit.name)
        .outerjoin(load, load.c.helper_id == Helper.id)
        .outerjoin(OrgUnit, OrgUnit.id == Helper.org_unit_id)
        .where(Helper.archived_at.is_(None), helpers_visible(actor), taken < Helper.capacity)
        .order_by(taken, Helper.name))
    return [HelperPlace(h.id, h.name, h.kind, h.work_unit or unit or "", n, h.capacity)
            for h, n, unit in rows]
