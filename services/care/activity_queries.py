"""Reading activities: who may see which, the list with its 场次 and 人次, one activity's details,
and the children a form may pick (one by one, or a whole class, school or village)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from core.errors import DomainError, NotFound
from core.i18n import DEFAULT_LANGUAGE, Msg, t
from core.vocab import OrgKind
from db.models import (
    Activity,
    ActivityKindRow,
    ActivityPhoto,
    Attendance,
    Child,
    Donation,
    Helper,
    OrgUnit,
    ResourceProvider,
    activity_helpers,
    activity_providers,
    donation_recipients,
)
from services.access.permissions import (
    Actor,
    Capability,
    children_listed,
    helpers_visible,
    org_subtree_ids,
)
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import search_children

CHUNK = 900  # below SQLite's limit on bound parameters per statement


def person_times(attending: int, extra: int) -> int:
    """人次: the attending children plus the extra 人次 (adults, other pupils) — the one formula."""
    return attending + extra


def in_chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def activities_visible(actor: Actor) -> ColumnElement[bool]:
    """Activities held by a unit in the actor's scope (an unscoped one sees them all)."""
    actor.require(Capability.MANAGE_ACTIVITIES)
    subtree = org_subtree_ids(actor)
    return true() if subtree is None else Activity.org_unit_id.in_(subtree)


def get_activity(session: Session, actor: Actor, activity_id: int) -> Activity:
    activity = session.scalar(select(Activity).where(Activity.id == activity_id,
                                                     activities_visible(actor)))
    if activity is None:
        raise NotFound(Msg("errors.what.activity"))
    return activity


def _subtree(org_unit_id: int) -> ColumnElement[bool]:
    root = select(OrgUnit.path).where(OrgUnit.id == org_unit_id).scalar_subquery()
    return OrgUnit.id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(root)))


# ---- the list ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityRow:
    id: int
    version: int
    held_on: date
    kind: str
    kind_label: str
    title: str
    place: str | None
    org_unit_id: int | None
    org_unit: str
    sessions: int
    attending: int
    extra: int
    photos: int
    archived: bool

    @property
    def person_times(self) -> int:
        return person_times(self.attending, self.extra)


@dataclass(frozen=True)
class ActivityTotals:
    activities: int
    sessions: int
    attending: int
    extra: int

    @property
    def person_times(self) -> int:
        return person_times(self.attending, self.extra)


def list_activities(session: Session, actor: Actor, *, date_from: date | None,
                    date_to: date | None, kind: str | None = None,
                    org_unit_id: int | None = None,
                    include_archived: bool = False) -> list[ActivityRow]:
    """Activities in the period (inclusive) the actor may see, newest first, with 场次 and 人次."""
    attending = (select(Attendance.activity_id, func.count().label("n"))
                 .group_by(Attendance.activity_id).subquery())
    photos = (select(ActivityPhoto.activity_id, func.count().label("n"))
              .group_by(ActivityPhoto.activity_id).subquery())
    stmt = (select(Activity.id, Activity.version, Activity.held_on, Activity.kind,
                   ActivityKindRow.label_zh, Activity.title, Activity.place,
                   Activity.org_unit_id, OrgUnit.name, Activity.sessions,
                   func.coalesce(attending.c.n, 0), Activity.extra_person_times,
                   func.coalesce(photos.c.n, 0), Activity.archived_at.is_not(None))
            .join(ActivityKindRow, ActivityKindRow.code == Activity.kind)
            .outerjoin(OrgUnit, OrgUnit.id == Activity.org_unit_id)
            .outerjoin(attending, attending.c.activity_id == Activity.id)
            .outerjoin(photos, photos.c.activity_id == Activity.id)
            .where(activities_visible(actor))
            .order_by(Activity.held_on.desc(), Activity.id.desc()))
    if date_from is not None:
        stmt = stmt.where(Activity.held_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Activity.held_on <= date_to)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    if org_unit_id is not None:
        stmt = stmt.where(Activity.org_unit_id.in_(select(OrgUnit.id).where(
            _subtree(org_unit_id))))
    if not include_archived:
        stmt = stmt.where(Activity.archived_at.is_(None))
    return [ActivityRow(activity_id, version, held_on, kind, kind_label, title, place, unit_id,
                        unit or "", sessions, attending_n, extra, photos_n, archived)
            for (activity_id, version, held_on, kind, kind_label, title, place, unit_id, unit,
                 sessions, attending_n, extra, photos_n, archived) in session.execute(stmt)]


def activity_totals(rows: Iterable[ActivityRow]) -> ActivityTotals:
    """场次 and 人次 of the listed activities, archived ones left out."""
    live = [r for r in rows if not r.archived]
    return ActivityTotals(len(live), sum(r.sessions for r in live),
                          sum(r.attending for r in live), sum(r.extra for r in live))


# ---- one activity --------------------------------------------------------------------------

@dataclass(frozen=True)
class DonationLine:
    money_yuan: Decimal
    goods: str | None
    goods_value_yuan: Decimal | None
    provider: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ActivityDetail:
    activity: Activity
    kind_label: str
    org_unit: str
    attendees: tuple[ChildChoice, ...]
    helpers: tuple[tuple[int, str], ...]
    providers: tuple[str, ...]
    donations: tuple[DonationLine, ...]
    photos: tuple[ActivityPhoto, ...]

    @property
    def person_times(self) -> int:
        return person_times(len(self.attendees), self.activity.extra_person_times)


def activity_detail(session: Session, actor: Actor, activity_id: int) -> ActivityDetail:
    """Everything recorded about one activity, for its page and its edit form."""
    activity = get_activity(session, actor, activity_id)
    kind = session.get(ActivityKindRow, activity.kind)
    unit = session.get(OrgUnit, activity.org_unit_id) if activity.org_unit_id else None
    attendee_ids = list(session.scalars(select(Attendance.child_id).where(
        Attendance.activity_id == activity.id)))
    helpers = tuple((helper_id, name) for helper_id, name in session.execute(
        select(Helper.id, Helper.name).join(activity_helpers,
                                            activity_helpers.c.helper_id == Helper.id)
        .where(activity_helpers.c.activity_id == activity.id).order_by(Helper.name)))
    providers = tuple(session.scalars(
        select(ResourceProvider.name).join(activity_providers,
                                           activity_providers.c.provider_id == ResourceProvider.id)
        .where(activity_providers.c.activity_id == activity.id).order_by(ResourceProvider.name)))
    return ActivityDetail(activity, kind.label_zh if kind else activity.kind,
                          unit.name if unit else "", tuple(choices_for(session, attendee_ids)),
                          helpers, providers, _donations(session, activity.id),
                          tuple(activity.photos))


def _donations(session: Session, activity_id: int) -> tuple[DonationLine, ...]:
    lines = []
    for donation in session.scalars(select(Donation).where(
            Donation.activity_id == activity_id, Donation.archived_at.is_(None))
            .order_by(Donation.id)):
        names = tuple(session.scalars(select(Child.name).join(
            donation_recipients, donation_recipients.c.child_id == Child.id)
            .where(donation_recipients.c.donation_id == donation.id).order_by(Child.name)))
        lines.append(DonationLine(donation.money_yuan, donation.goods, donation.goods_value_yuan,
                                  donation.provider.name if donation.provider else None, names))
    return tuple(lines)


# ---- picking children, helpers and providers ------------------------------------------------

@dataclass(frozen=True)
class ChildChoice:
    """A child as a picker shows them: the name with school and class, or village."""

    id: int
    name: str
    label: str


def _choices(session: Session, condition: ColumnElement[bool],
             order: Sequence[InstrumentedAttribute[str | None]] = ()) -> list[ChildChoice]:
    school, village = aliased(OrgUnit), aliased(OrgUnit)
    rows = session.execute(
        select(Child.id, Child.name, Child.grade, Child.class_name, school.name, village.name)
        .outerjoin(school, school.id == Child.school_id)
        .outerjoin(village, village.id == Child.village_id)
        .where(condition).order_by(*order, Child.name_pinyin, Child.id))
    return [ChildChoice(child_id, name,
                        f"{name}({school_name}{grade or ''}{cls or ''})" if school_name
                        else f"{name}({village_name or ''})")
            for child_id, name, grade, cls, school_name, village_name in rows]


def choices_for(session: Session, child_ids: Sequence[int]) -> list[ChildChoice]:
    """Labels for children already chosen (an edit form's attendees), in pinyin order."""
    found: list[ChildChoice] = []
    for chunk in in_chunks(list(child_ids)):
        found += _choices(session, Child.id.in_(chunk))
    return found


def search_child_choices(session: Session, actor: Actor, text: str, *, today: date,
                         limit: int = 30) -> list[ChildChoice]:
    """Active children in scope matching a name, pinyin or ID-number suffix."""
    if not text.strip():
        return []
    page = search_children(session, actor, RosterFilter(text=text), today=today,
                           page_size=limit)
    return choices_for(session, [r.id for r in page.rows])


def children_for_group(session: Session, actor: Actor, *, school_id: int | None = None,
                       grade_class: tuple[str, str | None] | None = None,
                       village_id: int | None = None) -> list[ChildChoice]:
    """Every active child in scope of a school, of one class of it, or of a village."""
    clauses = [children_listed(actor), Child.archived_at.is_(None)]
    if school_id is None and village_id is None:
        raise DomainError.of("errors.activity.group_missing")
    if school_id is not None:
        clauses.append(Child.school_id == school_id)
    if grade_class is not None:
        if school_id is None:
            raise DomainError.of("errors.activity.class_without_school")
        grade, class_name = grade_class
        clauses.append(Child.grade == grade)
        if class_name:
            clauses.append(Child.class_name == class_name)
    if village_id is not None:
        clauses.append(Child.village_id == village_id)
    return _choices(session, and_(*clauses), order=(Child.grade, Child.class_name))


def classes_of_school(session: Session, actor: Actor, school_id: int
                      ) -> list[tuple[str, str | None, int]]:
    """(grade, class, active children in scope) of one school, for the whole-class picker."""
    rows = session.execute(
        select(Child.grade, Child.class_name, func.count())
        .where(Child.school_id == school_id, Child.grade.is_not(None),
               Child.archived_at.is_(None), children_listed(actor))
        .group_by(Child.grade, Child.class_name).order_by(Child.grade, Child.class_name))
    # `grade is not None` again for the checker: the query already leaves blank grades out.
    return [(grade, class_name, count) for grade, class_name, count in rows if grade is not None]


def _town_of(session: Session, org_unit_id: int) -> int:
    """The town or subdistrict a unit lies in (the unit itself for a town or the county)."""
    unit = session.get(OrgUnit, org_unit_id)
    while unit is not None and unit.kind not in (OrgKind.town, OrgKind.subdistrict,
                                                 OrgKind.county) and unit.parent is not None:
        unit = unit.parent
    return unit.id if unit is not None else org_unit_id


def helpers_for_unit(session: Session, actor: Actor, org_unit_id: int | None,
                     lang: str = DEFAULT_LANGUAGE) -> list[tuple[int, str]]:
    """Active helpers in scope who could serve at the unit: those of its town, or all."""
    # helpers_visible() asks for no capability: without this a viewer would get every name.
    actor.require(Capability.MANAGE_ACTIVITIES)
    stmt = (select(Helper.id, Helper.name, Helper.kind)
            .where(Helper.archived_at.is_(None), helpers_visible(actor))
            .order_by(Helper.name, Helper.id))
    if org_unit_id is not None:
        town = select(OrgUnit.id).where(_subtree(_town_of(session, org_unit_id)))
        stmt = stmt.where(or_(Helper.org_unit_id.in_(town), Helper.school_id.in_(town)))
    return [(helper_id, t("choice.helper", lang, name=name, kind=kind.label(lang)))
            for helper_id, name, kind in session.execute(stmt)]


def provider_names(session: Session) -> list[str]:
    """Active resource providers, for the providers picker."""
    return list(session.scalars(select(ResourceProvider.name).where(
        ResourceProvider.archived_at.is_(None)).order_by(ResourceProvider.name)))
