"""Where a child or a helper is counted: one home unit each, so the parts of a unit add up.

Access scope (`services.access.permissions`) and counting differ on purpose. A township coordinator
serves the children living in the township *and* those at its schools; but if both townships
counted a child who lives in one and studies in the other, the townships would add up to more
than the county. So figures count each child once, where they live:

- a county, township, subdistrict, village or community counts the children whose home lies in
  it: their 村(社区), else their 乡镇(街道), else (neither recorded) their school's place;
- a school counts the children enrolled there.

Helpers likewise count in their own unit, else their school's.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from core.vocab import OrgKind
from db.models import Child, Helper, OrgUnit
from services.stats import small_cells


def units_under(org_unit_id: int | BindParameter[int]) -> Select[int]:
    """The unit and every unit below it (a bound parameter: a statement built once for any
    unit, `services.stats.rollups.summed_reads`)."""
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


def _living_in(units: Select[int]) -> ColumnElement[bool]:
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


# ---- totals that differencing would give back ----------------------------------------------

_SIBLING_COLUMN = {OrgKind.town: Child.town_id, OrgKind.subdistrict: Child.town_id,
                   OrgKind.village: Child.village_id, OrgKind.community: Child.village_id}


ChildrenOf = Callable[[OrgUnit], tuple[dict[int, int], int]]


def withheld_total(session: Session, org_unit_id: int | None,
                   among: ColumnElement[bool], children_of: ChildrenOf | None = None
                   ) -> str | None:
    """For readers shown small counts withheld: what to write instead of a unit's total, when
    the totals of its parent and siblings would give back a sibling of fewer than 5 by
    subtraction (None: the total may be shown).

    Because the parts of a unit add up to it, the county minus every other township gives a
    township shown as "<5". So the siblings are withheld as the cells of their parent's
    breakdown are (`small_cells.withheld`), and a unit withheld that way also withholds its own
    smallest part, or its parts would add up to it. `among`: the children the reader counts.
    `children_of`: the same counts as `_children_of` for those children, from elsewhere (the
    rollups).
    """
    count = children_of or (lambda parent: _children_of(session, parent, among))
    unit = session.get(OrgUnit, org_unit_id) if org_unit_id is not None else None
    if unit is None or unit.kind not in _SIBLING_COLUMN:
        return None
    if label := _among_siblings(session, unit, count):
        return label
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    if parent is None or parent.kind not in _SIBLING_COLUMN or not _among_siblings(
            session, parent, count):
        return None
    counts, _ = count(parent)
    if any(small_cells.is_small(n) for n in counts.values()):
        return None  # the parent's own breakdown already withholds two of its parts
    smallest = min((n, unit_id) for unit_id, n in counts.items() if n)
    return small_cells.AT_LEAST if smallest[1] == unit.id else None


def _among_siblings(session: Session, unit: OrgUnit, count: ChildrenOf) -> str | None:
    if unit.parent_id is None:
        return None
    parent = session.get(OrgUnit, unit.parent_id)
    if parent is None:
        return None
    counts, rest = count(parent)
    own = counts.get(unit.id, 0)
    if small_cells.is_small(own):
        return None  # written "<5" anyway
    return small_cells.withheld(counts, rest=rest).get(unit.id)


def sibling_units(parent: OrgUnit) -> Select[int]:
    """The towns or villages directly under `parent` whose counts `withheld_total` weighs."""
    return select(OrgUnit.id).where(OrgUnit.parent_id == parent.id,
                                    OrgUnit.kind.in_(list(_SIBLING_COLUMN)),
                                    OrgUnit.archived_at.is_(None))


def _children_of(session: Session, parent: OrgUnit, among: ColumnElement[bool]
                 ) -> tuple[dict[int, int], int]:
    """Children counted in each town or village directly under `parent` (by id), and those
    counted in the parent but in none of them."""
    in_parent = children_counted_in(session, parent.id)
    units = sibling_units(parent)
    column = (Child.town_id if parent.kind is OrgKind.county else Child.village_id)
    counts = {unit_id: n for unit_id, n in session.execute(
        select(column, func.count()).where(in_parent, among, column.in_(units))
        .group_by(column)) if unit_id is not None}
    for unit_id in session.scalars(sibling_units(parent)):
        counts.setdefault(unit_id, 0)
    total = session.scalar(select(func.count()).select_from(Child).where(in_parent, among)) or 0
    return counts, max(total - sum(counts.values()), 0)
