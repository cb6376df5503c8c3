"""The audit log: who changed what, when, from what to what — in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.errors import ConcurrentEdit
from core.i18n import t, t_or_code
from core.validators import redact_long_digits
from db.models import (
    Activity,
    AuditEvent,
    Campaign,
    CareRule,
    Child,
    Helper,
    OrgUnit,
    ResourceProvider,
    Survey,
    User,
    WishDrive,
)
from services.access.permissions import Actor, Capability

# Never copied into the log.
# The 身份证号 shows in the log by its last 4 (id_number_last4) only.
SECRET_FIELDS = frozenset({"password_hash", "id_number_cipher", "id_number_hash"})
# Change with every save; a diff that only they make is no change worth reading.
BOOKKEEPING_FIELDS = frozenset({"version", "updated_at", "sessions_revoked_at"})


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """Return the record's column values as JSON-safe data, secrets left out."""
    mapper = inspect(record).mapper
    return {
        attr.key: _plain(getattr(record, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRET_FIELDS
    }


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Add one audit event; it commits or rolls back with the change it describes."""
    if before is not None and after is not None:
        changed = {k for k in after
                   if before.get(k) != after.get(k) and k not in BOOKKEEPING_FIELDS}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    event = AuditEvent(
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        summary=None if summary is None else _clip(summary, SUMMARY_MAX),
    )
    session.add(event)
    return event


@contextmanager
def tracked(session: Session, actor: Actor | None, record_: Any, entity: str, *,
            action: str = "update", summary: str | None = None) -> Iterator[None]:
    """Audit the changes made to `record_` inside the block, before → after."""
    before = snapshot(record_)
    yield
    session.flush()
    record(session, actor, action, entity, record_.id, before=before, after=snapshot(record_),
           summary=summary)


def record_disclosure(session: Session, actor: Actor | None, action: str, entity: str, *,
                      what: str, rows: int, detail: dict[str, Any] | None = None,
                      entity_id: Any = None) -> AuditEvent:
    """Record that people's data left the database: what, how many rows, with which filter.

    Exports, contact cards and report files all pass through here, masked or not, so the log
    answers "who took which list of children, when" without reading each module's wording.
    """
    facts = redacted({k: _plain_deep(v) for k, v in (detail or {}).items()
                      if v not in (None, "", [], {})})
    shown = "\uff0c".join(f"{k}={v}" for k, v in facts.items())
    summary = f"{what}\uff1a{rows}行" + (f"\uff08{shown}\uff09" if shown else "")
    return record(session, actor, action, entity, entity_id,
                  after={"rows": rows, **facts}, summary=summary)  # record() clips it


SUMMARY_MAX = 300


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _plain_deep(value: Any) -> Any:
    """JSON-safe: enums to codes, dates to ISO, collections element-wise, anything else to str."""
    value = _plain(value)
    if isinstance(value, dict):
        return {str(k): _plain_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain_deep(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "to_query_params"):
        return value.to_query_params()
    return str(value)


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """`value` (JSON-like) with `change` applied to every string inside it; the keys stay."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    return value


def redacted(value: Any) -> Any:
    """The filters and arguments of a disclosure with every long run of digits cut to its last 4:
    a search by 身份证号 or phone must not put the whole number in the log."""
    return map_strings(value, redact_long_digits)


def require_version(record_: Any, expected_version: int | None, what: str) -> None:
    """Refuse a save based on an older version than the one stored (optimistic locking)."""
    if expected_version is not None and record_.version != expected_version:
        raise ConcurrentEdit(what)


def recent_events(session: Session, actor: Actor, *, limit: int = 200,
                  entity: str | None = None) -> list[AuditEvent]:
    """The newest audit events, for admins."""
    actor.require(Capability.MANAGE_USERS)
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    return list(session.scalars(stmt))


# ---- display: what an admin reads in 管理 › 操作日志 (what is recorded is unchanged) ----------

# entity code -> the column that names such a record, for "用户 刘主任" instead of "用户 1".
NAMED_ENTITIES: dict[str, Any] = {
    "user": User.display_name, "child": Child.name, "helper": Helper.name,
    "org_unit": OrgUnit.name, "activity": Activity.title, "care_rule": CareRule.name,
    "resource_provider": ResourceProvider.name, "provider": ResourceProvider.name,
    "campaign": Campaign.name, "survey": Survey.title, "wish_drive": WishDrive.name,
}


def entity_names(session: Session, events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """The current name of each record the events are about, by (entity, id)."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.entity in NAMED_ENTITIES and e.entity_id and e.entity_id.isdigit():
            wanted.setdefault(e.entity, set()).add(int(e.entity_id))
    names: dict[tuple[str, str], str] = {}
    for entity, ids in wanted.items():
        column = NAMED_ENTITIES[entity]
        key = column.class_.id
        for record_id, name in session.execute(select(key, column).where(key.in_(ids))):
            names[(entity, str(record_id))] = name
    return names


def describe_entity(event: AuditEvent, names: dict[tuple[str, str], str], lang: str) -> str:
    """"用户 刘主任": the record's kind in words, then its name (its number when unnamed)."""
    kind = t_or_code("audit.entity", event.entity, lang)
    who = names.get((event.entity, event.entity_id or "")) or event.entity_id or ""
    return f"{kind} {who}".strip()


def shown_value(value: Any, lang: str) -> str:
    """A recorded value as words: null → 空, true → 是, a list joined with 、."""
    if value is None or value == "" or value == [] or value == {}:
        return t("audit.value.empty", lang)
    if isinstance(value, bool):
        return t("audit.value.yes" if value else "audit.value.no", lang)
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(shown_value(v, lang) for v in value)
    if isinstance(value, dict):
        return ("；" if lang == "zh" else "; ").join(
            f"{field_label(str(k), lang)}{_colon(lang)}{shown_value(v, lang)}"
            for k, v in value.items())
    return str(value)


def field_label(key: str, lang: str) -> str:
    """A recorded field's label ("activities" → "活动数"); a field already in words stays."""
    return t_or_code("audit.field", key, lang)


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
                     lang: str) -> str:
    """"状态：空 → 进行中；备注：…" for a change; "名称：…" for a record made or a fact logged."""
    if not before and not after:
        return ""
    keys = sorted(set(before or {}) | set(after or {}))
    parts = []
    for k in keys:
        new = shown_value((after or {}).get(k), lang)
        if before is None:
            parts.append(f"{field_label(k, lang)}{_colon(lang)}{new}")
        else:
            old = shown_value(before.get(k), lang)
            parts.append(f"{field_label(k, lang)}{_colon(lang)}{old} → {new}")
    return ("；" if lang == "zh" else "; ").join(parts)


def _colon(lang: str) -> str:
    return "\uff1a" if lang == "zh" else ": "
