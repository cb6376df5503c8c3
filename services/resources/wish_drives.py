"""心愿 drives (六一满愿 …): starting a drive for a scope, changing its name or dates, and
archiving it (its wishes stay, each with its child)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.errors import PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from db.base import utcnow
from db.models import WishDrive
from services.access import audit
from services.access.permissions import Actor, Capability, org_in_scope
from services.resources.wish_queries import DRIVE, get_drive

MAX_NAME = 100

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
    # _drive_problems has refused a missing date.
    assert starts_on is not None
    assert ends_on is not None
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

