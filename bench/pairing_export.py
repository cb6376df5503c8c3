"""County-scale pairing exports: helpers, pairings (with history) and unpaired children.

    .venv/bin/python bench/pairing_export.py [--url SEEDED_DATABASE_URL] [--scale county]

Without --url it seeds the scale into a fresh SQLite file first (about 30 s for a county:
50,000 children, 26,000 helpers, 51,000 pairings, 0.9 M care contacts). Times each list as CSV
and XLSX, masked and with sensitive data, as admin and as the demo coordinator; the audit
events the sensitive exports write are rolled back. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db import schema
from db.engine import make_engine
from db.models import User
from sample_data import seed_database
from services.access import users
from services.access.permissions import Actor
from services.exports.pairing_export import PAIRING_EXPORTS

TODAY = date(2026, 11, 30)
OPTIONS = {"helpers": {"include_inactive": True}, "pairings": {"include_ended": True},
           "unpaired": {}}


def clock(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<52} {time.perf_counter() - start:8.2f} s")
    return result


def rows_in(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--scale", default="county")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / f'{args.scale}.db'}"
        engine = make_engine(url)
        if not args.url:
            schema.upgrade(engine)
            clock(f"seed {args.scale} (not a target)", seed_database, engine, scale=args.scale,
                  today=TODAY)
        run(engine)
        engine.dispose()


def run(engine: Engine) -> None:
    """Every list, format and mask as admin and as the demo coordinator; nothing is kept."""
    with Session(engine) as session:
        coordinator = users.actor_for(session, session.scalar(
            select(User).where(User.username == "coordinator")))
        for who, actor in (("admin", Actor.system()), ("coordinator", coordinator)):
            for kind, spec in PAIRING_EXPORTS.items():
                for fmt in ("csv", "xlsx"):
                    for sensitive in (False, True):
                        tag = "sensitive" if sensitive else "masked"
                        data = clock(f"{who}: {kind} as {fmt} ({tag})", spec.export, session,
                                     actor=actor, fmt=fmt, today=TODAY,
                                     include_sensitive=sensitive, **OPTIONS[kind])
                    if fmt == "csv":
                        print(f"{'':<52} {rows_in(data):,} rows, {len(data) / 1e6:.1f} MB")
        session.rollback()


if __name__ == "__main__":
    main()
