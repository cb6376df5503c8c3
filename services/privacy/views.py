"""访问记录: who saw which children's personal data, when and where — and what looks unusual.

Every way of seeing a child by name records an event here, in the caller's transaction: a
child's page (once per person and child within `PAGE_VIEW_WINDOW`, since Streamlit re-runs
a page on every click), contact cards, list exports and reports with names. Aggregates (the
dashboard, masked drafts, the deck) record nothing: they show no one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, insert, or_, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.i18n import Msg
from core.vocab import ViewKind
from db.base import utcnow
from db.models import Child, Helper, Pairing, User, ViewedChild, ViewEvent
from services.access.permissions import Actor, Capability, children_visible

PAGE_VIEW_WINDOW = timedelta(minutes=30)
# A person who opens more children than this in a day, outside their own pairings, is listed
# for review: a coordinator at work rarely needs forty 档案 in one day.
DAILY_CHILDREN_LIMIT = 40
# Local hours in which an export or a report with names is listed for review.
NIGHT_STARTS, NIGHT_ENDS = 22, 6
# Children opened one at a time count towards the daily limit; 联系卡 are printed for a class
# or a village at once, so they are a list, like an export, and reviewed when taken at night.
ONE_BY_ONE = (ViewKind.child_page, ViewKind.emergency)
LISTS = (ViewKind.export, ViewKind.report, ViewKind.contact_card)
NAMES_SHOWN = 3  # the view log names this many of an event's children, then counts the rest
SUBJECT_MAX = 100
LOG_LIMIT = 500


def record_view(session: Session, actor: Actor, kind: ViewKind, page: str, *,
                child_ids: Iterable[int] = (), subject: str | None = None,
                rows: int | None = None) -> ViewEvent | None:
    """Record that `actor` saw these children (or a list of `rows` of them) on `page`.

    A child's page seen again by the same person within PAGE_VIEW_WINDOW is not recorded
    twice. Returns the event, or None when nothing new was recorded.
    """
    ids = sorted(set(child_ids))
    if kind is ViewKind.child_page and len(ids) == 1 and _seen_recently(session, actor, ids[0]):
        return None
    event = ViewEvent(user_id=actor.user_id, username=actor.username, role=actor.role.value,
                      kind=kind, page=page[:30],
                      subject=None if subject is None else subject[:SUBJECT_MAX],
                      rows=len(ids) if rows is None else rows)
    session.add(event)
    session.flush()
    if ids:
        # One executemany for the whole batch: a hundred contact cards are one round trip.
        session.execute(insert(ViewedChild),
                        [{"event_id": event.id, "child_id": child_id} for child_id in ids])
    return event


def _seen_recently(session: Session, actor: Actor, child_id: int) -> bool:
    since = utcnow() - PAGE_VIEW_WINDOW
    return session.scalar(
        select(ViewEvent.id).join(ViewedChild, ViewedChild.event_id == ViewEvent.id)
        .where(ViewedChild.child_id == child_id, ViewEvent.kind == ViewKind.child_page,
               ViewEvent.username == actor.username, ViewEvent.at >= since)
        .limit(1)) is not None


@dataclass(frozen=True)
class ViewRow:
    at: datetime
    username: str
    display_name: str
    role: str
    kind: ViewKind
    page: str
    subject: str | None
    rows: int
    # Which children, as far as the reader may see them (the first few names), and how many.
    names: tuple[str, ...] = ()
    children: int = 0


def _rows(session: Session, stmt: Select[ViewEvent, str | None],
          actor: Actor | None = None) -> list[ViewRow]:
    found = session.execute(stmt).all()
    named = _children_named(session, actor, [e.id for e, _ in found]) if actor else {}
    return [ViewRow(e.at, e.username, name or e.username, e.role, e.kind, e.page, e.subject,
                    e.rows, *named.get(e.id, ((), 0))) for e, name in found]


def _children_named(session: Session, actor: Actor, event_ids: list[int]
                    ) -> dict[int, tuple[tuple[str, ...], int]]:
    """Each event's children: the first names, in one query, and how many; a child outside
    the reader's scope is counted, never named."""
    names: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for part in range(0, len(event_ids), 1000):
        rows = session.execute(
            select(ViewedChild.event_id, Child.name, children_visible(actor))
            .join(Child, Child.id == ViewedChild.child_id)
            .where(ViewedChild.event_id.in_(event_ids[part:part + 1000]))
            .order_by(ViewedChild.event_id, Child.name))
        for event_id, name, visible in rows:
            counts[event_id] += 1
            if visible and len(names[event_id]) < NAMES_SHOWN:
                names[event_id].append(name)
    return {event_id: (tuple(names[event_id]), count) for event_id, count in counts.items()}


def _with_names(stmt: Select[ViewEvent]) -> Select[ViewEvent, str | None]:
    return stmt.add_columns(User.display_name).outerjoin(User, User.id == ViewEvent.user_id)


def who_looked(session: Session, actor: Actor, child_id: int, *,
               limit: int = 20) -> list[ViewRow]:
    """谁看过这份档案: the newest views of one child in the actor's scope, newest first."""
    actor.require(Capability.SEE_WHO_LOOKED)
    if session.scalar(select(Child.id).where(Child.id == child_id,
                                             children_visible(actor))) is None:
        raise NotFound(Msg("errors.what.child_record"))
    stmt = (select(ViewEvent).join(ViewedChild, ViewedChild.event_id == ViewEvent.id)
            .where(ViewedChild.child_id == child_id)
            .order_by(ViewEvent.at.desc(), ViewEvent.id.desc()).limit(limit))
    return _rows(session, _with_names(stmt))


@dataclass(frozen=True)
class ViewLogFilter:
    """管理 › 访问记录's filters; dates are local days, both ends included."""

    user_id: int | None = None
    child_name: str = ""  # part of a name, in the reader's scope
    kind: ViewKind | None = None
    date_from: date | None = None
    date_to: date | None = None


def utc_bounds(date_from: date | None, date_to: date | None,
               zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Local days as stored (naive UTC) times: [start of date_from, start of the day after)."""
    def start(day: date) -> datetime:
        return (datetime.combine(day, time.min, zone).astimezone(ZoneInfo("UTC"))
                .replace(tzinfo=None))
    return (None if date_from is None else start(date_from),
            None if date_to is None else start(date_to + timedelta(days=1)))


def _between(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """The events in [start, end), either end open when None."""
    return ([] if start is None else [ViewEvent.at >= start]) + (
        [] if end is None else [ViewEvent.at < end])


def view_log(session: Session, actor: Actor, wanted: ViewLogFilter, zone: ZoneInfo, *,
             limit: int = LOG_LIMIT) -> tuple[list[ViewRow], int]:
    """The newest events matching `wanted` (at most `limit`), and how many match in all."""
    actor.require(Capability.MANAGE_USERS)
    conditions: list[ColumnElement[bool]] = []
    if wanted.user_id is not None:
        conditions.append(ViewEvent.user_id == wanted.user_id)
    if wanted.kind is not None:
        conditions.append(ViewEvent.kind == wanted.kind)
    if name := wanted.child_name.strip():
        named = select(Child.id).where(Child.name.contains(name, autoescape=True),
                                       children_visible(actor))
        conditions.append(ViewEvent.id.in_(select(ViewedChild.event_id).where(
            ViewedChild.child_id.in_(named))))
    conditions += _between(*utc_bounds(wanted.date_from, wanted.date_to, zone))
    total = session.scalar(select(func.count()).select_from(ViewEvent).where(*conditions)) or 0
    stmt = (select(ViewEvent).where(*conditions)
            .order_by(ViewEvent.at.desc(), ViewEvent.id.desc()).limit(limit))
    return _rows(session, _with_names(stmt), actor), total


# ---- what an administrator should look at ------------------------------------------------

@dataclass(frozen=True)
class UnusualViews:
    """One pattern worth a second look: many children in a day, or a list taken at night."""

    reason: str  # "many_children" or "night_export"
    username: str
    display_name: str
    day: date
    count: int
    at: datetime | None = None  # the night export's time (stored UTC)
    subject: str | None = None


def unusual_views(session: Session, actor: Actor, date_from: date, date_to: date,
                  zone: ZoneInfo, *, daily_limit: int = DAILY_CHILDREN_LIMIT
                  ) -> list[UnusualViews]:
    """Days on which a person opened more than `daily_limit` children one by one outside
    their current pairings, and lists with names (exports, reports, 联系卡) taken at night,
    newest first."""
    actor.require(Capability.MANAGE_USERS)
    start, end = utc_bounds(date_from, date_to, zone)
    found = _many_children(session, start, end, zone, daily_limit) + _night_lists(
        session, start, end, zone)
    return sorted(found, key=lambda u: (u.day, u.at or datetime.min), reverse=True)


def _names(session: Session, usernames: Sequence[str]) -> dict[str, str]:
    return {username: name for username, name in session.execute(
        select(User.username, User.display_name).where(User.username.in_(set(usernames))))}


def _many_children(session: Session, start: datetime | None, end: datetime | None,
                   zone: ZoneInfo, daily_limit: int) -> list[UnusualViews]:
    own = (select(Pairing.id).join(Helper, Helper.id == Pairing.helper_id)
           .where(Helper.user_id == ViewEvent.user_id, Pairing.child_id == ViewedChild.child_id,
                  # one's own on the day of the view (its UTC day: near enough for a review)
                  Pairing.started_on <= func.date(ViewEvent.at),
                  or_(Pairing.ended_on.is_(None), Pairing.ended_on >= func.date(ViewEvent.at)))
           .exists())
    stmt = (select(ViewEvent.username, ViewEvent.at, ViewedChild.child_id)
            .join(ViewedChild, ViewedChild.event_id == ViewEvent.id)
            .where(ViewEvent.kind.in_(ONE_BY_ONE), ~own, *_between(start, end)))
    children: dict[tuple[str, date], set[int]] = defaultdict(set)
    for username, at, child_id in session.execute(stmt):
        children[(username, _local(at, zone).date())].add(child_id)
    over = {key: len(ids) for key, ids in children.items() if len(ids) > daily_limit}
    names = _names(session, [username for username, _ in over])
    return [UnusualViews("many_children", username, names.get(username, username), day, count)
            for (username, day), count in over.items()]


def _night_lists(session: Session, start: datetime | None, end: datetime | None,
                 zone: ZoneInfo) -> list[UnusualViews]:
    stmt = select(ViewEvent).where(ViewEvent.kind.in_(LISTS), *_between(start, end))
    night = [e for e in session.scalars(stmt) if _at_night(_local(e.at, zone))]
    names = _names(session, [e.username for e in night])
    return [UnusualViews("night_export", e.username, names.get(e.username, e.username),
                         _local(e.at, zone).date(), e.rows, at=e.at, subject=e.subject)
            for e in night]


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def _at_night(moment: datetime) -> bool:
    return moment.hour >= NIGHT_STARTS or moment.hour < NIGHT_ENDS
