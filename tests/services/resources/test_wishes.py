"""心愿: status moves (allowed and refused), photos, stale edits, scope, drive progress, counts."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.vocab import ProviderKind, Role, WishStatus
from db.models import AuditEvent, ResourceProvider, Wish, WishDrive
from services.access.permissions import Actor
from services.care.photos import PhotoRefused
from services.resources.wish_drives import archive_drive, create_drive, update_drive
from services.resources.wish_queries import (
    child_options,
    drive_progress,
    list_drives,
    list_wishes,
    photo_file,
    wish_counts,
)
from services.resources.wishes import collect_wish, fulfil_wish, release_wish, take_wish
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, make_child_in, make_places

S = WishStatus
MAY, JUNE = date(2026, 5, 10), date(2026, 6, 1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def world(session):
    places = make_places(session)
    kids = {name: make_child_in(session, village, name) for name, village in (
        ("林小雨", places.village), ("王小红", places.other_village),
        ("赵小刚", places.far_village))}
    provider = ResourceProvider(name="潮汕商会", kind=ProviderKind.chamber_of_commerce)
    session.add(provider)
    session.flush()
    return places, kids, provider


def _collect(session, child, actor=ADMIN, **kw) -> Wish:
    values = {"content": "一个新书包", "collected_on": MAY, "today": TODAY, **kw}
    return collect_wish(session, actor=actor, child_id=child.id, **values)


def _move(session, wish: Wish, move: str, provider_id: int) -> Wish:
    """One move as the panel makes it: take (by the provider), fulfil or release."""
    if move == "take":
        return take_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version,
                         taken_on=MAY, today=TODAY, provider_id=provider_id)
    if move == "fulfil":
        return fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version,
                           fulfilled_on=JUNE, today=TODAY, donor="爱心人士陈女士")
    return release_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version)


def _wish_in(session, child, status: WishStatus, provider_id: int) -> Wish:
    wish = _collect(session, child)
    if status is S.taken:
        _move(session, wish, "take", provider_id)
    elif status is S.fulfilled:
        _move(session, wish, "fulfil", provider_id)
    return wish


MOVES = [
    (S.collected, "take", S.taken), (S.collected, "fulfil", S.fulfilled),
    (S.collected, "release", "还没有被认领"),
    (S.taken, "take", "已被认领"), (S.taken, "fulfil", S.fulfilled),
    (S.taken, "release", S.collected),
    (S.fulfilled, "take", "已经实现，不能再认领"), (S.fulfilled, "fulfil", "不能重复登记满愿"),
    (S.fulfilled, "release", "已经实现，不能取消认领"),
]


@pytest.mark.parametrize(("start", "move", "outcome"), MOVES,
                         ids=[f"{s.value}-{m}" for s, m, _ in MOVES])
def test_status_moves(session, world, start, move, outcome):
    _, kids, provider = world
    wish = _wish_in(session, kids["林小雨"], start, provider.id)
    if isinstance(outcome, WishStatus):
        assert _move(session, wish, move, provider.id).status is outcome
        return
    with pytest.raises(DomainError, match=outcome):
        _move(session, wish, move, provider.id)
    assert session.get(Wish, wish.id).status is start


def test_take_and_release_record_who_and_when(session, world):
    _, kids, provider = world
    wish = _collect(session, kids["林小雨"])
    _move(session, wish, "take", provider.id)
    assert (wish.provider_id, wish.fulfilled_by, wish.taken_on) == (provider.id, "潮汕商会", MAY)
    release_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version)
    assert (wish.provider_id, wish.fulfilled_by, wish.taken_on) == (None, None, None)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "wish")
                              .order_by(AuditEvent.id)).all()
    assert actions == ["create", "take", "release"]


def test_fulfilling_a_taken_wish_keeps_its_taker(session, world):
    _, kids, provider = world
    wish = _wish_in(session, kids["林小雨"], S.taken, provider.id)
    fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=wish.version,
                fulfilled_on=JUNE, today=TODAY)
    assert (wish.status, wish.fulfilled_by, wish.fulfilled_on) == (S.fulfilled, "潮汕商会", JUNE)


@pytest.mark.parametrize(("fields", "problem"), [
    ({"content": "  "}, "请填写心愿内容"),
    ({"content": "书" * 201}, "最多200个字"),
    ({"collected_on": date(2026, 11, 29)}, "不能晚于今天"),
    ({"collected_on": None}, "请填写日期"),
    ({"estimated_cost_yuan": "-5"}, "0 到"),
    ({"estimated_cost_yuan": "五十"}, "请填写金额"),
])
def test_collecting_refuses_bad_input(session, world, fields, problem):
    _, kids, _ = world
    with pytest.raises(ValidationFailed, match=problem):
        _collect(session, kids["林小雨"], **fields)
    assert session.scalar(select(func.count()).select_from(Wish)) == 0


def test_collecting_stores_cost_and_category(session, world):
    _, kids, _ = world
    wish = _collect(session, kids["林小雨"], category="学习用品", estimated_cost_yuan=49.5)
    assert (wish.category, wish.estimated_cost_yuan, wish.status) == (
        "学习用品", Decimal("49.50"), S.collected)


@pytest.mark.parametrize(("move", "fields", "problem"), [
    ("take", {"taken_on": date(2026, 5, 1)}, "不能早于征集日期"),
    ("take", {"taken_on": date(2026, 12, 1)}, "不能晚于今天"),
    ("take", {"provider_id": None}, "请选择资源方，或填写爱心人士姓名"),
    ("fulfil", {"fulfilled_on": date(2026, 5, 9)}, "不能早于征集日期"),
    ("fulfil", {"fulfilled_on": date(2026, 12, 1)}, "不能晚于今天"),
    ("fulfil", {"donor": ""}, "请选择资源方，或填写爱心人士姓名"),
])
def test_dates_and_takers_are_checked(session, world, move, fields, problem):
    _, kids, provider = world
    wish = _collect(session, kids["林小雨"])
    common = {"actor": ADMIN, "wish_id": wish.id, "expected_version": 1, "today": TODAY}
    if move == "take":
        change, values = take_wish, {"taken_on": MAY, "provider_id": provider.id}
    else:
        change, values = fulfil_wish, {"fulfilled_on": JUNE, "donor": "陈女士"}
    with pytest.raises(ValidationFailed, match=problem):
        change(session, **common, **{**values, **fields})
    assert session.get(Wish, wish.id).status is S.collected


def test_a_stale_move_is_refused(session, world):
    _, kids, provider = world
    wish = _collect(session, kids["林小雨"])
    opened = wish.version
    _move(session, wish, "take", provider.id)  # someone else took it first
    with pytest.raises(ConcurrentEdit):
        release_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=opened)


def test_a_fulfilment_photo_is_stored_under_wishes_by_month(session, world, tmp_path: Path):
    _, kids, _ = world
    wish = _collect(session, kids["林小雨"])
    fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=1, fulfilled_on=JUNE,
                today=TODAY, donor="陈女士", photo=("满愿.png", png()), data_dir=tmp_path)
    session.commit()
    assert wish.photo_path.startswith("photos/wishes/2026/06/")
    assert photo_file(wish, data_dir=tmp_path).read_bytes() == png()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_changes(session, world, tmp_path):
    _, kids, _ = world
    wish = _collect(session, kids["林小雨"])
    with pytest.raises(PhotoRefused, match="不是 JPG 或 PNG"):
        fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=1,
                    fulfilled_on=JUNE, today=TODAY, donor="陈女士",
                    photo=("满愿.png", b"%PDF-1.4 not a picture"), data_dir=tmp_path)
    assert session.get(Wish, wish.id).status is S.collected
    assert not (tmp_path / "photos").exists()


def test_a_photo_file_is_removed_when_the_transaction_rolls_back(session, world, tmp_path):
    _, kids, _ = world
    wish = _collect(session, kids["林小雨"])
    session.commit()
    fulfil_wish(session, actor=ADMIN, wish_id=wish.id, expected_version=1, fulfilled_on=JUNE,
                today=TODAY, donor="陈女士", photo=("满愿.png", png()), data_dir=tmp_path)
    written = photo_file(wish, data_dir=tmp_path)
    assert written.is_file()
    session.rollback()
    assert not written.exists()


def test_a_coordinator_sees_and_changes_only_wishes_in_scope(session, world):
    places, kids, provider = world
    far = _collect(session, kids["赵小刚"])
    _collect(session, kids["林小雨"])
    coordinator = coordinator_of(places.town)
    assert [w.child_name for w in list_wishes(session, coordinator)] == ["林小雨"]
    with pytest.raises(NotFound):
        take_wish(session, actor=coordinator, wish_id=far.id, expected_version=1, taken_on=MAY,
                  today=TODAY, provider_id=provider.id)
    with pytest.raises(NotFound):
        _collect(session, kids["赵小刚"], actor=coordinator)
    assert [c.label for c in child_options(session, coordinator, today=TODAY, text="lxy")] == [
        "林小雨(李家村)"]


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_only_those_who_manage_resources_record_wishes(session, world, role):
    _, kids, _ = world
    with pytest.raises(PermissionDenied):
        _collect(session, kids["林小雨"], actor=Actor(None, "x", role))


def test_drive_progress_counts_and_children_still_waiting(session, world):
    places, kids, provider = world
    drive = create_drive(session, actor=ADMIN, name="六一微心愿", starts_on=MAY,
                         ends_on=date(2026, 6, 15))
    statuses = {"林小雨": S.collected, "王小红": S.taken, "赵小刚": S.fulfilled}
    for name, status in statuses.items():
        wish = _wish_in(session, kids[name], status, provider.id)
        wish.drive_id = drive.id
    _collect(session, kids["林小雨"], content="不在活动里")
    progress = drive_progress(session, ADMIN, drive.id)
    assert (progress.collected, progress.taken, progress.fulfilled) == (3, 2, 1)
    assert progress.share == pytest.approx(1 / 3)
    assert [(w.child_name, w.status) for w in progress.waiting] == [
        ("林小雨", S.collected), ("王小红", S.taken)]
    scoped = drive_progress(session, coordinator_of(places.town), drive.id)
    assert (scoped.collected, scoped.taken, scoped.fulfilled) == (2, 1, 0)


def test_drives_are_created_changed_and_archived(session, world):
    places, _, _ = world
    coordinator = coordinator_of(places.town)
    drive = create_drive(session, actor=coordinator, name=" 六一满愿 ", starts_on=MAY,
                         ends_on=JUNE)
    assert (drive.name, drive.org_unit_id) == ("六一满愿", places.town.id)
    with pytest.raises(ValidationFailed, match="结束日期不能早于开始日期"):
        create_drive(session, actor=coordinator, name="x", starts_on=JUNE, ends_on=MAY)
    update_drive(session, actor=coordinator, drive_id=drive.id, expected_version=1,
                 name="六一微心愿", starts_on=MAY, ends_on=date(2026, 6, 30))
    with pytest.raises(ConcurrentEdit):
        update_drive(session, actor=coordinator, drive_id=drive.id, expected_version=1,
                     name="旧的", starts_on=MAY, ends_on=JUNE)
    archive_drive(session, actor=coordinator, drive_id=drive.id, expected_version=2)
    assert list_drives(session, coordinator) == []
    assert session.get(WishDrive, drive.id).archive_reason == "归档"


def test_a_drive_of_another_town_is_not_seen(session, world):
    places, _, _ = world
    drive = create_drive(session, actor=ADMIN, name="青山乡满愿", starts_on=MAY, ends_on=JUNE,
                         org_unit_id=places.other_town.id)
    county = create_drive(session, actor=ADMIN, name="全县满愿", starts_on=MAY, ends_on=JUNE,
                          org_unit_id=places.county.id)
    coordinator = coordinator_of(places.town)
    assert [d.name for d in list_drives(session, coordinator)] == ["全县满愿"]
    with pytest.raises(NotFound):
        drive_progress(session, coordinator, drive.id)
    with pytest.raises(PermissionDenied, match="上级单位"):
        archive_drive(session, actor=coordinator, drive_id=county.id, expected_version=1)


def test_wish_counts_in_a_period(session, world):
    _, kids, provider = world
    _wish_in(session, kids["林小雨"], S.fulfilled, provider.id)  # collected May, fulfilled June
    _collect(session, kids["王小红"], collected_on=date(2026, 6, 5))
    assert wish_counts(session, ADMIN) == {"collected": 2, "fulfilled": 1}
    assert wish_counts(session, ADMIN, date_from=date(2026, 6, 1),
                       date_to=date(2026, 6, 30)) == {"collected": 1, "fulfilled": 1}
    assert wish_counts(session, ADMIN, date_to=date(2026, 5, 31)) == {
        "collected": 1, "fulfilled": 0}
