"""What a database keeps on disk, for tests that look for text that must not be there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import Engine


def stored_bytes(engine: Engine) -> bytes:
    """Every byte the database keeps: the SQLite file with its WAL, or a PostgreSQL dump."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    from services.backup import pg_store
    with engine.connect() as conn:
        major = pg_store.server_major(conn)
    dump = pg_store.find_tool("pg_dump", major)
    rendered = url.render_as_string(hide_password=False).replace("+psycopg", "")
    return subprocess.run([str(dump), "--data-only", rendered], check=True,
                          capture_output=True).stdout


def forms_of(text: str) -> list[bytes]:
    """The text as stored: UTF-8 in a column, and \\u-escaped inside JSON."""
    return [text.encode("utf-8"), json.dumps(text)[1:-1].encode("ascii")]
