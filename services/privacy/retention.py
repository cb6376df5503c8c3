"""保存期限: a child archived long enough ago is anonymised, irreversibly, with every count kept.

When `years` have passed since a child was archived (`years_in_difficulty` when they were ever
in one of the 困境 categories), their identifying fields (name, 身份证号, address, health,
notes) and their relatives' are replaced by a placeholder, free text written about them is
cleared, the audit log's copies of those fields are scrubbed, and their files are deleted: wish
photos, consent forms, and the photos of activities they attended (a photo does not say who is
in it). The rows stay, with dates, places, categories, gender and birth date, so every figure of
a past period stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session

from config import display_zone, load_settings
from core.validators import add_years
from core.vocab import Category
from db.base import utcnow
from db.models import (
    Activity,
    ActivityPhoto,
    Attendance,
    AuditEvent,
    Campaign,
    CareContact,
    Child,
    ChildCategory,
    Consent,
    Donation,
    EmergencyGrant,
    Need,
    Pairing,
    Relative,
    RiskAssessment,
    SavedFilter,
    ViewEvent,
    Wish,
    WishDrive,
)
from services.access import audit
from services.access.permissions import Actor, Capability
from services.care.photos import delete_on_commit, photo_path

T = TypeVar("T")
PLACEHOLDER = "已匿名"
IN_DIFFICULTY = (Category.in_difficulty, Category.de_facto_unsupported,
                 Category.scattered_orphan, Category.disabled)
BATCH = 500
AUDIT_BATCH = 2000
# Text written about a child in the records linked to them: cleared (None) or, where the
# column may not be empty, replaced by the placeholder.
CLEARED: dict[Any, dict[str, str | None]] = {
    CareContact: {"notes": None},
    RiskAssessment: {"notes": None},
    Need: {"description": None, "asked": None, "resolution": None, "closed_reason": None},
    Wish: {"content": PLACEHOLDER, "photo_path": None},
    Pairing: {"end_note": None},
    Consent: {"given_by": PLACEHOLDER, "withdrawal_note": None, "form_path": None},
    Relative: {"name": PLACEHOLDER, "relation_detail": None, "phone": None, "work_place": None,
               "address": None},
    EmergencyGrant: {"reason": PLACEHOLDER},  # why the child was opened: it names them
}
# Free text that may still name them anywhere else (an activity's title or notes, a drive's
# notes, a view of a list filtered by name, another child's records): the names are replaced
# where they occur.
NAMED_TEXT = ((Activity, "title"), (Activity, "notes"), (ActivityPhoto, "caption"),
              (Campaign, "notes"), (Donation, "notes"), (WishDrive, "notes"),
              (ViewEvent, "subject"), (EmergencyGrant, "reason"),
              # other children's records, which may mention the child (a classmate, a sibling)
              (Child, "notes"), (Child, "psychological_notes"), (CareContact, "notes"),
              (RiskAssessment, "notes"), (Need, "description"), (Need, "asked"),
              (Need, "resolution"), (Need, "closed_reason"), (Wish, "content"),
              (Pairing, "end_note"), (Consent, "withdrawal_note"))
NAMES_AT_ONCE = 50
# A relative recorded only by how they are related (奶奶) names nobody: replacing such a word
# everywhere would rewrite every text that mentions a grandmother; one character, anything.
KINSHIP = frozenset({"奶奶", "爷爷", "外婆", "外公", "姥姥", "姥爷", "妈妈", "爸爸", "母亲",
                     "父亲", "叔叔", "阿姨", "伯伯", "舅舅", "舅妈", "姑姑", "姑父", "姨妈",
                     "哥哥", "姐姐", "弟弟", "妹妹", "监护人", "家长"})
CHILD_FIELDS: dict[str, str | None] = {
    "name": PLACEHOLDER, "name_pinyin": "", "name_initials": "", "identity_key": None,
    "id_number_cipher": None, "id_number_hash": None, "id_number_last4": None,
    "address": None, "health": None, "psychological_notes": None, "hobbies": None,
    "contact_with_parents": None, "concern_tags": None, "notes": None, "class_name": None,
}
# Keys of an audit record's before/after that held those fields.
AUDITED_KEYS = frozenset(CHILD_FIELDS) | {k for fields in CLEARED.values() for k in fields} | {
    "relatives", "id_number", "filename", "caption"}


@dataclass(frozen=True)
class RetentionPolicy:
    years: int = 3
    years_in_difficulty: int = 5

    @classmethod
    def configured(cls) -> RetentionPolicy:
        settings = load_settings()
        return cls(settings.retention_years, settings.retention_years_in_difficulty)


@dataclass(frozen=True)
class DueChild:
    """A child whose retention period ends on `due_on` (no name: the list itself is safe)."""

    child_id: int
    archived_on: date
    due_on: date
    in_difficulty: bool


@dataclass(frozen=True)
class RetentionResult:
    children: int
    relatives: int
    files: int


def ever_in_difficulty() -> ColumnElement[bool]:
    return exists().where(ChildCategory.child_id == Child.id,
                          ChildCategory.category.in_(IN_DIFFICULTY))


def retention_schedule(session: Session, actor: Actor, *, today: date,
                       policy: RetentionPolicy, horizon_days: int = 0) -> list[DueChild]:
    """Children not yet anonymised whose period ends by `today` + `horizon_days`, soonest first."""
    actor.require(Capability.MANAGE_USERS)
    zone = display_zone()
    last = today + timedelta(days=horizon_days)
    # Nobody archived after this can be due, whatever their category.
    latest = datetime.combine(add_years(last, -min(policy.years, policy.years_in_difficulty))
                              + timedelta(days=1), datetime.min.time())
    rows = session.execute(
        select(Child.id, Child.archived_at, ever_in_difficulty())
        .where(Child.archived_at.is_not(None), Child.archived_at < latest,
               Child.anonymised_at.is_(None)))
    due = []
    for child_id, archived_at, difficult in rows:
        if archived_at is None:
            continue
        archived_on = archived_at.replace(tzinfo=UTC).astimezone(zone).date()
        due_on = add_years(archived_on, policy.years_in_difficulty if difficult else policy.years)
        if due_on <= last:
            due.append(DueChild(child_id, archived_on, due_on, bool(difficult)))
    return sorted(due, key=lambda d: (d.due_on, d.child_id))


def anonymise_due(session: Session, actor: Actor, *, today: date, policy: RetentionPolicy,
                  data_dir: Path | None = None) -> RetentionResult:
    """Anonymise every child whose period has ended; audited without a single name."""
    due = [d.child_id for d in retention_schedule(session, actor, today=today, policy=policy)]
    relatives = files = 0
    names: set[str] = set()
    for chunk in _chunks(due, BATCH):
        names |= _names(session, chunk)
        files += _doom_files(session, chunk, data_dir)
        relatives += _clear_linked(session, chunk)
        session.execute(update(Child).where(Child.id.in_(chunk)).values(
            **CHILD_FIELDS, anonymised_at=utcnow(), version=Child.version + 1))
    if due:
        _scrub_audit(session, set(due), names)
        _scrub_free_text(session, names)
        _scrub_saved_filters(session, names)
    audit.record(session, actor, "anonymise", "retention", None,
                 summary=f"保存期限已到，匿名化 {len(due)} 名儿童"
                         f"（亲属 {relatives} 人，文件 {files} 个）",
                 after={"children": len(due), "relatives": relatives, "files": files,
                        "child_ids": due})
    return RetentionResult(len(due), relatives, files)


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _names(session: Session, chunk: list[int]) -> set[str]:
    """The names to scrub from the audit log and other text: the children's and their
    relatives', when they are names (two characters or more, not a word like 奶奶)."""
    found = set(session.scalars(select(Child.name).where(Child.id.in_(chunk))))
    found |= set(session.scalars(select(Relative.name).where(Relative.child_id.in_(chunk))))
    return {name for name in found
            if name and len(name) >= 2 and name != PLACEHOLDER and name not in KINSHIP}


def _doom_files(session: Session, chunk: list[int], data_dir: Path | None) -> int:
    """Delete (on commit) the children's wish photos, consent forms and activity photos."""
    base = Path(data_dir) if data_dir is not None else load_settings().data_dir
    paths = [base / p for p in session.scalars(
        select(Wish.photo_path).where(Wish.child_id.in_(chunk))) if p]
    paths += [base / p for p in session.scalars(
        select(Consent.form_path).where(Consent.child_id.in_(chunk))) if p]
    photos = session.scalars(select(ActivityPhoto).where(ActivityPhoto.activity_id.in_(
        select(Attendance.activity_id).where(Attendance.child_id.in_(chunk))))).all()
    for photo in photos:
        paths.append(photo_path(photo, data_dir=base))
        session.delete(photo)
    for path in paths:
        delete_on_commit(session, path)
    return len(paths)


def _clear_linked(session: Session, chunk: list[int]) -> int:
    """Clear the text of the records linked to the children; the number of relatives."""
    relatives = 0
    for model, values in CLEARED.items():
        result = session.execute(update(model).where(model.child_id.in_(chunk)).values(**values))
        if model is Relative:
            relatives = result.rowcount  # type: ignore[attr-defined]
    return relatives


def _scrub_audit(session: Session, ids: set[int], names: set[str]) -> None:
    """Events about these children keep who, what and when; the fields and names go."""
    changed = []
    rows = session.execute(select(AuditEvent.id, AuditEvent.entity, AuditEvent.entity_id,
                                  AuditEvent.summary, AuditEvent.before, AuditEvent.after)
                           .execution_options(yield_per=AUDIT_BATCH))
    for event_id, entity, entity_id, summary, before, after in rows:
        about = (entity == "child" and entity_id is not None and entity_id.isdigit()
                 and int(entity_id) in ids) or _child_of(before, ids) or _child_of(after, ids)
        written = f"{summary} {before} {after}"  # an export's filter may hold a name, too
        named = any(name in written for name in names)
        if not about and not named:
            continue
        changed.append({"event_id": event_id, "summary": _replace_names(summary, names),
                        "before": _scrubbed(before, names) if about else _named(before, names),
                        "after": _scrubbed(after, names) if about else _named(after, names)})
    for part in _chunks(changed, AUDIT_BATCH):
        session.execute(update(AuditEvent), [
            {"id": c["event_id"], "summary": c["summary"], "before": c["before"],
             "after": c["after"]} for c in part])


def _scrub_free_text(session: Session, names: set[str]) -> None:
    """Replace the names wherever free text not tied to one child holds them."""
    ordered = sorted(names)
    for model, column_name in NAMED_TEXT:
        table = cast(Table, model.__table__)
        column = table.c[column_name]
        # The table, not the mapper: a versioned record's text is not an edit of the record.
        rewrite = update(table).where(table.c.id == bindparam("row_id")).values(
            {column: bindparam("text")})
        for part in _chunks(ordered, NAMES_AT_ONCE):
            rows = session.execute(select(table.c.id, column).where(
                or_(*(column.contains(name, autoescape=True) for name in part)))).all()
            if rows:
                session.execute(rewrite, [{"row_id": row_id, "text": _replace_names(text, names)}
                                          for row_id, text in rows])


def _scrub_saved_filters(session: Session, names: set[str]) -> None:
    """A saved roster search by a child's name is a copy of the name (a small table)."""
    for saved in session.scalars(select(SavedFilter)):
        if any(name in str(saved.params) for name in names):
            saved.params = _named(saved.params, names)


def _named(values: Any, names: set[str]) -> Any:
    """Every string inside `values` with the names replaced; the keys stay."""
    return audit.map_strings(values, lambda text: _replace_names(text, names) or text)


def _child_of(values: object, ids: set[int]) -> bool:
    return isinstance(values, dict) and values.get("child_id") in ids


def _replace_names(text: str | None, names: Iterable[str]) -> str | None:
    if not text:
        return text
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, PLACEHOLDER)
    return text


def _scrubbed(values: Any, names: set[str]) -> Any:
    if isinstance(values, dict):
        return {k: (PLACEHOLDER if k in AUDITED_KEYS and v not in (None, "", [], {})
                    else _scrubbed(v, names)) for k, v in values.items()}
    if isinstance(values, list):
        return [_scrubbed(v, names) for v in values]
    if isinstance(values, str):
        return _replace_names(values, names)
    return values
