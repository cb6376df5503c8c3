"""Backup and restore at scale: how long they take, how big the archive is, and whether a
helper logging contacts meanwhile has to wait.

    .venv/bin/python bench/backup.py [--scale county|school|demo] [--url DATABASE_URL]

Prints figures; it asserts nothing (behaviour is checked in tests/test_backup.py). Without
--url it seeds a fresh SQLite file in a temporary folder; a --url database is seeded only when
empty. The restore always goes into a new empty database of the same kind (SQLite: a temp
file; PostgreSQL: a scratch database `<name>_bench_restore`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db import schema
from db.engine import make_engine
from db.models import Child, Pairing
from sample_data import seed_database
from services.access.permissions import Actor
from services.backup import make_backup, restore_backup
from services.care import contacts

ACTOR = Actor.system("cli:bench")


def seconds(start: float) -> str:
    return f"{time.perf_counter() - start:8.1f} s"


def seeded(url: str, scale: str) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        empty = session.scalar(select(Child.id).limit(1)) is None
    if empty:
        start = time.perf_counter()
        seed_database(engine, scale=scale)
        print(f"seed --scale {scale:<28} {seconds(start)}")
    engine.dispose()


class Writer(threading.Thread):
    """Logs one contact per transaction until stopped; keeps each commit's latency."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.latencies = url, threading.Event(), []

    def run(self) -> None:
        engine = make_engine(self.url)
        with Session(engine) as session:
            pairing = session.scalars(select(Pairing).where(Pairing.ended_on.is_(None))).first()
            child_id, helper_id = pairing.child_id, pairing.helper_id
        n = 0
        while not self.stop.is_set():
            start = time.perf_counter()
            with Session(engine) as session, session.begin():
                contacts.log_contact(session, actor=ACTOR, child_id=child_id, helper_id=helper_id,
                                     kind="phone_visit", contact_date=date.today(), minutes=5,
                                     client_token=f"bench-{time.time_ns()}-{n}",
                                     today=date.today())
            self.latencies.append(time.perf_counter() - start)
            n += 1
            time.sleep(0.05)  # a busy office, not a flood
        engine.dispose()


def scratch_target(url: str, folder: Path) -> tuple[str, str | None]:
    if make_url(url).get_backend_name() == "sqlite":
        return f"sqlite:///{folder / 'restored.db'}", None
    name = f"{make_url(url).database}_bench_restore"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="county")
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.url or f"sqlite:///{folder / 'bench.db'}"
        seeded(url, args.scale)
        data_dir = folder / "data"

        start = time.perf_counter()
        quiet = make_backup(url, folder / "quiet.tar.gz", actor=ACTOR, data_dir=data_dir)
        print(f"backup, nobody writing                   {seconds(start)}   "
              f"{quiet.size / 1024 / 1024:8.1f} MB archive")

        writer = Writer(url)
        writer.start()
        time.sleep(1.0)  # a baseline of commits before the backup starts
        baseline = len(writer.latencies)
        start = time.perf_counter()
        busy = make_backup(url, folder / "busy.tar.gz", actor=ACTOR, data_dir=data_dir)
        print(f"backup, a helper logging every 0.05 s     {seconds(start)}")
        writer.stop.set()
        writer.join()
        during = writer.latencies[baseline:]
        if during:
            print(f"  contacts committed during the backup     {len(during):8d}   "
                  f"median {statistics.median(during) * 1000:.1f} ms, "
                  f"max {max(during) * 1000:.1f} ms")
        print(f"  children in the archive                  "
              f"{busy.manifest.row_counts['children']:8,}   care_contacts "
              f"{busy.manifest.row_counts['care_contacts']:,}")

        target, scratch = scratch_target(url, folder)
        start = time.perf_counter()
        restored = restore_backup(target, busy.path, actor=ACTOR, data_dir=folder / "restored")
        print(f"restore into an empty database           {seconds(start)}   "
              f"{restored.counts['care_contacts']:,} contacts")
        if scratch:
            admin = make_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
