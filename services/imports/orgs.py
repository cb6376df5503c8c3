"""Import org units: 名称, 类型, 上级, 是否山区, 在籍学生数 (rows may come in any order)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.i18n import Msg
from core.validators import clean_org_name
from core.vocab import OrgKind
from db.models import OrgUnit
from services.access import audit, orgs
from services.access.permissions import Actor, Capability
from services.imports import ImportReport, header_errors
from services.imports.reader import Table
from services.imports.rows import RowError, RowReader

COLUMNS = ["名称", "类型", "上级", "是否山区", "在籍学生数"]
REQUIRED = ["名称", "类型"]


@dataclass(frozen=True)
class OrgRow:
    number: int
    name: str
    kind: OrgKind
    parent_name: str | None
    mountain: bool | None
    enrolled: int | None


def import_orgs(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.MANAGE_ORGS)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    rows = _parse(table, report)
    rows = _drop_repeats(rows, report)
    rows = [r for r in rows if _parent_is_known(session, r, rows, report)]
    if report.errors:
        return
    # A parent may come further down the file: apply in passes until every row has its parent.
    pending = rows
    while pending:
        waiting = [r for r in pending if not _apply(session, actor, report, r)]
        if len(waiting) == len(pending):
            report.errors += [RowError(r.number, "上级",
                                       Msg("errors.import.no_parent", name=r.parent_name))
                              for r in waiting]
            return
        pending = waiting


def _parse(table: Table, report: ImportReport) -> list[OrgRow]:
    rows = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        name = _org_name(cells, "名称", required=True)
        kind = cells.vocab("类型", OrgKind, required=True)
        parent_name, mountain = _org_name(cells, "上级"), cells.yes_no("是否山区")
        enrolled = cells.integer("在籍学生数", maximum=orgs.MAX_ENROLLED)
        report.errors += cells.errors
        if not cells.errors and name and kind:
            rows.append(OrgRow(number, name, kind, parent_name, mountain, enrolled))
    return rows


def _org_name(cells: RowReader, column: str, *, required: bool = False) -> str | None:
    """石门 镇 is 石门镇: spaces beside Chinese characters dropped, runs made one."""
    name = cells.text(column, required=required, max_len=100)
    return clean_org_name(name) if name else None


def _drop_repeats(rows: list[OrgRow], report: ImportReport) -> list[OrgRow]:
    """The same unit twice in one file is an error, not a silent merge."""
    first: dict[tuple[str, OrgKind, str | None], int] = {}
    kept = []
    for row in rows:
        key = (row.name, row.kind, row.parent_name)
        if key in first:
            report.errors.append(RowError(row.number, "名称",
                                          Msg("errors.import.same_row", row=first[key])))
        else:
            first[key] = row.number
            kept.append(row)
    return kept


def _parent_is_known(session: Session, row: OrgRow, rows: list[OrgRow],
                     report: ImportReport) -> bool:
    """Resolve 上级 against the database and the whole file, whatever the row order."""
    if not row.parent_name:
        return True
    existing = orgs.find_org_unit(session, row.parent_name)
    in_file = Counter((r.name, r.kind) for r in rows if r.name == row.parent_name)
    new_in_file = [key for key in in_file
                   if not any(u.kind is key[1] for u in existing)]
    candidates = len(existing) + len(new_in_file)
    if candidates > 1 or any(n > 1 for n in in_file.values()):
        why = f"有多个名为“{row.parent_name}”的单位，无法确定"
        report.errors.append(RowError(row.number, "上级", why))
        return False
    if candidates == 0:
        report.errors.append(RowError(row.number, "上级",
                                      Msg("errors.import.no_parent", name=row.parent_name)))
        return False
    return True


def _apply(session: Session, actor: Actor, report: ImportReport, row: OrgRow) -> bool:
    """Create or update one unit; return False while its parent is not written yet."""
    parent_id = None
    if row.parent_name:
        parents = orgs.find_org_unit(session, row.parent_name)
        if not parents:
            return False
        parent_id = parents[0].id
    existing = [u for u in orgs.find_org_unit(session, row.name, kinds={row.kind})
                if u.parent_id == parent_id]
    try:
        if existing:
            _update(session, actor, report, existing[0], row)
        else:
            orgs.create_org_unit(session, actor=actor, name=row.name, kind=row.kind,
                                 parent_id=parent_id, is_mountain_area=bool(row.mountain),
                                 enrolled_students=row.enrolled)
            report.created += 1
    except ValidationFailed as exc:
        report.errors += [RowError(row.number, col, why) for col, why in exc.problems.items()]
    return True


def _update(session: Session, actor: Actor, report: ImportReport, unit: OrgUnit,
            row: OrgRow) -> None:
    new_mountain = unit.is_mountain_area if row.mountain is None else row.mountain
    new_enrolled = unit.enrolled_students if row.enrolled is None else row.enrolled
    if (new_mountain, new_enrolled) == (unit.is_mountain_area, unit.enrolled_students):
        report.unchanged += 1
        return
    with audit.tracked(session, actor, unit, "org_unit", summary=f"导入更新 {unit.name}"):
        unit.is_mountain_area, unit.enrolled_students = new_mountain, new_enrolled
    report.updated += 1
