"""kill -9 in the middle of `cli.py import roster` leaves the database consistent and unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from db.engine import transaction
from db.models import Base
from tests.concurrency.helpers import on_sqlite, roster_csv, wait_until

ROOT = Path(__file__).resolve().parents[2]
# Runs the real command, with a small page cache so the open transaction's pages spill into
# the WAL file, and stops for good right after the first batch of children reaches the database.
RUNNER = """
import sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.pool import Pool
import cli
from services.imports import roster

marker = Path(sys.argv[2])
if sys.argv[3] == "sqlite":
    event.listen(Pool, "connect", lambda conn, _record: conn.execute("PRAGMA cache_size=5"))
flush_batch = roster._save_new

def flush_then_stop(*args, **kwargs):
    flush_batch(*args, **kwargs)
    marker.write_text("inside the import")
    for _ in range(600):
        time.sleep(0.1)
    sys.exit(3)

roster._save_new = flush_then_stop
sys.exit(cli.main(["import", "roster", sys.argv[1]]))
"""


def _row_counts(engine) -> dict[str, int]:
    with transaction(engine, write=False) as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def test_killing_an_import_midway_leaves_the_database_as_it_was(db_url, engine, tmp_path):
    file, marker = tmp_path / "名单.csv", tmp_path / "inside"
    file.write_bytes(roster_csv(2000))
    before = _row_counts(engine)
    env = {**os.environ, "DATABASE_URL": db_url, "SHOUWANG_DEMO": "1"}
    dialect = "sqlite" if on_sqlite(db_url) else "postgresql"
    process = subprocess.Popen([sys.executable, "-c", RUNNER, str(file), str(marker), dialect],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: marker.exists() or process.poll() is not None,
                   what="the import's first batch")
        assert marker.exists(), process.communicate()
        if on_sqlite(db_url):  # the uncommitted batch is in the WAL file, not only in memory
            assert Path(f"{make_url(db_url).database}-wal").stat().st_size > 100_000
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    engine.dispose()
    if on_sqlite(db_url):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").first() is None
    assert _row_counts(engine) == before
