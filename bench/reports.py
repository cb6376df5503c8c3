"""The written 活动总结 and the meeting deck at county scale: how long each takes.

Usage: python -m bench.reports [--database-url URL] [--org NAME]
Prints the draft's time (stats included), each file format's, and the deck's by step.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from db.engine import make_engine, transaction
from services.access import orgs
from services.access.permissions import Actor
from services.care.terms import term_of
from services.reports.deck import build_deck
from services.reports.report_draft import draft_markdown
from services.reports.report_files import render
from services.stats.figures import StatsScope, compute


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="sqlite:////tmp/stats_bench.db")
    parser.add_argument("--org", help="a unit's name (default: the whole county)")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    today = date.today()
    term = term_of(today)
    with transaction(engine) as session:
        org_id = orgs.find_org_unit(session, args.org)[0].id if args.org else None
        scope = StatsScope(term.start, term.end, org_id)
        actor = Actor.system()
        started = time.perf_counter()
        stats = compute(session, actor, scope, today=today)
        computed = time.perf_counter()
        text = draft_markdown(session, actor, scope, today=today, stats=stats)
        drafted = time.perf_counter()
        print(f"statistics             {computed - started:6.2f} s")
        print(f"draft (stats included) {drafted - started:6.2f} s   target < 3 s")
        for fmt in ("md", "docx", "pdf"):
            began = time.perf_counter()
            size = len(render(text, fmt, title="工作总结"))
            print(f"  {fmt:<4} file           {time.perf_counter() - began:6.2f} s  {size:,} bytes")
        steps: list[tuple[float, str]] = []
        began = time.perf_counter()
        deck = build_deck(session, actor, scope, today=today,
                          progress=lambda _fraction, message: steps.append(
                              (time.perf_counter(), message)))
        finished = time.perf_counter()
    print(f"deck (stats included)  {finished - began:6.2f} s   target < 20 s  "
          f"{len(deck):,} bytes")
    last = began
    for at, message in steps:
        print(f"  {at - last:5.2f} s before “{message}”")
        last = at


if __name__ == "__main__":
    main()
