"""活动类型: the editable list of activity kinds; the built-ins (CONTRACTS.md) are always there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import ActivityKind, UnknownLabel
from db.base import utcnow
from db.models import ActivityKindRow
from services.access import audit
from services.access.permissions import Actor, Capability

MAX_LABEL = 50
CODE_PREFIX = "custom_"
BUILTIN_ORDER = {kind.value: index for index, kind in enumerate(ActivityKind)}


def _normal(text: str) -> str:
    return text.strip().replace("\uff08", "(").replace("\uff09", ")").lower()


def _order(row: ActivityKindRow) -> tuple:
    return (row.is_archived, BUILTIN_ORDER.get(row.code, len(BUILTIN_ORDER)), row.label_zh)


def list_activity_kinds(session: Session, *, include_archived: bool = False
                        ) -> list[ActivityKindRow]:
    """The kinds a form offers: built-ins in their contract order, then the added ones."""
    stmt = select(ActivityKindRow)
    if not include_archived:
        stmt = stmt.where(ActivityKindRow.archived_at.is_(None))
    return sorted(session.scalars(stmt), key=_order)


def kind_labels(session: Session) -> dict[str, str]:
    """Every kind's Chinese label by code, archived ones included (old activities keep theirs)."""
    return dict(session.execute(select(ActivityKindRow.code, ActivityKindRow.label_zh)).all())


def resolve_kind(session: Session, text: str) -> ActivityKindRow:
    """The active kind a label, code or import synonym names; the error lists the labels."""
    rows = list_activity_kinds(session)
    wanted = _normal(text)
    try:
        builtin = ActivityKind.parse(text).value
    except UnknownLabel:
        builtin = None
    for row in rows:
        if row.code in (builtin, text.strip()) or wanted in {
                _normal(row.label_zh), _normal(row.label_en or "")}:
            return row
    accepted = "、".join(r.label_zh for r in rows)
    raise DomainError.of("errors.kind.unknown", text=text.strip(), accepted=accepted)


def _require_admin(actor: Actor) -> None:
    if not actor.can(Capability.MANAGE_USERS):
        raise PermissionDenied(Msg("errors.permission.activity_kinds"))


NAME = field_label("name_of", "名称")


def kind_name(row: ActivityKindRow) -> Msg:
    """The kind's name as a message field: Chinese, or its English name when it has one."""
    return Msg.keeping(row.label_zh, "errors.activity.kind_name",
                       name=row.label_en or row.label_zh)


def _label_problems(session: Session, label_zh: str, label_en: str | None,
                    code: str | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not label_zh:
        problems[NAME] = Msg("errors.valid.required")
    elif len(label_zh) > MAX_LABEL:
        problems[NAME] = Msg("errors.valid.too_long", max_len=MAX_LABEL)
    if label_en and len(label_en) > MAX_LABEL:
        problems[field_label("label_en", "英文名称")] = Msg("errors.kind.en_too_long",
                                                                max=MAX_LABEL)
    if problems:
        return problems
    for row in session.scalars(select(ActivityKindRow).where(ActivityKindRow.code != (code or ""))):
        if _normal(row.label_zh) == _normal(label_zh):
            problems[NAME] = Msg("errors.kind.taken_archived" if row.is_archived
                                 else "errors.kind.taken", kind=row.label_zh)
            return problems
    for kind in ActivityKind:
        if kind.value != code and _normal(label_zh) in {_normal(s) for s in kind.synonyms}:
            problems[NAME] = Msg("errors.kind.builtin_synonym", label=label_zh, kind=kind)
    return problems


def _new_code(session: Session) -> str:
    taken = set(session.scalars(select(ActivityKindRow.code).where(
        ActivityKindRow.code.startswith(CODE_PREFIX))))
    number = (session.scalar(select(func.count()).select_from(ActivityKindRow).where(
        ActivityKindRow.is_builtin.is_(False))) or 0) + 1
    while f"{CODE_PREFIX}{number}" in taken:
        number += 1
    return f"{CODE_PREFIX}{number}"


def add_activity_kind(session: Session, *, actor: Actor, label_zh: str,
                      label_en: str | None = None) -> ActivityKindRow:
    """Add a kind to the list (admins); its code is generated and never changes."""
    _require_admin(actor)
    label_zh, label_en = label_zh.strip(), (label_en or "").strip() or None
    if problems := _label_problems(session, label_zh, label_en, None):
        raise ValidationFailed(problems)
    row = ActivityKindRow(code=_new_code(session), label_zh=label_zh, label_en=label_en,
                          is_builtin=False)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "activity_kind", row.code, after=audit.snapshot(row),
                 summary=f"新增活动类型 {label_zh}")
    return row


@contextmanager
def _tracked(session: Session, actor: Actor, row: ActivityKindRow, *, action: str = "update",
             summary: str) -> Iterator[None]:
    """audit.tracked for a row keyed by its code rather than an id."""
    before = audit.snapshot(row)
    yield
    session.flush()
    audit.record(session, actor, action, "activity_kind", row.code, before=before,
                 after=audit.snapshot(row), summary=summary)


def _get(session: Session, code: str, expected_version: int) -> ActivityKindRow:
    row = session.get(ActivityKindRow, code)
    if row is None:
        raise NotFound(Msg("errors.what.activity_kind"))
    audit.require_version(row, expected_version, Msg("errors.what.activity_kind"))
    return row


def rename_activity_kind(session: Session, *, actor: Actor, code: str, expected_version: int,
                         label_zh: str, label_en: str | None = None) -> ActivityKindRow:
    """Change a kind's labels; activities keep its code, so every count stays where it was."""
    _require_admin(actor)
    row = _get(session, code, expected_version)
    label_zh, label_en = label_zh.strip(), (label_en or "").strip() or None
    if problems := _label_problems(session, label_zh, label_en, code):
        raise ValidationFailed(problems)
    with _tracked(session, actor, row, summary=f"活动类型 {row.label_zh} 改名为 {label_zh}"):
        row.label_zh, row.label_en = label_zh, label_en
    return row


def archive_activity_kind(session: Session, *, actor: Actor, code: str,
                          expected_version: int) -> ActivityKindRow:
    """Stop offering an added kind; past activities keep it. Built-ins cannot be archived."""
    _require_admin(actor)
    row = _get(session, code, expected_version)
    if row.is_builtin:
        raise DomainError.of("errors.kind.builtin", kind=kind_name(row))
    if row.is_archived:
        raise DomainError.of("errors.kind.already_archived", kind=kind_name(row))
    with _tracked(session, actor, row, action="archive",
                       summary=f"停用活动类型 {row.label_zh}"):
        row.archived_at, row.archive_reason = utcnow(), "停用"
    return row


def restore_activity_kind(session: Session, *, actor: Actor, code: str,
                          expected_version: int) -> ActivityKindRow:
    _require_admin(actor)
    row = _get(session, code, expected_version)
    if not row.is_archived:
        raise DomainError.of("errors.kind.not_archived", kind=kind_name(row))
    with _tracked(session, actor, row, action="restore",
                       summary=f"恢复活动类型 {row.label_zh}"):
        row.archived_at, row.archive_reason = None, None
    return row
