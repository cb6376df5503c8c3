"""Activities as files: one row per activity with its 场次 and 人次, or one per attending child.

Masked, helpers' and children's names are masked, and so is a person's name among the
providers; titles, places and goods are free text in which the activity's people (attending
children and their relatives, helpers, providers that are persons) are masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from core.errors import PermissionDenied
from core.i18n import Msg
from db.models import (
    Activity,
    ActivityKindRow,
    Attendance,
    Child,
    Donation,
    Helper,
    OrgUnit,
    ResourceProvider,
    activity_helpers,
    activity_providers,
)
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.care.activity_queries import activities_visible, list_activities
from services.exports.name_masking import people_by_child, people_by_provider, provider_people
from services.exports.tables import (
    PEOPLE,
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)

Row = dict[str, object]
S = Sensitivity
ACTIVITY_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("held_on", "日期"), ExportColumn("title", "名称", S.TEXT),
    ExportColumn("kind", "类型"), ExportColumn("place", "地点", S.TEXT),
    ExportColumn("org_unit", "单位"),
    ExportColumn("sessions", "场次"), ExportColumn("attending", "参加儿童数"),
    ExportColumn("extra", "其他人次"), ExportColumn("person_times", "人次"),
    # 、-joined names, each masked; a provider's name only if it is a person's (PEOPLE).
    ExportColumn("helpers", "服务人员", S.NAME), ExportColumn("providers", "资源方", S.TEXT),
    ExportColumn("money", "捐助金额"), ExportColumn("goods", "物资", S.TEXT),
)
ATTENDANCE_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("held_on", "日期"), ExportColumn("title", "活动名称", S.TEXT),
    ExportColumn("kind", "类型"), ExportColumn("org_unit", "单位"),
    ExportColumn("child_name", "儿童姓名", S.NAME), ExportColumn("gender", "性别"),
    ExportColumn("school", "学校"), ExportColumn("class_name", "班级"),
    ExportColumn("village", "村(社区)"),
)
TITLES = {"activities": "活动名单", "attendance": "活动参加儿童名单"}
BATCH = 5000


def _period(date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Activity.archived_at.is_(None)]
    if date_from is not None:
        clauses.append(Activity.held_on >= date_from)
    if date_to is not None:
        clauses.append(Activity.held_on <= date_to)
    return clauses


def _names_by_activity(session: Session, stmt) -> dict[int, list[str]]:  # noqa: ANN001
    found: dict[int, list[str]] = {}
    for activity_id, name in session.execute(stmt):
        found.setdefault(activity_id, []).append(name)
    return found


def _helpers(session: Session, where: list[ColumnElement[bool]]) -> dict[int, list[str]]:
    return _names_by_activity(session, select(activity_helpers.c.activity_id, Helper.name)
                              .join(Helper, Helper.id == activity_helpers.c.helper_id)
                              .join(Activity, Activity.id == activity_helpers.c.activity_id)
                              .where(*where).order_by(Helper.name))


def _providers(session: Session, where: list[ColumnElement[bool]]) -> dict[int, list[str]]:
    return _names_by_activity(
        session, select(activity_providers.c.activity_id, ResourceProvider.name)
        .join(ResourceProvider, ResourceProvider.id == activity_providers.c.provider_id)
        .join(Activity, Activity.id == activity_providers.c.activity_id)
        .where(*where).order_by(ResourceProvider.name))


def _people(session: Session, where: list[ColumnElement[bool]], helpers: dict[int, list[str]],
            providers: dict[int, list[str]]) -> dict[int, set[str]]:
    """Per activity, the names its free text may mention: every attending child's people
    (their name, relatives and helpers; in scope or not, they are only masked), the activity's
    helpers and the providers that are persons."""
    attendance = (select(Attendance.activity_id, Attendance.child_id)
                  .join(Activity, Activity.id == Attendance.activity_id).where(*where))
    by_child = people_by_child(session, attendance.with_only_columns(Attendance.child_id))
    people: dict[int, set[str]] = {}
    for activity_id, child_id in session.execute(attendance):
        people.setdefault(activity_id, set()).update(by_child.get(child_id, ()))
    persons = people_by_provider(session)
    for activity_id in helpers.keys() | providers.keys():
        people.setdefault(activity_id, set()).update(
            helpers.get(activity_id, ()),
            provider_people(persons, providers.get(activity_id, [])))
    return people


def activity_rows(session: Session, actor: Actor, *, date_from: date | None = None,
                  date_to: date | None = None) -> Iterator[Row]:
    """Every activity in scope and period, newest first, with helpers, providers and donations;
    each row carries the names of its people (PEOPLE)."""
    where = [activities_visible(actor), *_period(date_from, date_to)]
    helpers, providers = _helpers(session, where), _providers(session, where)
    people = _people(session, where, helpers, providers)
    money: dict[int, Decimal] = {}
    goods: dict[int, list[str]] = {}
    for activity_id, amount, what in session.execute(
            select(Donation.activity_id, Donation.money_yuan, Donation.goods)
            .join(Activity, Activity.id == Donation.activity_id)
            .where(*where, Donation.archived_at.is_(None)).order_by(Donation.id)):
        if activity_id is None:  # never: the join keeps donations made at an activity
            continue
        money[activity_id] = money.get(activity_id, Decimal(0)) + (amount or Decimal(0))
        if what:
            goods.setdefault(activity_id, []).append(what)
    for row in list_activities(session, actor, date_from=date_from, date_to=date_to):
        yield {"held_on": row.held_on, "title": row.title, "kind": row.kind_label,
               "place": row.place, "org_unit": row.org_unit, "sessions": row.sessions,
               "attending": row.attending, "extra": row.extra,
               "person_times": row.person_times,
               "helpers": "、".join(helpers.get(row.id, [])),
               "providers": "、".join(providers.get(row.id, [])),
               "money": money.get(row.id, ""), "goods": "、".join(goods.get(row.id, [])),
               PEOPLE: people.get(row.id, ())}


def attendance_rows(session: Session, actor: Actor, *, date_from: date | None = None,
                    date_to: date | None = None) -> Iterator[Row]:
    """One row per attending child the actor may see, by activity date then name; each row
    carries the names of its activity's people (PEOPLE), for masking the title."""
    where = [activities_visible(actor), *_period(date_from, date_to)]
    people = _people(session, where, _helpers(session, where), _providers(session, where))
    unit, school, village = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(Activity.id, Activity.held_on, Activity.title, ActivityKindRow.label_zh,
                   unit.name, Child.name, Child.gender, school.name, Child.grade,
                   Child.class_name, village.name)
            .select_from(Attendance)
            .join(Activity, Activity.id == Attendance.activity_id)
            .join(ActivityKindRow, ActivityKindRow.code == Activity.kind)
            .join(Child, Child.id == Attendance.child_id)
            .outerjoin(unit, unit.id == Activity.org_unit_id)
            .outerjoin(school, school.id == Child.school_id)
            .outerjoin(village, village.id == Child.village_id)
            .where(children_listed(actor), *where)
            .order_by(Activity.held_on.desc(), Activity.id.desc(), Child.name_pinyin)
            .execution_options(yield_per=BATCH))
    for (activity_id, held_on, title, kind, unit_name, name, gender, school_name, grade,
         class_name, village_name) in session.execute(stmt):
        yield {"held_on": held_on, "title": title, "kind": kind, "org_unit": unit_name or "",
               "child_name": name, "gender": gender.zh, "school": school_name or "",
               "class_name": f"{grade or ''}{class_name or ''}", "village": village_name or "",
               PEOPLE: people.get(activity_id, ())}


def _export(session: Session, actor: Actor, kind: str, fmt: str, rows: Iterable[Row],
            columns: tuple[ExportColumn, ...], include_sensitive: bool,
            *, options: ExportOptions | None) -> bytes:
    """The rows as a file; the permission checks come before any row is read."""
    actor.require(Capability.EXPORT)
    actor.require(Capability.MANAGE_ACTIVITIES)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    data = export_bytes(fmt, rows, columns, include_sensitive=include_sensitive,
                        sheet_name=TITLES[kind], options=options)
    if include_sensitive:
        audit.record(session, actor, "export_sensitive", kind, None,
                     summary=f"导出含敏感信息的{TITLES[kind]}({fmt})")
    return data


def export_activities(session: Session, *, actor: Actor, fmt: str, today: date,
                      include_sensitive: bool = False, date_from: date | None = None,
                      date_to: date | None = None,
                      options: ExportOptions | None = None) -> bytes:
    """活动名单: one row per activity; helpers' names masked unless asked for."""
    rows = activity_rows(session, actor, date_from=date_from, date_to=date_to)
    return _export(session, actor, "activities", fmt, rows, ACTIVITY_COLUMNS, include_sensitive,
                   options=options)


def export_attendance(session: Session, *, actor: Actor, fmt: str, today: date,
                      include_sensitive: bool = False, date_from: date | None = None,
                      date_to: date | None = None,
                      options: ExportOptions | None = None) -> bytes:
    """活动参加儿童名单: one row per attending child; names masked unless asked for."""
    rows = attendance_rows(session, actor, date_from=date_from, date_to=date_to)
    return _export(session, actor, "attendance", fmt, rows, ATTENDANCE_COLUMNS,
                   include_sensitive, options=options)


ACTIVITY_EXPORTS: dict[str, ListExport] = {
    "activities": ListExport(TITLES["activities"], ACTIVITY_COLUMNS, export_activities),
    "attendance": ListExport(TITLES["attendance"], ATTENDANCE_COLUMNS, export_attendance),
}
