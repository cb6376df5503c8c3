"""需求清单 as a file: every need in scope, overdue first, names masked unless asked.

Masked, the child's, the finder's and the owner's names are masked, a provider's name if it
is a person's, and in the description, what was asked, the resolution and the reason for
closing, the names of the need's people (the child, relatives, helpers, finder, owner,
provider) are masked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.i18n import Msg
from db.models import Child, Need
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.exports.name_masking import (
    ProviderPeople,
    people_by_child,
    people_by_provider,
    provider_people,
)
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)
from services.resources.needs import NeedRow, list_needs

Row = dict[str, object]
TITLE = "需求清单"
S = Sensitivity
NEED_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", S.NAME), ExportColumn("place", "乡镇村"),
    ExportColumn("kind", "需求类型"), ExportColumn("priority", "优先级"),
    ExportColumn("status", "状态"), ExportColumn("description", "需求描述", S.TEXT),
    ExportColumn("found_on", "发现日期"), ExportColumn("found_by", "发现人", S.NAME),
    ExportColumn("age_days", "已过天数"), ExportColumn("due_on", "期限"),
    ExportColumn("overdue", "逾期"), ExportColumn("owner", "负责人", S.NAME),
    ExportColumn("provider", "资源方", S.TEXT),  # masked when it is a person's (PEOPLE)
    ExportColumn("asked", "对接内容", S.TEXT),
    ExportColumn("linked_on", "对接日期"), ExportColumn("resolution", "解决方式", S.TEXT),
    ExportColumn("resolved_on", "解决日期"), ExportColumn("closed_reason", "关闭原因", S.TEXT),
    ExportColumn("closed_on", "关闭日期"),
)


def _overdue_text(need: NeedRow) -> str:
    """"是（2天）" past its deadline, "否" before it, "未设期限" without one: a need with no
    deadline is not "否" (not late) however long it has waited; 已过天数 says how long."""
    if need.due_on is None:
        return "未设期限"
    return f"是\uff08{need.days_late}天\uff09" if need.days_late is not None else "否"


def _row(need: NeedRow, family: Mapping[int, Sequence[str]], persons: ProviderPeople) -> Row:
    return {"child_name": need.child_name, "place": need.place, "kind": need.kind.zh,
            "priority": need.priority.zh, "status": need.status.zh,
            "description": need.description, "found_on": need.found_on,
            "found_by": need.found_by, "age_days": need.age_days, "due_on": need.due_on,
            "overdue": _overdue_text(need), "owner": need.owner, "provider": need.provider_name,
            "asked": need.asked, "linked_on": need.linked_on, "resolution": need.resolution,
            "resolved_on": need.resolved_on, "closed_reason": need.closed_reason,
            "closed_on": need.closed_on,
            PEOPLE: [*family.get(need.child_id, ()), need.found_by, need.owner,
                     *provider_people(persons, [need.provider_name])]}


def need_rows(session: Session, actor: Actor, *, today: date) -> Iterator[Row]:
    """The coordinator's list as rows: overdue first, then by priority, oldest first; each
    row carries the names of its people (PEOPLE)."""
    needs = list_needs(session, actor, today=today)
    family = people_by_child(session, select(Need.child_id).join(
        Child, Child.id == Need.child_id).where(Need.archived_at.is_(None),
                                                children_listed(actor)))
    persons = people_by_provider(session)
    for need in needs:
        yield _row(need, family, persons)


def export_needs(session: Session, *, actor: Actor, fmt: str, today: date,
                 include_sensitive: bool = False,
                 options: ExportOptions | None = None) -> bytes:
    """需求清单 as CSV or XLSX; a sensitive export (names in full) is audited."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    data = export_bytes(fmt, need_rows(session, actor, today=today), NEED_COLUMNS,
                        include_sensitive=include_sensitive, sheet_name=TITLE, options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", "needs", None,
                     summary=f"导出含敏感信息的{TITLE}({fmt})")
    return data


NEED_EXPORTS: dict[str, ListExport] = {"needs": ListExport(TITLE, NEED_COLUMNS, export_needs)}
