"""Checking an activity before it is saved: what a form or an import row says (`ActivityInput`,
`DonationInput`) and every problem with it, keyed by the field a person sees.

Every save is checked whole before anything is written (`services.care.activities`); on an
edit, children, helpers and a kind the activity already had stay allowed though archived since.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed, field_label
from core.i18n import Msg
from db.models import Activity, ActivityKindRow, Attendance, Child, Helper, activity_helpers
from services.access.permissions import (
    Actor,
    Capability,
    children_visible,
    helpers_visible,
    org_in_scope,
)
from services.care.activity_queries import in_chunks, person_times

MAX_SESSIONS = 50
MAX_EXTRA = 100_000
MAX_VOLUNTEERS = 10_000
MAX_YUAN = Decimal(10_000_000)
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class DonationInput:
    """Money (元) and/or goods given at the activity, in equal shares to its recipients.

    `recipient_ids` None (the default, and always on import) means every attending child, and
    keeps meaning it when the attendees change; a tuple names the recipients chosen, all of them
    attendees, and an empty tuple a collective gift to no child in particular.
    """

    money_yuan: Decimal = Decimal(0)
    goods: str | None = None
    goods_value_yuan: Decimal | None = None
    provider_name: str | None = None
    recipient_ids: tuple[int, ...] | None = None

    @property
    def is_empty(self) -> bool:
        return not self.money_yuan and not self.goods

    @property
    def follows_attendees(self) -> bool:
        return self.recipient_ids is None

    def recipients_among(self, attending: tuple[int, ...]) -> tuple[int, ...]:
        """The children this gift goes to: those chosen, else every attending child."""
        return attending if self.recipient_ids is None else self.recipient_ids


@dataclass(frozen=True)
class ActivityInput:
    """What a form or an import row says about an activity, before any check."""

    kind: str
    title: str
    held_on: date
    org_unit_id: int | None
    place: str | None = None
    sessions: int = 1
    extra_person_times: int = 0
    child_ids: tuple[int, ...] = ()
    helper_ids: tuple[int, ...] = ()
    provider_names: tuple[str, ...] = ()
    donations: tuple[DonationInput, ...] = ()
    volunteers: int = 0
    cost_yuan: Decimal | None = None
    notes: str | None = None

    @property
    def person_times(self) -> int:
        return person_times(len(self.child_ids), self.extra_person_times)

    def normalised(self) -> ActivityInput:
        def clean(value: str | None) -> str | None:
            return value.strip() or None if value else None

        names = tuple(dict.fromkeys(n.strip() for n in self.provider_names if n and n.strip()))
        gifts = tuple(replace(d, goods=clean(d.goods), provider_name=clean(d.provider_name),
                              recipient_ids=None if d.recipient_ids is None
                              else tuple(dict.fromkeys(d.recipient_ids)))
                      for d in self.donations)
        return replace(self, kind=self.kind.strip(), title=self.title.strip(),
                       place=clean(self.place), notes=clean(self.notes),
                       child_ids=tuple(dict.fromkeys(self.child_ids)),
                       helper_ids=tuple(dict.fromkeys(self.helper_ids)),
                       provider_names=names, donations=gifts)


@dataclass
class Checked:
    """The records an input names, loaded once by the checks and reused by the write."""

    children: dict[int, Child] = field(default_factory=dict)
    helpers: dict[int, Helper] = field(default_factory=dict)


# ---- checks --------------------------------------------------------------------------------

def activity_problems(session: Session, actor: Actor, data: ActivityInput, *, today: date,
                      activity: Activity | None = None,
                      checked: Checked | None = None) -> dict[str, str]:
    """Every problem with the input, keyed by the field label a person sees.

    On an edit (`activity` given), children, helpers and a kind it already had stay allowed
    though they have since been archived; only new ones must be active.
    """
    checked = checked if checked is not None else Checked()
    problems: dict[str, str] = {}
    _field_problems(session, actor, data, today, activity, problems)
    before = current_links(session, activity)
    if why := _children_problem(session, actor, data, before[0], checked):
        problems[field_label("attendees", "参加儿童")] = why
    if why := _helpers_problem(session, actor, data.helper_ids, before[1], checked):
        problems[field_label("activity_helpers", "服务人员")] = why
    if any(len(name) > 100 for name in data.provider_names):
        problems[field_label("providers", "资源方")] = Msg("errors.activity.provider_long")
    if why := _donations_problem(session, actor, data):
        problems[field_label("donation", "捐助")] = why
    return problems


def _field_problems(session: Session, actor: Actor, data: ActivityInput, today: date,
                    activity: Activity | None, problems: dict[str, str]) -> None:
    kind = session.get(ActivityKindRow, data.kind) if data.kind else None
    if kind is None:
        problems[field_label("activity_kind", "类型")] = Msg("errors.activity.kind_missing")
    elif kind.is_archived and (activity is None or activity.kind != kind.code):
        problems[field_label("activity_kind", "类型")] = Msg(
            "errors.activity.kind_inactive", kind=Msg.keeping(
                kind.label_zh, "errors.activity.kind_name", name=kind.label_en or kind.label_zh))
    if not data.title:
        problems[field_label("title", "名称")] = Msg("errors.valid.required")
    elif len(data.title) > 200:
        problems[field_label("title", "名称")] = Msg("errors.valid.too_long", max_len=200)
    if data.held_on > today:
        problems[field_label("held_on", "日期")] = Msg("errors.activity.date_future")
    elif data.held_on < EARLIEST:
        problems[field_label("held_on", "日期")] = Msg("errors.activity.date_early",
                                                          on=EARLIEST.isoformat())
    if data.place and len(data.place) > 200:
        problems[field_label("place", "地点")] = Msg("errors.valid.too_long", max_len=200)
    if why := _unit_problem(session, actor, data.org_unit_id):
        problems[field_label("host", "举办单位")] = why
    if not 1 <= data.sessions <= MAX_SESSIONS:
        problems[field_label("sessions", "场次")] = Msg("errors.activity.sessions",
                                                     max=MAX_SESSIONS)
    if not 0 <= data.extra_person_times <= MAX_EXTRA:
        problems[field_label("extra_person_times", "其他人次")] = Msg(
            "errors.activity.extra", max=f"{MAX_EXTRA:,}")
    if not 0 <= data.volunteers <= MAX_VOLUNTEERS:
        problems[field_label("volunteers", "志愿者人数")] = Msg(
            "errors.helper.capacity", max=f"{MAX_VOLUNTEERS:,}")
    if data.cost_yuan is not None and not 0 <= data.cost_yuan <= MAX_YUAN:
        problems[field_label("cost", "费用")] = Msg("errors.activity.cost")
    if data.notes and len(data.notes) > 2000:
        problems[field_label("notes", "备注")] = Msg("errors.valid.too_long", max_len=2000)


def _unit_problem(session: Session, actor: Actor, org_unit_id: int | None) -> str | None:
    if org_unit_id is None:
        return Msg("errors.activity.host_missing") if actor.org_unit_id is not None else None
    if not org_in_scope(session, actor, org_unit_id):
        return Msg("errors.activity.host_out_of_scope")
    return None


def current_links(session: Session, activity: Activity | None) -> tuple[set[int], set[int]]:
    if activity is None or activity.id is None:
        return set(), set()
    children = set(session.scalars(select(Attendance.child_id).where(
        Attendance.activity_id == activity.id)))
    helpers = set(session.scalars(select(activity_helpers.c.helper_id).where(
        activity_helpers.c.activity_id == activity.id)))
    return children, helpers


def _children_problem(session: Session, actor: Actor, data: ActivityInput, already: set[int],
                      checked: Checked) -> str | None:
    missing = [i for i in data.child_ids if i not in checked.children]
    for chunk in in_chunks(missing):
        checked.children.update((c.id, c) for c in session.scalars(
            select(Child).where(Child.id.in_(chunk), children_visible(actor))))
    unknown = [i for i in data.child_ids if i not in checked.children]
    if unknown:
        return Msg("errors.activity.unknown_children", count=len(unknown))
    chosen = [checked.children[i] for i in data.child_ids]
    archived = [c.name for c in chosen if c.archived_at is not None and c.id not in already]
    if archived:
        return Msg("errors.activity.archived_children", names=tuple(archived[:5]))
    unborn = [c.name for c in chosen if c.birth_date > data.held_on]
    if unborn:
        return Msg("errors.activity.unborn_children", names=tuple(unborn[:5]))
    return None


def _helpers_problem(session: Session, actor: Actor, helper_ids: tuple[int, ...],
                     already: set[int], checked: Checked) -> str | None:
    for chunk in in_chunks(helper_ids):
        checked.helpers.update((h.id, h) for h in session.scalars(
            select(Helper).where(Helper.id.in_(chunk), helpers_visible(actor))))
    if any(i not in checked.helpers for i in helper_ids):
        return Msg("errors.activity.unknown_helpers")
    stopped = [checked.helpers[i].name for i in helper_ids
               if checked.helpers[i].archived_at is not None and i not in already]
    if stopped:
        return Msg("errors.activity.inactive_helpers", names=tuple(stopped))
    return None


def _donations_problem(session: Session, actor: Actor, data: ActivityInput) -> str | None:
    attending = set(data.child_ids)
    for gift in data.donations:
        if gift.is_empty:
            return Msg("errors.activity.gift_empty")
        if not 0 <= gift.money_yuan <= MAX_YUAN:
            return Msg("errors.activity.gift_money")
        if gift.goods and len(gift.goods) > 200:
            return Msg("errors.activity.gift_goods_long")
        if gift.goods_value_yuan is not None and not 0 <= gift.goods_value_yuan <= MAX_YUAN:
            return Msg("errors.activity.gift_value")
        if gift.provider_name and gift.provider_name not in data.provider_names:
            return Msg("errors.activity.gift_provider", name=gift.provider_name)
        outsiders = [i for i in gift.recipients_among(data.child_ids) if i not in attending][:5]
        if outsiders:
            known = dict(session.execute(select(Child.id, Child.name).where(
                Child.id.in_(outsiders), children_visible(actor))).all())
            hidden = Msg("errors.activity.child_out_of_scope")
            return Msg("errors.activity.gift_outsiders",
                       names=tuple(known.get(i, hidden) for i in outsiders))
    return None


def check_whole(session: Session, actor: Actor, data: ActivityInput, *, today: date,
           activity: Activity | None) -> Checked:
    actor.require(Capability.MANAGE_ACTIVITIES)
    checked = Checked()
    if problems := activity_problems(session, actor, data, today=today, activity=activity,
                                     checked=checked):
        raise ValidationFailed(problems)
    return checked

