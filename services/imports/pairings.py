"""Import pairings (结对): every row checked by the rules the pairing page applies.

Rows are checked in file order against the helpers' load so far, earlier rows included, so a
helper filled up by the file itself is caught. A pairing that is already open counts as
unchanged: importing the same file twice pairs nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError
from core.i18n import Msg
from core.validators import digits_only
from core.vocab import PairingEndReason
from db.models import Child, Helper, Pairing
from services.access import audit
from services.access.permissions import Actor, Capability, helpers_visible
from services.imports import ImportReport, header_errors
from services.imports.child_lookup import LOOKUP_CHUNK, ChildKey, ChildLookup, ChildNotFound
from services.imports.reader import Table
from services.imports.rows import RowError, RowReader
from services.pairing import pairings as pairing

# 帮扶人单位 and 帮扶人电话 are optional: they tell two helpers of the same name apart.
COLUMNS = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "开始日期",
           "帮扶人单位", "帮扶人电话"]
REQUIRED = ["儿童姓名", "帮扶人姓名"]
CHILD_COLUMNS = {"name": "儿童姓名", "birth_date": "儿童出生日期", "id_number": "儿童身份证号"}
FLUSH_EVERY = 500


@dataclass(frozen=True)
class PairingRow:
    number: int
    child: ChildKey
    helper_name: str
    helper_unit: str | None
    helper_phone: str | None
    started_on: date


@dataclass(frozen=True)
class NewPairing:
    row: PairingRow
    child: Child
    helper: Helper


def import_pairings(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.MANAGE_PAIRINGS)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    today = local_today()
    rows = _parse(table, report, today)
    children = ChildLookup.load(session, actor, [r.child for r in rows])
    helpers = HelperLookup.load(session, actor, {r.helper_name for r in rows},
                                lock=not report.dry_run)
    accepted = _check(session, rows, children, helpers, report, today)
    if not report.errors:
        _create(session, actor, accepted, today)
    report.advance(report.rows_read)


def _parse(table: Table, report: ImportReport, today: date) -> list[PairingRow]:
    rows = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        child = ChildKey(cells.text("儿童姓名", required=True, max_len=50) or "",
                         cells.day("儿童出生日期"), cells.text("儿童身份证号", max_len=18))
        helper_name = cells.text("帮扶人姓名", required=True, max_len=50)
        unit, phone = cells.text("帮扶人单位", max_len=100), cells.text("帮扶人电话", max_len=20)
        started_on = cells.day("开始日期") or today
        report.errors += cells.errors
        if not cells.errors and child.name and helper_name:
            rows.append(PairingRow(number, child, helper_name, unit,
                                   digits_only(phone) if phone else None, started_on))
    return rows


class HelperNotFound(DomainError):
    """A row's helper is unknown or ambiguous."""


class HelperLookup:
    """The helpers a file may mean, by name, within the actor's scope."""

    def __init__(self, helpers: list[Helper]) -> None:
        self.by_name: dict[str, list[Helper]] = {}
        for helper in sorted(helpers, key=lambda h: h.id):
            self.by_name.setdefault(helper.name, []).append(helper)

    @classmethod
    def load(cls, session: Session, actor: Actor, names: set[str], *,
             lock: bool) -> HelperLookup:
        """Lock the rows on PostgreSQL when writing, so no one else takes the last places."""
        ordered, found = sorted(names), list[Helper]()
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            stmt = select(Helper).where(Helper.name.in_(ordered[start:start + LOOKUP_CHUNK]),
                                        helpers_visible(actor))
            found += session.scalars(stmt.with_for_update(of=Helper) if lock else stmt)
        return cls(found)

    @property
    def ids(self) -> list[int]:
        return [h.id for found in self.by_name.values() for h in found]

    def find(self, row: PairingRow) -> Helper:
        """The one active helper the row names (an inactive one when that is all there is)."""
        candidates = [h for h in self.by_name.get(row.helper_name, [])
                      if row.helper_unit in (None, h.work_unit)
                      and row.helper_phone in (None, h.phone)]
        if not candidates:
            raise HelperNotFound(Msg("errors.lookup.no_helper", name=row.helper_name))
        active = [h for h in candidates if h.archived_at is None]
        if len(active) > 1:
            units = "、".join(h.work_unit or "未填单位" for h in active)
            raise HelperNotFound(Msg("errors.lookup.helper_namesakes", count=len(active),
                                     name=row.helper_name, units=units))
        return active[0] if active else candidates[0]


def _check(session: Session, rows: list[PairingRow], children: ChildLookup,
           helpers: HelperLookup, report: ImportReport, today: date) -> list[NewPairing]:
    """Each row against the rules, with the load that the rows before it have added."""
    load = pairing.open_load(session, helpers.ids)
    already = _open_pairs(session, helpers.ids)
    first: dict[tuple[int, int], int] = {}
    accepted: list[NewPairing] = []
    for done, row in enumerate(rows, start=1):
        if done % 200 == 0:
            report.advance(done)
        found = _find(row, children, helpers, report)
        if found is None:
            continue
        child, helper = found
        pair = (child.id, helper.id)
        if pair in first:
            report.errors.append(RowError(row.number, "帮扶人姓名",
                                          Msg("errors.import.same_pairing",
                                                              row=first[pair])))
            continue
        first[pair] = row.number
        if pair in already:
            report.unchanged += 1
            continue
        current = load.get(helper.id, 0)
        if why := pairing.pairing_refusal(session, child, helper, current, row.started_on,
                                          today):
            column = _refused_column(child, helper, row.started_on, today)
            report.errors.append(RowError(row.number, column, why))
            continue
        load[helper.id] = current + 1
        accepted.append(NewPairing(row, child, helper))
        report.created += 1
    return accepted


def _find(row: PairingRow, children: ChildLookup, helpers: HelperLookup,
          report: ImportReport) -> tuple[Child, Helper] | None:
    errors = []
    child = helper = None
    try:
        child = children.find(row.child)
    except ChildNotFound as exc:
        errors.append(RowError(row.number, CHILD_COLUMNS[exc.field], exc.message))
    try:
        helper = helpers.find(row)
    except HelperNotFound as exc:
        errors.append(RowError(row.number, "帮扶人姓名", exc.message))
    report.errors += errors
    return (child, helper) if child is not None and helper is not None else None


def _refused_column(child: Child, helper: Helper, started_on: date, today: date) -> str:
    """The column a refusal is about, in the order pairing_refusal checks its rules."""
    if child.archived_at is not None:
        return "儿童姓名"
    if helper.archived_at is None and not child.birth_date <= started_on <= today:
        return "开始日期"
    return "帮扶人姓名"


def _open_pairs(session: Session, helper_ids: list[int]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(helper_ids), LOOKUP_CHUNK):
        rows = session.execute(select(Pairing.child_id, Pairing.helper_id).where(
            Pairing.helper_id.in_(helper_ids[start:start + LOOKUP_CHUNK]),
            Pairing.ended_on.is_(None)))
        pairs.update((child_id, helper_id) for child_id, helper_id in rows)
    return pairs


def _create(session: Session, actor: Actor, accepted: list[NewPairing], today: date) -> None:
    """Write the pairings; a child still tied to a deactivated helper has that pairing ended."""
    stale = _stale_pairings(session, sorted({n.child.id for n in accepted}))
    waiting: list[tuple[Pairing, NewPairing]] = []
    for new in accepted:
        for old in stale.pop(new.child.id, []):
            pairing.end_pairing(session, actor=actor, pairing_id=old.id,
                                expected_version=old.version,
                                ended_on=max(new.row.started_on, old.started_on),
                                reason=PairingEndReason.helper_left,
                                note="帮扶人已停用，已重新结对", today=today)
        made = Pairing(child_id=new.child.id, helper_id=new.helper.id,
                       started_on=new.row.started_on)
        session.add(made)
        waiting.append((made, new))
        if len(waiting) >= FLUSH_EVERY:
            _save(session, actor, waiting)
    _save(session, actor, waiting)


def _stale_pairings(session: Session, child_ids: list[int]) -> dict[int, list[Pairing]]:
    found: dict[int, list[Pairing]] = {}
    for start in range(0, len(child_ids), LOOKUP_CHUNK):
        for old in session.scalars(select(Pairing).join(Helper).where(
                Pairing.child_id.in_(child_ids[start:start + LOOKUP_CHUNK]),
                Pairing.ended_on.is_(None), Helper.archived_at.is_not(None))):
            found.setdefault(old.child_id, []).append(old)
    return found


def _save(session: Session, actor: Actor, waiting: list[tuple[Pairing, NewPairing]]) -> None:
    """Flush the waiting pairings, then audit each as pair_children does."""
    if not waiting:
        return
    try:
        session.flush()
    except IntegrityError as exc:  # the open-pairing index: someone paired them meanwhile
        raise pairing.PairingRefused.of("errors.import.pairing_race") from exc
    for made, new in waiting:
        audit.record(session, actor, "create", "pairing", made.id, after=audit.snapshot(made),
                     summary=f"{new.child.name} 与{new.helper.kind.zh}{new.helper.name}结对")
    waiting.clear()
