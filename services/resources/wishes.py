"""心愿: wishes collected per child, taken by a provider or donor, fulfilled (with a photo).

A wish moves collected › taken › fulfilled; a taken wish may be released back to collected, and
a collected wish may be fulfilled straight away. Every other move is refused in Chinese. A wish
drive (六一满愿 …) groups wishes; its progress is one GROUP BY over the drive's wishes.
Reading lives in `wish_queries`, the drives themselves in `wish_drives`.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import load_settings
from core.errors import DomainError, NotFound, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import WishStatus
from db.models import Child, ResourceProvider, Wish
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible

# The photo checks and the rollback clean-up are the activity photos' own.
from services.care.photos import PhotoInfo, check_photo, write_new_file
from services.resources.wish_queries import (
    PHOTO_DIR,
    get_drive,
    wishes_visible,
)

WHAT = Msg("errors.what.wish")
MAX_CONTENT, MAX_TAKER = 200, 100
MAX_COST = Decimal("99999999.99")
S = WishStatus
CATEGORIES = ("学习用品", "图书", "衣物鞋帽", "文体用品", "玩具", "生活用品", "亲情陪伴", "其他")
# Which statuses each move starts from; anything else is refused with REFUSED's words.
MOVES: dict[str, frozenset[WishStatus]] = {
    "take": frozenset({WishStatus.collected}),
    "fulfil": frozenset({WishStatus.collected, WishStatus.taken}),
    "release": frozenset({WishStatus.taken}),
}
REFUSED = {
    ("take", WishStatus.taken): "errors.wish.already_taken",
    ("take", WishStatus.fulfilled): "errors.wish.fulfilled_no_take",
    ("release", WishStatus.collected): "errors.wish.not_taken",
    ("release", WishStatus.fulfilled): "errors.wish.fulfilled_no_release",
}
COLLECTED_ON = field_label("collected_on", "征集日期")
TAKEN_ON = field_label("taken_on", "认领日期")

# ---- writing wishes -------------------------------------------------------------------------

def _date_problem(day: date | None, today: date, earliest: date | None,
                  earliest_label: str) -> str | None:
    if day is None:
        return Msg("errors.wish.date_missing")
    if day > today:
        return Msg("errors.valid.date_future")
    if earliest is not None and day < earliest:
        return Msg("errors.wish.date_early", label=earliest_label, on=earliest.isoformat())
    return None


def _cost(value: Decimal | float | str | None) -> tuple[Decimal | None, str | None]:
    if value is None or value == "":
        return None, None
    try:
        cost = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None, Msg("errors.wish.cost")
    if not cost.is_finite() or cost < 0 or cost > MAX_COST:
        return None, Msg("errors.wish.cost_range")
    return cost, None


def _for_change(session: Session, actor: Actor, wish_id: int,
                expected_version: int | None) -> Wish:
    actor.require(Capability.MANAGE_RESOURCES)
    wish = session.scalar(select(Wish).where(
        Wish.id == wish_id, Wish.archived_at.is_(None), wishes_visible(actor)))
    if wish is None:
        raise NotFound(WHAT)
    audit.require_version(wish, expected_version, WHAT)
    return wish


def _check_move(wish: Wish, move: str) -> None:
    if wish.status in MOVES[move]:
        return
    if move == "fulfil":  # only a fulfilled wish is not in MOVES["fulfil"]
        raise DomainError.of("errors.wish.already_fulfilled",
                             on=wish.fulfilled_on.isoformat() if wish.fulfilled_on else "")
    raise DomainError.of(REFUSED[(move, wish.status)])


def _taker(session: Session, provider_id: int | None, donor: str | None
           ) -> tuple[int | None, str | None, str | None]:
    """(provider id, name to show, problem): a provider from the list or a donor's name."""
    name = (donor or "").strip()
    if provider_id is not None:
        provider = session.get(ResourceProvider, provider_id)
        if provider is None or provider.archived_at is not None:
            return None, None, Msg("errors.wish.provider_missing")
        return provider.id, provider.name, None
    if not name:
        return None, None, Msg("errors.wish.taker_missing")
    if len(name) > MAX_TAKER:
        return None, None, Msg("errors.valid.name_long", max_len=MAX_TAKER)
    return None, name, None


WISH = field_label("wish", "心愿")


def collect_wish(session: Session, *, actor: Actor, child_id: int, content: str,
                 collected_on: date | None, today: date, category: str | None = None,
                 estimated_cost_yuan: Decimal | float | str | None = None,
                 drive_id: int | None = None) -> Wish:
    """Record a child's wish; the child must be in scope and the drive visible."""
    actor.require(Capability.MANAGE_RESOURCES)
    child = session.scalar(select(Child).where(Child.id == child_id, children_visible(actor)))
    if child is None:
        raise NotFound(Msg("errors.what.child_record"))
    if drive_id is not None:
        get_drive(session, actor, drive_id)
    problems: dict[str, str] = {}
    text = (content or "").strip()
    if not text:
        problems[WISH] = Msg("errors.wish.content_missing")
    elif len(text) > MAX_CONTENT:
        problems[WISH] = Msg("errors.wish.content_long", max=MAX_CONTENT)
    if child.archived_at is not None:
        problems[field_label("child", "儿童")] = Msg("errors.wish.child_archived")
    if problem := _date_problem(collected_on, today, None, ""):
        problems[COLLECTED_ON] = problem
    cost, cost_problem = _cost(estimated_cost_yuan)
    if cost_problem:
        problems[field_label("estimated_cost", "预计金额")] = cost_problem
    if problems:
        raise ValidationFailed(problems)
    wish = Wish(child_id=child.id, content=text, status=S.collected, collected_on=collected_on,
                category=(category or "").strip()[:50] or None, estimated_cost_yuan=cost,
                drive_id=drive_id)
    session.add(wish)
    session.flush()
    audit.record(session, actor, "create", "wish", wish.id, after=audit.snapshot(wish),
                 summary=f"征集心愿：{child.name}“{text}”")
    return wish


def take_wish(session: Session, *, actor: Actor, wish_id: int, expected_version: int | None,
              taken_on: date | None, today: date, provider_id: int | None = None,
              donor: str | None = None) -> Wish:
    """A provider (from the list) or a donor (by name) takes a collected wish."""
    wish = _for_change(session, actor, wish_id, expected_version)
    _check_move(wish, "take")
    provider_id, name, problem = _taker(session, provider_id, donor)
    problems: dict[str, str] = {field_label("taker", "认领方"): problem} if problem else {}
    if day_problem := _date_problem(taken_on, today, wish.collected_on, COLLECTED_ON):
        problems[TAKEN_ON] = day_problem
    if problems:
        raise ValidationFailed(problems)
    with audit.tracked(session, actor, wish, "wish", action="take",
                       summary=f"{name}认领心愿“{wish.content}”"):
        wish.status, wish.provider_id, wish.fulfilled_by, wish.taken_on = (
            S.taken, provider_id, name, taken_on)
    return wish


def release_wish(session: Session, *, actor: Actor, wish_id: int,
                 expected_version: int | None) -> Wish:
    """Give a taken wish back to the waiting list (the taker could not fulfil it)."""
    wish = _for_change(session, actor, wish_id, expected_version)
    _check_move(wish, "release")
    with audit.tracked(session, actor, wish, "wish", action="release",
                       summary=f"取消{wish.fulfilled_by}对心愿“{wish.content}”的认领"):
        wish.status, wish.provider_id, wish.fulfilled_by, wish.taken_on = (
            S.collected, None, None, None)
    return wish


def _save_photo(session: Session, info: PhotoInfo, data: bytes, day: date,
                data_dir: Path | None) -> str:
    """Write a checked photo under photos/wishes/YYYY/MM/; it goes again on rollback."""
    relative = PHOTO_DIR / f"{day:%Y}" / f"{day:%m}" / f"{uuid.uuid4().hex}.{info.extension}"
    target = (Path(data_dir) if data_dir is not None else load_settings().data_dir) / relative
    write_new_file(session, target, data)
    return str(relative)


def fulfil_wish(session: Session, *, actor: Actor, wish_id: int, expected_version: int | None,
                fulfilled_on: date | None, today: date, provider_id: int | None = None,
                donor: str | None = None, photo: tuple[str, bytes] | None = None,
                data_dir: Path | None = None) -> Wish:
    """Mark a wish fulfilled on a day, by its taker (or the one named now), with a photo."""
    wish = _for_change(session, actor, wish_id, expected_version)
    _check_move(wish, "fulfil")
    problems: dict[str, str] = {}
    taker: tuple[int | None, str | None] = (wish.provider_id, wish.fulfilled_by)
    if provider_id is not None or (donor or "").strip() or wish.status is S.collected:
        new_id, name, problem = _taker(session, provider_id, donor)
        if problem:
            problems[field_label("fulfiller", "满愿方")] = problem
        taker = (new_id, name)
    earliest, label = ((wish.taken_on, TAKEN_ON) if wish.taken_on
                       else (wish.collected_on, COLLECTED_ON))
    if day_problem := _date_problem(fulfilled_on, today, earliest, label):
        problems[field_label("fulfilled_on", "实现日期")] = day_problem
    if problems:
        raise ValidationFailed(problems)
    assert fulfilled_on is not None  # _date_problem refused a missing day
    # Checked before anything changes: a refused photo leaves the wish as it was.
    info = check_photo(Path(photo[0] or "照片").name, photo[1]) if photo is not None else None
    with audit.tracked(session, actor, wish, "wish", action="fulfil",
                       summary=f"{taker[1]}实现心愿“{wish.content}”"):
        wish.status, wish.fulfilled_on = S.fulfilled, fulfilled_on
        wish.provider_id, wish.fulfilled_by = taker
        wish.taken_on = wish.taken_on or fulfilled_on
        if photo is not None and info is not None:
            wish.photo_path = _save_photo(session, info, photo[1], fulfilled_on, data_dir)
    return wish

