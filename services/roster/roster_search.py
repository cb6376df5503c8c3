"""Roster search: one filter, one WHERE inside the actor's scope, one page of rows at a time.

The same filter (`roster_filter.RosterFilter`) serves the list, the URL, exports and bulk
actions (`filtered_child_ids`). Ages are compared as birth-date bounds computed from the
filter's age bands, so the SQL is plain date comparison on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.validators import age_on
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    LeftBehindType,
    RiskLevel,
)
from db.field_crypto import LAST_DIGITS, active_key
from db.models import Child, ChildCategory, Helper, OrgUnit, Pairing
from services.access.permissions import Actor, children_listed
from services.pairing.pairings import child_is_paired
from services.privacy.consent_rules import missing_consent
from services.roster.home_unit import children_counted_in_unit
from services.roster.roster_filter import (
    UNASSESSED,
    PairingState,
    RecordStatus,
    RosterFilter,
    canonical,
)

Value = TypeVar("Value")  # what _grouped collects per child
ID_SUFFIX = re.compile(r"\d{3,}[\dx]")  # the check character X only ever comes last
ID_NUMBER_LENGTH = 18
PINYIN = re.compile(r"[a-z]+")


class RosterOrder(StrEnum):
    name = "name"  # by pinyin
    age = "age"  # youngest first
    risk = "risk"  # red, yellow, unassessed, blue, green; then by name
    recent = "recent"  # last changed first


@dataclass(frozen=True)
class RosterRow:
    id: int
    name: str
    gender: Gender
    birth_date: date
    age: int
    categories: tuple[Category, ...]
    town: str
    village: str
    school: str | None
    grade: str | None
    class_name: str | None
    guardian_type: GuardianType | None
    left_behind_type: LeftBehindType | None
    economic_status: EconomicStatus | None
    academic_level: AcademicLevel | None
    risk_level: RiskLevel | None
    key_concern: bool
    helpers: tuple[str, ...]  # names of the currently paired helpers
    id_number_last4: str | None  # the list never needs the whole 身份证号
    archived: bool
    version: int


@dataclass(frozen=True)
class RosterPage:
    rows: list[RosterRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """At least 1, so an empty list still reads "page 1 of 1"."""
        return max(1, math.ceil(self.total / self.page_size))


# Who needs attention first: a child not yet assessed may be red, so 未评估 comes after red and
# yellow and before the children known to be blue or green (the list and the pairing board).
RISK_ATTENTION: tuple[RiskLevel | None, ...] = (RiskLevel.red, RiskLevel.yellow, None,
                                                RiskLevel.blue, RiskLevel.green)


def risk_attention_rank(level: RiskLevel | None) -> int:
    """A risk colour's place in `RISK_ATTENTION` (0 for red)."""
    return RISK_ATTENTION.index(level)


_RISK_RANK = case({level: risk_attention_rank(level) for level in RiskLevel},
                  value=Child.risk_level, else_=risk_attention_rank(None))
ORDER_BY: dict[RosterOrder, tuple[Any, ...]] = {
    RosterOrder.name: (Child.name_pinyin, Child.id),
    RosterOrder.age: (Child.birth_date.desc(), Child.id),
    RosterOrder.risk: (_RISK_RANK, Child.name_pinyin, Child.id),
    RosterOrder.recent: (Child.updated_at.desc(), Child.id.desc()),
}


def search_children(session: Session, actor: Actor, roster_filter: RosterFilter, *,
                    today: date, page: int = 1, page_size: int = 50,
                    order: str = "name") -> RosterPage:
    """One page of the matching children the actor may see, and how many match in all.

    Four statements whatever the page size: the count, the page, and the page's categories
    and current helpers in one batch each.
    """
    order_by = ORDER_BY[RosterOrder(order)]
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    page = max(page, 1)
    where = _where(actor, roster_filter, today)
    total = session.scalar(select(func.count()).select_from(Child).where(*where)) or 0
    offset = (page - 1) * page_size
    if offset >= total:
        return RosterPage([], total, page, page_size)
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    found = session.execute(
        select(Child.id, Child.name, Child.gender, Child.birth_date, Child.grade,
               Child.class_name, Child.guardian_type, Child.left_behind_type,
               Child.economic_status, Child.academic_level, Child.risk_level,
               Child.key_concern, Child.id_number_last4, Child.version,
               Child.archived_at.is_not(None).label("archived"), town.name.label("town"),
               village.name.label("village"), school.name.label("school"))
        .join(town, town.id == Child.town_id)
        .join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(*where).order_by(*order_by).limit(page_size).offset(offset)).all()
    ids = [r.id for r in found]
    categories = _grouped(session, select(ChildCategory.child_id, ChildCategory.category)
                          .where(ChildCategory.child_id.in_(ids)))
    helpers = _grouped(session, select(Pairing.child_id, Helper.name)
                       .join(Helper, Helper.id == Pairing.helper_id)
                       .where(Pairing.child_id.in_(ids), Pairing.ended_on.is_(None),
                              Helper.archived_at.is_(None))
                       .order_by(Pairing.started_on, Helper.name))
    rows = [RosterRow(**r._asdict(), age=age_on(r.birth_date, today),
                      categories=canonical(categories[r.id], tuple(Category)),
                      helpers=tuple(helpers[r.id])) for r in found]
    return RosterPage(rows, total, page, page_size)


def filtered_child_ids(actor: Actor, roster_filter: RosterFilter, *,
                       today: date) -> Select[int]:
    """The ids `search_children` would list (unordered), for exports and bulk actions."""
    return select(Child.id).where(*_where(actor, roster_filter, today))


def _where(actor: Actor, f: RosterFilter, today: date) -> list[ColumnElement[bool]]:
    clauses = [children_listed(actor)]
    if f.status is RecordStatus.active:
        clauses.append(Child.archived_at.is_(None))
    elif f.status is RecordStatus.archived:
        clauses.append(Child.archived_at.is_not(None))
    if (text := text_clause(f.text)) is not None:
        clauses.append(text)
    if f.org_unit_id is not None:
        clauses.append(children_counted_in_unit(f.org_unit_id) if f.counted_only
                       else _under_org(f.org_unit_id))
    if f.categories:
        clauses.append(Child.id.in_(select(ChildCategory.child_id)
                                    .where(ChildCategory.category.in_(f.categories))))
    for column, chosen in ((Child.left_behind_type, f.left_behind_types),
                           (Child.guardian_type, f.guardian_types),
                           (Child.economic_status, f.economic_statuses),
                           (Child.academic_level, f.academic_levels)):
        if chosen:
            clauses.append(column.in_(chosen))
    if f.age_bands:
        bounds = (band.born_between(today) for band in f.age_bands)
        clauses.append(or_(*((Child.birth_date > after) & (Child.birth_date <= upto)
                             for after, upto in bounds)))
    if f.risk_levels:
        levels = [r for r in f.risk_levels if r != UNASSESSED]
        risk = [Child.risk_level.in_(levels)] if levels else []
        if UNASSESSED in f.risk_levels:
            risk.append(Child.risk_level.is_(None))
        clauses.append(or_(*risk))
    if f.pairing is not None:
        paired = child_is_paired()
        clauses.append(paired if f.pairing is PairingState.paired else ~paired)
    if f.key_concern is not None:
        clauses.append(Child.key_concern == f.key_concern)
    if f.consent_missing:
        clauses.append(missing_consent())
    if f.grade.strip():
        clauses.append(Child.grade == f.grade.strip())
    if f.class_name.strip():
        clauses.append(Child.class_name == f.class_name.strip())
    return clauses


def text_clause(text: str) -> ColumnElement[bool] | None:
    """身份证号 (whole, or its last digits), pinyin (full or initials), else part of the name;
    None for blank.

    Shared by the roster and the pairing board's search box."""
    query = text.strip().lower()
    if not query:
        return None
    if ID_SUFFIX.fullmatch(query):
        # Only the last 4 are stored in the clear: a whole number matches on its keyed hash,
        # any shorter part on its last 4.
        number = query.upper()
        if len(number) == ID_NUMBER_LENGTH:
            return Child.id_number_hash == active_key().lookup_hash(number)
        return Child.id_number_last4 == number[-LAST_DIGITS:]
    letters = "".join(query.split())
    if PINYIN.fullmatch(letters):
        # A prefix of the pinyin is also a substring of it, so one LIKE covers both.
        return or_(Child.name_pinyin.contains(letters, autoescape=True),
                   Child.name_initials.startswith(letters, autoescape=True))
    return Child.name.contains(text.strip(), autoescape=True)


def _under_org(org_unit_id: int) -> ColumnElement[bool]:
    """Children whose town, village or school lies in the unit's subtree."""
    root = select(OrgUnit.path).where(OrgUnit.id == org_unit_id).scalar_subquery()
    subtree = select(OrgUnit.id).where(OrgUnit.path.startswith(root, autoescape=False))
    return or_(Child.town_id.in_(subtree), Child.village_id.in_(subtree),
               Child.school_id.in_(subtree))


def _grouped(session: Session, pairs: Select[int, Value]) -> dict[int, list[Value]]:
    """(child id, value) rows as each child's list of values."""
    found: dict[int, list[Value]] = defaultdict(list)
    for child_id, value in session.execute(pairs):
        found[child_id].append(value)
    return found
