"""Reading 心愿: the wishes and wish drives an actor may see, a drive's progress, the figures
for 总览, the children and providers a form may pick, and a fulfilled wish's photo file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

from sqlalchemy import ColumnElement, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from config import load_settings
from core.errors import NotFound
from core.i18n import Msg
from core.vocab import WishStatus
from db.models import Child, OrgUnit, ResourceProvider, Wish, WishDrive
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_listed,
    children_visible,
    org_subtree_ids,
)
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids

DRIVE = Msg("errors.what.wish_drive")
PHOTO_DIR = PurePosixPath("photos", "wishes")
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

def wishes_visible(actor: Actor) -> ColumnElement[bool]:
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
            .where(Wish.archived_at.is_(None), children_listed(actor)))
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
            Wish.drive_id == drive.id, Wish.archived_at.is_(None), wishes_visible(actor))
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

