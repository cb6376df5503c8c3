"""管理 › 备份：an admin makes a backup of the database and the photos and downloads it.

The archive is written to a private temp folder (never the data folder), offered once for
download and then deleted; making it and downloading it are both audited. It holds every child's
record, so it leaves only inside an AES-256 ZIP under a password the admin types (unpack it with
7-Zip or `unzip` before `cli.py restore`).
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
from components.exports.sensitive_choice import file_password
from core.i18n import render, t
from services.access import audit
from services.access.permissions import Actor, Capability
from services.backup import BackupError, make_backup
from services.backup.text import size_text
from services.privacy.protection import protect, protected_name

HELD_KEY = "admin_backup_file"
FILE_LOCK_KEY = "admin_backup_password"
FILE_LOCK_ROUND = "admin_backup_password_round"
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
    """Record who downloaded which backup and its size; the temp copy and the password typed
    for it are no longer needed."""
    with db_transaction() as session:
        audit.record(session, actor, "backup_download", "database", None,
                     summary=f"下载备份 {Path(held.path).name}（{held.size:,}字节，"
                             f"{held.children}名儿童，{held.photos}张照片，已加密）",
                     after={"file": Path(held.path).name, "bytes": held.size,
                            "密码保护": "是"})
    # A new box next run: Streamlit drops the state of a widget no longer drawn.
    st.session_state[FILE_LOCK_ROUND] = st.session_state.get(FILE_LOCK_ROUND, 0) + 1
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
    downloads = st.session_state.get(FILE_LOCK_ROUND, 0)
    box = f"{FILE_LOCK_KEY}_{downloads}" if downloads else FILE_LOCK_KEY
    password = file_password(st, key=box, lang=lang())
    name = Path(held.path).name
    data = b"" if password is None else protect(Path(held.path).read_bytes(), name, password)
    st.download_button(t("admin.backup.download", lang()), data=data,
                       file_name=protected_name(name), mime="application/zip",
                       key="admin_backup_download", on_click=_downloaded, args=(actor, held),
                       icon=":material/download:", disabled=password is None)
