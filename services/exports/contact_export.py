"""帮扶记录 as a file: every contact with children in scope, names masked unless asked for.

Masked, the notes keep their words but not the names of the contact's people: the child,
the child's relatives, the child's helpers and the recorder.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.errors import DomainError, PermissionDenied
from core.i18n import Msg
from db.models import CareContact, Child, Helper, OrgUnit, User
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.exports.name_masking import people_by_child
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)

Row = dict[str, object]
TITLE = "帮扶记录"
BATCH = 5000
CONTACT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("contact_date", "日期"),
    ExportColumn("child_name", "儿童姓名", Sensitivity.NAME),
    ExportColumn("place", "学校/村"),
    ExportColumn("helper_name", "帮扶人", Sensitivity.NAME),
    ExportColumn("helper_kind", "帮扶人类型"),
    ExportColumn("kind", "方式"),
    ExportColumn("minutes", "时长(分钟)"),
    ExportColumn("notes", "记录", Sensitivity.TEXT),
    ExportColumn("follow_up", "需跟进"),
    ExportColumn("follow_up_on", "跟进日期"),
    ExportColumn("recorded_by", "记录人", Sensitivity.NAME),
)


def contact_rows(session: Session, actor: Actor, *, date_from: date | None = None,
                 date_to: date | None = None) -> Iterator[Row]:
    """Contacts (not withdrawn) with children in scope, newest first, read in batches; each
    row carries the names of its people (PEOPLE), for masking its notes."""
    wanted = [children_listed(actor), CareContact.archived_at.is_(None)]
    if date_from is not None:
        wanted.append(CareContact.contact_date >= date_from)
    if date_to is not None:
        wanted.append(CareContact.contact_date <= date_to)
    people = people_by_child(session, select(CareContact.child_id).join(
        Child, Child.id == CareContact.child_id).where(*wanted))
    village, school, recorder = aliased(OrgUnit), aliased(OrgUnit), aliased(User)
    stmt = (select(CareContact.contact_date, Child.id, Child.name, school.name, village.name,
                   Helper.name, Helper.kind, CareContact.kind, CareContact.minutes,
                   CareContact.notes, CareContact.follow_up, CareContact.follow_up_on,
                   recorder.display_name)
            .join(Child, Child.id == CareContact.child_id)
            .join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .outerjoin(Helper, Helper.id == CareContact.helper_id)
            .outerjoin(recorder, recorder.id == CareContact.recorded_by_id)
            .where(*wanted)
            .order_by(CareContact.contact_date.desc(), CareContact.id.desc())
            .execution_options(yield_per=BATCH))
    for (on, child_id, child_name, school_name, village_name, helper_name, helper_kind, kind,
         minutes, notes, follow_up, follow_up_on, recorded_by) in session.execute(stmt):
        yield {"contact_date": on, "child_name": child_name,
               "place": school_name or village_name, "helper_name": helper_name or "",
               "helper_kind": helper_kind.zh if helper_kind else "", "kind": kind.zh,
               "minutes": minutes, "notes": notes or "", "follow_up": follow_up,
               "follow_up_on": follow_up_on, "recorded_by": recorded_by or "",
               PEOPLE: [*people.get(child_id, ()), helper_name or "", recorded_by or ""]}


def export_contacts(session: Session, *, actor: Actor, fmt: str, today: date,
                    include_sensitive: bool = False, date_from: date | None = None,
                    date_to: date | None = None,
                    options: ExportOptions | None = None) -> bytes:
    """帮扶记录 in `fmt` for the period (all dates when open); sensitive exports are audited."""
    actor.require(Capability.EXPORT)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    if date_from is not None and date_to is not None and date_from > date_to:
        raise DomainError.of("errors.period.reversed")
    rows = contact_rows(session, actor, date_from=date_from, date_to=date_to)
    data = export_bytes(fmt, rows, CONTACT_COLUMNS, include_sensitive=include_sensitive,
                        sheet_name=TITLE, options=options)
    if include_sensitive:
        period = f"{date_from or '最早'}至{date_to or today}"
        audit.record(session, actor, "export_sensitive", "contacts", None,
                     summary=f"导出含敏感信息的{TITLE}({period},{fmt})")
    return data


CONTACT_EXPORTS: dict[str, ListExport] = {
    "contacts": ListExport(TITLE, CONTACT_COLUMNS, export_contacts),
}
