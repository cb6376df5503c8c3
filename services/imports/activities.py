"""Import activities (活动): one row per activity, checked by the rules the activity form applies.

人次 in the file is the total (CONTRACTS.md): the attending children found plus the others, so
the extra 人次 recorded is 人次 minus the children named, and a 人次 below them is an error.
An activity already recorded (same kind, name, date and unit) counts as unchanged, so importing
the same file twice records nothing twice. A row's 捐助金额 and 捐助物资 go to the children in
its 参加儿童, in equal shares: the file has no recipient column, so the gift follows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import local_today
from core.errors import DomainError
from core.i18n import Msg
from db.models import Activity, OrgUnit
from services.access.permissions import Actor, Capability, org_units_visible
from services.care.activities import create_activity
from services.care.activity_checks import (
    MAX_EXTRA,
    MAX_SESSIONS,
    ActivityInput,
    Checked,
    DonationInput,
    activity_problems,
)
from services.care.activity_kinds import resolve_kind
from services.imports import ImportReport, header_errors
from services.imports.child_lookup import ChildKey, ChildLookup, ChildNotFound
from services.imports.reader import Table
from services.imports.rows import RowError, RowReader, parse_day

# 单位 and 备注 are optional additions: without 单位 the activity belongs to the importer's unit.
COLUMNS = ["名称", "类型", "日期", "地点", "场次", "人次", "参加儿童",
           "捐助金额(元)",  # keep-ascii
           "捐助物资", "资源方", "单位", "备注"]
REQUIRED = ["名称", "类型", "日期"]
SEPARATORS = re.compile("[、,;\uff0c\uff1b\n]")  # also the full-width comma and semicolon
# 张小明(2015-03-02) or 张小明(身份证号) tells namesakes apart.
QUALIFIED = re.compile("^(?P<name>[^(\uff08]+)[(\uff08](?P<key>[^)\uff09]+)[)\uff09]$")
# The form's field labels, as the file's columns.
COLUMN_OF = {"名称": "名称", "类型": "类型", "日期": "日期", "地点": "地点", "场次": "场次",
             "其他人次": "人次", "参加儿童": "参加儿童", "资源方": "资源方", "举办单位": "单位",
             "捐助": "捐助金额(元)", "备注": "备注"}  # keep-ascii


@dataclass(frozen=True)
class ActivityLine:
    number: int
    data: ActivityInput


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def import_activities(session: Session, actor: Actor, table: Table,
                      report: ImportReport) -> None:
    actor.require(Capability.MANAGE_ACTIVITIES)
    report.errors += header_errors(table, COLUMNS, REQUIRED)
    if report.errors:
        return
    today = local_today()
    named = {number: _names(values.get("参加儿童")) for number, values in table.rows}
    keys = {text: _child_key(text) for names in named.values() for text in names}
    children = ChildLookup.load(session, actor, [k for k in keys.values() if k is not None])
    lines = []
    for done, (number, values) in enumerate(table.rows, start=1):
        if done % 200 == 0:
            report.advance(done)
        line = _line(session, actor, RowReader(number, values), named[number], children, report,
                     today)
        if line is not None:
            lines.append(line)
    new = _without_repeats(session, lines, report, today)
    if not report.errors:
        for line in new:
            create_activity(session, actor=actor, data=line.data, today=today)
    report.advance(report.rows_read)


def _line(session: Session, actor: Actor, cells: RowReader, names: list[str],
          children: ChildLookup, report: ImportReport, today: date) -> ActivityLine | None:
    """One row as an ActivityInput, every problem reported against its column."""
    title = cells.line("名称", required=True)
    kind = _kind(session, cells)
    held_on = cells.day("日期", required=True)
    place = cells.line("地点")
    sessions = cells.integer("场次", minimum=1, maximum=MAX_SESSIONS)
    total = cells.integer("人次", minimum=0, maximum=MAX_EXTRA)
    unit = _unit(session, actor, cells)
    child_ids = _children(cells, names, children)
    donation = _donation(cells)
    providers = tuple(_names(cells.text("资源方", max_len=1000)))
    notes = cells.note("备注", max_len=2000)
    if total is not None and total < len(child_ids):
        cells.fail("人次", Msg("errors.import.person_times", total=total, children=len(child_ids)))
    if title is None or kind is None or held_on is None:
        report.errors += cells.errors
        return None
    if donation is not None and len(providers) == 1:
        donation = DonationInput(donation.money_yuan, donation.goods, provider_name=providers[0])
    data = ActivityInput(
        kind=kind, title=title, held_on=held_on, org_unit_id=unit, place=place,
        sessions=sessions or 1, child_ids=tuple(child_ids),
        extra_person_times=max(total - len(child_ids), 0) if total is not None else 0,
        provider_names=providers, donations=(donation,) if donation else (), notes=notes)
    problems = activity_problems(session, actor, data.normalised(), today=today,
                                 checked=Checked())
    # A cell already refused says it once; the form's checks add what the cells could not see.
    refused = {error.column for error in cells.errors}
    for label, why in problems.items():
        if COLUMN_OF.get(label, label) not in refused:
            cells.fail(COLUMN_OF.get(label, label), why)
    report.errors += sorted(cells.errors, key=lambda e: COLUMNS.index(e.column)
                            if e.column in COLUMNS else len(COLUMNS))
    return None if cells.errors else ActivityLine(cells.number, data)


def _kind(session: Session, cells: RowReader) -> str | None:
    text = cells.text("类型", required=True, max_len=50)
    if text is None:
        return None
    try:
        return resolve_kind(session, text).code
    except DomainError as exc:
        cells.fail("类型", exc.message)
        return None


def _unit(session: Session, actor: Actor, cells: RowReader) -> int | None:
    name = cells.text("单位", max_len=100)
    if name is None:
        return actor.org_unit_id
    found = list(session.scalars(select(OrgUnit.id).where(
        OrgUnit.name == name, OrgUnit.archived_at.is_(None), org_units_visible(actor))))
    if len(found) != 1:
        cells.fail("单位", Msg("errors.import.no_unit", name=name) if not found
                   else Msg("errors.import.units_alike", count=len(found), name=name))
        return None
    return found[0]


def _child_key(text: str) -> ChildKey | None:
    """张小明, 张小明(2015-03-02) or 张小明(110101…); None when the brackets hold neither."""
    match = QUALIFIED.match(text)
    if match is None:
        return ChildKey(text)
    name, key = match["name"].strip(), match["key"].strip()
    if re.fullmatch(r"\d{17}[\dXx]", key):
        return ChildKey(name, id_number=key)
    try:
        return ChildKey(name, birth_date=parse_day(key))
    except ValueError:
        return None


def _children(cells: RowReader, names: list[str], children: ChildLookup) -> list[int]:
    found: list[int] = []
    for name in names:
        key = _child_key(name)
        if key is None:
            cells.fail("参加儿童", Msg("errors.import.child_brackets", name=name))
            continue
        try:
            child = children.find(key)
        except ChildNotFound as exc:
            cells.fail("参加儿童", Msg("errors.import.namesake_hint", why=exc.message)
                       if "同名" in exc.message else exc.message)
            continue
        if child.id in found:
            cells.fail("参加儿童", Msg("errors.import.child_twice", name=name))
            continue
        found.append(child.id)
    return found


def _donation(cells: RowReader) -> DonationInput | None:
    refused = len(cells.errors)
    money = cells.money("捐助金额(元)")  # keep-ascii
    goods = cells.text("捐助物资")
    if len(cells.errors) > refused:
        return None
    money = money or Decimal(0)
    if not money and not goods:
        return None
    return DonationInput(money_yuan=money, goods=goods)


def _key(data: ActivityInput) -> tuple:
    return (data.kind, data.title.strip(), data.held_on, data.org_unit_id)


def _without_repeats(session: Session, lines: list[ActivityLine], report: ImportReport,
                     today: date) -> list[ActivityLine]:
    """Rows naming an activity already recorded are unchanged; a repeat inside the file is bad."""
    first: dict[tuple, int] = {}
    new = []
    for line in lines:
        key = _key(line.data)
        if key in first:
            report.errors.append(RowError(line.number, "名称",
                                          Msg("errors.import.same_activity", row=first[key])))
            continue
        first[key] = line.number
        if session.scalar(select(Activity.id).where(
                Activity.kind == key[0], Activity.title == key[1], Activity.held_on == key[2],
                Activity.org_unit_id.is_(None) if key[3] is None
                else Activity.org_unit_id == key[3],
                Activity.archived_at.is_(None))) is not None:
            report.unchanged += 1
            continue
        report.created += 1
        new.append(line)
    return new
