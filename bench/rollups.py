"""The figures from the rollups beside the same figures counted from the records (issue 18).

    .venv/bin/python -m bench.rollups --url sqlite:////tmp/county.db [--today 2026-12-04]
        [--contacts 20]

Point it at a seeded database (`cli.py seed --scale county`). For the administrator (the whole
database) and one township coordinator's township, over the current term, it prints:

- cold: `compute()` in a fresh Python process and connection, median of 3, from the rollups
  and from the records (`source="records"`; `--record-runs` for fewer at a province's size);
- warm: `compute()` again in one process, median of 5, each in its own transaction;
- with several counties (`seed --scale province`), one county coordinator's county as well;
- writes: logging one care contact (commit included, the rollups kept), median over
  `--contacts`, then the contacts are withdrawn again;
- `rollups --check` and `rollups --rebuild` times.

Every run checks that both sources give the same statistics object and says so loudly if not.
"Cold" keeps the operating system's page cache (SQLite) and PostgreSQL's buffers warm.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import select

from config import local_today
from core.vocab import ContactKind, OrgKind, Role
from db.engine import make_engine, transaction
from db.models import CareContact, Child, Helper, OrgUnit, Pairing, User
from services.access.users import actor_for
from services.care import contacts
from services.care.terms import term_of
from services.stats import rollups  # noqa: F401  (writes keep the rollups, as in the app)
from services.stats.figures import StatsScope, compute
from services.stats.rollups.refresh import differences, rebuild


def _admin(session):
    return actor_for(session, session.scalar(select(User).where(User.role == Role.admin)))


def _town(session) -> int:
    return session.scalar(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.town)
                          .order_by(OrgUnit.id))


def _once(url: str, unit: int | None, today: date, source: str) -> tuple[float, dict]:
    engine = make_engine(url)
    term = term_of(today)
    with transaction(engine, write=False) as session:
        actor = _admin(session)
        started = time.perf_counter()
        figures = compute(session, actor, StatsScope(term.start, term.end, org_unit_id=unit),
                          today=today, source=source)  # type: ignore[arg-type]
        took = time.perf_counter() - started
    plain = dataclasses.asdict(figures)
    plain.pop("computed_at")
    return took, plain


def _cold(url: str, unit: int | None, today: date, source: str) -> float:
    found = subprocess.run(
        [sys.executable, "-m", "bench.rollups", "--url", url, "--today", today.isoformat(),
         "--one", source, "--unit", str(unit or 0)], capture_output=True, text=True, check=True)
    return float(found.stdout.strip())


def _warm(url: str, unit: int | None, today: date, source: str,
          times: int = 5) -> tuple[float, dict]:
    runs = [_once(url, unit, today, source) for _ in range(times + 1)]
    return statistics.median(t for t, _ in runs[1:]), runs[-1][1]


def _log_contacts(url: str, today: date, times: int) -> list[float]:
    engine = make_engine(url)
    with transaction(engine, write=False) as session:
        actor = _admin(session)
        pairs = session.execute(
            select(Pairing.child_id, Pairing.helper_id).join(Child, Child.id == Pairing.child_id)
            .join(Helper, Helper.id == Pairing.helper_id)
            .where(Pairing.ended_on.is_(None), Child.archived_at.is_(None),
                   Helper.archived_at.is_(None)).limit(times)).all()
    took, made = [], []
    for child_id, helper_id in pairs:
        started = time.perf_counter()
        with transaction(engine) as session:
            made.append(contacts.log_contact(
                session, actor=actor, child_id=child_id, helper_id=helper_id,
                kind=ContactKind.phone_visit, contact_date=today, minutes=10, notes="bench",
                today=today).id)
        took.append(time.perf_counter() - started)
    for contact_id in made:
        with transaction(engine) as session:
            row = session.get(CareContact, contact_id)
            assert row is not None
            contacts.archive_contact(session, actor=actor, contact_id=contact_id,
                                     expected_version=row.version, reason="测试后撤销",
                                     today=today)
    return took


def _units(session) -> list[tuple[str, int | None]]:
    """The administrator, a county coordinator's county when there are several (a province),
    and a township coordinator's township."""
    counties = session.scalars(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.county)
                               .order_by(OrgUnit.id)).all()
    units: list[tuple[str, int | None]] = [("admin (whole database)", None)]
    if len(counties) > 1:
        units.append(("county coordinator", counties[-1]))
    return [*units, ("township coordinator", _town(session))]


def measure(url: str, today: date, *, contacts: int = 20, record_runs: int = 3,
            check: bool = True) -> None:
    """Print every figure of the module docstring for the database at `url`."""
    engine = make_engine(url)
    with transaction(engine, write=False) as session:
        units = _units(session)
    for label, unit in units:
        print(f"== {label}, this term")
        answers = {}
        for source in ("rollups", "records"):
            runs = 3 if source == "rollups" else record_runs
            cold = statistics.median(_cold(url, unit, today, source) for _ in range(runs))
            warm, answers[source] = _warm(url, unit, today, source, runs)
            print(f"  {source:8} cold {cold * 1000:7.0f} ms   warm {warm * 1000:7.0f} ms",
                  flush=True)
        same = json.dumps(answers["rollups"], default=str) == json.dumps(answers["records"],
                                                                           default=str)
        print("  same statistics object from both: " + ("yes" if same else "NO — MISMATCH"))
    took = _log_contacts(url, today, contacts)
    print(f"== logging one contact, rollups kept: median {statistics.median(took) * 1000:.0f} ms"
          f" (max {max(took) * 1000:.0f} ms, {len(took)} contacts)", flush=True)
    if not check:
        return
    with transaction(engine, write=False) as session:
        started = time.perf_counter()
        found = differences(session)
        print(f"== rollups --check: {time.perf_counter() - started:.1f} s, "
              f"{len(found)} differences", flush=True)
    with transaction(engine) as session:
        started = time.perf_counter()
        rows = rebuild(session)
        print(f"== rollups --rebuild: {time.perf_counter() - started:.1f} s, {rows}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=local_today())
    parser.add_argument("--contacts", type=int, default=20)
    parser.add_argument("--record-runs", type=int, default=3,
                        help="cold runs (and warm runs + 1) counted from the records")
    parser.add_argument("--one", choices=["rollups", "records"])
    parser.add_argument("--unit", type=int, default=0)
    args = parser.parse_args()
    if args.one:  # a cold run in this fresh process: print the seconds only
        print(_once(args.url, args.unit or None, args.today, args.one)[0])
        return
    measure(args.url, args.today, contacts=args.contacts, record_runs=args.record_runs)


if __name__ == "__main__":
    main()
