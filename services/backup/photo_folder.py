"""Put a restored photo folder in place: staged beside the live one, then swapped by renames."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from services.backup.archive import PHOTO_DIR, BackupError


def stage(extracted: Path, data_dir: Path) -> Path:
    """Move the restored photos into a hidden folder in the data folder (same file system)."""
    target = data_dir / f".photos-restore-{uuid.uuid4().hex}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if extracted.is_dir():
            shutil.copytree(extracted, target)
        else:
            target.mkdir()
    except OSError as exc:
        discard(target)
        raise BackupError(f"无法在数据文件夹 {data_dir} 中放置照片：{exc.strerror or exc}；"
                          "原有数据未改动。") from exc
    return target


def swap(staged: Path, data_dir: Path) -> None:
    """Make the staged folder the photo folder; the old one is removed once the new is in place."""
    live = data_dir / PHOTO_DIR
    old = data_dir / f".photos-old-{uuid.uuid4().hex}"
    if live.exists():
        live.rename(old)
    staged.rename(live)
    discard(old)


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
