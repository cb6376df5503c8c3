"""20 writers for 60 s: no write lost, no duplicate child, no "database is locked" reaching anyone.

    .venv/bin/python -m bench.concurrency [--url URL] [--writers 20] [--seconds 60]

Without --url it makes a temp SQLite database with `cli.py init` and `cli.py seed --scale demo`.
Writers log care contacts, edit one child as people do (open, then save with the version they
opened: a stale save is refused), create the same ten children, and one runs a 2,000-row roster
import meanwhile. Each writer reports what it committed; the database is then counted.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.errors import ConcurrentEdit, DatabaseBusy, DomainError
from core.vocab import Category, ContactKind, Gender
from db.engine import make_engine, transaction
from db.models import CareContact, Child, Pairing
from services.access.permissions import Actor
from services.care import contacts
from services.imports import run_import
from services.roster import records as roster
from services.roster.child_input import ChildInput, child_to_input
from services.stats import rollups  # noqa: F401  (writes keep the figures' rollups, as in the app)

ROOT = Path(__file__).resolve().parent.parent
NOTE = "并发基准"
SAME_CHILDREN = [f"并发{a}{b}" for a in "甲乙" for b in "子丑寅卯辰"]  # ten names
IMPORT_TOWN = "并发镇"


@dataclass
class Tally:
    role: str
    attempted: int = 0
    committed: int = 0
    stale: int = 0
    duplicates: int = 0
    locked: int = 0
    other: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    imported: int = 0


def _setup_sqlite() -> str:
    folder = Path(tempfile.mkdtemp(prefix="shouwang-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SHOUWANG_DEMO": "1"}
    for args in (["init"], ["seed", "--scale", "demo"]):
        subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    return url


@dataclass(frozen=True)
class Targets:
    pairs: list[tuple[int, int]]
    edited: int
    town: int
    village: int


def _targets(url: str) -> Targets:
    engine = make_engine(url)
    with transaction(engine, write=False) as session:
        pairs = session.execute(select(Pairing.child_id, Pairing.helper_id).where(
            Pairing.ended_on.is_(None)).limit(40)).all()
        edited = session.scalar(select(Child).where(Child.archived_at.is_(None))
                                .order_by(Child.id).limit(1))
    engine.dispose()
    return Targets([tuple(p) for p in pairs], edited.id, edited.town_id, edited.village_id)


def _write(tally: Tally, action: Callable[[], None]) -> None:
    """Run one write, timed, and count how it ended."""
    tally.attempted += 1
    start = time.perf_counter()
    try:
        action()
        tally.committed += 1
    except ConcurrentEdit:
        tally.stale += 1
    except roster.DuplicateChild:
        tally.duplicates += 1
    except DatabaseBusy:
        tally.locked += 1
    except OperationalError as exc:
        tally.locked += "locked" in str(exc)
        tally.other.append(str(exc)[:100])
    except DomainError as exc:
        tally.other.append(exc.message[:100])
    tally.seconds.append(time.perf_counter() - start)


def _roster_file(count: int) -> bytes:
    head = "姓名,性别,出生日期,儿童类别,乡镇(街道),村(社区)"
    given = "安宝晨东芳刚海华佳俊凯兰丽明娜鹏琪荣森婷伟欣雪阳怡勇玉泽真志"
    rows = [f"导{given[i % 30]}{given[i // 30 % 30]},{'男' if i % 2 else '女'},"
            f"{date(2012, 1, 1) + timedelta(days=i):%Y-%m-%d},留守儿童,{IMPORT_TOWN},"
            f"{'东西南北中'[i % 5]}村" for i in range(count)]
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")


def writer(role: str, number: int, url: str, seconds: float, targets: Targets,
           results: multiprocessing.Queue) -> None:
    """One writer process: its kind of write, again and again, until time is up."""
    engine, actor, tally = make_engine(url), Actor.system(f"bench{number}"), Tally(role)
    deadline, today, n = time.monotonic() + seconds, date.today(), 0
    if role == "import":
        def load() -> None:
            with transaction(engine) as session:
                report = run_import(session, actor=actor, kind="roster", filename="bench.csv",
                                    data=_roster_file(2000))
            if not report.ok:
                raise DomainError(report.errors[0].reason)
            tally.imported = report.created
        _write(tally, load)
        role = tally.role = "contact"  # then log contacts like the others
    while time.monotonic() < deadline:
        n += 1
        if role == "contact":
            child_id, helper_id = targets.pairs[(number * 7 + n) % len(targets.pairs)]

            def log(child_id: int = child_id, helper_id: int = helper_id) -> None:
                with transaction(engine) as session:
                    contacts.log_contact(session, actor=actor, child_id=child_id,
                                         helper_id=helper_id, kind=ContactKind.talk,
                                         contact_date=today, minutes=10, notes=NOTE,
                                         client_token=uuid.uuid4().hex, today=today)
            _write(tally, log)
        elif role == "edit":
            with transaction(engine, write=False) as session:  # the person opens the page
                opened = roster.get_child(session, actor, targets.edited)
                version, data = opened.version, child_to_input(opened)
            data.notes = f"{NOTE} {number}-{n}"

            def save(version: int = version, data: ChildInput = data) -> None:
                with transaction(engine) as session:
                    roster.update_child(session, actor=actor, child_id=targets.edited,
                                        expected_version=version, data=data, today=today)
            _write(tally, save)
        else:
            name = SAME_CHILDREN[(number + n) % len(SAME_CHILDREN)]

            def create(name: str = name) -> None:
                with transaction(engine) as session:
                    roster.create_child(session, actor=actor, today=today, data=ChildInput(
                        name=name, gender=Gender.female, birth_date=date(2016, 6, 1),
                        categories=[Category.left_behind], town_id=targets.town,
                        village_id=targets.village))
                tally.created.append(name)
            _write(tally, create)
    engine.dispose()
    results.put(tally)


def _roles(writers: int) -> list[str]:
    """Half log contacts, a quarter edit one child, the rest create; one imports first."""
    roles = ["import"] + ["contact"] * (writers // 2 - 1) + ["edit"] * (writers // 4)
    return roles + ["create"] * (writers - len(roles))


def _database_counts(url: str, edited: int) -> dict[str, int]:
    engine = make_engine(url)
    with transaction(engine, write=False) as session:
        counts = {
            "contacts": session.scalar(select(func.count(CareContact.id)).where(
                CareContact.notes == NOTE)),
            "created": session.scalar(select(func.count(Child.id)).where(
                Child.name.in_(SAME_CHILDREN))),
            "edit_version": session.scalar(select(Child.version).where(Child.id == edited)),
            "imported": session.scalar(select(func.count(Child.id)).where(
                Child.name.like("导%"))),
            "duplicate_children": session.scalar(select(func.count()).select_from(
                select(Child.name, Child.birth_date, Child.village_id)
                .group_by(Child.name, Child.birth_date, Child.village_id)
                .having(func.count() > 1).subquery())),
        }
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="default: a temp SQLite database with the demo seed")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    url = args.url or _setup_sqlite()
    targets = _targets(url)
    with transaction(make_engine(url), write=False) as session:
        version_before = session.get(Child, targets.edited).version
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    processes = [spawn.Process(target=writer, args=(role, i, url, args.seconds, targets, results))
                 for i, role in enumerate(_roles(args.writers))]
    for process in processes:
        process.start()
    tallies = [results.get(timeout=args.seconds + 600) for _ in processes]
    for process in processes:
        process.join()
    _report(url, targets, version_before, tallies)


def _report(url: str, targets: Targets, version_before: int, tallies: list[Tally]) -> None:
    counts = _database_counts(url, targets.edited)
    said = {
        "contacts": sum(t.committed for t in tallies if t.role == "contact") - sum(
            1 for t in tallies if t.imported),
        "created": sum(len(t.created) for t in tallies),
        "edits": sum(t.committed for t in tallies if t.role == "edit"),
        "imported": sum(t.imported for t in tallies),
    }
    lost = (said["contacts"] - counts["contacts"]) + (said["created"] - counts["created"]) + (
        version_before + said["edits"] - counts["edit_version"]) + (
        said["imported"] - counts["imported"])
    latencies = sorted(s for t in tallies for s in t.seconds)
    print(f"database                    {url.split('@')[-1]}")
    roles = ", ".join(sorted({t.role for t in tallies}))
    print(f"writers                     {len(tallies)} ({roles}; "
          f"one imported {said['imported']:,} children first)")
    print(f"writes attempted            {sum(t.attempted for t in tallies):,}")
    print(f"writes committed            {sum(t.committed for t in tallies):,}")
    print(f"writes lost                 {lost}")
    print(f"duplicate children          {counts['duplicate_children']}  "
          f"(created {counts['created']} of {len(SAME_CHILDREN)}, "
          f"{sum(t.duplicates for t in tallies):,} duplicate saves refused)")
    print(f"'database is locked' seen   {sum(t.locked for t in tallies)}")
    print(f"stale edits refused         {sum(t.stale for t in tallies):,} "
          f"(edits committed {said['edits']:,})")
    print(f"other refusals              {sum(len(t.other) for t in tallies)} "
          f"{sorted({o for t in tallies for o in t.other})[:3]}")
    print(f"write latency               p50 {statistics.median(latencies) * 1000:7.1f} ms · "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:7.1f} ms · "
          f"max {latencies[-1] * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
