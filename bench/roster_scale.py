"""Roster at county scale: export all 50,000 children, import a 10,000-row sheet.

    .venv/bin/python bench/roster_scale.py [--url SEEDED_DATABASE_URL] [--rows 10000]

Targets (issue 3): export 50,000 rows < 2 s as CSV and < 8 s as XLSX; import 10,000 rows
(validate and commit) < 10 s from CSV or XLSX. Issue 18: the import with the figures' rollups
kept within 20% of the same import without them (the last lines: the CSV committed again in
a process that keeps no rollups, which marks them stale, as before they existed).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from db import data_version, schema
from db.engine import make_engine, transaction
from sample_data import seed_database
from services.access.permissions import Actor
from services.exports.roster_export import export_roster
from services.imports import run_import
from services.roster.roster_filter import RosterFilter
from services.stats import rollups  # noqa: F401  (writes keep the figures' rollups, as in the app)

TODAY = date(2026, 11, 30)
IMPORT_KEYS = ["name", "gender", "birth_date", "id_number", "categories", "left_behind_type",
               "guardian_type", "town", "village", "school", "grade", "class_name", "address",
               "economic_status", "academic_level", "risk_level", "guardian_name",
               "guardian_phone"]


def clock(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.url or f"sqlite:///{folder / 'county.db'}"
    engine = make_engine(url)
    if not args.url:
        schema.upgrade(engine)
        clock("seed county (not a target)", seed_database, engine, scale="county", today=TODAY)
    everyone = RosterFilter()
    with transaction(engine) as session:
        for fmt in ("csv", "xlsx"):
            data = clock(f"export all children as {fmt}", export_roster, session,
                         actor=Actor.system(), roster_filter=everyone, fmt=fmt, today=TODAY,
                         include_sensitive=True)
            print(f"{'':<44} {len(data) / 1e6:8.1f} MB")
        sheet = export_roster(session, actor=Actor.system(), roster_filter=everyone, fmt="csv",
                              today=TODAY, include_sensitive=True, column_keys=IMPORT_KEYS)
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))[: args.rows + 1]
    files = {"csv": "\n".join(",".join(r) for r in rows).encode("utf-8-sig"),
             "xlsx": _xlsx(rows)}
    for fmt, data in files.items():
        target = make_engine(f"sqlite:///{folder / f'import-{fmt}.db'}")
        schema.upgrade(target)
        with transaction(target) as session:
            report = clock(f"import {len(rows) - 1:,} rows from {fmt} (dry run)", run_import,
                           session, actor=Actor.system(), kind="roster", data=data,
                           filename=f"名单.{fmt}", dry_run=True)
        with transaction(target) as session:
            report = clock(f"import {len(rows) - 1:,} rows from {fmt} (commit)", run_import,
                           session, actor=Actor.system(), kind="roster", data=data,
                           filename=f"名单.{fmt}")
        print(f"{'':<44} {report.summary()} errors: {len(report.errors)}")
        if report.errors:
            print("   first errors:", report.errors[:3])
    _rollups_cost(folder, files["csv"], len(rows) - 1)


def _rollups_cost(folder: Path, data: bytes, rows: int) -> None:
    """The CSV committed three times each way, alternating, into fresh databases."""
    took: dict[bool, list[float]] = {True: [], False: []}
    for run in range(3):
        for kept in (True, False):
            target = make_engine(f"sqlite:///{folder / f'rollups-{kept}-{run}.db'}")
            schema.upgrade(target)
            with _maintained(kept), transaction(target) as session:
                started = time.perf_counter()
                run_import(session, actor=Actor.system(), kind="roster", data=data,
                           filename="名单.csv")
            took[kept].append(time.perf_counter() - started)
            target.dispose()
    kept, plain = statistics.median(took[True]), statistics.median(took[False])
    print(f"{f'import {rows:,} rows, rollups kept (median of 3)':<44} {kept:8.2f} s")
    print(f"{f'import {rows:,} rows, no rollups (median of 3)':<44} {plain:8.2f} s")
    print(f"{'rollups cost':<44} {(kept / plain - 1) * 100:+7.0f} %")


@contextmanager
def _maintained(kept: bool):
    saved = list(data_version._MAINTAINERS)
    if not kept:
        data_version._MAINTAINERS.clear()
    try:
        yield
    finally:
        data_version._MAINTAINERS[:] = saved


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
