"""Import care contacts (帮扶记录) from paper logs: every row checked by the rules of the form.

A contact already on record (same child, helper, kind and date) counts as unchanged, so a file
imported twice saves each contact once. Children and helpers are looked up in a few batched
queries and the new rows are written in bulk, so 10,000 rows take seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from config import local_today
from core.i18n import Msg
from core.validators import digits_only
from core.vocab import ContactKind
from db.models import AuditEvent, CareContact, Child, Helper
from services.access.permissions import Actor, Capability
from services.care.contacts import ENTITY, MAX_NOTES, contact_problems, helper_problem
from services.imports import ImportReport, header_errors
from services.imports.child_lookup import LOOKUP_CHUNK, ChildKey, ChildLookup, ChildNotFound
from services.imports.pairings import HelperLookup, HelperNotFound
from services.imports.reader import Table
from services.imports.rows import RowError, RowReader

# 帮扶人单位 / 帮扶人电话 tell two helpers of the same name apart; the follow-up pair is optional.
COLUMNS = ["儿童姓名", "儿童出生日期", "儿童身份证号", "帮扶人姓名", "方式", "日期",
           "时长(分钟)",  # keep-ascii
           "记录", "帮扶人单位", "帮扶人电话", "需跟进", "跟进日期"]
REQUIRED = ["儿童姓名", "帮扶人姓名", "方式", "日期"]
CHILD_COLUMNS = {"name": "儿童姓名", "birth_date": "儿童出生日期", "id_number": "儿童身份证号"}
# contact_problems and log_contact name fields; a row error names the column.
PROBLEM_COLUMNS = {"帮扶人": "帮扶人姓名"}
WRITE_BATCH = 2000

# (child, helper, kind, date); a contact already saved may have lost its helper (NULL).
Key = tuple[int, int | None, ContactKind, date]


@dataclass(frozen=True)
class ContactLine:
    number: int
    child: ChildKey
    helper_name: str
    helper_unit: str | None
    helper_phone: str | None
    kind: ContactKind
    contact_date: date
    minutes: int | None
    notes: str
    follow_up: bool
    follow_up_on: date | None


def import_contacts(session: Session, actor: Actor, table: Table, report: ImportReport) -> None:
    actor.require(Capability.LOG_CONTACTS)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    today = local_today()
    with session.no_autoflush:
        lines = _parse(table, report)
        children = ChildLookup.load(session, actor, [line.child for line in lines])
        helpers = HelperLookup.load(session, actor, {line.helper_name for line in lines},
                                    lock=False)
        accepted = _check(session, lines, children, helpers, report, today)
    if not report.errors and not report.dry_run:
        _write(session, actor, accepted)
    report.advance(report.rows_read)


def _parse(table: Table, report: ImportReport) -> list[ContactLine]:
    lines = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        child = ChildKey(cells.text("儿童姓名", required=True, max_len=50) or "",
                         cells.day("儿童出生日期"), cells.text("儿童身份证号", max_len=18))
        helper_name = cells.text("帮扶人姓名", required=True, max_len=50)
        unit, phone = cells.text("帮扶人单位", max_len=100), cells.text("帮扶人电话", max_len=20)
        kind = cells.vocab("方式", ContactKind, required=True)
        on = cells.day("日期", required=True)
        # Bounded by contact_problems (最多600分钟); integer() refuses 1.9, 1e400 and 20 digits.
        minutes = cells.integer("时长(分钟)")  # keep-ascii
        notes = cells.note("记录", max_len=MAX_NOTES) or ""
        follow_up_on = cells.day("跟进日期")
        follow_up = cells.yes_no("需跟进")
        report.errors += cells.errors
        if cells.errors or not (child.name and helper_name and kind and on):
            continue
        lines.append(ContactLine(
            number, child, helper_name, unit, digits_only(phone) if phone else None, kind,
            on, minutes, notes, bool(follow_up) or (follow_up is None and bool(follow_up_on)),
            follow_up_on))
    return lines


def _check(session: Session, lines: list[ContactLine], children: ChildLookup,
           helpers: HelperLookup, report: ImportReport, today: date) -> list[tuple]:
    """Each row against log_contact's rules; returns (line, child, helper) for the good ones."""
    found = [(line, *_find(line, children, helpers, report)) for line in lines]
    on_record = _on_record(session, [(child.id, line.contact_date) for line, child, _ in found
                                     if child is not None])
    first: dict[Key, int] = {}
    accepted = []
    for done, (line, child, helper) in enumerate(found, start=1):
        if done % 500 == 0:
            report.advance(done)
        if child is None or helper is None:
            continue
        problems = _problems(line, child, helper, today)
        report.errors += [RowError(line.number, PROBLEM_COLUMNS.get(field, field), why)
                          for field, why in problems.items()]
        if problems:
            continue
        key = (child.id, helper.id, line.kind, line.contact_date)
        if key in first:
            report.errors.append(RowError(line.number, "日期", Msg("errors.import.same_contact",
                                                                      row=first[key])))
            continue
        first[key] = line.number
        if key in on_record:
            report.unchanged += 1
            continue
        report.created += 1
        accepted.append((line, child, helper))
    return accepted


def _find(line: ContactLine, children: ChildLookup, helpers: HelperLookup,
          report: ImportReport) -> tuple[Child | None, Helper | None]:
    child = helper = None
    try:
        child = children.find(line.child)
    except ChildNotFound as exc:
        report.errors.append(RowError(line.number, CHILD_COLUMNS[exc.field], exc.message))
    try:
        helper = helpers.find(line)  # type: ignore[arg-type]  # same three fields as a pairing
    except HelperNotFound as exc:
        report.errors.append(RowError(line.number, "帮扶人姓名", exc.message))
    return child, helper


def _problems(line: ContactLine, child: Child, helper: Helper, today: date) -> dict[str, str]:
    if child.archived_at is not None:
        return {"儿童姓名": Msg("errors.contact.child_archived_row", child=child.name)}
    problems = contact_problems(child, contact_date=line.contact_date, minutes=line.minutes,
                                notes=line.notes, follow_up=line.follow_up,
                                follow_up_on=line.follow_up_on, today=today)
    if why := helper_problem(helper, line.contact_date):
        problems["帮扶人"] = why
    return problems


def _on_record(session: Session, wanted: list[tuple[int, date]]) -> set[Key]:
    """The (child, helper, kind, date) of contacts already saved for these children and dates."""
    if not wanted:
        return set()
    child_ids = sorted({child_id for child_id, _ in wanted})
    first, last = min(d for _, d in wanted), max(d for _, d in wanted)
    keys: set[Key] = set()
    for start in range(0, len(child_ids), LOOKUP_CHUNK):
        keys.update((child, helper, kind, day) for child, helper, kind, day in session.execute(
            select(CareContact.child_id, CareContact.helper_id, CareContact.kind,
                   CareContact.contact_date)
            .where(CareContact.child_id.in_(child_ids[start:start + LOOKUP_CHUNK]),
                   CareContact.contact_date.between(first, last),
                   CareContact.archived_at.is_(None))))
    return keys


def _write(session: Session, actor: Actor, accepted: list[tuple]) -> None:
    """Insert the contacts in batches, then one audit event for each, as log_contact does."""
    for start in range(0, len(accepted), WRITE_BATCH):
        batch = accepted[start:start + WRITE_BATCH]
        values = [{"child_id": child.id, "helper_id": helper.id, "kind": line.kind,
                   "contact_date": line.contact_date, "minutes": line.minutes,
                   "notes": line.notes or None, "follow_up": line.follow_up,
                   "follow_up_on": line.follow_up_on if line.follow_up else None,
                   "recorded_by_id": actor.user_id}
                  for line, child, helper in batch]
        ids = session.scalars(insert(CareContact).returning(
            CareContact.id, sort_by_parameter_order=True), values).all()
        session.execute(insert(AuditEvent), [
            {"user_id": actor.user_id, "username": actor.username, "action": "create",
             "entity": ENTITY, "entity_id": str(contact_id),
             "after": _plain(value), "summary": _summary(line, child, helper)}
            for contact_id, value, (line, child, helper) in zip(ids, values, batch, strict=True)])


def _plain(value: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, ContactKind)
            else v for k, v in value.items()}


def _summary(line: ContactLine, child: Child, helper: Helper) -> str:
    return f"{helper.name}{line.kind.zh}{child.name}（{line.contact_date:%Y-%m-%d}，导入）"
