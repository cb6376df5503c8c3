"""County scale: the pairing board, suggestions, match health and 我的结对.

    .venv/bin/python bench/pairing_board.py --url sqlite:////tmp/county.db

Needs a seeded database (`DATABASE_URL=... python cli.py seed --scale county`). Prints figures,
asserts nothing; it only reads, so the database is left as it was.
"""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy import select

from bench.seed_county import timed
from db.engine import make_engine, transaction
from db.models import User
from services.access import users
from services.access.permissions import Actor
from services.pairing import match_health, my_pairings, pairing_board, suggestions
from services.stats import (
    headline_counts,
    rollups,  # noqa: F401  (writes keep the figures' rollups, as in the app)
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    today = date.today()
    with transaction(make_engine(args.url)) as session:
        actors = {"admin (county)": Actor.system()}
        for username in ("coordinator", "helper"):
            user = session.scalar(select(User).where(User.username == username))
            actors[f"{username}"] = users.actor_for(session, user)
        for name, actor in actors.items():
            print(f"-- as {name}")
            timed("pairing_stats (best of 3)", headline_counts.pairing_stats, session, actor,
                  repeat=3)
            health = timed("pairing_health, all open pairs", match_health.pairing_health,
                           session, actor, today=today)
            print(f"    {len(health):,} pairings")
            if name == "helper":
                timed("my_children", my_pairings.my_children, session, actor, today=today)
                continue
            waiting = timed("unpaired_children (first 200)", pairing_board.unpaired_children,
                            session, actor, today=today)
            total = timed("count_unpaired", pairing_board.count_unpaired, session, actor)
            print(f"    {total:,} waiting")
            timed("helpers_with_places", pairing_board.helpers_with_places, session, actor)
            timed("helper_health", match_health.helper_health, session, actor, today=today)
            for child in waiting[:3]:
                timed(f"suggest_helpers for child {child.id}", suggestions.suggest_helpers,
                      session, actor, child.id, today=today)
        session.rollback()


if __name__ == "__main__":
    main()
