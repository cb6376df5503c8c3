"""Activity photos: only real JPEG/PNG, size and count limits, stored under the data folder."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.errors import NotFound, PermissionDenied
from core.vocab import OrgKind
from db.models import Activity, ActivityPhoto, AuditEvent
from services.care import photos
from services.care.photos import MAX_BYTES, MAX_PHOTOS, PhotoRefused
from tests.factories import make_helper, make_org
from tests.pairing_factories import ADMIN, coordinator_of, helper_actor, make_places


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, fmt)
    return buffer.getvalue()


PNG, JPEG = image_bytes("PNG"), image_bytes("JPEG")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The data folder of this test (the database file lives beside it)."""
    return tmp_path / "data"


@pytest.fixture
def activity(session) -> Activity:
    places = make_places(session)
    activity = Activity(kind="safety_education", title="防溺水讲座", held_on=date(2026, 6, 5),
                        org_unit_id=places.school.id)
    session.add(activity)
    session.flush()
    return activity


def _save(session, activity, data_dir, data=PNG, filename="合影.png", actor=ADMIN, **kw):
    return photos.save_photo(session, actor=actor, activity_id=activity.id, filename=filename,
                             data=data, data_dir=data_dir, **kw)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_photo_is_stored_under_the_data_folder_by_month(session, activity, data_dir):
    photo = _save(session, activity, data_dir, caption=" 全体合影 ")
    session.commit()
    assert photo.path.startswith("photos/2026/06/") and photo.path.endswith(".png")
    stored = photos.photo_path(photo, data_dir=data_dir)
    assert stored == (data_dir / photo.path).resolve()
    assert stored.read_bytes() == PNG
    assert (photo.content_type, photo.size_bytes, photo.filename, photo.caption) == (
        "image/png", len(PNG), "合影.png", "全体合影")
    assert session.scalar(select(AuditEvent.summary).where(
        AuditEvent.entity == "activity_photo")) == "活动“防溺水讲座”上传照片 合影.png"


def test_jpeg_gets_its_own_type_whatever_its_name(session, activity, data_dir):
    photo = _save(session, activity, data_dir, data=JPEG, filename="IMG_0001.PNG")
    assert (photo.content_type, Path(photo.path).suffix) == ("image/jpeg", ".jpg")


def test_paths_are_unique(session, activity, data_dir):
    paths = {_save(session, activity, data_dir).path for _ in range(3)}
    assert len(paths) == 3


@pytest.mark.parametrize(("data", "words"), [
    (b"", "空文件"),
    (b"%PDF-1.7 not a photo", "不是 JPG 或 PNG"),
    (b"GIF89a" + b"\x00" * 40, "不是 JPG 或 PNG"),
    (PNG[:40], "已损坏"),  # a PNG signature on a truncated file
    (b"\xff\xd8\xff" + b"\x00" * 200, "已损坏"),  # a JPEG signature, then nothing
    (b"\x89PNG\r\n\x1a\n" + b"<html>not an image</html>", "已损坏"),
])
def test_what_is_not_a_real_image_is_refused(session, activity, data_dir, data, words):
    with pytest.raises(PhotoRefused, match=words):
        _save(session, activity, data_dir, data=data, filename="x.png")
    assert _files(data_dir) == []


def test_a_photo_over_5_mb_is_refused(session, activity, data_dir):
    big = PNG + b"\x00" * (MAX_BYTES - len(PNG) + 1)
    with pytest.raises(PhotoRefused, match="不能超过5 MB"):
        _save(session, activity, data_dir, data=big)
    assert _files(data_dir) == []


def test_a_photo_of_exactly_5_mb_is_accepted(session, activity, data_dir):
    padded = PNG + b"\x00" * (MAX_BYTES - len(PNG))  # Pillow ignores bytes after IEND
    assert _save(session, activity, data_dir, data=padded).size_bytes == MAX_BYTES


def test_the_tenth_photo_is_refused(session, activity, data_dir):
    for number in range(MAX_PHOTOS):
        _save(session, activity, data_dir, filename=f"{number}.png")
    with pytest.raises(PhotoRefused, match="最多9张"):
        _save(session, activity, data_dir, filename="10.png")
    assert len(_files(data_dir)) == MAX_PHOTOS


def test_a_batch_over_the_limit_saves_none(session, activity, data_dir):
    _save(session, activity, data_dir)
    files = [(f"{n}.png", PNG) for n in range(MAX_PHOTOS)]
    with pytest.raises(PhotoRefused, match="还可以上传8张"):
        photos.save_photos(session, actor=ADMIN, activity_id=activity.id, files=files,
                           data_dir=data_dir)
    assert session.scalar(select(func.count()).select_from(ActivityPhoto)) == 1


def test_a_batch_with_one_bad_file_writes_no_file(session, activity, data_dir):
    with pytest.raises(PhotoRefused, match=r"坏\.png"):
        photos.save_photos(session, actor=ADMIN, activity_id=activity.id,
                           files=[("好.png", PNG), ("坏.png", b"not an image")],
                           data_dir=data_dir)
    assert _files(data_dir) == []


def test_a_rolled_back_save_leaves_no_file(session, activity, data_dir):
    session.commit()
    _save(session, activity, data_dir)
    assert len(_files(data_dir)) == 1
    session.rollback()
    assert _files(data_dir) == []
    assert session.scalar(select(func.count()).select_from(ActivityPhoto)) == 0


def test_removed_photo_goes_with_its_file_once_committed(session, activity, data_dir):
    photo = _save(session, activity, data_dir)
    session.commit()
    path = photos.photo_path(photo, data_dir=data_dir)
    photos.remove_photo(session, actor=ADMIN, photo_id=photo.id, data_dir=data_dir)
    assert path.exists()  # not before the removal commits
    session.commit()
    assert not path.exists()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "delete"))
    assert event.before["path"] == photo.path


def test_a_path_outside_the_photo_folder_is_refused(data_dir):
    with pytest.raises(NotFound):
        photos.photo_path(ActivityPhoto(path="../secrets.txt"), data_dir=data_dir)


def test_the_data_folder_comes_from_the_settings(session, activity, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOUWANG_DATA_DIR", str(tmp_path / "configured"))
    photo = photos.save_photo(session, actor=ADMIN, activity_id=activity.id, filename="a.png",
                              data=PNG)
    assert (tmp_path / "configured" / photo.path).is_file()
    assert photos.photo_path(photo).is_relative_to((tmp_path / "configured").resolve())


def test_only_those_who_manage_the_activity_may_add_photos(session, activity, data_dir):
    with pytest.raises(PermissionDenied):
        _save(session, activity, data_dir, actor=helper_actor(make_helper(session)))
    with pytest.raises(NotFound):
        _save(session, activity, data_dir,
              actor=coordinator_of(make_org(session, "远方镇", OrgKind.town)))
    assert _files(data_dir) == []


def test_reports_get_the_periods_photos_with_their_activity(session, activity, data_dir):
    _save(session, activity, data_dir, caption="合影")
    found = photos.report_photos(session, ADMIN, date_from=date(2026, 6, 1),
                                 date_to=date(2026, 6, 30), data_dir=data_dir)
    assert [(p.caption, p.activity_title, p.held_on) for p in found] == [
        ("合影", "防溺水讲座", date(2026, 6, 5))]
    assert found[0].path.is_file()
    assert photos.report_photos(session, ADMIN, date_from=date(2026, 7, 1),
                                date_to=date(2026, 7, 31), data_dir=data_dir) == []
