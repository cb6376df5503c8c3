"""待办 as files: unmet care rules per pairing, and children nobody contacted this month."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.i18n import Msg
from services.access import audit
from services.access.permissions import Actor, Capability
from services.care.todo import QuietChild, TodoItem, no_contact_this_month, todo_items
from services.exports.tables import (
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)

Row = dict[str, object]
TODO_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", Sensitivity.NAME),
    ExportColumn("place", "学校/村"),
    ExportColumn("helper_name", "帮扶人", Sensitivity.NAME),
    ExportColumn("rule", "要求"),
    ExportColumn("situation", "情况"),
    ExportColumn("deadline", "截止"),
    ExportColumn("status", "状态"),
)
QUIET_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("name", "儿童姓名", Sensitivity.NAME),
    ExportColumn("school", "学校"),
    ExportColumn("village", "村(社区)"),
    ExportColumn("helpers", "帮扶人", Sensitivity.NAME),
    ExportColumn("last_contact", "最近帮扶日期"),
)
TITLES = {"todo": "待办清单", "no_contact": "本月未联系儿童名单"}


def todo_rows(items: Iterable[TodoItem]) -> Iterator[Row]:
    """The same words as the 待办 on screen: an overdue row names the period it was due in and
    its passed deadline, never this period's count and deadline beside 已逾期."""
    for item in items:
        yield {"child_name": item.child_name, "place": item.place,
               "helper_name": item.helper_name, "rule": item.rule_name,
               "situation": item.situation, "deadline": item.deadline_text,
               "status": item.status.zh}


def quiet_rows(children: Iterable[QuietChild]) -> Iterator[Row]:
    for child in children:
        yield {"name": child.name, "school": child.school, "village": child.village,
               "helpers": child.helpers, "last_contact": child.last_contact or "从未联系"}


def _check(actor: Actor, include_sensitive: bool) -> None:
    """Before any row is read: the actor may export, and names only if asked and allowed."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))


def _export(session: Session, actor: Actor, kind: str, fmt: str, rows: Iterable[Row],
            columns: tuple[ExportColumn, ...], include_sensitive: bool,
            *, options: ExportOptions | None) -> bytes:
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=TITLES[kind], options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", kind, None,
                     summary=f"导出含敏感信息的{TITLES[kind]}({fmt})")
    return data


def export_todo(session: Session, *, actor: Actor, fmt: str, today: date,
                include_sensitive: bool = False,
                options: ExportOptions | None = None) -> bytes:
    """待办清单: every unmet, unpaused rule of every active pairing in scope, overdue first."""
    _check(actor, include_sensitive)
    rows = todo_rows(todo_items(session, actor, today=today))
    return _export(session, actor, "todo", fmt, rows, TODO_COLUMNS, include_sensitive,
                   options=options)


def export_no_contact(session: Session, *, actor: Actor, fmt: str, today: date,
                      include_sensitive: bool = False,
                      options: ExportOptions | None = None) -> bytes:
    """本月未联系儿童名单: paired children in scope nobody has contacted this month."""
    _check(actor, include_sensitive)
    rows = quiet_rows(no_contact_this_month(session, actor, today=today))
    return _export(session, actor, "no_contact", fmt, rows, QUIET_COLUMNS, include_sensitive,
                   options=options)


TODO_EXPORTS: dict[str, ListExport] = {
    "todo": ListExport(TITLES["todo"], TODO_COLUMNS, export_todo),
    "no_contact": ListExport(TITLES["no_contact"], QUIET_COLUMNS, export_no_contact),
}
