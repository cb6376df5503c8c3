"""Restore a backup: check everything first, replace all at once, migrate, compare the counts."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from core.i18n import Msg
from db import schema
from db.engine import make_engine
from db.field_crypto import FIELD_KEY_VARIABLE, active_key
from services.access.permissions import Actor, Capability
from services.backup import pg_store, photo_folder, sqlite_store
from services.backup.archive import (
    DATABASE_MEMBERS,
    FIELD_KEY_ENTRY,
    PHOTO_DIR,
    BackupError,
    Manifest,
    extract,
)
from services.backup.make import (
    KIND_NAMES,
    BackupResult,
    Progress,
    audit_event,
    database_kind,
    make_backup,
)


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]  # after the restore and the migration
    revision: str
    pre_restore: BackupResult | None


def restore_backup(url: str, archive: Path, *, actor: Actor, data_dir: Path, force: bool = False,
                   pre_restore_dir: Path | None = None,
                   progress: Progress | None = None) -> RestoreResult:
    """Replace the database and the photo folder with the archive's, or change nothing.

    Over existing data only with `force`, and then after backing that data up into
    `pre_restore_dir` (default: the archive's folder).
    """
    actor.require(Capability.MANAGE_USERS)
    report = progress or (lambda _f, _s: None)
    kind = database_kind(url)
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="shouwang-restore-") as tmp:
        work = Path(tmp)
        report(0.05, Msg("errors.backup.stage.verify"))
        manifest = extract(archive, work / "content")
        check_compatible(manifest, kind)
        restored = work / "content" / DATABASE_MEMBERS[kind]
        engine = make_engine(url)
        try:
            major = _check_database(kind, engine, restored, manifest)
            pre = None
            if not _target_empty(kind, url, engine):
                if not force:
                    raise BackupError(_not_empty_message(kind, url, engine))
                report(0.2, Msg("errors.backup.stage.pre_backup"))
                engine.dispose()
                pre = make_backup(url, _pre_restore_path(pre_restore_dir or archive.parent),
                                  actor=actor, data_dir=data_dir, action="backup_pre_restore")
            report(0.4, Msg("errors.backup.stage.restore"))
            staged = photo_folder.stage(work / "content" / PHOTO_DIR, data_dir)
            try:
                _replace_database(kind, url, engine, restored, manifest, major, work)
            except BaseException:
                photo_folder.discard(staged)
                raise
            photo_folder.swap(staged, data_dir)
            report(0.8, Msg("errors.backup.stage.upgrade"))
            engine.dispose()
            revision = schema.upgrade(engine)
            counts = _counts(kind, url, engine)
        finally:
            engine.dispose()
    note = f"；恢复前的数据已备份到 {pre.path.name}" if pre else ""
    audit_event(url, actor, "restore", archive, archive.stat().st_size, manifest, note)
    report(1.0, Msg("errors.backup.stage.done"))
    return RestoreResult(manifest, counts, revision, pre)


def _check_database(kind: str, engine: Engine, restored: Path, manifest: Manifest) -> int:
    """Refuse a database copy that is damaged or not the one the manifest describes."""
    if kind == "sqlite":
        sqlite_store.check_file(restored)
        check_counts(sqlite_store.table_counts(restored), manifest)
        if sqlite_store.revision(restored) != manifest.schema_revision:
            raise BackupError("备份中的数据库版本与清单不符，已拒绝恢复。")
        return 0
    with engine.connect() as conn:
        major = pg_store.server_major(conn)
    pg_store.check_dump(restored, major)
    return major


def _target_empty(kind: str, url: str, engine: Engine) -> bool:
    return all(n == 0 for n in _people(kind, url, engine).values())


def _people(kind: str, url: str, engine: Engine) -> dict[str, int]:
    """Children and users in the target (tables that do not exist are left out)."""
    if kind == "sqlite":
        path = sqlite_store.database_path(url)
        return sqlite_store.people_counts(path) if path.is_file() else {}
    with engine.connect() as conn:
        return pg_store.people_counts(conn)


def _not_empty_message(kind: str, url: str, engine: Engine) -> str:
    people = _people(kind, url, engine)
    children, accounts = people.get("children", 0), people.get("users", 0)
    return (f"目标数据库中已有数据（{children}名儿童、{accounts}个账户），"
            "恢复会覆盖它们，本次未做任何修改。确认要覆盖时请加 --force：程序会先把现有数据备份，"
            "再恢复。")


def _pre_restore_path(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"守望_恢复前备份_{stamp}.tar.gz"


def _replace_database(kind: str, url: str, engine: Engine, restored: Path, manifest: Manifest,
                      major: int, work: Path) -> None:
    """Put the restored database in place in one step; the SQLite copy is migrated first."""
    if kind == "sqlite":
        copy = make_engine(f"sqlite:///{restored}")
        try:
            schema.upgrade(copy)
        finally:
            copy.dispose()
        sqlite_store.replace(sqlite_store.database_path(url), restored)
        return
    engine.dispose()  # the pool's idle connections would hold locks the schema drop waits for
    pg_store.restore(url, restored, major, manifest.row_counts, work)


def _counts(kind: str, url: str, engine: Engine) -> dict[str, int]:
    if kind == "sqlite":
        return sqlite_store.table_counts(sqlite_store.database_path(url))
    with engine.connect() as conn:
        return pg_store.table_counts(conn)


def check_compatible(manifest: Manifest, kind: str) -> None:
    """Refuse a backup of another database kind, or of a schema newer than this code knows."""
    if manifest.database != kind:
        raise BackupError(
            f"这是 {KIND_NAMES.get(manifest.database, manifest.database)} 数据库的备份，"
            f"不能恢复到当前的 {KIND_NAMES[kind]} 数据库；请在同类数据库上恢复。")
    if manifest.schema_revision not in _known_revisions():
        raise BackupError(
            f"备份来自更新版本的守望（数据库版本 {manifest.schema_revision[:40]}，本程序最高为 "
            f"{schema.head_revision()}），请先升级守望程序再恢复；本次未做任何修改。")
    if DATABASE_MEMBERS[kind] not in manifest.files:
        raise BackupError("备份文件中没有数据库文件，无法恢复。")
    made_with = manifest.extra.get(FIELD_KEY_ENTRY)
    if made_with and made_with != active_key().fingerprint():
        raise BackupError(f"备份中的身份证号是用另一把密钥加密的：请把 {FIELD_KEY_VARIABLE} "
                          "设为做备份时那台服务器的密钥后再恢复；本次未做任何修改。")


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(schema.alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def check_counts(found: dict[str, int], manifest: Manifest) -> None:
    """Refuse a database whose row counts are not the manifest's."""
    wrong = sorted(t for t in set(found) | set(manifest.row_counts)
                   if found.get(t) != manifest.row_counts.get(t))
    if wrong:
        table = wrong[0]
        raise BackupError(f"备份中的数据与清单不符（表 {table}：清单"
                          f" {manifest.row_counts.get(table)} 行，实际 {found.get(table)} 行），"
                          "已拒绝恢复。")
