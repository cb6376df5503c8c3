"""Import org units: 名称, 类型, 上级, 是否山区, 在籍学生数 (rows may come in any order)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import OrgUnit
from services import audit, orgs
from services.errors import ValidationFailed
from services.imports import ImportReport, header_errors
from services.imports.reader import Table
from services.imports.rows import RowError, RowReader
from services.permissions import Actor, Capability
from services.vocab import OrgKind

COLUMNS = ["名称", "类型", "上级", "是否山区", "在籍学生数"]
REQUIRED = ["名称", "类型"]


def import_orgs(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.MANAGE_ORGS)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    pending = []
    for number, values in table.rows:
        row = RowReader(number, values)
        parsed = (row.text("名称", required=True, max_len=100), row.vocab("类型", OrgKind,
                  required=True), row.text("上级"), row.yes_no("是否山区"),
                  row.integer("在籍学生数"))
        report.errors += row.errors
        if not row.errors:
            pending.append((number, *parsed))
    # A parent may be defined further down the file: keep passing until nothing resolves.
    while pending:
        waiting = []
        for item in pending:
            if not _apply(session, actor, report, *item, defer=True):
                waiting.append(item)
        if len(waiting) == len(pending):
            for item in waiting:
                _apply(session, actor, report, *item, defer=False)
            return
        pending = waiting


def _apply(session: Session, actor: Actor, report: ImportReport, number: int, name: str,
           kind: OrgKind, parent_name: str | None, mountain: bool | None,
           enrolled: int | None, *, defer: bool) -> bool:
    """Create or update one unit; return False when its parent does not exist yet."""
    parent_id = None
    if parent_name:
        parents = orgs.find_org_unit(session, parent_name)
        if len(parents) > 1:
            why = f"有多个名为“{parent_name}”的单位,无法确定"
            report.errors.append(RowError(number, "上级", why))
            return True
        if not parents:
            if not defer:
                report.errors.append(RowError(number, "上级", f"上级单位“{parent_name}”不存在"))
            return False
        parent_id = parents[0].id
    existing = [u for u in orgs.find_org_unit(session, name, kinds={kind})
                if u.parent_id == parent_id]
    try:
        if existing:
            _update(session, actor, report, existing[0], mountain, enrolled)
        else:
            orgs.create_org_unit(session, actor=actor, name=name, kind=kind, parent_id=parent_id,
                                 is_mountain_area=bool(mountain), enrolled_students=enrolled)
            report.created += 1
    except ValidationFailed as exc:
        report.errors += [RowError(number, col, why) for col, why in exc.problems.items()]
    return True


def _update(session: Session, actor: Actor, report: ImportReport, unit: OrgUnit,
            mountain: bool | None, enrolled: int | None) -> None:
    new_mountain = unit.is_mountain_area if mountain is None else mountain
    new_enrolled = unit.enrolled_students if enrolled is None else enrolled
    if (new_mountain, new_enrolled) == (unit.is_mountain_area, unit.enrolled_students):
        report.unchanged += 1
        return
    before = audit.snapshot(unit)
    unit.is_mountain_area, unit.enrolled_students = new_mountain, new_enrolled
    session.flush()
    audit.record(session, actor, "update", "org_unit", unit.id, before=before,
                 after=audit.snapshot(unit), summary=f"导入更新 {unit.name}")
    report.updated += 1
