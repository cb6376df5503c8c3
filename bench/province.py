"""A province on PostgreSQL (issue 18): seeding it, and its figures from the rollups beside the
same figures counted from the records.

    createdb province   # an empty database; the seed refuses one with children in it
    .venv/bin/python -m bench.province --url postgresql+psycopg://…/province --seed
    .venv/bin/python -m bench.province --url postgresql+psycopg://…/province   # seeded already

`--seed` migrates the database and runs `seed --scale province` (14 counties, about
1,000,000 children, 20,000,000 care contacts over three years; target under 20 minutes),
printing its time and the rows and size it made. Then, as `bench.rollups` prints them, for the
province administrator, one county coordinator's county and one township coordinator's
township: the whole statistics object cold (a fresh process) and warm, from the rollups
(targets: under 1 s for the province, under 300 ms for a county or township) and from the
records, which are counted once each way here (`--record-runs`) since one count of a province
takes long; logging a contact with the rollups kept; `rollups --check` and `--rebuild`.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sqlalchemy import text

from bench.rollups import measure
from config import local_today
from db import schema
from db.engine import make_engine
from sample_data import seed_database


def _seed(url: str, today: date) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    stages: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if not stages or stages[-1] != stage:
            stages.append(stage)
            print(f"  {time.perf_counter() - started:7.0f} s  {stage}", flush=True)

    started = time.perf_counter()
    summary = seed_database(engine, scale="province", today=today, progress=progress)
    took = time.perf_counter() - started
    print(f"== seed --scale province: {took / 60:.1f} min")
    print("   rows: " + ", ".join(f"{table} {n:,}" for table, n in summary.counts.items()))
    with engine.connect() as conn:
        size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    print(f"   database size: {size / 2**30:.1f} GiB")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a PostgreSQL database")
    parser.add_argument("--today", type=date.fromisoformat, default=local_today())
    parser.add_argument("--seed", action="store_true", help="seed the (empty) database first")
    parser.add_argument("--record-runs", type=int, default=1)
    parser.add_argument("--contacts", type=int, default=20)
    parser.add_argument("--no-check", action="store_true",
                        help="skip rollups --check and --rebuild (each counts every record)")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("a province is measured on PostgreSQL")
    if args.seed:
        _seed(args.url, args.today)
    measure(args.url, args.today, contacts=args.contacts, record_runs=args.record_runs,
            check=not args.no_check)


if __name__ == "__main__":
    main()
