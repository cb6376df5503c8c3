"""Backups and restores described in Chinese, for the command line and the 管理 page."""

from __future__ import annotations

from services.backup.make import KIND_NAMES, BackupResult
from services.backup.restore import RestoreResult


def size_text(size: int) -> str:
    """1.5 MB, 12.0 KB."""
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def count_lines(counts: dict[str, int]) -> list[str]:
    """One aligned line per table: name and rows."""
    width = max((len(table) for table in counts), default=0)
    return [f"  {table:<{width}}  {count:>10,}" for table, count in sorted(counts.items())]


def backup_lines(result: BackupResult) -> list[str]:
    """What was backed up: file, size, database, tables with their rows, photos."""
    manifest = result.manifest
    return [f"已备份到 {result.path}（{size_text(result.size)}，仅本人可读写）："
            f"{KIND_NAMES[manifest.database]} 数据库，版本 {manifest.schema_revision}，"
            f"{len(manifest.row_counts)}张表，{manifest.photo_count}张照片。各表行数：",
            *count_lines(manifest.row_counts),
            "备份文件含儿童个人信息，请妥善保管。"]


def restore_lines(result: RestoreResult, archive: str) -> list[str]:
    """What was restored, the pre-restore backup if one was made, and the rows now present."""
    manifest = result.manifest
    lines = [f"恢复前的数据已备份到：{result.pre_restore.path}"] if result.pre_restore else []
    return [*lines,
            f"已从 {archive} 恢复（备份于 {manifest.created_at}，操作人 {manifest.operator}，"
            f"{manifest.photo_count}张照片）；各表行数与备份清单一致。",
            f"数据库已升级到版本 {result.revision}，现有行数：",
            *count_lines(result.counts)]
