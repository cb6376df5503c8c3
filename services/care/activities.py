"""活动: group activities with their 场次 and 人次, attendees, helpers, providers and donations.

人次 is always computed one way (CONTRACTS.md): the attending children plus the extra 人次
recorded for adults and other pupils (`person_times`). Every save is checked whole before
anything is written. The inputs and their checks live in `activity_checks`, the reading side in
`activity_queries` and the list of kinds in `activity_kinds`; their public names are
importable from here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import DomainError, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import DonationDirection
from db.base import utcnow
from db.models import (
    Activity,
    Attendance,
    Donation,
    ResourceProvider,
    activity_helpers,
    activity_providers,
    donation_recipients,
)
from services.access import audit
from services.access.permissions import Actor, Capability
from services.care.activity_checks import (
    ActivityInput,
    Checked,
    DonationInput,
    check_whole,
    current_links,
)
from services.care.activity_queries import (
    get_activity,
    in_chunks,
)

ARCHIVED_WITH_ACTIVITY = "活动已归档"


# ---- writing -------------------------------------------------------------------------------

def providers_named(session: Session, actor: Actor, names: Iterable[str]) -> dict[str, int]:
    """The resource providers with these names, each created when new (as imports do)."""
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    found = {p.name: p.id for p in session.scalars(
        select(ResourceProvider).where(ResourceProvider.name.in_(wanted)))} if wanted else {}
    for name in wanted:
        if name not in found:
            provider = ResourceProvider(name=name)
            session.add(provider)
            session.flush()
            audit.record(session, actor, "create", "resource_provider", provider.id,
                         after=audit.snapshot(provider), summary=f"新增资源方 {name}")
            found[name] = provider.id
    return found


def _apply_fields(activity: Activity, data: ActivityInput) -> None:
    activity.kind, activity.title, activity.held_on = data.kind, data.title, data.held_on
    activity.place, activity.org_unit_id = data.place, data.org_unit_id
    activity.sessions, activity.extra_person_times = data.sessions, data.extra_person_times
    activity.volunteers, activity.cost_yuan, activity.notes = (
        data.volunteers, data.cost_yuan, data.notes)


def _write_links(session: Session, actor: Actor, activity: Activity,
                 data: ActivityInput) -> None:
    """Replace the activity's attendees, helpers and providers by the input's."""
    before_children = current_links(session, activity)[0]
    gone = before_children - set(data.child_ids)
    for chunk in in_chunks(sorted(gone)):
        session.execute(delete(Attendance).where(Attendance.activity_id == activity.id,
                                                 Attendance.child_id.in_(chunk)))
    session.add_all(Attendance(activity_id=activity.id, child_id=i)
                    for i in data.child_ids if i not in before_children)
    session.execute(delete(activity_helpers).where(
        activity_helpers.c.activity_id == activity.id))
    if data.helper_ids:
        session.execute(insert(activity_helpers), [
            {"activity_id": activity.id, "helper_id": i} for i in data.helper_ids])
    providers = providers_named(session, actor, data.provider_names)
    session.execute(delete(activity_providers).where(
        activity_providers.c.activity_id == activity.id))
    if providers:
        session.execute(insert(activity_providers), [
            {"activity_id": activity.id, "provider_id": i} for i in providers.values()])
    session.flush()


def _write_donations(session: Session, actor: Actor, activity: Activity, data: ActivityInput,
                     checked: Checked) -> None:
    """Record each gift, to the recipients chosen or else to every attending child."""
    providers = providers_named(session, actor, data.provider_names)
    for gift in data.donations:
        recipients = gift.recipients_among(data.child_ids)
        donation = Donation(
            provider_id=providers.get(gift.provider_name) if gift.provider_name else None,
            donated_on=activity.held_on, money_yuan=gift.money_yuan, goods=gift.goods,
            goods_value_yuan=gift.goods_value_yuan, activity_id=activity.id,
            org_unit_id=activity.org_unit_id,
            recipients=[checked.children[i] for i in recipients])
        session.add(donation)
        session.flush()
        what = f"{gift.money_yuan}元 {gift.goods or ''}".strip()
        audit.record(session, actor, "create", "donation", donation.id,
                     after=audit.snapshot(donation) | {"recipients": sorted(recipients)},
                     summary=f"活动“{activity.title}”捐助 {what}\uff0c受助儿童{len(recipients)}名"
                     + ("\uff08全部参加儿童\uff09" if gift.follows_attendees else ""))


def _flush_new(session: Session, activity: Activity) -> None:
    """The unique client token catches a double click that got past the first look-up."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise DomainError.of("errors.activity.already_saved") from exc


def _first_with_token(session: Session, client_token: str) -> Activity | None:
    return session.scalar(select(Activity).where(Activity.client_token == client_token))


def create_activity(session: Session, *, actor: Actor, data: ActivityInput, today: date,
                    client_token: str | None = None) -> Activity:
    """Save an activity with everything it names, or nothing; a repeated token returns the first."""
    actor.require(Capability.MANAGE_ACTIVITIES)
    if client_token and (first := _first_with_token(session, client_token)) is not None:
        return first
    data = data.normalised()
    checked = check_whole(session, actor, data, today=today, activity=None)
    activity = Activity(client_token=client_token or None)
    _apply_fields(activity, data)
    session.add(activity)
    _flush_new(session, activity)
    _write_links(session, actor, activity, data)
    _write_donations(session, actor, activity, data, checked)
    audit.record(session, actor, "create", "activity", activity.id,
                 after=audit.snapshot(activity) | {"attending": len(data.child_ids)},
                 summary=f"新建活动 {data.title}({data.held_on:%Y-%m-%d},{data.sessions}场，"
                         f"{data.person_times}人次）")
    return activity


def _donation_key(gift: DonationInput, attending: tuple[int, ...]) -> tuple:
    """What a gift records, its recipients resolved against the attendees it is saved with."""
    return (gift.money_yuan, gift.goods, gift.goods_value_yuan, gift.provider_name,
            tuple(sorted(gift.recipients_among(attending))))


def _recorded(session: Session, activity_id: int) -> list[tuple[Donation, DonationInput]]:
    """The active donations given at an activity, each with the recipients it records."""
    rows = session.scalars(select(Donation).where(
        Donation.activity_id == activity_id, Donation.archived_at.is_(None))
        .order_by(Donation.id))
    return [(d, DonationInput(d.money_yuan, d.goods, d.goods_value_yuan,
                              d.provider.name if d.provider else None,
                              tuple(c.id for c in d.recipients))) for d in rows]


def activity_donations(session: Session, activity_id: int) -> list[DonationInput]:
    """The active donations given at an activity, as inputs (the edit form starts from them).

    A gift given directly to exactly the attendees, no share recorded, comes back following
    them (`recipient_ids` None), so an edit that changes the attendees changes its recipients.
    """
    attending = set(session.scalars(select(Attendance.child_id).where(
        Attendance.activity_id == activity_id)))
    shared = set(session.scalars(
        select(donation_recipients.c.donation_id)
        .join(Donation, Donation.id == donation_recipients.c.donation_id)
        .where(Donation.activity_id == activity_id,
               donation_recipients.c.money_yuan.is_not(None)
               | donation_recipients.c.goods_quantity.is_not(None))))
    return [replace(gift, recipient_ids=None)
            if donation.direction is DonationDirection.direct and donation.id not in shared
            and set(gift.recipient_ids or ()) == attending else gift
            for donation, gift in _recorded(session, activity_id)]


def update_activity(session: Session, *, actor: Actor, activity_id: int, expected_version: int,
                    data: ActivityInput, today: date) -> Activity:
    """Save changes to the version the person opened; a stale version is refused."""
    activity = get_activity(session, actor, activity_id)
    audit.require_version(activity, expected_version, Msg("errors.what.activity"))
    if activity.is_archived:
        raise DomainError.of("errors.activity.archived_no_edit")
    data = data.normalised()
    checked = check_whole(session, actor, data, today=today, activity=activity)
    before_count = len(current_links(session, activity)[0])
    # Compared as recorded: a gift following the attendees changes when they do.
    gifts_changed = (Counter(_donation_key(g, ()) for _, g in _recorded(session, activity.id))
                     != Counter(_donation_key(g, data.child_ids) for g in data.donations))
    summary = f"修改活动 {data.title}"
    if before_count != len(data.child_ids):
        summary += f"（参加儿童 {before_count} → {len(data.child_ids)}）"
    with audit.tracked(session, actor, activity, "activity", summary=summary):
        _apply_fields(activity, data)
        activity.updated_at = utcnow()  # the links change too: bump the version either way
        _write_links(session, actor, activity, data)
        if gifts_changed:
            _archive_donations(session, actor, activity, "活动修改后重新登记")
            _write_donations(session, actor, activity, data, checked)
    return activity


def _archive_donations(session: Session, actor: Actor, activity: Activity, reason: str) -> None:
    for donation in session.scalars(select(Donation).where(
            Donation.activity_id == activity.id, Donation.archived_at.is_(None))):
        with audit.tracked(session, actor, donation, "donation", action="archive",
                           summary=f"归档活动“{activity.title}”的捐助（{reason}）"):
            donation.archived_at, donation.archive_reason = utcnow(), reason


def archive_activity(session: Session, *, actor: Actor, activity_id: int, expected_version: int,
                     reason: str) -> Activity:
    """Archive an activity (e.g. entered twice) with the donations recorded at it."""
    activity = get_activity(session, actor, activity_id)
    audit.require_version(activity, expected_version, Msg("errors.what.activity"))
    if activity.is_archived:
        raise DomainError.of("errors.activity.already_archived")
    if not reason.strip():
        raise ValidationFailed({field_label("archive_reason", "归档原因"):
                                Msg("errors.activity.archive_reason_missing")})
    with audit.tracked(session, actor, activity, "activity", action="archive",
                       summary=f"归档活动 {activity.title}({reason.strip()})"):
        activity.archived_at, activity.archive_reason = utcnow(), reason.strip()[:200]
        _archive_donations(session, actor, activity, ARCHIVED_WITH_ACTIVITY)
    return activity


def restore_activity(session: Session, *, actor: Actor, activity_id: int,
                     expected_version: int) -> Activity:
    activity = get_activity(session, actor, activity_id)
    audit.require_version(activity, expected_version, Msg("errors.what.activity"))
    if not activity.is_archived:
        raise DomainError.of("errors.activity.not_archived")
    with audit.tracked(session, actor, activity, "activity", action="restore",
                       summary=f"恢复活动 {activity.title}"):
        activity.archived_at, activity.archive_reason = None, None
        for donation in session.scalars(select(Donation).where(
                Donation.activity_id == activity.id,
                Donation.archive_reason == ARCHIVED_WITH_ACTIVITY)):
            with audit.tracked(session, actor, donation, "donation", action="restore",
                               summary=f"随活动“{activity.title}”恢复捐助"):
                donation.archived_at, donation.archive_reason = None, None
    return activity
