"""管理 › 备份：an admin makes a backup of the database and the photos and downloads it.

The archive is written to a private temp folder (never the data folder), offered once for
download and then deleted; making it and downloading it are both audited.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st

from components.common.markup import md
from components.common.session import db_transaction, lang, settings
from core.i18n import render, t
from services.access import audit
from services.access.permissions import Actor, Capability
from services.backup import BackupError, make_backup
from services.backup.text import size_text

HELD_KEY = "admin_backup_file"
PREFIX = "shouwang-download-"
STALE_AFTER_S = 3600


@dataclass(frozen=True)
class HeldBackup:
    """A backup made for download: its file in a private temp folder, and what it holds."""

    path: str
    size: int
    children: int
    photos: int


def _sweep_stale() -> None:
    """Delete backups made for a download that never came (their session went away)."""
    cutoff = time.time() - STALE_AFTER_S
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # removed by another process meanwhile


def _new_target() -> Path:
    _sweep_stale()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # mode 0700, outside the data folder
    return folder / f"守望备份_{datetime.now():%Y%m%d-%H%M%S}.tar.gz"


def _forget(held: HeldBackup | None) -> None:
    """Delete a held archive and its temp folder."""
    if held is not None:
        shutil.rmtree(Path(held.path).parent, ignore_errors=True)
    st.session_state.pop(HELD_KEY, None)


def _make(actor: Actor) -> None:
    """Make a new archive with a progress bar; keep it for the download button."""
    _forget(st.session_state.get(HELD_KEY))
    target = _new_target()
    bar = st.progress(0.0, text=t("admin.backup.preparing", lang()))
    config = settings()

    def advance(done: float, stage: str) -> None:
        bar.progress(done, text=render(stage, lang()))

    try:
        result = make_backup(config.database_url, target, actor=actor, data_dir=config.data_dir,
                             progress=advance)
    except BackupError as exc:
        shutil.rmtree(target.parent, ignore_errors=True)
        bar.empty()
        st.error(md(exc.text(lang())))
        return
    bar.empty()
    st.session_state[HELD_KEY] = HeldBackup(str(result.path), result.size,
                                            result.manifest.row_counts.get("children", 0),
                                            result.manifest.photo_count)


def _downloaded(actor: Actor, held: HeldBackup) -> None:
    """Record who downloaded which backup and its size; the temp copy is no longer needed."""
    with db_transaction() as session:
        audit.record(session, actor, "backup_download", "database", None,
                     summary=f"下载备份 {Path(held.path).name}（{held.size:,}字节，"
                             f"{held.children}名儿童，{held.photos}张照片）",
                     after={"file": Path(held.path).name, "bytes": held.size})
    _forget(held)


def render_backup(actor: Actor) -> None:
    """The 备份 section of 管理: make a backup, then download it (admins only)."""
    if not actor.can(Capability.MANAGE_USERS):
        st.error(t("admin.backup.admins_only", lang()))
        return
    st.caption(t("admin.backup.warning", lang()))
    if st.button(t("admin.backup.make", lang()), key="admin_backup_make",
                 icon=":material/backup:"):
        _make(actor)
    held: HeldBackup | None = st.session_state.get(HELD_KEY)
    if held is None or not Path(held.path).is_file():
        return
    st.success(md(t("admin.backup.made", lang(), size=size_text(held.size),
                    children=held.children, photos=held.photos)))
    st.download_button(t("admin.backup.download", lang()), data=Path(held.path).read_bytes(),
                       file_name=Path(held.path).name, mime="application/gzip",
                       key="admin_backup_download", on_click=_downloaded, args=(actor, held),
                       icon=":material/download:")
