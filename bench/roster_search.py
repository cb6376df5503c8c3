"""County scale: how fast the roster list answers its common filters (target: under 1 s each).

    .venv/bin/python bench/roster_search.py [--url DATABASE_URL] [--explain]

Seeds the county scale (about 50,000 children) into a fresh SQLite file, or into --url when that
database is empty (a seeded one is used as it is), then times `search_children` (best of 5)
as admin and as the demo coordinator.
--explain prints each statement's query plan. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from core.vocab import Category, OrgKind, RiskLevel
from db import schema
from db.engine import make_engine
from db.models import OrgUnit, User
from sample_data import DatabaseNotEmpty, seed_database
from services.access import users
from services.access.permissions import Actor
from services.roster.roster_filter import AgeBand, PairingState, RosterFilter
from services.roster.roster_search import filtered_child_ids, search_children

TODAY = date(2026, 11, 30)
REPEAT = 5


def best_ms(func_: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = func_()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def cases(session: Session, town_id: int) -> list[tuple[str, Callable[[Actor], object]]]:
    """(label, run as actor) for each timed search."""
    def search(roster_filter: RosterFilter, **kwargs: object) -> Callable[[Actor], object]:
        return lambda actor: search_children(session, actor, roster_filter, today=TODAY,
                                             **kwargs)  # type: ignore[arg-type]

    def count_ids(actor: Actor) -> object:
        ids = filtered_child_ids(actor, RosterFilter(org_unit_id=town_id), today=TODAY)
        return session.scalar(select(func.count()).select_from(ids.subquery()))

    return [
        ("no filter, page 1", search(RosterFilter())),
        ('text "lxy"', search(RosterFilter(text="lxy"))),
        ('text "0011" (ID suffix)', search(RosterFilter(text="0011"))),
        ("town + left-behind + 7-12", search(RosterFilter(
            org_unit_id=town_id, categories=(Category.left_behind,),
            age_bands=(AgeBand.primary,)))),
        ("risk red", search(RosterFilter(risk_levels=(RiskLevel.red,)))),
        ("unpaired", search(RosterFilter(pairing=PairingState.unpaired))),
        ("no filter, page 500", search(RosterFilter(), page=500)),
        ("no filter, order risk", search(RosterFilter(), order="risk")),
        ("no filter, order recent", search(RosterFilter(), order="recent")),
        ("filtered_child_ids count, town", count_ids),
    ]


def explain(engine: Engine, session: Session, run: Callable[[Actor], object],
            actor: Actor) -> None:
    """Print the plan of every statement one run sends."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    run(actor)
    event.remove(engine, "before_cursor_execute", record)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    for statement, parameters in sent:
        print("      ", " ".join(statement.split())[:160], "…")
        plan = session.connection().exec_driver_sql(prefix + statement, parameters)  # type: ignore[arg-type]
        for line in plan:
            print("         ", " | ".join(str(v) for v in line))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        start = time.perf_counter()
        try:
            summary = seed_database(engine, scale="county", today=TODAY)
            print(f"seed county: {time.perf_counter() - start:.1f} s, "
                  f"{summary.counts.get('children', 0):,} children")
        except DatabaseNotEmpty:
            print("using the data already in", url)
        with Session(engine) as session:
            user = session.scalar(select(User).where(User.username == "coordinator"))
            assert user is not None
            coordinator = users.actor_for(session, user)
            town_id = coordinator.org_unit_id or session.scalar(
                select(OrgUnit.id).where(OrgUnit.kind == OrgKind.town).order_by(OrgUnit.id))
            actors = {"admin": Actor.system(), "coordinator": coordinator}
            print(f"{'case':<34}" + "".join(f"{name:>22}" for name in actors))
            for label, run in cases(session, town_id):
                figures = []
                for actor in actors.values():
                    ms, result = best_ms(lambda run=run, actor=actor: run(actor))
                    total = getattr(result, "total", result)
                    figures.append(f"{ms:8.1f} ms {total:>8,}")
                print(f"{label:<34}" + "".join(f"{f:>22}" for f in figures))
                if args.explain:
                    for name, actor in actors.items():
                        print(f"    plan as {name}:")
                        explain(engine, session, run, actor)
        engine.dispose()


if __name__ == "__main__":
    main()
