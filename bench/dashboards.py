"""Open dashboards cost the database (issue 18): 20 总览 open on 2 app processes behind HAProxy
for 5 minutes, the database's CPU time per minute before the rollups and with them.

    .venv/bin/python -m bench.dashboards --url postgresql+psycopg://…/county \
        [--dashboards 20] [--workers 2] [--minutes 5] [--writes-per-minute 2]

Point it at a PostgreSQL database seeded with the county (`cli.py seed --scale county`) on
this machine: the database's CPU time is read from /proc, the postmaster and every backend.
Each mode starts `scripts/serve.sh --workers N`, logs the dashboards in through a headless
Chromium (half as the administrator, half as the township coordinator, spread over the workers
by HAProxy) and leaves them open on 总览 while a care contact is logged now and then:

- before: the figures counted from the records and counted again every 10 seconds, by every
  process for every scope shown (`SHOUWANG_RECOUNT_SECONDS=10`), as the dashboard did;
- after: the figures summed from the rollups, counted again only when the data version moves.

Prints the CPU seconds per minute of the database and of the app processes, and the ratio.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from config import local_today
from core.vocab import ContactKind
from db.engine import make_engine, transaction
from db.models import CareContact, Child, Helper, Pairing
from sample_data import DEMO_USERS
from services.access.permissions import Actor
from services.care import contacts
from services.stats import rollups  # noqa: F401  (the bench's writes keep the rollups)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SHOUWANG_CHROMIUM", "/usr/bin/chromium")
TICKS = os.sysconf("SC_CLK_TCK")
LOGINS = [u for u in DEMO_USERS if u.username in ("admin", "coordinator")]


def _stat(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()  # fields from the state on (the name may hold spaces)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == parent:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
    return found


def _cpu_seconds(pid: int, *, with_reaped: bool) -> float:
    """CPU time of `pid`, of its live children and (`with_reaped`) of those it has reaped."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped:
        ticks += int(fields[13]) + int(fields[14])
    for child in _children(pid):
        try:
            child_fields = _stat(child)
        except FileNotFoundError:
            continue
        ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / TICKS


def _session_cpu(session_id: int) -> float:
    """CPU time of the live processes of one session (serve.sh, its workers and HAProxy)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[3]) == session_id:
                ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _postmaster(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:  # read while the backend lives: it goes with the connection
        backend = conn.scalar(text("SELECT pg_backend_pid()"))
        postmaster = int(_stat(int(backend))[1])
    engine.dispose()
    return postmaster


@contextmanager
def _served(url: str, workers: int, port: int, recount: int):
    folder = tempfile.mkdtemp(prefix="shouwang-dash-")
    env = {**os.environ, "DATABASE_URL": url, "SHOUWANG_DEMO": "1", "SHOUWANG_DATA_DIR": folder,
           "SHOUWANG_RECOUNT_SECONDS": str(recount)}
    server = subprocess.Popen(["bash", "scripts/serve.sh", "--workers", str(workers),
                               "--port", str(port)], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_proxy/health") as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scripts/serve.sh did not come up")
            time.sleep(1)
        yield server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _open_dashboards(browser, port: int, count: int) -> list:
    pages = []
    for index in range(count):
        user = LOGINS[index % len(LOGINS)]
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(180_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_role("textbox", name="登录名", exact=True).wait_for()
        page.wait_for_timeout(1500)  # the cookie component's rerun (see tests/browser/conftest)
        page.get_by_role("textbox", name="登录名", exact=True).fill(user.username)
        page.get_by_role("textbox", name="密码", exact=True).fill(user.password)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_role("button", name="退出登录", include_hidden=True).first.wait_for(
            state="attached")
        pages.append(page)
    return pages


def _log_and_withdraw(url: str, today: date) -> None:
    """One care contact logged and withdrawn again: two saves that move the data version."""
    engine = make_engine(url)
    actor = Actor.system()
    with transaction(engine) as session:
        child_id, helper_id = session.execute(
            select(Pairing.child_id, Pairing.helper_id).join(Child, Child.id == Pairing.child_id)
            .join(Helper, Helper.id == Pairing.helper_id)
            .where(Pairing.ended_on.is_(None), Child.archived_at.is_(None),
                   Helper.archived_at.is_(None)).limit(1)).one()
        made = contacts.log_contact(session, actor=actor, child_id=child_id,
                                    helper_id=helper_id, kind=ContactKind.phone_visit,
                                    contact_date=today, minutes=10, notes="bench", today=today)
    with transaction(engine) as session:
        row = session.get(CareContact, made.id)
        assert row is not None
        contacts.archive_contact(session, actor=actor, contact_id=made.id,
                                 expected_version=row.version, reason="测试后撤销", today=today)
    engine.dispose()


def _measure(args: argparse.Namespace, recount: int) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    postmaster = _postmaster(args.url)
    with _served(args.url, args.workers, args.port, recount) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        pages = _open_dashboards(browser, args.port, args.dashboards)
        time.sleep(20)  # every dashboard drawn once before the clock starts
        db_start, app_start = (_cpu_seconds(postmaster, with_reaped=True),
                               _session_cpu(server))
        started = time.monotonic()
        end = started + args.minutes * 60
        gap = 60 / args.writes_per_minute if args.writes_per_minute else None
        next_write = started + (gap or 0) / 2
        while time.monotonic() < end:
            if gap and time.monotonic() >= next_write:
                _log_and_withdraw(args.url, args.today)
                next_write += gap
            time.sleep(0.5)
        minutes = (time.monotonic() - started) / 60
        db = (_cpu_seconds(postmaster, with_reaped=True) - db_start) / minutes
        app = (_session_cpu(server) - app_start) / minutes
        live = sum(1 for p in pages if p.get_by_text("退出登录").count())
        browser.close()
    print(f"  {len(pages)} dashboards opened, {live} still logged in at the end")
    return db, app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a PostgreSQL database on this machine")
    parser.add_argument("--dashboards", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--writes-per-minute", type=float, default=2)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--today", type=date.fromisoformat, default=local_today())
    parser.add_argument("--only", choices=["before", "after"], help="one of the two modes")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        sys.exit("the database's CPU time is read from PostgreSQL's processes: give --url "
                 "postgresql+psycopg://…")
    results = {}
    modes = {"before": ("before: counted from the records every 10 s", 10),
             "after": ("after: rollups, recounted when the data moves", 0)}
    for mode, (label, recount) in modes.items():
        if args.only not in (None, mode):
            continue
        print(f"== {label}", flush=True)
        db, app = _measure(args, recount)
        results[label] = db
        print(f"  database CPU {db:7.1f} s per minute   app processes {app:7.1f} s per minute",
              flush=True)
    if len(results) < 2:
        return
    before, after = results.values()
    print(f"== the database's CPU time per minute fell {before / max(after, 1e-9):.0f}×")


if __name__ == "__main__":
    main()
