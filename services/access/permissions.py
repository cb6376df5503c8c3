"""Roles, capabilities and org scope, applied inside queries rather than after them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.vocab import Role
from db.models import Child, Helper, OrgUnit, Pairing


class Capability(StrEnum):
    VIEW_AGGREGATES = "view_aggregates"
    VIEW_PEOPLE = "view_people"
    EDIT_ROSTER = "edit_roster"
    MANAGE_PAIRINGS = "manage_pairings"
    LOG_CONTACTS = "log_contacts"
    MANAGE_ACTIVITIES = "manage_activities"
    MANAGE_RESOURCES = "manage_resources"
    EXPORT = "export"
    EXPORT_SENSITIVE = "export_sensitive"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGS = "manage_orgs"
    MANAGE_RULES = "manage_rules"
    # 谁看过这份档案 on a child's page: the people accountable for the records, not helpers.
    SEE_WHO_LOOKED = "see_who_looked"
    # 紧急查看: open one child outside one's scope for 24 hours, giving a reason (reviewed).
    EMERGENCY_VIEW = "emergency_view"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.admin: frozenset(Capability),
    Role.coordinator: frozenset({
        Capability.VIEW_AGGREGATES, Capability.VIEW_PEOPLE, Capability.EDIT_ROSTER,
        Capability.MANAGE_PAIRINGS, Capability.LOG_CONTACTS, Capability.MANAGE_ACTIVITIES,
        Capability.MANAGE_RESOURCES,
        Capability.EXPORT,
        Capability.EXPORT_SENSITIVE,
        Capability.SEE_WHO_LOOKED,
        Capability.EMERGENCY_VIEW,
    }),
    Role.helper: frozenset({Capability.VIEW_PEOPLE, Capability.LOG_CONTACTS}),
    Role.viewer: frozenset({Capability.VIEW_AGGREGATES}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: every service that touches people's data takes one."""

    user_id: int | None
    username: str
    role: Role
    org_unit_id: int | None = None
    helper_id: int | None = None
    # Children opened by 紧急查看 whose 24 hours have not run out (services.privacy.emergency).
    emergency_child_ids: frozenset[int] = frozenset()

    @classmethod
    def system(cls, username: str = "cli") -> Actor:
        """The command line acting with full rights on its own database."""
        return cls(user_id=None, username=username, role=Role.admin)

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES[self.role]

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise PermissionDenied()


def org_subtree_ids(actor: Actor) -> Select[int] | None:
    """Ids of the org units under the actor's scope, or None for everything."""
    if actor.org_unit_id is None:
        return None
    root_path = select(OrgUnit.path).where(OrgUnit.id == actor.org_unit_id).scalar_subquery()
    return select(OrgUnit.id).where(OrgUnit.path.startswith(root_path, autoescape=False))


def org_units_visible(actor: Actor) -> ColumnElement[bool]:
    """Org units in scope, for pickers and the org tree."""
    subtree = org_subtree_ids(actor)
    return true() if subtree is None else OrgUnit.id.in_(subtree)


def _children_under_orgs(actor: Actor) -> ColumnElement[bool]:
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return true()
    return or_(Child.town_id.in_(subtree), Child.village_id.in_(subtree),
               Child.school_id.in_(subtree))


def children_visible(actor: Actor) -> ColumnElement[bool]:
    """The children whose names the actor may see: a helper only those paired with them now."""
    actor.require(Capability.VIEW_PEOPLE)
    if actor.role is Role.helper:
        if actor.helper_id is None:
            return Child.id.in_(select(Pairing.child_id).where(false()))
        return Child.id.in_(select(Pairing.child_id).where(
            Pairing.helper_id == actor.helper_id, Pairing.ended_on.is_(None)))
    if actor.emergency_child_ids:
        return or_(_children_under_orgs(actor), Child.id.in_(sorted(actor.emergency_child_ids)))
    return _children_under_orgs(actor)


def children_listed(actor: Actor) -> ColumnElement[bool]:
    """The children the actor's lists, exports, 联系卡 and boards hold: those they may see,
    except the ones opened by 紧急查看, which are for that child's own page, not for browsing."""
    if actor.emergency_child_ids:
        return children_visible(replace(actor, emergency_child_ids=frozenset()))
    return children_visible(actor)


def children_counted(actor: Actor) -> ColumnElement[bool]:
    """The children that enter the actor's aggregates (a viewer counts without seeing names)."""
    if actor.role is Role.helper:
        return children_visible(actor)
    actor.require(Capability.VIEW_AGGREGATES)
    return _children_under_orgs(actor)


def helpers_visible(actor: Actor) -> ColumnElement[bool]:
    """Helpers in scope: by their org unit or school; a helper sees only themself."""
    if actor.role is Role.helper:
        return Helper.id == (actor.helper_id or -1)
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return true()
    return or_(Helper.org_unit_id.in_(subtree), Helper.school_id.in_(subtree))


def org_in_scope(session: Session, actor: Actor, org_unit_id: int | None) -> bool:
    """Whether the unit lies inside the actor's org scope."""
    if org_unit_id is None:
        return False
    return session.scalar(
        select(OrgUnit.id).where(OrgUnit.id == org_unit_id, org_units_visible(actor))) is not None
