"""Who runs the command line, and what it read or wrote: attributable audit events for cli.py.

The CLI acts with full rights, so every command that touches people's data says who ran it
(`--operator NAME`, else the operating-system user) and what it did, with how many rows and
which filter. Where the service called already audits the action, the CLI adds nothing.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.validators import redact_long_digits
from db import schema
from db.engine import make_engine, transaction
from db.models import AuditEvent
from services.access import audit
from services.access.permissions import Actor

if TYPE_CHECKING:  # access is the bottom of services/: the import report is named, not used
    from services.imports import ImportReport

PREFIX = "cli:"
USERNAME_LENGTH = 50  # AuditEvent.username
SUMMARY_LENGTH = 300  # AuditEvent.summary
# Control, format (zero-width, direction) and line-separator characters never name a person.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def system_user() -> str:
    """The operating-system user running the command, or "unknown" when there is none."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError):  # no login name and no passwd entry (e.g. an anonymous uid)
        return "unknown"


def operator_name(given: str | None) -> str:
    """The operator as recorded: `--operator` if given (checked), else the system user."""
    if given is None:
        return system_user()[: USERNAME_LENGTH - len(PREFIX)]
    name = given.strip()
    if not name or _INVISIBLE.search(name):
        raise DomainError("--operator 应是操作人的姓名，不能为空，也不能含控制字符或不可见字符。")
    if len(name) > USERNAME_LENGTH - len(PREFIX):
        raise DomainError(f"--operator 最多{USERNAME_LENGTH - len(PREFIX)}个字符。")
    return name


def cli_actor(given: str | None) -> Actor:
    """The command line's Actor, named `cli:<operator>` in the audit log."""
    return Actor.system(PREFIX + operator_name(given))


@contextmanager
def watch(session: Session) -> Iterator[list[AuditEvent]]:
    """Collect the audit events a service adds to the session inside the block."""
    seen: list[AuditEvent] = []

    def added(_session: Session, instance: object) -> None:
        if isinstance(instance, AuditEvent):
            seen.append(instance)

    event.listen(session, "transient_to_pending", added)
    try:
        yield seen
    finally:
        event.remove(session, "transient_to_pending", added)


def audited(session: Session, seen: list[AuditEvent], action_prefix: str) -> bool:
    """Whether one of `seen` starting with `action_prefix` is still in the transaction.

    An event added inside a savepoint that was rolled back (a refused import) no longer is.
    """
    return any(e.action.startswith(action_prefix) and e in session for e in seen)


def record_command(session: Session, actor: Actor, action: str, entity: str, summary: str,
                   **details: Any) -> AuditEvent:
    """One audit event for a CLI command: what it did, how many rows, with which filter.

    What the person typed (`filters`, `argv`) keeps only the last 4 of a long run of digits, as
    a search by 身份证号 is recorded; the caller does the same in the summary it writes."""
    plain = {key: audit.redacted(value) if key in TYPED else value
             for key, value in details.items() if value not in (None, [], {})}
    return audit.record(session, actor, action, entity, None, summary=summary[:SUMMARY_LENGTH],
                        after={"via": "cli", **plain})


TYPED = frozenset({"filters", "argv"})


def record_refusal(url: str, actor: Actor, command: str, entity: str, exc: Exception,
                   argv: list[str]) -> None:
    """Record a refused command in its own transaction, where the database can hold it."""
    engine = make_engine(url)
    try:
        schema.check_ready(engine)
        with transaction(engine) as session:
            record_command(session, actor, f"{command}_refused", entity,
                           redact_long_digits(f"拒绝：{exc}"), argv=argv)
    except (schema.DatabaseProblem, OperationalError):
        pass  # no usable database to record in; the person has seen the refusal itself
    finally:
        engine.dispose()


def record_import(session: Session, actor: Actor, kind: str, path: Path,
                  report: ImportReport) -> None:
    """Record a dry run or a refused import, which the import service itself does not write."""
    outcome = "试导入" if report.ok else f"拒绝导入（{len(report.errors)}处问题）"
    record_command(session, actor, "import_dry_run" if report.ok else "import_refused", kind,
                   f"{path.name}：{outcome}，读取{report.rows_read}行", file=str(path),
                   rows=report.rows_read, errors=len(report.errors), dry_run=report.dry_run)
