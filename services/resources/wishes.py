"""心愿: wishes collected per child, taken by a provider or donor, fulfilled (with a photo).

A wish moves collected › taken › fulfilled; a taken wish may be released back to collected, and
a collected wish may be fulfilled straight away. Every other move is refused in Chinese. A wish
drive (六一满愿 …) groups wishes; its progress is one GROUP BY over the drive's wishes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from sqlalchemy import ColumnElement, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from config import load_settings
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import WishStatus
from db.base import utcnow
from db.models import Child, OrgUnit, ResourceProvider, Wish, WishDrive
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_visible,
    org_in_scope,
    org_subtree_ids,
)

# The photo checks and the rollback clean-up are the activity photos' own.
from services.care.photos import WRITTEN, PhotoInfo, _track, check_photo
from services.roster.roster_search import RosterFilter, filtered_child_ids

WHAT, DRIVE = Msg("errors.what.wish"), Msg("errors.what.wish_drive")
MAX_CONTENT, MAX_NAME, MAX_TAKER = 200, 100, 100
MAX_COST = Decimal("99999999.99")
PHOTO_DIR = PurePosixPath("photos", "wishes")
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
S = WishStatus


@dataclass(frozen=True)
class WishRow:
    """One wish as lists and exports show it."""

    id: int
    version: int
    child_id: int
    child_name: str
    place: str
    content: str
    category: str | None
    estimated_cost_yuan: Decimal | None
    status: WishStatus
    collected_on: date
    taken_on: date | None
    fulfilled_on: date | None
    taker: str | None  # the provider's or the donor's name
    drive_name: str | None
    photo_path: str | None

    @property
    def label(self) -> str:
        return f"{self.child_name}:{self.content}({self.status.zh})"


@dataclass(frozen=True)
class DriveProgress:
    """A drive's funnel (collected ≥ taken ≥ fulfilled) and the wishes still to come true."""

    drive: WishDrive
    collected: int  # every wish of the drive
    taken: int  # taken or already fulfilled
    fulfilled: int
    waiting: list[WishRow]

    @property
    def share(self) -> float:
        return self.fulfilled / self.collected if self.collected else 0.0


# ---- reading --------------------------------------------------------------------------------

def _wishes_visible(actor: Actor) -> ColumnElement[bool]:
    return Wish.child_id.in_(select(Child.id).where(children_visible(actor)))


def _drives_visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Drives of the actor's units, of the units above them, and drives for everyone."""
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return true()
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == actor.org_unit_id)) or ""
    above = [int(part) for part in path.strip("/").split("/") if part]
    return or_(WishDrive.org_unit_id.is_(None), WishDrive.org_unit_id.in_(subtree),
               WishDrive.org_unit_id.in_(above))


def list_drives(session: Session, actor: Actor) -> list[WishDrive]:
    """Active drives the actor may see, newest first."""
    actor.require(Capability.VIEW_PEOPLE)
    return list(session.scalars(select(WishDrive).where(
        WishDrive.archived_at.is_(None), _drives_visible(session, actor))
        .order_by(WishDrive.starts_on.desc(), WishDrive.id.desc())))


def get_drive(session: Session, actor: Actor, drive_id: int) -> WishDrive:
    drive = session.scalar(select(WishDrive).where(
        WishDrive.id == drive_id, WishDrive.archived_at.is_(None), _drives_visible(session, actor)))
    if drive is None:
        raise NotFound(DRIVE)
    return drive


def list_wishes(session: Session, actor: Actor, *, drive_id: int | None = None,
                statuses: tuple[WishStatus, ...] | list[WishStatus] | None = None
                ) -> list[WishRow]:
    """Active wishes of children in scope: waiting ones first, then newest collected."""
    actor.require(Capability.VIEW_PEOPLE)
    village, school = aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(Wish, Child.name, func.coalesce(school.name, village.name), WishDrive.name)
            .join(Child, Child.id == Wish.child_id)
            .join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .outerjoin(WishDrive, WishDrive.id == Wish.drive_id)
            .where(Wish.archived_at.is_(None), children_visible(actor)))
    if drive_id is not None:
        stmt = stmt.where(Wish.drive_id == drive_id)
    if statuses:
        stmt = stmt.where(Wish.status.in_(list(statuses)))
    order = case((Wish.status == S.collected, 0), (Wish.status == S.taken, 1), else_=2)
    stmt = stmt.order_by(order, Wish.collected_on.desc(), Wish.id.desc())
    return [_row(wish, name, place, drive) for wish, name, place, drive in session.execute(stmt)]


def _row(wish: Wish, child_name: str, place: str | None, drive_name: str | None) -> WishRow:
    return WishRow(wish.id, wish.version, wish.child_id, child_name, place or "", wish.content,
                   wish.category, wish.estimated_cost_yuan, wish.status, wish.collected_on,
                   wish.taken_on, wish.fulfilled_on, wish.fulfilled_by, drive_name,
                   wish.photo_path)


def drive_progress(session: Session, actor: Actor, drive_id: int) -> DriveProgress:
    """Counts by status in one aggregation, and the children whose wish is not yet fulfilled."""
    drive = get_drive(session, actor, drive_id)
    counts = dict(session.execute(
        select(Wish.status, func.count()).where(
            Wish.drive_id == drive.id, Wish.archived_at.is_(None), _wishes_visible(actor))
        .group_by(Wish.status)).all())
    fulfilled, taken = counts.get(S.fulfilled, 0), counts.get(S.taken, 0)
    waiting = list_wishes(session, actor, drive_id=drive.id, statuses=(S.collected, S.taken))
    return DriveProgress(drive, fulfilled + taken + counts.get(S.collected, 0),
                         taken + fulfilled, fulfilled, waiting)


def wish_counts(session: Session, actor: Actor, *, date_from: date | None = None,
                date_to: date | None = None,
                among: ColumnElement[bool] | None = None) -> dict[str, int]:
    """{"collected": n, "fulfilled": n}: wishes collected, and fulfilled, within the period
    (of children `among` only, when given)."""
    low, high = date_from or date.min, date_to or date.max
    collected, fulfilled = session.execute(
        select(func.count(case((Wish.collected_on.between(low, high), 1))),
               func.count(case((Wish.fulfilled_on.between(low, high), 1))))
        .where(Wish.archived_at.is_(None),
               Wish.child_id.in_(select(Child.id).where(
                   children_counted(actor), true() if among is None else among)))).one()
    return {"collected": collected, "fulfilled": fulfilled}


@dataclass(frozen=True)
class ChildOption:
    child_id: int
    label: str  # 张小明(李家村)


def child_options(session: Session, actor: Actor, *, today: date, text: str = "",
                  limit: int = 50) -> list[ChildOption]:
    """Active children in scope to collect a wish for, found by name, pinyin or initials."""
    actor.require(Capability.MANAGE_RESOURCES)
    wanted = filtered_child_ids(actor, RosterFilter(text=text), today=today)
    village, school = aliased(OrgUnit), aliased(OrgUnit)
    rows = session.execute(
        select(Child.id, Child.name, func.coalesce(school.name, village.name))
        .join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(Child.id.in_(wanted)).order_by(Child.name_pinyin, Child.id).limit(limit))
    return [ChildOption(child_id, f"{name}({place})" if place else name)
            for child_id, name, place in rows]


def provider_options(session: Session) -> dict[int, str]:
    """Active resource providers, id → name, to take a wish."""
    return dict(session.execute(select(ResourceProvider.id, ResourceProvider.name).where(
        ResourceProvider.archived_at.is_(None)).order_by(ResourceProvider.name)).all())


def photo_file(wish: WishRow | Wish, *, data_dir: Path | None = None) -> Path | None:
    """A fulfilled wish's photo file, if it has one; a path leaving the folder is refused."""
    if not wish.photo_path:
        return None
    base = Path(data_dir) if data_dir is not None else load_settings().data_dir
    path = (base / wish.photo_path).resolve()
    if not path.is_relative_to((base / PHOTO_DIR).resolve()):
        raise NotFound(Msg("errors.what.photo_file"))
    return path


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
        Wish.id == wish_id, Wish.archived_at.is_(None), _wishes_visible(actor)))
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
    problems = {field_label("taker", "认领方"): problem} if problem else {}
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
    target.parent.mkdir(parents=True, exist_ok=True)
    _track(session)
    with target.open("xb") as handle:
        handle.write(data)
    session.info.setdefault(WRITTEN, []).append(target)
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
    # Checked before anything changes: a refused photo leaves the wish as it was.
    info = check_photo(Path(photo[0] or "照片").name, photo[1]) if photo is not None else None
    with audit.tracked(session, actor, wish, "wish", action="fulfil",
                       summary=f"{taker[1]}实现心愿“{wish.content}”"):
        wish.status, wish.fulfilled_on = S.fulfilled, fulfilled_on
        wish.provider_id, wish.fulfilled_by = taker
        wish.taken_on = wish.taken_on or fulfilled_on
        if photo is not None and info is not None:
            wish.photo_path = _save_photo(session, info, photo[1], fulfilled_on,  # type: ignore[arg-type]
                                          data_dir)
    return wish


# ---- drives ---------------------------------------------------------------------------------

PERIOD = field_label("period", "起止日期")


def _drive_problems(name: str, starts_on: date | None, ends_on: date | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not name.strip():
        problems[field_label("title", "名称")] = Msg("errors.wish.drive_name_missing")
    elif len(name.strip()) > MAX_NAME:
        problems[field_label("title", "名称")] = Msg("errors.valid.too_long", max_len=MAX_NAME)
    if starts_on is None or ends_on is None:
        problems[PERIOD] = Msg("errors.wish.period_missing")
    elif ends_on < starts_on:
        problems[PERIOD] = Msg("errors.wish.period_reversed")
    return problems


def _drive_unit(session: Session, actor: Actor, org_unit_id: int | None) -> int | None:
    if org_unit_id is None:
        return actor.org_unit_id
    if not org_in_scope(session, actor, org_unit_id):
        raise PermissionDenied(Msg("errors.permission.unit_out_of_scope"))
    return org_unit_id


def create_drive(session: Session, *, actor: Actor, name: str, starts_on: date | None,
                 ends_on: date | None, org_unit_id: int | None = None,
                 notes: str = "") -> WishDrive:
    """Start a wish drive for the actor's scope (or a unit within it)."""
    actor.require(Capability.MANAGE_RESOURCES)
    unit = _drive_unit(session, actor, org_unit_id)
    if problems := _drive_problems(name, starts_on, ends_on):
        raise ValidationFailed(problems)
    drive = WishDrive(name=name.strip(), starts_on=starts_on, ends_on=ends_on, org_unit_id=unit,
                      notes=notes.strip() or None)
    session.add(drive)
    session.flush()
    audit.record(session, actor, "create", "wish_drive", drive.id, after=audit.snapshot(drive),
                 summary=f"新建心愿活动 {drive.name}")
    return drive


def _drive_for_change(session: Session, actor: Actor, drive_id: int,
                      expected_version: int | None) -> WishDrive:
    actor.require(Capability.MANAGE_RESOURCES)
    drive = get_drive(session, actor, drive_id)
    if actor.org_unit_id is not None and not org_in_scope(session, actor, drive.org_unit_id):
        raise PermissionDenied(Msg("errors.permission.wish_drive_from_above"))
    audit.require_version(drive, expected_version, DRIVE)
    return drive


def update_drive(session: Session, *, actor: Actor, drive_id: int, expected_version: int | None,
                 name: str, starts_on: date | None, ends_on: date | None,
                 notes: str = "") -> WishDrive:
    """Rename a drive or move its dates."""
    drive = _drive_for_change(session, actor, drive_id, expected_version)
    if problems := _drive_problems(name, starts_on, ends_on):
        raise ValidationFailed(problems)
    with audit.tracked(session, actor, drive, "wish_drive", summary=f"修改心愿活动 {name.strip()}"):
        drive.name, drive.starts_on, drive.ends_on = name.strip(), starts_on, ends_on
        drive.notes = notes.strip() or None
    return drive


def archive_drive(session: Session, *, actor: Actor, drive_id: int, expected_version: int | None,
                  reason: str = "") -> WishDrive:
    """Take a drive off the list; its wishes stay, each with its child."""
    drive = _drive_for_change(session, actor, drive_id, expected_version)
    with audit.tracked(session, actor, drive, "wish_drive", action="archive",
                       summary=f"归档心愿活动 {drive.name}"):
        drive.archived_at, drive.archive_reason = utcnow(), reason.strip()[:200] or "归档"
    return drive

