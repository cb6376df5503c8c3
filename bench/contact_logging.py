"""County scale: how long one care contact takes to save, commit included (goal < 200 ms).

    .venv/bin/python -m bench.contact_logging --url sqlite:////tmp/county.db [--times 20]

Logs contacts as the demo helper for their own children, each in its own transaction as the
page does, then deletes what it wrote. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import date

from sqlalchemy import delete, select

from core.vocab import ContactKind
from db.engine import make_engine, transaction
from db.models import AuditEvent, CareContact, User
from services.access import users
from services.care import contacts
from services.pairing import my_pairings
from services.stats import rollups  # noqa: F401  (writes keep the figures' rollups, as in the app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--times", type=int, default=20)
    args = parser.parse_args()
    engine, today = make_engine(args.url), date.today()
    with transaction(engine) as session:
        actor = users.actor_for(session, session.scalar(
            select(User).where(User.username == "helper")))
        children = [c.child_id for c in my_pairings.my_children(session, actor, today=today)]
    made, seconds = [], []
    for i in range(args.times):
        start = time.perf_counter()
        with transaction(engine) as session:
            contact = contacts.log_contact(
                session, actor=actor, child_id=children[i % len(children)], helper_id=None,
                kind=ContactKind.talk, contact_date=today, minutes=20, notes="基准测试",
                client_token=uuid.uuid4().hex, today=today)
            session.flush()
            made.append(contact.id)
        seconds.append(time.perf_counter() - start)
    with transaction(engine) as session:
        session.execute(delete(AuditEvent).where(
            AuditEvent.entity == contacts.ENTITY, AuditEvent.entity_id.in_(map(str, made))))
        session.execute(delete(CareContact).where(CareContact.id.in_(made)))
    print(f"{'log one contact, commit included':<40} median "
          f"{statistics.median(seconds) * 1000:7.1f} ms · worst {max(seconds) * 1000:7.1f} ms "
          f"({args.times} saves)")


if __name__ == "__main__":
    main()
