"""心愿清单 as a file: every active wish in scope, names masked unless asked.

Masked, the child's name is masked, the taker's if it is a person's (an individual provider
or a donor written in by hand), and in the wish the names of its people (the child,
relatives, helpers, the taker).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.i18n import Msg
from db.models import Child, Wish
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.exports.name_masking import people_by_child, people_by_provider, provider_people
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)
from services.resources.wish_queries import list_wishes

TITLE = "心愿清单"
WISH_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("child_name", "儿童姓名", Sensitivity.NAME), ExportColumn("place", "学校/村"),
    ExportColumn("content", "心愿", Sensitivity.TEXT), ExportColumn("category", "类别"),
    ExportColumn("estimated_cost_yuan", "预计金额(元)"), ExportColumn("status", "状态"),
    ExportColumn("collected_on", "征集日期"), ExportColumn("taker", "认领方", Sensitivity.TEXT),
    ExportColumn("taken_on", "认领日期"), ExportColumn("fulfilled_on", "实现日期"),
    ExportColumn("drive", "心愿活动"), ExportColumn("photo", "照片"),
)


def wish_rows(session: Session, actor: Actor, *, drive_id: int | None = None
              ) -> Iterator[dict[str, object]]:
    """The wishes as the panel lists them: waiting first, then newest collected; each row
    carries the names of its people (PEOPLE)."""
    wishes = list_wishes(session, actor, drive_id=drive_id)
    family = people_by_child(session, select(Wish.child_id).join(
        Child, Child.id == Wish.child_id).where(Wish.archived_at.is_(None),
                                                children_listed(actor)))
    persons = people_by_provider(session)
    for w in wishes:
        yield {"child_name": w.child_name, "place": w.place, "content": w.content,
               "category": w.category, "estimated_cost_yuan": w.estimated_cost_yuan,
               "status": w.status.zh, "collected_on": w.collected_on, "taker": w.taker,
               "taken_on": w.taken_on, "fulfilled_on": w.fulfilled_on, "drive": w.drive_name,
               "photo": "有" if w.photo_path else "",
               PEOPLE: [*family.get(w.child_id, ()), *provider_people(persons, [w.taker])]}


def export_wishes(session: Session, *, actor: Actor, fmt: str, today: date,
                  include_sensitive: bool = False, drive_id: int | None = None,
                  options: ExportOptions | None = None) -> bytes:
    """心愿清单: one drive's wishes or all of them; a sensitive export goes in the audit log."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    rows = list(wish_rows(session, actor, drive_id=drive_id))
    data = export_bytes(fmt, rows, WISH_COLUMNS, include_sensitive=include_sensitive,
                        sheet_name=TITLE, options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", "wishes", drive_id,
                     summary=f"导出含敏感信息的{TITLE}({len(rows)}条,{fmt},{today:%Y-%m-%d})")
    return data


WISH_EXPORTS: dict[str, ListExport] = {"wishes": ListExport(TITLE, WISH_COLUMNS, export_wishes)}
