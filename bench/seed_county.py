"""County scale: how long seeding takes and how fast the headline counts come back.

    .venv/bin/python bench/seed_county.py [--scale county] [--url DATABASE_URL]

Prints figures; it asserts nothing (behaviour is checked in tests/). Without --url it uses a
fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from db import schema
from db.engine import make_engine, transaction
from db.models import User
from sample_data import seed_database
from services.access import users
from services.access.permissions import Actor
from services.stats import headline_counts


def timed(label: str, func_, *args, repeat: int = 1, **kwargs):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func_(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    print(f"{label:<40} {best * 1000:10.1f} ms" if best < 10 else f"{label:<40} {best:10.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="county")
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        timed("migrate (alembic upgrade)", schema.upgrade, engine)
        summary = timed(f"seed --scale {args.scale}", seed_database, engine, scale=args.scale)
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in summary.counts.items()))
        with transaction(engine) as session:
            admin = Actor.system()
            coordinator = users.actor_for(session, session.scalar(
                select(User).where(User.username == "coordinator")))
            helper = users.actor_for(session, session.scalar(
                select(User).where(User.username == "helper")))
            for name, actor in (("admin", admin), ("coordinator", coordinator),
                                ("helper", helper)):
                figures = timed(f"headline as {name} (best of 5)", headline_counts.headline,
                                session, actor, repeat=5)
                print(f"    {figures}")
        if url.startswith("sqlite"):
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
            print(f"{'database file':<40} {size / 1e6:10.1f} MB")


if __name__ == "__main__":
    main()
