"""Import a survey's answers from CSV/XLSX: one row per child, one column per question.

Every row is checked first; a file with any bad row writes nothing. A blank cell leaves that
question's stored answer as it is; a filled one replaces it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Child, Survey, SurveyQuestion
from services.access.permissions import Actor, Capability
from services.imports import ImportReport, apply_all_or_nothing, header_errors
from services.imports.child_lookup import ChildKey, ChildLookup, ChildNotFound
from services.imports.reader import Table, read_table
from services.imports.rows import RowError, RowReader
from services.resources.survey_answers import answer_problem, parse_choices, write_answers
from services.resources.survey_results import children_under, get_survey, stored_answers

KIND = "survey_answers"
CHILD_COLUMNS = {"name": "儿童姓名", "birth_date": "儿童出生日期", "id_number": "儿童身份证号"}


def _key(text: str) -> str:
    """Headers match questions whatever the width of their punctuation (? ? , ,)."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True)
class AnswerRow:
    number: int
    child: ChildKey
    answers: dict[int, list[str]]


def answer_template(survey: Survey) -> bytes:
    """The header to fill in, as CSV with BOM so Excel and WPS open it in Chinese."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        [*CHILD_COLUMNS.values(), *(q.text for q in survey.questions)])
    return buffer.getvalue().encode("utf-8-sig")


def import_answers(session: Session, *, actor: Actor, survey_id: int, data: bytes,
                   filename: str, dry_run: bool = False) -> ImportReport:
    """Check and apply one file inside a savepoint; roll it back on a dry run or any bad row."""
    actor.require(Capability.MANAGE_RESOURCES)
    survey = get_survey(session, actor, survey_id)
    table = read_table(data, filename)
    report = ImportReport(kind=KIND, rows_read=len(table.rows), dry_run=dry_run)
    return apply_all_or_nothing(
        session, actor, table, report, lambda: _import(session, actor, survey, table, report),
        filename=filename, entity_id=survey.id,
        summary=lambda: f"{filename}：问卷“{survey.title}”{report.summary()}")


def _import(session: Session, actor: Actor, survey: Survey, table: Table,
            report: ImportReport) -> None:
    questions = {_key(q.text): q for q in survey.questions}
    by_header = {h: questions[_key(h)] for h in table.header if _key(h) in questions}
    allowed = [*CHILD_COLUMNS.values(), *by_header]
    report.errors += header_errors(table, allowed, ["儿童姓名"])
    if not by_header:
        report.errors.append(RowError(1, "表头", "没有与本问卷题目相同的列，请使用问卷的导入模板"))
    if report.errors:
        return
    rows = _parse(table, by_header, report)
    lookup = ChildLookup.load(session, actor, [r.child for r in rows])
    found = _children(session, survey, rows, lookup, report)
    if report.errors:
        return
    question_ids = [q.id for q in survey.questions]
    stored = stored_answers(session, question_ids, [c.id for c in found.values()])
    answers_of = {r.number: r.answers for r in rows}
    for number, child in found.items():
        answers = answers_of[number]
        before = stored.get(child.id, {})
        if not before:
            report.created += 1
        elif all(sorted(before.get(q, [])) == sorted(v) for q, v in answers.items()):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        write_answers(session, child.id, answers)
    session.flush()


def _parse(table: Table, by_header: dict[str, SurveyQuestion],
           report: ImportReport) -> list[AnswerRow]:
    rows = []
    for number, values in table.rows:
        cells = RowReader(number, values)
        child = ChildKey(cells.text("儿童姓名", required=True, max_len=50) or "",
                         cells.day("儿童出生日期"), cells.text("儿童身份证号", max_len=18))
        answers: dict[int, list[str]] = {}
        for header, question in by_header.items():
            cell = cells.text(header, max_len=1000)
            if cell is None:
                continue
            chosen = [cell] if cell in question.options else parse_choices(cell, question.options)
            if why := answer_problem(question, chosen):
                cells.fail(header, why)
            else:
                answers[question.id] = chosen
        report.errors += cells.errors
        if not cells.errors:
            rows.append(AnswerRow(number, child, answers))
    return rows


def _children(session: Session, survey: Survey, rows: list[AnswerRow], lookup: ChildLookup,
              report: ImportReport) -> dict[int, Child]:
    """Row number → child, every row's child found once, active and inside the survey's place."""
    found: dict[int, Child] = {}
    first: dict[int, int] = {}
    for row in rows:
        try:
            child = lookup.find(row.child)
        except ChildNotFound as exc:
            report.errors.append(RowError(row.number, CHILD_COLUMNS[exc.field], exc.message))
            continue
        if child.archived_at is not None:
            report.errors.append(RowError(row.number, "儿童姓名",
                                          f"“{child.name}”已归档，不能录入问卷答案"))
        elif child.id in first:
            report.errors.append(RowError(row.number, "儿童姓名",
                                          f"与第{first[child.id]}行是同一名儿童"))
        else:
            first[child.id] = row.number
            found[row.number] = child
    if survey.org_unit_id is not None and found:
        ids = [c.id for c in found.values()]
        inside = set(session.scalars(select(Child.id).where(Child.id.in_(ids),
                                                             children_under(survey.org_unit_id))))
        for number, child in list(found.items()):
            if child.id not in inside:
                report.errors.append(RowError(number, "儿童姓名",
                                              f"“{child.name}”不在本问卷的调查范围内"))
                del found[number]
    return found
