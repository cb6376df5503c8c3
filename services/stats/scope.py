"""What a scope of the figures counts: the unit and period asked for (`StatsScope`), the actor
narrowed to that unit, and the children, helpers and activities its figures take in (`Lens`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session

from core.errors import DomainError, PermissionDenied
from core.vocab import Category, Role
from db.models import Activity, Child, ChildCategory
from services.access.permissions import (
    Actor,
    children_counted,
    org_in_scope,
    org_subtree_ids,
)
from services.roster.home_unit import children_counted_in, helpers_counted_in


@dataclass(frozen=True)
class StatsScope:
    """What the figures describe: an org unit (None: the actor's whole scope), a period, and
    optionally some categories of children."""

    date_from: date
    date_to: date
    org_unit_id: int | None = None
    categories: tuple[Category, ...] = ()

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise DomainError.of("errors.period.reversed_plain")
        object.__setattr__(self, "categories",
                           tuple(c for c in Category if c in set(self.categories)))


def scoped_actor(session: Session, actor: Actor, org_unit_id: int | None) -> Actor:
    """The actor narrowed to a unit inside their scope; a unit outside it is refused."""
    if org_unit_id is None or actor.role is Role.helper:
        return actor
    if not org_in_scope(session, actor, org_unit_id):
        raise PermissionDenied()
    return replace(actor, org_unit_id=org_unit_id)


def children_in(session: Session, actor: Actor, scope: StatsScope) -> ColumnElement[bool]:
    """The children a figure of this scope counts: in the actor's scope, at home in the unit
    (`services.roster.home_unit`; a helper's own children have no home rule), of the categories."""
    if actor.role is Role.helper:
        return served(actor, scope)
    return and_(served(actor, scope),
                children_counted_in(session, scope.org_unit_id or actor.org_unit_id))


def served(actor: Actor, scope: StatsScope) -> ColumnElement[bool]:
    """Active children in the actor's access scope, of the scope's categories, wherever they
    live: those the schools' enrolment counts, and those a unit serves but counts elsewhere."""
    conditions = [Child.archived_at.is_(None), children_counted(actor)]
    if scope.categories:
        conditions.append(Child.id.in_(select(ChildCategory.child_id).where(
            ChildCategory.category.in_(scope.categories))))
    return and_(*conditions)


def attending_from_elsewhere(session: Session, actor: Actor, scope: StatsScope) -> int:
    """Children in scope (at the unit's schools) whose home is outside the unit."""
    if actor.role is Role.helper or actor.org_unit_id is None:
        return 0
    return session.scalar(select(func.count()).select_from(Child).where(
        served(actor, scope), ~children_counted_in(session, actor.org_unit_id))) or 0


@dataclass(frozen=True)
class Lens:
    """How one scope is counted, worked out once for `compute`."""

    actor: Actor  # narrowed to the scope's unit
    children: ColumnElement[bool]  # the children a figure may count
    helpers: ColumnElement[bool] | None  # the helpers counted for the unit, None for all
    subtree: Select[int] | None  # the units in scope, None for all
    among: ColumnElement[bool] | None  # `children`, or None when that is every active child
    through: ColumnElement[bool] | None  # count activities through these children, or None
    held_by: ColumnElement[bool]  # the units whose activities count

    @classmethod
    def of(cls, session: Session, actor: Actor, scope: StatsScope) -> Lens:
        narrowed = scoped_actor(session, actor, scope.org_unit_id)
        children = children_in(session, narrowed, scope)
        subtree = org_subtree_ids(narrowed)
        about_children = actor.role is Role.helper or bool(scope.categories)
        narrower = about_children or narrowed.org_unit_id is not None
        helpers = (None if actor.role is Role.helper or narrowed.org_unit_id is None
                   else helpers_counted_in(session, narrowed.org_unit_id))
        # A helper's figures and a category's are about children, so activities count through
        # the children who attended; otherwise every activity held by a unit in scope counts.
        return cls(narrowed, children, helpers, subtree, children if narrower else None,
                   children if about_children else None,
                   true() if subtree is None else Activity.org_unit_id.in_(subtree))
