"""Copy a seeded SQLite database into an initialised PostgreSQL one, by COPY, then ANALYZE.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python cli.py init
    .venv/bin/python -m bench.sqlite_to_pg --sqlite /tmp/county.db \
        --url postgresql+psycopg://shouwang:shouwang@127.0.0.1/shouwang_h2

Seeding the county in PostgreSQL through the generator takes far longer than copying what the
SQLite seed already made. Every table of the models is emptied (TRUNCATE … CASCADE) and refilled
in foreign-key order with SQLite's stored text (PostgreSQL reads 0/1 as booleans and ISO dates
and timestamps as they are); the id sequences are moved past the copied ids. Only for benches.
"""

from __future__ import annotations

import argparse
import sqlite3
import time

import psycopg
from sqlalchemy import Integer

import db.models  # noqa: F401  (registers every table on the metadata)
from db.base import Base

BATCH = 20_000


def _is_bool(type_) -> bool:
    try:
        return type_.python_type is bool
    except NotImplementedError:
        return False


def copy(sqlite_path: str, pg_url: str) -> None:
    source = sqlite3.connect(sqlite_path)
    tables = [t for t in Base.metadata.sorted_tables]
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as target, target.cursor() as cur:
        names = ", ".join(f'"{t.name}"' for t in tables)
        cur.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table in tables:
            start = time.perf_counter()
            columns = [c.name for c in table.columns]
            quoted = ", ".join(f'"{c}"' for c in columns)
            bools = {i for i, c in enumerate(table.columns) if _is_bool(c.type)}
            order = " ORDER BY id" if "id" in columns else ""
            rows = source.execute(f'SELECT {quoted} FROM "{table.name}"{order}')
            n = 0
            with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as out:
                while batch := rows.fetchmany(BATCH):
                    for row in batch:
                        if bools:
                            row = tuple(("t" if v else "f") if i in bools and v is not None
                                        else v for i, v in enumerate(row))
                        out.write_row(row)
                    n += len(batch)
            pk = [c for c in table.primary_key.columns]
            if len(pk) == 1 and isinstance(pk[0].type, Integer):
                cur.execute(f"SELECT pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}')")
                sequence = cur.fetchone()[0]
                if sequence:
                    cur.execute(f'SELECT setval(%s, COALESCE((SELECT max("{pk[0].name}") '
                                f'FROM "{table.name}"), 0) + 1, false)', (sequence,))
            print(f"{table.name:<24} {n:>9,} rows {time.perf_counter() - start:7.1f} s")
        target.commit()
    with psycopg.connect(dsn, autocommit=True) as target:
        start = time.perf_counter()
        target.execute("ANALYZE")
        print(f"{'ANALYZE':<24} {'':>14} {time.perf_counter() - start:7.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", required=True, help="path of the SQLite file")
    parser.add_argument("--url", required=True, help="postgresql+psycopg:// URL, initialised")
    args = parser.parse_args()
    copy(args.sqlite, args.url)


if __name__ == "__main__":
    main()
