"""Import helpers (帮扶人): new ones are registered, known ones updated with a diff.

A helper is known when an active helper in scope has the same name and the same 单位, or the
same name and the same phone. 单位 is kept as written; when it names one org unit the actor may
use, the helper belongs to that unit (and to that school when it is one), otherwise to the
actor's own unit. 性别, 出生日期, 学校 and 班级 are optional: peer students need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError, PermissionDenied, ValidationFailed
from core.i18n import Msg
from core.validators import digits_only
from core.vocab import Gender, HelperKind, OrgKind
from db.models import Helper, OrgUnit
from services.access.orgs import find_org_unit_of_kind
from services.access.permissions import Actor, Capability, helpers_visible, org_units_visible
from services.imports import FieldChange, ImportReport, RecordChange, header_errors
from services.imports.child_lookup import LOOKUP_CHUNK
from services.imports.reader import Table
from services.imports.rows import RowReader
from services.roster import helpers
from services.roster.helpers import HelperInput, helper_to_input

COLUMNS = ["姓名", "类型", "单位", "电话", "可结对人数", "性别", "出生日期", "学校", "班级"]
REQUIRED = ["姓名", "类型"]
# HelperInput field -> the column a change to it is shown under.
FIELD_COLUMNS = {"name": "姓名", "kind": "类型", "work_unit": "单位", "org_unit_id": "所属单位",
                 "phone": "电话", "capacity": "可结对人数", "gender": "性别",
                 "birth_date": "出生日期", "school_id": "学校", "class_name": "班级"}
# helper_problems keys that are not column names.
PROBLEM_COLUMNS = {"所属单位": "单位", "登录账号": "姓名"}


@dataclass
class HelperRow:
    cells: RowReader
    values: dict[str, Any]  # the HelperInput fields the file fills
    unit_name: str | None
    school_name: str | None

    @property
    def keys(self) -> list[tuple]:
        return identity_keys(self.values["name"], self.values.get("work_unit"),
                             self.values.get("phone"))


def identity_keys(name: str, work_unit: str | None, phone: str | None) -> list[tuple]:
    """Same name and phone, or same name and 单位 (a blank 单位 only when there is no phone)."""
    keys: list[tuple] = [("phone", name, phone)] if phone else []
    if work_unit or not phone:
        keys.append(("unit", name, work_unit))
    return keys


def import_helpers(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.MANAGE_PAIRINGS)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    today = local_today()
    rows = _read_rows(table, report)
    units = _Units.load(session, actor, {n for r in rows for n in (r.unit_name, r.school_name)})
    known = _Known.load(session, actor, {r.values["name"] for r in rows})
    claimed: dict[int, int] = {}
    for done, row in enumerate(rows, start=1):
        existing = _match(row, known, claimed)
        wanted = _wanted(row, existing, units, actor, table.header)
        if wanted is not None:
            _save(session, actor, row, existing, wanted, report, today)
        report.errors += row.cells.errors
        if done % 200 == 0:
            report.advance(done)
    report.advance(report.rows_read)


def _read_rows(table: Table, report: ImportReport) -> list[HelperRow]:
    """Every row parsed; bad cells and the same person twice become row errors."""
    seen: dict[tuple, int] = {}
    rows = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        row = HelperRow(cells, _parse(cells, table.header), cells.text("单位", max_len=100),
                        cells.text("学校", max_len=100))
        if cells.errors:
            report.errors += cells.errors
            continue
        if repeat := next((seen[k] for k in row.keys if k in seen), None):
            cells.fail("姓名", Msg("errors.import.same_helper", row=repeat))
            report.errors += cells.errors
            continue
        seen.update(dict.fromkeys(row.keys, number))
        rows.append(row)
    return rows


def _parse(cells: RowReader, header: list[str]) -> dict[str, Any]:
    """The row's values by HelperInput field; columns the file lacks are left out."""
    values: dict[str, Any] = {"name": cells.text("姓名", required=True, max_len=50),
                              "kind": cells.vocab("类型", HelperKind, required=True)}
    readers: dict[str, Callable[[str], object]] = {
        "work_unit": lambda c: cells.text(c, max_len=100),
        "phone": lambda c: _phone(cells.text(c, max_len=20)),
        "capacity": cells.integer,  # bounded by helper_problems (应在0到30之间)
        "gender": lambda c: cells.vocab(c, Gender),
        "birth_date": cells.day,
        "class_name": lambda c: cells.text(c, max_len=20),
    }
    for name, read in readers.items():
        if FIELD_COLUMNS[name] in header:
            values[name] = read(FIELD_COLUMNS[name])
    if values.get("capacity", 0) is None:  # blank: the default for a new helper, else kept
        del values["capacity"]
    return values


def _phone(value: str | None) -> str | None:
    return digits_only(value) or None if value else None


@dataclass
class _Units:
    """The active org units in scope that the file's 单位 and 学校 cells name."""

    by_name: dict[str, list[OrgUnit]]
    # Where a helper whose 单位 is an association or a company belongs: the importer's own
    # scope, or the county when the database holds exactly one.
    fallback: int | None = None

    @classmethod
    def load(cls, session: Session, actor: Actor, names: set[str | None]) -> _Units:
        ordered = sorted(n for n in names if n)
        by_name: dict[str, list[OrgUnit]] = {}
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            for unit in session.scalars(select(OrgUnit).where(
                    OrgUnit.name.in_(ordered[start:start + LOOKUP_CHUNK]),
                    OrgUnit.archived_at.is_(None), org_units_visible(actor))):
                by_name.setdefault(unit.name, []).append(unit)
        counties = find_org_unit_of_kind(session, OrgKind.county)
        sole_county = counties[0].id if len(counties) == 1 else None
        return cls(by_name, actor.org_unit_id or sole_county)

    def named(self, name: str, kinds: set[OrgKind] | None = None) -> list[OrgUnit]:
        return [u for u in self.by_name.get(name, []) if kinds is None or u.kind in kinds]


@dataclass
class _Known:
    """Active helpers in scope by identity key, loaded in a few queries per file."""

    by_key: dict[tuple, list[Helper]]

    @classmethod
    def load(cls, session: Session, actor: Actor, names: set[str]) -> _Known:
        ordered = sorted(names)
        by_key: dict[tuple, list[Helper]] = {}
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            for helper in session.scalars(select(Helper).where(
                    Helper.name.in_(ordered[start:start + LOOKUP_CHUNK]),
                    Helper.archived_at.is_(None), helpers_visible(actor)).order_by(Helper.id)):
                for key in identity_keys(helper.name, helper.work_unit, helper.phone):
                    by_key.setdefault(key, []).append(helper)
        return cls(by_key)


def _match(row: HelperRow, known: _Known, claimed: dict[int, int]) -> Helper | None:
    """The existing helper the row updates, or None for a new one (or an unclear match)."""
    found = {h.id: h for k in row.keys for h in known.by_key.get(k, [])}
    if len(found) > 1:
        row.cells.fail("姓名", Msg("errors.import.helpers_alike", count=len(found)))
        return None
    if not found:
        return None
    helper = next(iter(found.values()))
    if helper.id in claimed:
        row.cells.fail("姓名", Msg("errors.import.same_helper", row=claimed[helper.id]))
        return None
    claimed[helper.id] = row.cells.number
    return helper


def _wanted(row: HelperRow, existing: Helper | None, units: _Units, actor: Actor,
            header: list[str]) -> HelperInput | None:
    """The helper as the row describes it, with its org unit and school resolved."""
    if row.cells.errors:
        return None
    base = (helper_to_input(existing) if existing is not None
            else HelperInput(name="", kind=row.values["kind"], org_unit_id=None))
    org_unit_id, school_id = base.org_unit_id, base.school_id
    matched = units.named(row.unit_name) if row.unit_name else []
    if len(matched) == 1:
        org_unit_id = matched[0].id
        if matched[0].kind is OrgKind.school:
            school_id = matched[0].id
    elif existing is None:
        org_unit_id = units.fallback
        if org_unit_id is None:
            row.cells.fail("单位", _unit_problem(row.unit_name, len(matched)))
    if "学校" in header:
        school_id = _school_id(row, units)
    if row.cells.errors:
        return None
    return replace(base, **row.values, org_unit_id=org_unit_id, school_id=school_id)


def _unit_problem(name: str | None, found: int) -> Msg:
    if not name:
        return Msg("errors.import.helper_unit_missing")
    if found > 1:
        return Msg("errors.import.helper_units_alike", count=found, name=name)
    return Msg("errors.import.helper_unit_unknown", name=name)


def _school_id(row: HelperRow, units: _Units) -> int | None:
    if not row.school_name:
        return None
    schools = units.named(row.school_name, {OrgKind.school})
    if len(schools) == 1:
        return schools[0].id
    row.cells.fail("学校", Msg("errors.import.schools_alike", count=len(schools),
                               name=row.school_name) if schools
                   else Msg("errors.import.school_unknown", name=row.school_name))
    return None


def _save(session: Session, actor: Actor, row: HelperRow, existing: Helper | None,
          wanted: HelperInput, report: ImportReport, today: date) -> None:
    """Register or update through the helper services, so their checks and audit apply."""
    try:
        if existing is None:
            helpers.create_helper(session, actor=actor, data=wanted, today=today)
            report.created += 1
            return
        changes = _differences(session, helper_to_input(existing), wanted.normalised())
        if not changes:
            report.unchanged += 1
            return
        helpers.update_helper(session, actor=actor, helper_id=existing.id,
                              expected_version=existing.version, data=wanted, today=today)
        report.changes.append(RecordChange(row.cells.number, existing.name, tuple(changes)))
        report.updated += 1
    except ValidationFailed as exc:
        for column, why in exc.problems.items():
            row.cells.fail(PROBLEM_COLUMNS.get(column, column), why)
    except PermissionDenied as exc:
        row.cells.fail("单位", exc.message)
    except DomainError as exc:
        row.cells.fail("姓名", exc.message)


def _differences(session: Session, before: HelperInput, after: HelperInput) -> list[FieldChange]:
    return [FieldChange(column, _show(session, name, getattr(before, name)),
                        _show(session, name, getattr(after, name)))
            for name, column in FIELD_COLUMNS.items()
            if getattr(before, name) != getattr(after, name)]


def _show(session: Session, name: str, value: object) -> str:
    if value is None:
        return ""
    if name in {"org_unit_id", "school_id"}:
        unit = session.get(OrgUnit, value)
        return unit.name if unit else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return getattr(value, "zh", str(value))
