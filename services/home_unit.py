"""Where a child or a helper is counted: one home unit each, so the parts of a unit add up.

Access scope (`services.permissions`) and counting differ on purpose. A township coordinator
serves the children living in the township *and* those at its schools; but if both townships
counted a child who lives in one and studies in the other, the townships would add up to more
than the county. So figures count each child once, where they live:

- a county, township, subdistrict, village or community counts the children whose home lies in
  it: their 村(社区), else their 乡镇(街道), else (neither recorded) their school's place;
- a school counts the children enrolled there.

Helpers likewise count in their own unit, else their school's.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from db.models import Child, Helper, OrgUnit
from services.vocab import OrgKind


def units_under(org_unit_id: int) -> Select[tuple[int]]:
    """The unit and every unit below it."""
    root = select(OrgUnit.path).where(OrgUnit.id == org_unit_id).scalar_subquery()
    return select(OrgUnit.id).where(OrgUnit.path.startswith(root, autoescape=False))


def is_school(session: Session, org_unit_id: int) -> bool:
    return session.scalar(select(OrgUnit.kind).where(OrgUnit.id == org_unit_id)) is OrgKind.school


def children_counted_in(session: Session, org_unit_id: int | None) -> ColumnElement[bool]:
    """The children a unit's figures count (every child for None: the sum of the counties)."""
    if org_unit_id is None:
        return true()
    units = units_under(org_unit_id)
    if is_school(session, org_unit_id):
        return Child.school_id.in_(units)
    return _living_in(units)


def children_counted_in_unit(org_unit_id: int) -> ColumnElement[bool]:
    """`children_counted_in` as one expression, for queries built without a session (the
    roster's filter): the unit's kind is looked up inside the query."""
    units = units_under(org_unit_id)
    school = exists().where(OrgUnit.id == org_unit_id, OrgUnit.kind == OrgKind.school)
    return or_(and_(school, Child.school_id.in_(units)), and_(~school, _living_in(units)))


def _living_in(units: Select[tuple[int]]) -> ColumnElement[bool]:
    # Spelled out rather than COALESCE(...) IN (...) so each branch can use its column's index.
    return or_(Child.village_id.in_(units),
               and_(Child.village_id.is_(None), or_(
                   Child.town_id.in_(units),
                   and_(Child.town_id.is_(None), Child.school_id.in_(units)))))


def helpers_counted_in(session: Session, org_unit_id: int | None) -> ColumnElement[bool]:
    """The helpers a unit's figures count: by their own unit, else their school."""
    if org_unit_id is None:
        return true()
    units = units_under(org_unit_id)
    if is_school(session, org_unit_id):
        return Helper.school_id.in_(units)
    return or_(Helper.org_unit_id.in_(units),
               and_(Helper.org_unit_id.is_(None), Helper.school_id.in_(units)))
