"""The data version: one number every process can read to know whether the figures changed.

Any transaction that writes a table the figures count adds one to `data_version` just before
it commits, in the same transaction, so the new number and the change become visible
together. A process keys its cached figures on (version, changed_at): a save served by one
Streamlit process reaches the dashboards of every other within one poll, and a dashboard
whose number has not moved recomputes nothing. (changed_at too: a database restored from a
backup may come back to a number already seen, never at the same instant.)

The hooks below are registered on every `Session` when this module is imported (by
`db.engine`). They see writes made through a session: flushed objects, and `insert`,
`update` and `delete` statements run with `session.execute`. A writer that bypasses the
session (the county and province seeds' bulk loads) calls `bump` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from db.base import utcnow
from db.models.figures import DataVersion

# Written while people read or sign in; no figure counts them, so they must not make every
# dashboard recompute (a child's page writes a view event each time it is opened).
NOT_COUNTED = frozenset({"alembic_version", "audit_events", "data_version", "emergency_grants",
                         "rollup_counts", "rollup_days", "rollup_months", "rollup_rule_clocks",
                         "rollup_rules", "saved_filters",
                         "users", "view_event_children", "view_events"})
# Called with the session just before the version moves: `services.stats.rollups` recomputes
# the rollups the transaction touched. A process that writes without one registered marks the
# rollups stale, and the figures are computed from the records until they are rebuilt.
_MAINTAINERS: list[Callable[[Session], None]] = []
_CHANGED = "shouwang_figures_changed"
ROW_ID = 1


class Stamp(NamedTuple):
    """Which state of the data a figure was computed from."""

    version: int
    changed_at: str


def add_maintainer(maintain: Callable[[Session], None]) -> None:
    if maintain not in _MAINTAINERS:
        _MAINTAINERS.append(maintain)


def rollups_stale(bind: Session | Connection) -> bool:
    return bool(bind.execute(select(DataVersion.rollups_stale)
                             .where(DataVersion.id == ROW_ID)).scalar())


def mark_rollups(bind: Session | Connection, *, stale: bool) -> None:
    bind.execute(update(DataVersion).where(DataVersion.id == ROW_ID)
                 .values(rollups_stale=stale).execution_options(synchronize_session=False))


def current(bind: Session | Connection) -> Stamp:
    """The data's stamp now; (0, "") for a database that has never counted a change."""
    row = bind.execute(select(DataVersion.version, DataVersion.changed_at)
                       .where(DataVersion.id == ROW_ID)).first()
    return Stamp(0, "") if row is None else Stamp(int(row[0]), row[1].isoformat())


def bump(bind: Session | Connection) -> None:
    """Count one change (the row is made on first use where no migration made it)."""
    now = utcnow()
    done = bind.execute(update(DataVersion).where(DataVersion.id == ROW_ID).values(
        version=DataVersion.version + 1, changed_at=now)
        .execution_options(synchronize_session=False))
    if not getattr(done, "rowcount", 0):
        bind.execute(insert(DataVersion).values(id=ROW_ID, version=1, changed_at=now))


def _counted(table_name: str | None) -> bool:
    return table_name is not None and table_name not in NOT_COUNTED


def _table_of(instance: object) -> str | None:
    table = getattr(type(instance), "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if session.info.get(_CHANGED):
        return
    if any(_counted(_table_of(obj))
           for obj in chain(session.new, session.deleted, session.dirty)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if _counted(getattr(table, "name", None)):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # what the commit would flush, so that its writes are noted first
    if not session.info.pop(_CHANGED, False):
        return
    for maintain in _MAINTAINERS:
        maintain(session)
    if not _MAINTAINERS:
        mark_rollups(session, stale=True)
    bump(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_when_done(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed nothing; a savepoint rolled back inside one that goes
    on to commit must not make it forget the changes made before the savepoint."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
