"""Archiving and restoring the roster's records (a child, a helper): the steps they share.

Either record is looked up inside the actor's scope and refused when someone saved a newer
version since it was opened (`ConcurrentEdit`), or when it is already in the state asked for;
then it is stamped (or cleared) inside one audit event, before → after. What differs stays
with the caller: a child's reason is a vocabulary code and leaves a note on the record, and
archiving a child ends its pairings; a helper's open pairings are handed back to be
reassigned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from core.errors import DomainError
from core.i18n import Msg
from db.base import utcnow
from db.models import Child, Helper
from services.access import audit
from services.access.permissions import Actor, Capability

Record = TypeVar("Record", Child, Helper)


def open_to_change(actor: Actor, capability: Capability, fetch: Callable[[], Record], *,
                   expected_version: int, what: Msg) -> Record:
    """The record, if the actor may change it and it is still the version they opened."""
    actor.require(capability)
    record = fetch()
    audit.require_version(record, expected_version, what)
    return record


def refuse_archived(record: Child | Helper, message_key: str) -> None:
    """Archiving twice is refused, naming the record."""
    if record.archived_at is not None:
        raise DomainError.of(message_key, name=record.name)


def refuse_active(record: Child | Helper, message_key: str) -> None:
    """Restoring a record that is not archived is refused, naming it."""
    if record.archived_at is None:
        raise DomainError.of(message_key, name=record.name)


@contextmanager
def archived(session: Session, actor: Actor, record: Child | Helper, entity: str, *,
             reason: str, summary: str,
             guard: AbstractContextManager[None] | None = None) -> Iterator[datetime]:
    """Stamp the record archived now with `reason`, in one audit event with whatever else the
    block changes; yields the time stamped. `guard` wraps the write (a child's savepoint)."""
    with guard or nullcontext(), audit.tracked(session, actor, record, entity, action="archive",
                                               summary=summary):
        now = utcnow()
        record.archived_at, record.archive_reason = now, reason
        yield now


def archive(session: Session, actor: Actor, record: Child | Helper, entity: str, *,
            reason: str, summary: str) -> datetime:
    """`archived`, changing nothing else."""
    with archived(session, actor, record, entity, reason=reason, summary=summary) as now:
        return now


def restore(session: Session, actor: Actor, record: Child | Helper, entity: str, *,
            summary: str, guard: AbstractContextManager[None] | None = None) -> None:
    """Clear the archive stamp and its reason, in one audit event."""
    with guard or nullcontext(), audit.tracked(session, actor, record, entity, action="restore",
                                               summary=summary):
        record.archived_at, record.archive_reason = None, None
