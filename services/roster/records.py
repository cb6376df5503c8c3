"""The roster (儿童档案): add, change, archive and restore children, each change audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.i18n import Msg
from core.vocab import ArchiveReason, Role
from db.base import utcnow
from db.models import Child, ChildCategory, Relative
from db.models.children import identity_key
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible, org_in_scope
from services.pairing.pairings import end_pairings_of_archived_child
from services.roster import archiving
from services.roster.child_input import ChildInput, Duplicate, child_problems, find_duplicates
from services.roster.pinyin import pinyin_keys

# The columns ChildInput fills one to one; categories and relatives are handled apart.
PLAIN_FIELDS = (
    "name", "gender", "birth_date", "id_number", "town_id", "village_id", "school_id", "grade",
    "class_name", "left_behind_type", "guardian_type", "economic_status", "academic_level",
    "address", "health", "psychological_notes", "hobbies", "contact_with_parents",
    "safety_incident", "in_mountain_area", "boarding", "household_type",
    "guardianship_agreement", "key_concern", "concern_tags", "notes",
)
# Says nothing about the record it matched: its name, town and even which field matched are
# outside the actor's scope.
OUT_OF_SCOPE_DUPLICATE = Msg("errors.child.duplicate_out_of_scope")
SAME_PLACE_AND_BIRTH = Msg("errors.child.same_name_birth_village")
SAVE_CONFLICT = Msg("errors.save_conflict")


class DuplicateChild(DomainError):
    """The record looks like one that exists; it is flagged, never merged or doubled.

    `duplicates` lists only records the actor may open; none when the match lies outside
    their scope, and then the message names nothing.
    """

    def __init__(self, duplicates: list[Duplicate]) -> None:
        if duplicates:
            first = duplicates[0]
            message = Msg("errors.child.duplicate", name=first.name, reason=first.reason)
        else:
            message = OUT_OF_SCOPE_DUPLICATE
        super().__init__(message)
        self.duplicates = duplicates


def get_child(session: Session, actor: Actor, child_id: int) -> Child:
    """One child the actor may see, with categories and relatives loaded."""
    child = session.scalar(
        select(Child).where(Child.id == child_id, children_visible(actor))
        .options(selectinload(Child.categories), selectinload(Child.relatives)))
    if child is None:
        raise NotFound(Msg("errors.what.child_record"))
    return child


def _check(session: Session, actor: Actor, data: ChildInput, *, today: date,
           exclude_id: int | None, check_duplicates: bool = True) -> None:
    actor.require(Capability.EDIT_ROSTER)
    if problems := child_problems(session, data, today=today):
        raise ValidationFailed(problems)
    if actor.role is not Role.admin and not any(
            _in_scope(session, actor, unit) for unit in (data.village_id, data.school_id)):
        raise PermissionDenied(Msg("errors.child.out_of_scope"))
    if check_duplicates:
        refuse_duplicates(session, actor, data, exclude_id=exclude_id)


def refuse_duplicates(session: Session, actor: Actor, data: ChildInput, *,
                      exclude_id: int | None) -> None:
    """Raise DuplicateChild for a match anywhere in the county, naming only those in scope."""
    found = find_duplicates(session, data, exclude_id=exclude_id)
    found += _same_identity_key(session, data, exclude_id, {d.child_id for d in found})
    if not found:
        return
    visible = set(session.scalars(select(Child.id).where(
        Child.id.in_([d.child_id for d in found]), children_visible(actor))))
    raise DuplicateChild([d for d in found if d.child_id in visible])


def _same_identity_key(session: Session, data: ChildInput, exclude_id: int | None,
                       known: set[int]) -> list[Duplicate]:
    """Records whose name differs only in spacing, width or case: the unique key would refuse."""
    if not (data.name and data.birth_date and data.village_id):
        return []
    key = identity_key(data.name, data.birth_date, data.village_id)
    rows = session.execute(select(Child.id, Child.name).where(
        Child.identity_key == key, Child.id != (exclude_id or -1)))
    return [Duplicate(i, name, SAME_PLACE_AND_BIRTH) for i, name in rows if i not in known]


@contextmanager
def guarded_save(session: Session, actor: Actor, data: ChildInput | None,
                 exclude_id: int | None = None) -> Iterator[None]:
    """Write inside a savepoint; a save that lost a race gets the message it would have had.

    The database refuses the second of two simultaneous saves of one child (unique ID number
    and identity key) and a save over a version someone else saved meanwhile (StaleDataError).
    """
    try:
        with session.begin_nested():
            yield
    except StaleDataError as exc:
        raise ConcurrentEdit(Msg("errors.what.child_record")) from exc
    except IntegrityError as exc:
        if data is not None:
            refuse_duplicates(session, actor, data, exclude_id=exclude_id)
        raise DomainError(SAVE_CONFLICT) from exc


def _in_scope(session: Session, actor: Actor, org_unit_id: int | None) -> bool:
    """org_in_scope, remembered for the session: an import asks about the same village often."""
    known = session.info.setdefault("org_in_scope", {})
    key = (actor, org_unit_id)
    if key not in known:
        known[key] = org_in_scope(session, actor, org_unit_id)
    return known[key]


def _apply(child: Child, data: ChildInput) -> None:
    for name in PLAIN_FIELDS:
        setattr(child, name, getattr(data, name))
    child.name_pinyin, child.name_initials = pinyin_keys(data.name)
    # _check has refused an input without a birth date or a village (child_problems).
    assert data.birth_date is not None
    assert data.village_id is not None
    child.identity_key = identity_key(data.name, data.birth_date, data.village_id)
    wanted = list(dict.fromkeys(data.categories))
    kept = [c for c in child.categories if c.category in wanted]
    have = {c.category for c in kept}
    child.categories = kept + [ChildCategory(category=c) for c in wanted if c not in have]


def _apply_relatives(session: Session, child: Child, data: ChildInput) -> None:
    """Update relatives in place by relation; one no longer given is archived, not deleted."""
    given = {r.relation: r for r in data.relatives}
    for relative in child.relatives:
        if relative.archived_at is not None:
            continue
        update = given.pop(relative.relation, None)
        if update is None:
            relative.archived_at, relative.archive_reason = utcnow(), "档案中已删除"
            continue
        for name in ("name", "phone", "work_place", "address", "relation_detail"):
            setattr(relative, name, getattr(update, name))
    for update in given.values():
        session.add(Relative(child=child, relation=update.relation, name=update.name,
                             phone=update.phone, work_place=update.work_place,
                             address=update.address, relation_detail=update.relation_detail))


def create_child(session: Session, *, actor: Actor, data: ChildInput, today: date) -> Child:
    """Add a child after every check; a suspected duplicate is refused with a pointer to it."""
    session.flush()  # the savepoint must hold only this child
    with guarded_save(session, actor, data.normalised()):
        child = new_child(session, actor=actor, data=data, today=today)
        session.flush()  # one flush writes the child, its categories and its relatives
    record_created(session, actor, [child])
    return child


def new_child(session: Session, *, actor: Actor, data: ChildInput, today: date,
              check_duplicates: bool = True) -> Child:
    """A checked, unsaved child added to the session; an import flushes many at once.

    `check_duplicates=False` is for callers that have already matched the record against
    every existing child (the roster import does, in one query per sheet).
    """
    data = data.normalised()
    _check(session, actor, data, today=today, exclude_id=None, check_duplicates=check_duplicates)
    child = Child(categories=[], relatives=[
        Relative(relation=r.relation, name=r.name, phone=r.phone, work_place=r.work_place,
                 address=r.address, relation_detail=r.relation_detail) for r in data.relatives])
    _apply(child, data)
    session.add(child)
    return child


def record_created(session: Session, actor: Actor, children: list[Child]) -> None:
    """Audit new children once they have ids."""
    for child in children:
        audit.record(session, actor, "create", "child", child.id, after=_snapshot(child),
                     summary=f"新建儿童档案 {child.name}")


def update_child(session: Session, *, actor: Actor, child_id: int, expected_version: int,
                 data: ChildInput, today: date) -> Child:
    """Save changes made to the version the person opened; a newer one is never overwritten."""
    child = get_child(session, actor, child_id)
    audit.require_version(child, expected_version, Msg("errors.what.child_record"))
    data = data.normalised()
    _check(session, actor, data, today=today, exclude_id=child.id)
    before = _snapshot(child)
    session.flush()  # the savepoint must hold only this change
    with guarded_save(session, actor, data, exclude_id=child.id):
        _apply(child, data)
        _apply_relatives(session, child, data)
        child.updated_at = utcnow()  # a change to categories or relatives alone is a change too
        session.flush()
    audit.record(session, actor, "update", "child", child.id, before=before,
                 after=_snapshot(child), summary=f"修改儿童档案 {child.name}")
    return child


def archive_child(session: Session, *, actor: Actor, child_id: int, expected_version: int,
                  reason: ArchiveReason, note: str = "") -> Child:
    child = _child_to_change(session, actor, child_id, expected_version)
    archiving.refuse_archived(child, "errors.child.already_archived")
    text = reason.zh + (f":{note.strip()}" if note.strip() else "")
    with archiving.archived(session, actor, child, "child", reason=reason.value,
                            summary=f"归档 {child.name}({text})",
                            guard=guarded_save(session, actor, None)) as archived_at:
        child.notes = _append_note(child.notes, f"归档原因：{text}")
    end_pairings_of_archived_child(session, actor, child, archived_at.date(), reason)
    return child


def restore_child(session: Session, *, actor: Actor, child_id: int,
                  expected_version: int) -> Child:
    child = _child_to_change(session, actor, child_id, expected_version)
    archiving.refuse_active(child, "errors.child.not_archived")
    archiving.restore(session, actor, child, "child", summary=f"恢复 {child.name} 的档案",
                      guard=guarded_save(session, actor, None))
    return child


def _child_to_change(session: Session, actor: Actor, child_id: int,
                     expected_version: int) -> Child:
    return archiving.open_to_change(actor, Capability.EDIT_ROSTER,
                                    lambda: get_child(session, actor, child_id),
                                    expected_version=expected_version,
                                    what=Msg("errors.what.child_record"))


def _append_note(notes: str | None, line: str) -> str:
    return f"{notes}\n{line}" if notes else line


def _snapshot(child: Child) -> dict:
    data = audit.snapshot(child)
    data["categories"] = sorted(c.category.value for c in child.categories)
    data["relatives"] = [
        {"relation": r.relation.value, "name": r.name, "phone": r.phone, "work_place": r.work_place}
        for r in child.relatives if r.archived_at is None
    ]
    return data
