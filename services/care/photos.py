"""Activity photos: only real JPEG/PNG images, size-checked, stored under the data folder.

A photo's file is written when it is saved and removed again if the transaction that saved it
rolls back, so a refused or failed save leaves no stray file; a removed photo's file is deleted
once the removal commits (the audit log keeps who removed which photo).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from config import load_settings
from core.errors import DomainError, NotFound
from core.i18n import Msg
from db.models import Activity, ActivityPhoto
from services.access import audit
from services.access.permissions import Actor, Capability
from services.care.activity_queries import activities_visible, get_activity
from services.privacy.consent_rules import photos_allowed

MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 9
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; a "decompression bomb" is refused before decoding
MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}
TYPES = {"jpeg": ("image/jpeg", "jpg"), "png": ("image/png", "png")}
PHOTO_DIR = "photos"
WRITTEN, DOOMED = "photos_written", "photos_to_delete"


class PhotoRefused(DomainError):
    """A file that is not accepted as an activity photo; the message says why."""


@dataclass(frozen=True)
class PhotoInfo:
    format: str  # "jpeg" or "png"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return TYPES[self.format][0]

    @property
    def extension(self) -> str:
        return TYPES[self.format][1]


def check_photo(filename: str, data: bytes) -> PhotoInfo:
    """What the bytes really are: a JPEG or PNG within the limits, whatever the file is called."""
    if not data:
        raise PhotoRefused.of("errors.photo.empty", filename=filename)
    if len(data) > MAX_BYTES:
        raise PhotoRefused.of("errors.photo.too_large", filename=filename,
                              size=f"{len(data) / 1024 / 1024:.1f}", max=MAX_BYTES // 1024 // 1024)
    fmt = next((f for magic, f in MAGIC.items() if data.startswith(magic)), None)
    if fmt is None:
        raise PhotoRefused.of("errors.photo.format", filename=filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PhotoRefused.of("errors.photo.pixels", filename=filename,
                                          width=width, height=height)
                image.load()  # decodes every pixel: a truncated or forged file fails here
                if image.format != fmt.upper():
                    raise PhotoRefused.of("errors.photo.format", filename=filename)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused.of("errors.photo.broken", filename=filename) from exc
    return PhotoInfo(fmt, width, height)


def _data_dir(data_dir: Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else load_settings().data_dir


def photo_path(photo: ActivityPhoto, *, data_dir: Path | None = None) -> Path:
    """The stored file of a photo; a path reaching outside the photo folder is refused."""
    root = (_data_dir(data_dir) / PHOTO_DIR).resolve()
    path = (_data_dir(data_dir) / photo.path).resolve()
    if not path.is_relative_to(root):
        raise NotFound(Msg("errors.what.photo_file"))
    return path


def _relative_path(held_on: date, extension: str) -> str:
    return str(PurePosixPath(PHOTO_DIR, f"{held_on:%Y}", f"{held_on:%m}",
                             f"{uuid.uuid4().hex}.{extension}"))


def track_written_files(session: Session) -> None:
    """Delete written files on rollback, and doomed files on commit, once per session."""
    if session.info.get("photo_hooks"):
        return
    session.info["photo_hooks"] = True

    @event.listens_for(session, "after_commit")
    def _committed(sess: Session) -> None:
        sess.info.pop(WRITTEN, None)
        for path in sess.info.pop(DOOMED, []):
            path.unlink(missing_ok=True)

    @event.listens_for(session, "after_transaction_end")
    def _ended(sess: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is not None:
            return
        for path in sess.info.pop(WRITTEN, []):  # left only when the commit did not happen
            path.unlink(missing_ok=True)
        sess.info.pop(DOOMED, None)


def delete_on_commit(session: Session, path: Path) -> None:
    """Delete the file once the session's transaction commits; keep it if it rolls back."""
    track_written_files(session)
    session.info.setdefault(DOOMED, []).append(path)


def write_new_file(session: Session, target: Path, data: bytes) -> None:
    """Write `data` to a new file (never over another), removed again unless the session's
    transaction commits, so a refused or failed save leaves no stray file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    track_written_files(session)
    with target.open("xb") as handle:
        handle.write(data)
    session.info.setdefault(WRITTEN, []).append(target)


def photo_count(session: Session, activity_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ActivityPhoto).where(
        ActivityPhoto.activity_id == activity_id)) or 0


def save_photo(session: Session, *, actor: Actor, activity_id: int, filename: str, data: bytes,
               caption: str | None = None, data_dir: Path | None = None) -> ActivityPhoto:
    """Check the image, write it under photos/YYYY/MM/ and record it with the activity."""
    actor.require(Capability.MANAGE_ACTIVITIES)
    activity = get_activity(session, actor, activity_id)
    name = Path(filename or "照片").name[:200] or "照片"
    if photo_count(session, activity.id) >= MAX_PHOTOS:
        raise PhotoRefused.of("errors.photo.full", max=MAX_PHOTOS, filename=name)
    info = check_photo(name, data)
    caption = (caption or "").strip()[:200] or None
    relative = _relative_path(activity.held_on, info.extension)
    target = _data_dir(data_dir) / relative
    write_new_file(session, target, data)
    photo = ActivityPhoto(activity_id=activity.id, path=relative, filename=name,
                          content_type=info.content_type, size_bytes=len(data), caption=caption)
    session.add(photo)
    session.flush()
    audit.record(session, actor, "create", "activity_photo", photo.id,
                 after=audit.snapshot(photo), summary=f"活动“{activity.title}”上传照片 {name}")
    return photo


def save_photos(session: Session, *, actor: Actor, activity_id: int,
                files: list[tuple[str, bytes]], data_dir: Path | None = None
                ) -> list[ActivityPhoto]:
    """Save several photos, or none: every file is checked before the first is written."""
    room = MAX_PHOTOS - photo_count(session, activity_id)
    if len(files) > room:
        raise PhotoRefused.of("errors.photo.too_many", max=MAX_PHOTOS, chosen=len(files),
                              room=max(room, 0))
    for filename, data in files:
        check_photo(filename, data)
    return [save_photo(session, actor=actor, activity_id=activity_id, filename=filename,
                       data=data, data_dir=data_dir) for filename, data in files]


def get_photo(session: Session, actor: Actor, photo_id: int) -> ActivityPhoto:
    photo = session.get(ActivityPhoto, photo_id)
    if photo is None:
        raise NotFound(Msg("errors.what.photo"))
    get_activity(session, actor, photo.activity_id)  # the activity must be in scope
    return photo


def remove_photo(session: Session, *, actor: Actor, photo_id: int,
                 data_dir: Path | None = None) -> None:
    """Remove a photo from its activity; its file goes once the removal commits."""
    actor.require(Capability.MANAGE_ACTIVITIES)
    photo = get_photo(session, actor, photo_id)
    path = photo_path(photo, data_dir=data_dir)
    before = audit.snapshot(photo)
    session.delete(photo)
    session.flush()
    delete_on_commit(session, path)
    audit.record(session, actor, "delete", "activity_photo", photo_id, before=before,
                 summary=f"删除活动照片 {before['filename']}")


@dataclass(frozen=True)
class ReportPhoto:
    """A photo as a report places it: the file, and the activity it shows."""

    path: Path
    caption: str
    activity_title: str
    held_on: date


def report_photos(session: Session, actor: Actor, *, date_from: date, date_to: date,
                  limit: int = 12, data_dir: Path | None = None) -> list[ReportPhoto]:
    """Photos of the period's activities in scope, newest first, whose files are present,
    of activities whose every attending child has 活动照片 consent."""
    found = []
    for photo, title, held_on in session.execute(
            select(ActivityPhoto, Activity.title, Activity.held_on)
            .join(Activity, Activity.id == ActivityPhoto.activity_id)
            .where(activities_visible(actor), Activity.archived_at.is_(None),
                   Activity.held_on.between(date_from, date_to), photos_allowed())
            .order_by(Activity.held_on.desc(), ActivityPhoto.id).limit(limit * 2)):
        path = photo_path(photo, data_dir=data_dir)
        if path.is_file():
            found.append(ReportPhoto(path, photo.caption or title, title, held_on))
    return found[:limit]
