"""A second process that writes while a test works: one care contact every 0.1 s.

    python -m tests.concurrency.contact_writer URL CHILD_ID HELPER_ID STOP_FILE PROGRESS_FILE

Stops when STOP_FILE appears (or after MAX_WRITES); PROGRESS_FILE holds how many contacts it
has committed so far, for the test to wait on; the last line of stdout is a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy.exc import OperationalError

from config import local_today
from core.errors import DatabaseBusy
from core.vocab import ContactKind
from db.engine import make_engine, transaction
from services.access.permissions import Actor
from services.care import contacts

MAX_WRITES = 900  # about 90 s: a bound, never reached when the test stops it
PAUSE_S = 0.1  # the pace of one person logging contacts, not a wait for a condition


def main(argv: list[str]) -> int:
    """Log contacts until told to stop; report committed and refused writes."""
    url, child_id, helper_id, stop, progress = argv
    engine, actor = make_engine(url), Actor.system("writer")
    committed, locked, other = 0, 0, []
    for _ in range(MAX_WRITES):
        if Path(stop).exists():
            break
        try:
            with transaction(engine) as session:
                contacts.log_contact(session, actor=actor, child_id=int(child_id),
                                     helper_id=int(helper_id), kind=ContactKind.talk,
                                     contact_date=local_today(), minutes=10, notes="并发写入",
                                     client_token=uuid.uuid4().hex, today=local_today())
            committed += 1
        except DatabaseBusy:
            locked += 1
        except OperationalError as exc:
            locked += "locked" in str(exc)
            other.append(str(exc))
        partial = Path(f"{progress}.tmp")
        partial.write_text(str(committed))
        partial.replace(progress)  # the test never reads a half-written number
        time.sleep(PAUSE_S)
    print(json.dumps({"committed": committed, "locked": locked, "other": other}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
