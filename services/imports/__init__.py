"""Imports: every row is checked first; a file with any bad row writes nothing.

One module per template (roster, helpers, pairings, contacts, activities, surveys, orgs) on
the shared reading (`reader`, `xlsx_guard`, `rows`, `child_lookup`). May import core, db,
services.access and the services whose records a template writes (roster, pairing, care,
resources, and privacy for the roster's consent columns), through their own checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.i18n import Msg
from core.vocab import Role
from db.models import AuditEvent
from services.access import audit
from services.access.permissions import Actor
from services.imports.reader import Table, read_table
from services.imports.rows import RowError


@dataclass(frozen=True)
class FieldChange:
    column: str
    before: str
    after: str


@dataclass(frozen=True)
class RecordChange:
    """What re-importing one row would change in an existing record (动态管理)."""

    row: int
    record: str
    changes: tuple[FieldChange, ...]


Progress = Callable[[int, int], None]
# A 100,000-row file can hold millions of problems; nobody reads past the first thousand, and
# keeping them all would cost the server its memory.
ERRORS_KEPT = 1000


class RowErrors(list[RowError]):
    """The first ERRORS_KEPT problems of a file, and how many there were in all."""

    def __init__(self, errors: Iterable[RowError] = ()) -> None:
        super().__init__()
        self.total = 0
        self.extend(errors)

    def append(self, error: RowError) -> None:
        self.total += 1
        if len(self) < ERRORS_KEPT:
            super().append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.append(error)

    # typeshed types list.__add__ with an overload for a list of any other type, which no
    # subclass's __iadd__ can match (list's own __iadd__ is not checked against it).
    def __iadd__(self, errors: Iterable[RowError]) -> RowErrors:  # type: ignore[override, misc]
        self.extend(errors)
        return self


@dataclass
class ImportReport:
    kind: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: RowErrors = field(default_factory=RowErrors)
    changes: list[RecordChange] = field(default_factory=list)
    dry_run: bool = False
    progress: Progress | None = field(default=None, repr=False, compare=False)

    def advance(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.rows_read)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        """Every problem found, also those past the ERRORS_KEPT listed."""
        return getattr(self.errors, "total", len(self.errors))

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        verb = "将" if self.dry_run else "已"
        head = (f"共读取{self.rows_read}行\uff1a{verb}新增{self.created}条\uff0c"
                f"{verb}更新{self.updated}条\uff0c")
        return head + f"无变化{self.unchanged}条。"


Importer = Callable[[Session, Actor, Table, ImportReport], None]


def header_errors(table: Table, allowed: list[str], required: list[str]) -> list[RowError]:
    """Unknown columns and missing required columns, reported against row 1."""
    errors = [RowError(1, col, Msg("errors.import.unknown_column", allowed="、".join(allowed)))
              for col in table.header if col and col not in allowed]
    errors += [RowError(1, col, Msg("errors.import.missing_column"))
               for col in required if col not in table.header]
    if len(set(table.header)) != len(table.header):
        errors.append(RowError(1, "表头", Msg("errors.import.duplicate_columns")))
    return errors


def _importers() -> dict[str, Importer]:
    from services.imports.activities import import_activities
    from services.imports.contacts import import_contacts
    from services.imports.helpers import import_helpers
    from services.imports.orgs import import_orgs
    from services.imports.pairings import import_pairings
    from services.imports.roster import import_roster

    return {"orgs": import_orgs, "roster": import_roster, "helpers": import_helpers,
            "pairings": import_pairings, "contacts": import_contacts,
            "activities": import_activities}


def import_history(session: Session, actor: Actor, kind: str, *,
                   limit: int = 20) -> list[AuditEvent]:
    """Who imported what and when, newest first; people other than admins see their own."""
    stmt = (select(AuditEvent).where(AuditEvent.action == "import", AuditEvent.entity == kind)
            .order_by(AuditEvent.id.desc()).limit(limit))
    if actor.role is not Role.admin:
        stmt = stmt.where(AuditEvent.user_id == actor.user_id)
    return list(session.scalars(stmt))


OVERFLOW = Msg("errors.import.overflow")
IMPORT_KINDS = ("orgs", "roster", "helpers", "pairings", "contacts", "activities")


# Someone saved one of the file's children while it was being imported (PostgreSQL).
IMPORT_RACE = Msg("errors.import.race")
DRY_RUN_ACTION, REFUSED_ACTION = "import_dry_run", "import_refused"


def run_import(session: Session, *, actor: Actor, kind: str, data: bytes, filename: str,
               dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Check and apply one file inside a savepoint; roll it back on a dry run or any bad row.

    A dry run and a refused file leave an audit event in the caller's transaction, written
    after the rollback: a file of guessed ID numbers is a probe someone should be able to see.
    """
    importers = _importers()
    if kind not in importers:
        known = "、".join(importers)
        raise DomainError.of("errors.import.unknown_kind", kind=kind, known=known)
    table = read_table(data, filename)
    report = ImportReport(kind=kind, rows_read=len(table.rows), dry_run=dry_run,
                          progress=progress)
    return apply_all_or_nothing(
        session, actor, table, report, lambda: importers[kind](session, actor, table, report),
        filename=filename, entity_id=None, summary=lambda: f"{filename}:{report.summary()}")


def apply_all_or_nothing(session: Session, actor: Actor, table: Table, report: ImportReport,
                         importer: Callable[[], None], *, filename: str, entity_id: object,
                         summary: Callable[[], str]) -> ImportReport:
    """Run `importer` in a savepoint: keep it only when no row is bad and it is no dry run.

    Every attempt is audited: a written file as "import" (`summary()` once the rows are
    counted), a dry run or a refused file as a probe (see _record_attempt).
    """
    savepoint = session.begin_nested()
    try:
        importer()
        report.errors += [RowError(number, "表头之外", OVERFLOW) for number in table.overflowing]
        if report.errors or report.dry_run:
            savepoint.rollback()
            _record_attempt(session, actor, filename, report, entity_id)
            return report
        audit.record(session, actor, "import", report.kind, entity_id, summary=summary())
        savepoint.commit()
    except IntegrityError as exc:
        savepoint.rollback()
        raise DomainError(IMPORT_RACE) from exc
    except Exception:
        savepoint.rollback()
        raise
    return report


def _record_attempt(session: Session, actor: Actor, filename: str, report: ImportReport,
                    entity_id: object = None) -> None:
    """Audit a dry run or a refused file: who, which file, how many rows, how many errors."""
    if report.dry_run:
        summary = f"{filename}：试导入（未写入），{report.summary()}"
        summary += f"发现{report.error_count}处问题。" if report.errors else ""
    else:
        summary = (f"{filename}：共读取{report.rows_read}行，发现{report.error_count}处问题，"
                   "未写入任何数据。")
    audit.record(session, actor, DRY_RUN_ACTION if report.dry_run else REFUSED_ACTION,
                 report.kind, entity_id, summary=summary)
