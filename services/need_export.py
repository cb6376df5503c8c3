"""需求清单 as a file: every need in scope, overdue first, child names masked unless asked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.orm import Session

from services import audit
from services.errors import PermissionDenied
from services.exports import ExportColumn, ListExport, Sensitivity, export_bytes
from services.needs import NeedRow, list_needs
from services.permissions import Actor, Capability

Row = dict[str, object]
TITLE = "需求清单"
NEED_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", Sensitivity.NAME), ExportColumn("place", "乡镇村"),
    ExportColumn("kind", "需求类型"), ExportColumn("priority", "优先级"),
    ExportColumn("status", "状态"), ExportColumn("description", "需求描述"),
    ExportColumn("found_on", "发现日期"), ExportColumn("found_by", "发现人"),
    ExportColumn("age_days", "已过天数"), ExportColumn("due_on", "期限"),
    ExportColumn("overdue", "逾期"), ExportColumn("owner", "负责人"),
    ExportColumn("provider", "资源方"), ExportColumn("asked", "对接内容"),
    ExportColumn("linked_on", "对接日期"), ExportColumn("resolution", "解决方式"),
    ExportColumn("resolved_on", "解决日期"), ExportColumn("closed_reason", "关闭原因"),
    ExportColumn("closed_on", "关闭日期"),
)


def _row(need: NeedRow) -> Row:
    return {"child_name": need.child_name, "place": need.place, "kind": need.kind.zh,
            "priority": need.priority.zh, "status": need.status.zh,
            "description": need.description, "found_on": need.found_on,
            "found_by": need.found_by, "age_days": need.age_days, "due_on": need.due_on,
            "overdue": need.overdue, "owner": need.owner, "provider": need.provider_name,
            "asked": need.asked, "linked_on": need.linked_on, "resolution": need.resolution,
            "resolved_on": need.resolved_on, "closed_reason": need.closed_reason,
            "closed_on": need.closed_on}


def need_rows(session: Session, actor: Actor, *, today: date) -> Iterator[Row]:
    """The coordinator's list as rows: overdue first, then by priority, oldest first."""
    return (_row(need) for need in list_needs(session, actor, today=today))


def export_needs(session: Session, *, actor: Actor, fmt: str, today: date,
                 include_sensitive: bool = False) -> bytes:
    """需求清单 as CSV or XLSX; a sensitive export (names in full) is audited."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied("只有负责人和管理员可以导出含敏感信息的名单。")
    data = export_bytes(fmt, need_rows(session, actor, today=today), NEED_COLUMNS,
                        include_sensitive=include_sensitive, sheet_name=TITLE)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", "needs", None,
                     summary=f"导出含敏感信息的{TITLE}({fmt})")
    return data


NEED_EXPORTS: dict[str, ListExport] = {"needs": ListExport(TITLE, NEED_COLUMNS, export_needs)}
