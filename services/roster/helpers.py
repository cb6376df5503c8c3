"""Helpers (帮扶人): register, change, deactivate and reactivate, each change audited."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.validators import (
    age_on,
    clean_name,
    digits_only,
    line_problem,
    person_name_problem,
    phone_problem,
)
from core.vocab import Gender, HelperKind, Role
from db.models import Helper, Pairing, User
from services.access import audit
from services.access.permissions import Actor, Capability, helpers_visible, org_in_scope
from services.roster import archiving

DEFAULT_CAPACITY = 2
MAX_CAPACITY = 30
PEER_AGES = range(6, 19)


@dataclass(frozen=True)
class HelperInput:
    """What a form or an import row says about a helper, before any check."""

    name: str
    kind: HelperKind
    org_unit_id: int | None
    gender: Gender | None = None
    work_unit: str | None = None
    phone: str | None = None
    capacity: int = DEFAULT_CAPACITY
    school_id: int | None = None
    class_name: str | None = None
    birth_date: date | None = None
    user_id: int | None = None

    def normalised(self) -> HelperInput:
        def clean(value: str | None) -> str | None:
            return value.strip() or None if value else None
        return replace(self, name=clean_name(self.name), work_unit=clean(self.work_unit),
                       phone=clean(digits_only(self.phone) if self.phone else None),
                       class_name=clean(self.class_name))


def helper_to_input(helper: Helper) -> HelperInput:
    return HelperInput(**{f.name: getattr(helper, f.name) for f in fields(HelperInput)})


def helper_problems(session: Session, data: HelperInput, *, today: date,
                    helper_id: int | None = None) -> dict[str, str]:
    """Every problem with the input, keyed by the field label a person sees."""
    problems: dict[str, str] = {}
    if why := person_name_problem(data.name):
        problems[field_label("name", "姓名")] = why
    for label, value, max_len in ((field_label("work_unit", "单位"), data.work_unit, 100),
                                  (field_label("class_name", "班级"), data.class_name, 20)):
        if value and (why := line_problem(value, max_len=max_len)):
            problems[label] = why
    if data.phone and (why := phone_problem(data.phone)):
        problems[field_label("phone", "电话")] = why
    if not 0 <= data.capacity <= MAX_CAPACITY:
        problems[field_label("capacity", "可结对人数")] = Msg("errors.helper.capacity",
                                                            max=MAX_CAPACITY)
    if data.org_unit_id is None:
        problems[field_label("helper_unit", "所属单位")] = Msg("errors.helper.unit_missing")
    if data.kind is HelperKind.peer_student:
        problems.update(_peer_problems(data, today))
    if data.user_id is not None and (why := _account_problem(session, data.user_id, helper_id)):
        problems[field_label("account", "登录账号")] = why
    if data.name and (twin := _same_person(session, data, helper_id)):
        problems[field_label("name", "姓名")] = Msg(
            "errors.helper.twin", name=twin.name,
            phone=twin.phone or Msg("errors.helper.phone_missing"))
    return problems


def _same_person(session: Session, data: HelperInput, helper_id: int | None) -> Helper | None:
    """An active helper of the same name and unit whose phone does not tell them apart."""
    stmt = select(Helper).where(Helper.name == data.name, Helper.archived_at.is_(None),
                                Helper.org_unit_id == data.org_unit_id)
    if helper_id is not None:
        stmt = stmt.where(Helper.id != helper_id)
    return next((h for h in session.scalars(stmt)
                 if not (h.phone and data.phone) or h.phone == data.phone), None)


def _peer_problems(data: HelperInput, today: date) -> dict[str, str]:
    """A peer student is checked against the child's age and gender, so both must be known."""
    problems: dict[str, str] = {}
    if data.school_id is None:
        problems[field_label("school", "学校")] = Msg("errors.helper.peer_school")
    if data.gender is None:
        problems[field_label("gender", "性别")] = Msg("errors.helper.peer_gender")
    if data.birth_date is None:
        problems[field_label("birth_date", "出生日期")] = Msg("errors.helper.peer_birth_date")
    elif age_on(data.birth_date, today) not in PEER_AGES:
        problems[field_label("birth_date", "出生日期")] = Msg("errors.helper.peer_age")
    return problems


def _account_problem(session: Session, user_id: int, helper_id: int | None) -> str | None:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return Msg("errors.helper.account_missing")
    if user.role is not Role.helper:
        return Msg("errors.helper.account_role")
    linked = session.scalar(select(Helper).where(Helper.user_id == user_id))
    if linked is not None and linked.id != helper_id:
        return Msg("errors.helper.account_linked", name=linked.name)
    return None


def get_helper(session: Session, actor: Actor, helper_id: int) -> Helper:
    """One helper the actor may see by name; a viewer sees figures only, never a person."""
    actor.require(Capability.VIEW_PEOPLE)
    helper = session.scalar(select(Helper).where(Helper.id == helper_id, helpers_visible(actor)))
    if helper is None:
        raise NotFound(Msg("errors.what.helper"))
    return helper


def _check(session: Session, actor: Actor, data: HelperInput, *, today: date,
           helper_id: int | None) -> None:
    actor.require(Capability.MANAGE_PAIRINGS)
    if problems := helper_problems(session, data, today=today, helper_id=helper_id):
        raise ValidationFailed(problems)
    if actor.role is not Role.admin and not org_in_scope(session, actor, data.org_unit_id):
        raise PermissionDenied(Msg("errors.permission.helper_out_of_scope"))


def _apply(helper: Helper, data: HelperInput) -> None:
    for f in fields(HelperInput):
        setattr(helper, f.name, getattr(data, f.name))
    if data.kind is not HelperKind.peer_student and data.birth_date is None:
        helper.birth_date = None


def create_helper(session: Session, *, actor: Actor, data: HelperInput, today: date) -> Helper:
    """Register a helper after every check."""
    data = data.normalised()
    _check(session, actor, data, today=today, helper_id=None)
    helper = Helper()
    _apply(helper, data)
    session.add(helper)
    session.flush()
    audit.record(session, actor, "create", "helper", helper.id, after=audit.snapshot(helper),
                 summary=f"登记帮扶人 {helper.name}({helper.kind.zh})")
    return helper


def update_helper(session: Session, *, actor: Actor, helper_id: int, expected_version: int,
                  data: HelperInput, today: date) -> Helper:
    """Save changes to the version the person opened; capacity may drop below the load
    (the helper is then flagged as over capacity until a child is reassigned)."""
    helper = get_helper(session, actor, helper_id)
    audit.require_version(helper, expected_version, Msg("errors.what.helper"))
    data = data.normalised()
    _check(session, actor, data, today=today, helper_id=helper.id)
    with audit.tracked(session, actor, helper, "helper", summary=f"修改帮扶人 {data.name}"):
        _apply(helper, data)
    return helper


def open_pairings_of(session: Session, helper_id: int) -> list[Pairing]:
    return list(session.scalars(select(Pairing).where(
        Pairing.helper_id == helper_id, Pairing.ended_on.is_(None)).order_by(Pairing.id)))


def deactivate_helper(session: Session, *, actor: Actor, helper_id: int, expected_version: int,
                      reason: str) -> list[Pairing]:
    """Stop a helper taking children; return their open pairings, which now need a new helper."""
    helper = _helper_to_change(session, actor, helper_id, expected_version)
    archiving.refuse_archived(helper, "errors.helper.already_inactive")
    if not reason.strip():
        raise ValidationFailed({field_label("deactivate_reason", "停用原因"):
                                Msg("errors.helper.reason_missing")})
    archiving.archive(session, actor, helper, "helper", reason=reason.strip()[:200],
                      summary=f"停用帮扶人 {helper.name}({reason.strip()})")
    return open_pairings_of(session, helper.id)


def reactivate_helper(session: Session, *, actor: Actor, helper_id: int,
                      expected_version: int) -> Helper:
    helper = _helper_to_change(session, actor, helper_id, expected_version)
    archiving.refuse_active(helper, "errors.helper.not_inactive")
    archiving.restore(session, actor, helper, "helper", summary=f"恢复帮扶人 {helper.name}")
    return helper


def _helper_to_change(session: Session, actor: Actor, helper_id: int,
                      expected_version: int) -> Helper:
    return archiving.open_to_change(actor, Capability.MANAGE_PAIRINGS,
                                    lambda: get_helper(session, actor, helper_id),
                                    expected_version=expected_version,
                                    what=Msg("errors.what.helper"))


def linkable_accounts(session: Session, actor: Actor, helper_id: int | None = None
                      ) -> list[User]:
    """Active helper-role logins not yet tied to another helper record."""
    actor.require(Capability.MANAGE_PAIRINGS)
    taken = select(Helper.user_id).where(Helper.user_id.is_not(None))
    if helper_id is not None:
        taken = taken.where(Helper.id != helper_id)
    return list(session.scalars(select(User).where(
        User.role == Role.helper, User.is_active.is_(True), User.id.not_in(taken))
        .order_by(User.display_name)))
