"""County scale: compliance status, 待办, rates and the no-contact list.

    .venv/bin/python -m bench.compliance --url sqlite:////tmp/county.db [--today 2026-11-28]

Needs a seeded database at the newest schema. Prints figures, asserts nothing; it only reads.
The admin's figures are the whole county; the coordinator's are one town's.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date

from sqlalchemy import select

from bench.seed_county import timed
from db.engine import make_engine, transaction
from db.models import User
from services.access import users
from services.access.permissions import Actor
from services.care import compliance, todo
from services.exports import todo_export
from services.stats import rollups  # noqa: F401  (writes keep the figures' rollups, as in the app)


def _all_standings(session, actor, today):
    return list(compliance.standings(session, actor, today=today))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    today = args.today
    with transaction(make_engine(args.url)) as session:
        actors = {"admin (county)": Actor.system()}
        for username in ("coordinator", "helper"):
            user = session.scalar(select(User).where(User.username == username))
            actors[username] = users.actor_for(session, user)
        for name, actor in actors.items():
            print(f"-- as {name} on {today}")
            if name == "helper":
                items = timed("todo_for_helper (best of 3)", todo.todo_for_helper,
                              session, actor, today=today, repeat=3)
                print(f"    {len(items)} items")
                continue
            judged = timed("standings (once per 待办 tab render)", _all_standings, session,
                           actor, today)
            print(f"    {len(judged):,} pairing × rule")
            items = timed("todo_items, all unmet", todo.todo_items, session, actor,
                          today=today)
            print("    " + ", ".join(f"{s.zh} {n:,}" for s, n in Counter(
                i.status for i in items).items()))
            for group in ("helper", "school", "village", "rule"):
                rows = timed(f"compliance_rates by {group}", todo.compliance_rates,
                             session, actor, today=today, group_by=group)
                print(f"    {len(rows):,} rows")
            summary = timed("compliance_summary", todo.compliance_summary, session,
                            actor, today=today)
            for code, figures in summary.items():
                print(f"    {code:<32} {figures}")
            quiet = timed("no_contact_this_month", todo.no_contact_this_month, session,
                          actor, today=today)
            print(f"    {len(quiet):,} children")
            if items:
                timed("todo_for_helper (coordinator names one)", todo.todo_for_helper,
                      session, actor, today=today, helper_id=items[0].helper_id)
            data = timed("export_todo csv", todo_export.export_todo, session, actor=actor,
                         fmt="csv", today=today)
            print(f"    {len(data):,} bytes")
        session.rollback()


if __name__ == "__main__":
    main()
