"""Which rollup keys a transaction touched, noted as the session flushes and recomputed just
before it commits (`db.data_version` calls `maintain` ahead of moving the data version).

Flushed objects are read with their attribute history, so a child moved from one village to
another dirties both. `insert`, `update` and `delete` statements run through the session are
read for the keys they name (the contact import's bulk insert, the attendance a save
replaces); a statement on a counted table whose keys cannot be read marks its families for a
full recompute, which is slow but never wrong.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from config import local_today
from db import data_version
from db.models import (
    Activity,
    Attendance,
    CareContact,
    CareRule,
    Child,
    ChildCategory,
    Consent,
    Donation,
    Helper,
    Need,
    Pairing,
    SurveyAnswer,
    Wish,
)
from services.stats.rollups import rules
from services.stats.rollups.families import FAMILIES, NO_UNIT
from services.stats.rollups.refresh import Dirty, rebuild_families, refresh, take_turn

_log = logging.getLogger(__name__)
_KEY = "shouwang_rollups_pending"
MANY_NEW_CONTACTS = 200

# A child's own fields feed these; a move or an archive also moves every record of theirs.
CHILD_NOW = ("children", "births")
CHILD_RECORDS = ("needs", "surveys", "wishes", "donation_lasts", "contacts", "contact_lasts")
# Records tied to a child by `child_id`, and the families they feed.
BY_CHILD = {"child_categories": ("children",), "consents": ("children",),
            "pairings": ("children",), "needs": ("needs",), "survey_answers": ("surveys",),
            "wishes": ("wishes",), "donation_recipients": ("donation_lasts",)}


@dataclass
class Pending:
    """Keys as the flush saw them; children, contacts and activities are turned into units
    and days by `resolve`, once, at commit."""

    dirty: Dirty = field(default_factory=Dirty)
    children: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    child_days: dict[str, set[tuple[int, date]]] = field(
        default_factory=lambda: defaultdict(set))
    activities: set[int] = field(default_factory=set)
    helpers_paired: set[int] = field(default_factory=set)
    contact_kinds: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    new_contacts: list[tuple[int, int, Any, date]] = field(default_factory=list)
    everything: set[str] = field(default_factory=set)

    def child(self, families: Iterable[str], *child_ids: int | None) -> None:
        for name in families:
            self.children[name].update(c for c in child_ids if c is not None)


def pending(session: Session) -> Pending:
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = Pending()
    return found


def _before(obj: object, name: str) -> Any:
    """The attribute's value before this flush (its current value when unchanged)."""
    history = inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else getattr(obj, name)


def _changed(obj: object, *names: str) -> bool:
    return any(inspect(obj).attrs[name].history.has_changes() for name in names)


def _note_child(p: Pending, child: Child, state: str) -> None:
    old, new = _before(child, "village_id"), child.village_id
    for name in CHILD_NOW:
        p.dirty.unit(name, old, new)
    if state != "new" and (state == "deleted" or _changed(child, "village_id", "archived_at")):
        for name in CHILD_RECORDS:
            p.dirty.unit(name, old, new)


def _helper_unit(org_unit_id: int | None, school_id: int | None) -> int:
    return org_unit_id or school_id or NO_UNIT


def _note_helper(p: Pending, helper: Helper, state: str) -> None:
    p.dirty.unit("helpers", _helper_unit(_before(helper, "org_unit_id"),
                                         _before(helper, "school_id")),
                 _helper_unit(helper.org_unit_id, helper.school_id))
    if state != "new" and _changed(helper, "archived_at", "kind"):
        p.helpers_paired.add(helper.id)  # whether their children count as paired, which rules bind


def _code(value: object) -> str:
    return str(getattr(value, "value", value))


def _note_contact(p: Pending, contact: CareContact, state: str) -> None:
    for child_id, day, kind in (
            (_before(contact, "child_id"), _before(contact, "contact_date"),
             _before(contact, "kind")),
            (contact.child_id, contact.contact_date, contact.kind)):
        p.child_days["contacts"].add((child_id, day))
        p.contact_kinds[child_id].add(_code(kind))
        if state != "new":  # an edit or a withdrawal: the child's latest may go back anywhere
            p.child(["contact_lasts"], child_id)
    if state == "new":  # the hot path, logging a contact: two days move (see `resolve`)
        p.new_contacts.append((contact.id, contact.child_id, contact.kind, contact.contact_date))


def _note_activity(p: Pending, activity: Activity, _state: str) -> None:
    for unit, day in ((_before(activity, "org_unit_id"), _before(activity, "held_on")),
                      (activity.org_unit_id, activity.held_on)):
        p.dirty.day("activities", unit or NO_UNIT, day)


Noter = Callable[[Pending, Any, str], None]


def _note_child_record(families: tuple[str, ...]) -> Noter:
    def note(p: Pending, record: Any, _state: str) -> None:
        p.child(families, _before(record, "child_id"), record.child_id)
    return note


def _note_donation(p: Pending, donation: Donation, _state: str) -> None:
    for unit, day in ((_before(donation, "org_unit_id"), _before(donation, "donated_on")),
                      (donation.org_unit_id, donation.donated_on)):
        p.dirty.day("donations", unit or NO_UNIT, day)
    history = inspect(donation).attrs.recipients.history
    p.child(["donation_lasts"], *(c.id for c in (*history.added, *history.deleted,
                                                 *history.unchanged)))


def _note_attendance(p: Pending, attendance: Attendance, _state: str) -> None:
    p.activities.update({_before(attendance, "activity_id"), attendance.activity_id})


def _note_rule(_p: Pending, _rule: CareRule, _state: str) -> None:
    """An edited rule is a new clock: `maintain` keeps the new one and drops the old."""


NOTERS: dict[type[Any], Noter] = {
    Child: _note_child,
    Helper: _note_helper,
    CareContact: _note_contact,
    Activity: _note_activity,
    Attendance: _note_attendance,
    Donation: _note_donation,
    ChildCategory: _note_child_record(BY_CHILD["child_categories"]),
    Consent: _note_child_record(BY_CHILD["consents"]),
    Pairing: _note_child_record(BY_CHILD["pairings"]),
    Need: _note_child_record(BY_CHILD["needs"]),
    SurveyAnswer: _note_child_record(BY_CHILD["survey_answers"]),
    Wish: _note_child_record(BY_CHILD["wishes"]),
    CareRule: _note_rule,
}
TABLES = {model.__tablename__ for model in NOTERS} | set(BY_CHILD)
# A donation's recipients change as a collection (the link table), not as objects.
WITH_COLLECTIONS = (Donation,)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    for state, objects in (("new", session.new), ("deleted", session.deleted),
                           ("dirty", session.dirty)):
        for obj in objects:
            noter: Noter | None = NOTERS.get(type(obj))
            if noter is None:
                continue
            if state == "dirty" and not session.is_modified(
                    obj, include_collections=isinstance(obj, WITH_COLLECTIONS)):
                continue
            noter(pending(session), obj, state)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in TABLES:
        return
    if state.is_update and _sets_free_text_only(state):
        return
    p = pending(state.session)
    rows = state.parameters
    if state.is_insert and isinstance(rows, list | tuple | dict):
        for row in [rows] if isinstance(rows, dict) else rows:
            _note_inserted(p, table, row)
        return
    keys = _equalities(getattr(state.statement, "whereclause", None))
    if table == "attendances" and "activity_id" in keys:
        p.activities.update(keys["activity_id"])
    elif table == "children" and "id" in keys:
        p.child((*CHILD_NOW, *CHILD_RECORDS), *keys["id"])
    elif table in BY_CHILD and "child_id" in keys:
        p.child(BY_CHILD[table], *keys["child_id"])
    else:
        _log.warning("rollups: %s statement on %s without readable keys; recomputing all",
                     "update" if state.is_update else "delete", table)
        p.everything.update(f.name for f in FAMILIES)


# Columns no figure reads: what people wrote (notes, titles, reasons) and where files are. An
# update that sets nothing else (retention clearing text) needs no recount.
FREE_TEXT = frozenset({
    "notes", "title", "caption", "description", "asked", "resolution", "closed_reason",
    "content", "photo_path", "end_note", "given_by", "withdrawal_note", "form_path", "reason",
    "subject", "relation_detail", "phone", "work_place", "address", "psychological_notes"})
BOOKKEEPING = frozenset({"id", "version", "updated_at"})


def _sets_free_text_only(state: ORMExecuteState) -> bool:
    values = getattr(state.statement, "_values", None)
    if values:
        named = {getattr(key, "key", None) or getattr(key, "name", None) or str(key)
                 for key in values}
    else:  # an ORM bulk update by primary key: the rows name the columns
        rows = state.parameters
        named = set().union(*(row for row in ([rows] if isinstance(rows, dict) else rows or ())
                              if isinstance(row, dict)))
    named -= BOOKKEEPING
    return bool(named) and named <= FREE_TEXT


def _note_inserted(p: Pending, table: str, row: dict[str, Any]) -> None:
    if table == "care_contacts":
        p.child_days["contacts"].add((row["child_id"], row["contact_date"]))
        p.child(["contact_lasts"], row["child_id"])
        p.contact_kinds[row["child_id"]].add(_code(row["kind"]))
    elif table == "attendances":
        p.activities.add(row["activity_id"])
    elif table in BY_CHILD and "child_id" in row:
        p.child(BY_CHILD[table], row["child_id"])
    elif table == "children":
        for name in CHILD_NOW:
            p.dirty.unit(name, row.get("village_id"))
    elif table == "helpers":
        p.dirty.unit("helpers", _helper_unit(row.get("org_unit_id"), row.get("school_id")))
    elif table == "donations":
        p.dirty.day("donations", row.get("org_unit_id") or NO_UNIT, row["donated_on"])
    elif table == "activities":
        p.dirty.day("activities", row.get("org_unit_id") or NO_UNIT, row["held_on"])
    else:
        p.everything.update(f.name for f in FAMILIES)


def _equalities(clause: Any) -> dict[str, set[Any]]:
    """`column = value` and `column IN (values)` terms of a WHERE joined by AND."""
    found: dict[str, set[Any]] = defaultdict(set)
    terms = clause.clauses if isinstance(clause, BooleanClauseList) else [clause]
    for term in terms:
        if not isinstance(term, BinaryExpression) or not hasattr(term.left, "name"):
            continue
        right = term.right
        if term.operator is operators.eq and isinstance(right, BindParameter):
            found[term.left.name].add(right.value)
        elif term.operator is operators.in_op and isinstance(right, BindParameter):
            found[term.left.name].update(right.value or ())
    return found


def resolve(session: Session, p: Pending) -> Dirty:
    """Children to their villages, activities to their unit and day."""
    dirty = p.dirty
    ids: set[int] = set().union(*p.children.values())
    ids.update(child_id for pairs in p.child_days.values() for child_id, _ in pairs)
    ids.update(p.contact_kinds)
    villages = dict(session.execute(select(Child.id, Child.village_id)
                                    .where(Child.id.in_(sorted(ids)))).all()) if ids else {}
    for name, child_ids in p.children.items():
        dirty.unit(name, *(villages.get(c) for c in child_ids))
    for name, pairs in p.child_days.items():
        for child_id, day in pairs:
            dirty.day(name, villages.get(child_id), day)
    for child_id, kinds in p.contact_kinds.items():
        if (village := villages.get(child_id)) is not None:
            dirty.contact_kinds[village] |= kinds
    if len(p.new_contacts) > MANY_NEW_CONTACTS:  # a batch: recount their villages whole
        dirty.unit("contact_lasts", *(villages.get(c) for _, c, _, _ in p.new_contacts))
    else:
        for child_id, day in _latest_days_moved(session, p.new_contacts):
            dirty.day("contact_lasts", villages.get(child_id), day)
    if p.activities:
        for unit, day in session.execute(select(Activity.org_unit_id, Activity.held_on)
                                         .where(Activity.id.in_(sorted(p.activities)))):
            dirty.day("activities", unit or NO_UNIT, day)
    if p.helpers_paired:
        dirty.unit("children", *session.scalars(
            select(Child.village_id).join(Pairing, Pairing.child_id == Child.id)
            .where(Pairing.helper_id.in_(sorted(p.helpers_paired))).distinct()))
    return dirty


def _latest_days_moved(session: Session, new: list[tuple[int, int, Any, date]]
                       ) -> set[tuple[int, date]]:
    """The days whose latest-contact counts new contacts can move, per child: each new
    contact's day, and the day of the child's latest contact of that kind before them (the
    child leaves that day's count when a new one is later)."""
    if not new:
        return set()
    moved = {(child_id, day) for _, child_id, _, day in new}
    pairs = sorted({(child_id, _code(kind)) for _, child_id, kind, _ in new})
    new_ids = sorted(contact_id for contact_id, *_ in new)
    for start in range(0, len(pairs), 400):
        part = pairs[start:start + 400]
        rows = session.execute(
            select(CareContact.child_id, CareContact.kind, func.max(CareContact.contact_date))
            .where(CareContact.child_id.in_(sorted({c for c, _ in part})),
                   CareContact.archived_at.is_(None), CareContact.id.not_in(new_ids))
            .group_by(CareContact.child_id, CareContact.kind))
        wanted = set(part)
        moved |= {(child_id, day) for child_id, kind, day in rows
                  if (child_id, _code(kind)) in wanted and day is not None}
    return moved


def maintain(session: Session) -> None:
    """Recompute what this transaction touched (called just before it commits)."""
    p = session.info.pop(_KEY, None)
    if p is None:
        return
    take_turn(session)
    if p.everything:
        rebuild_families(session, p.everything)
        rules.rebuild(session, local_today())
    dirty = resolve(session, p)
    if dirty:
        refresh(session, dirty)
    active = rules.views(session)
    rules.refresh_villages(session, rule_villages(dirty), active)
    rules.keep_current(session, local_today(), active)


def catch_up(session: Session) -> None:
    """Bring the rollups up to this session's own writes before reading them: a transaction
    that writes and then counts (a test, a script) sees what it wrote, as with the records."""
    session.flush()
    maintain(session)


def rule_villages(dirty: Dirty) -> dict[int, frozenset[str] | None]:
    """The villages whose 帮扶要求 counts may have moved, each with the contact kinds that
    changed there (None: their children or pairings changed, so every rule)."""
    found: dict[int, frozenset[str] | None] = {}
    for unit, _ in dirty.days.get("contacts", set()):
        found[unit] = frozenset(dirty.contact_kinds.get(unit, ())) or None
    # A child's fields, pairings or helpers (children), or all of a moved child's contacts.
    for name in ("children", "contacts"):
        found.update(dict.fromkeys(dirty.units.get(name, set())))
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """Drop what a rolled-back transaction noted, once the outermost one ends (a committed one
    has already used it). A savepoint rolled back keeps the keys noted before and inside it:
    recomputing a key that did not change costs a little and changes nothing."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)


data_version.add_maintainer(maintain)
