"""Make a backup: a consistent copy of the database and the photo folder, in one archive."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from core.i18n import Msg
from db.engine import make_engine, transaction
from db.field_crypto import active_key
from services.access import audit
from services.access.permissions import Actor, Capability
from services.backup import pg_store, sqlite_store
from services.backup.archive import (
    DATABASE_MEMBERS,
    FIELD_KEY_ENTRY,
    BackupError,
    Manifest,
    describe,
    photo_files,
    write_archive,
)

KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest


def database_kind(url: str) -> str:
    """`sqlite` or `postgresql`: the only databases a backup can be made of."""
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupError.of("errors.backup.backend", backend=backend)
    return backend


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _silent(_fraction: float, _stage: str) -> None:
    return None


def make_backup(url: str, out: Path, *, actor: Actor, data_dir: Path,
                progress: Progress | None = None, action: str = "backup") -> BackupResult:
    """Write one archive of the database and the photo folder to `out` (mode 0600); audit it."""
    actor.require(Capability.MANAGE_USERS)
    report = progress or _silent
    kind = database_kind(url)
    with tempfile.TemporaryDirectory(prefix="shouwang-backup-") as tmp:
        copy = Path(tmp) / DATABASE_MEMBERS[kind]
        report(0.05, Msg("errors.backup.stage.copy"))
        counts, revision = _copy_database(kind, url, copy)
        if revision is None:
            raise BackupError.of("errors.backup.empty_database")
        report(0.5, Msg("errors.backup.stage.checksums"))
        files = {copy.name: copy, **photo_files(data_dir)}
        manifest = Manifest(database=kind, schema_revision=revision, row_counts=counts,
                            files=describe(files), created_at=_now(), operator=actor.username,
                            extra={FIELD_KEY_ENTRY: active_key().fingerprint()})
        report(0.7, Msg("errors.backup.stage.write"))
        size = write_archive(Path(out), manifest, files)
    result = BackupResult(Path(out), size, manifest)
    audit_event(url, actor, action, result.path, size, manifest)
    report(1.0, Msg("errors.backup.stage.done"))
    return result


def _copy_database(kind: str, url: str, copy: Path) -> tuple[dict[str, int], str | None]:
    """Copy the database into `copy`; return its row counts and revision at that moment."""
    if kind == "sqlite":
        sqlite_store.snapshot(sqlite_store.database_path(url), copy)
        return sqlite_store.table_counts(copy), sqlite_store.revision(copy)
    engine = make_engine(url)
    try:
        with pg_store.snapshot(engine) as (conn, snapshot_id):
            counts, revision = pg_store.table_counts(conn), pg_store.revision(conn)
            pg_store.dump(url, snapshot_id, pg_store.server_major(conn), copy)
    finally:
        engine.dispose()
    return counts, revision


def audit_event(url: str, actor: Actor, action: str, path: Path, size: int,
           manifest: Manifest, note: str = "") -> None:
    """Record who backed up or restored which file, with its size and row counts."""
    children = manifest.row_counts.get("children", 0)
    summary = (f"{'恢复' if action == 'restore' else '备份'} {path.name}（{size:,}字节，"
               f"{children}名儿童，{manifest.photo_count}张照片）{note}")
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            audit.record(session, actor, action, "database", None, summary=summary[:300],
                         after={"file": str(path), "bytes": size, "rows": manifest.row_counts,
                                "schema_revision": manifest.schema_revision,
                                "backup_created_at": manifest.created_at,
                                "backup_operator": manifest.operator})
    finally:
        engine.dispose()
