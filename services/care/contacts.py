"""帮扶记录: log a care contact, let its author fix it for a week, then only correct it on record.

A form sends a client token with each save; a second click with the same token saves nothing and
returns the first record, so a double tap on a phone never makes two contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import ContactKind, Role
from db.models import CareContact, Child, Helper, OrgUnit, Pairing, User
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_listed,
    children_visible,
    helpers_visible,
)
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids

MAX_MINUTES = 600  # ten hours: a longer single contact is a typing slip
MAX_NOTES = 2000
EDIT_DAYS = 7  # the author may change a contact this many days after saving it
ENTITY = "care_contact"
NOT_PAIRED = Msg("errors.contact.not_paired")
NO_HELPER_RECORD = Msg("errors.contact.no_helper_record")
DATE = field_label("contact_date", "日期")
MINUTES = field_label("minutes", "时长(分钟)")  # keep-ascii
NOTES = field_label("contact_notes", "记录")
FOLLOW_UP_ON = field_label("follow_up_on", "跟进日期")
HELPER = field_label("helper", "帮扶人")


def contact_problems(child: Child, *, contact_date: date, minutes: int | None, notes: str,
                     follow_up: bool, follow_up_on: date | None, today: date) -> dict[str, str]:
    """Field → what is wrong, for the form, the import and corrections alike."""
    problems: dict[str, str] = {}
    if contact_date > today:
        problems[DATE] = Msg("errors.valid.date_future")
    elif contact_date < child.birth_date:
        problems[DATE] = Msg("errors.contact.before_birth", born=child.birth_date.isoformat())
    if minutes is not None and minutes < 0:
        problems[MINUTES] = Msg("errors.contact.minutes_negative")
    elif minutes is not None and minutes > MAX_MINUTES:
        problems[MINUTES] = Msg("errors.contact.minutes_too_many", max=MAX_MINUTES)
    if len(notes) > MAX_NOTES:
        problems[NOTES] = Msg("errors.contact.notes_too_long", max=MAX_NOTES, length=len(notes))
    if follow_up and follow_up_on is None:
        problems[FOLLOW_UP_ON] = Msg("errors.contact.follow_up_missing")
    elif follow_up and follow_up_on is not None and follow_up_on < contact_date:
        problems[FOLLOW_UP_ON] = Msg("errors.contact.follow_up_early")
    return problems


def helper_problem(helper: Helper, contact_date: date) -> str | None:
    """A deactivated helper's contacts may be recorded only up to the day they stopped."""
    if helper.archived_at is not None and contact_date > helper.archived_at.date():
        return Msg("errors.contact.helper_inactive", helper=helper.name,
                   on=helper.archived_at.date().isoformat())
    return None


def _child(session: Session, actor: Actor, child_id: int) -> Child:
    if actor.role is Role.helper and actor.helper_id is None:
        raise PermissionDenied(NO_HELPER_RECORD)
    child = session.scalar(select(Child).where(Child.id == child_id, children_visible(actor)))
    if child is None:
        if actor.role is Role.helper:
            raise PermissionDenied(NOT_PAIRED)
        raise NotFound(Msg("errors.what.child_record"))
    return child


def _helper(session: Session, actor: Actor, helper_id: int | None) -> Helper:
    if actor.role is Role.helper:
        if actor.helper_id is None:
            raise PermissionDenied(NO_HELPER_RECORD)
        if helper_id not in (None, actor.helper_id):
            raise PermissionDenied(Msg("errors.contact.only_self"))
        helper_id = actor.helper_id
    if helper_id is None:
        raise ValidationFailed({HELPER: Msg("errors.contact.choose_helper")})
    helper = session.scalar(select(Helper).where(Helper.id == helper_id, helpers_visible(actor)))
    if helper is None:
        raise NotFound(Msg("errors.what.helper"))
    return helper


def _by_token(session: Session, token: str | None) -> CareContact | None:
    return None if not token else session.scalar(
        select(CareContact).where(CareContact.client_token == token))


def log_contact(session: Session, *, actor: Actor, child_id: int, helper_id: int | None,
                kind: ContactKind | str, contact_date: date, minutes: int | None = None,
                notes: str = "", follow_up: bool = False, follow_up_on: date | None = None,
                client_token: str | None = None, today: date) -> CareContact:
    """Save one contact, or return the one already saved with this client token."""
    actor.require(Capability.LOG_CONTACTS)
    if (first := _by_token(session, client_token)) is not None:
        return first
    child = _child(session, actor, child_id)
    if child.archived_at is not None:
        raise DomainError.of("errors.contact.child_archived", child=child.name)
    helper = _helper(session, actor, helper_id)
    notes = (notes or "").strip()
    problems = contact_problems(child, contact_date=contact_date, minutes=minutes, notes=notes,
                                follow_up=follow_up, follow_up_on=follow_up_on, today=today)
    if why := helper_problem(helper, contact_date):
        problems[HELPER] = why
    if problems:
        raise ValidationFailed(problems)
    contact = CareContact(child_id=child.id, helper_id=helper.id, kind=ContactKind(kind),
                          contact_date=contact_date, minutes=minutes, notes=notes or None,
                          follow_up=follow_up, follow_up_on=follow_up_on if follow_up else None,
                          recorded_by_id=actor.user_id, client_token=client_token or None)
    session.add(contact)
    try:
        session.flush()
    except IntegrityError as exc:  # the same token saved by a request running alongside
        raise DomainError.of("errors.contact.already_saved") from exc
    audit.record(session, actor, "create", ENTITY, contact.id, after=audit.snapshot(contact),
                 summary=f"{helper.name}{contact.kind.zh}{child.name}({contact_date:%Y-%m-%d})")
    return contact


def is_author(actor: Actor, contact: CareContact) -> bool:
    return actor.user_id is not None and contact.recorded_by_id == actor.user_id


def window_open(created_at: datetime, today: date) -> bool:
    """Whether a contact saved at `created_at` is still open to its author's changes."""
    return today < created_at.date() + timedelta(days=EDIT_DAYS)


def access(actor: Actor, contact: CareContact, today: date) -> str | None:
    """"edit" for the author within the week, "correct" for a coordinator, else None."""
    if is_author(actor, contact) and window_open(contact.created_at, today):
        return "edit"
    if actor.can(Capability.MANAGE_PAIRINGS):
        return "correct"
    return None


def _visible_contact(session: Session, actor: Actor, contact_id: int) -> CareContact:
    contact = session.scalar(select(CareContact).join(Child, Child.id == CareContact.child_id)
                             .where(CareContact.id == contact_id, children_visible(actor)))
    if contact is None or contact.archived_at is not None:
        raise NotFound(Msg("errors.what.contact"))
    return contact


def _refuse_access(actor: Actor, contact: CareContact) -> None:
    if is_author(actor, contact):
        raise PermissionDenied(Msg("errors.contact.locked", days=EDIT_DAYS))
    raise PermissionDenied(Msg("errors.contact.not_author"))


def edit_contact(session: Session, *, actor: Actor, contact_id: int, expected_version: int,
                 kind: ContactKind | str, contact_date: date, minutes: int | None = None,
                 notes: str = "", follow_up: bool = False, follow_up_on: date | None = None,
                 reason: str = "", today: date) -> CareContact:
    """The author edits within the week; after that (or anyone else's) a coordinator corrects."""
    actor.require(Capability.LOG_CONTACTS)
    contact = _visible_contact(session, actor, contact_id)
    how = access(actor, contact, today)
    if how is None:
        _refuse_access(actor, contact)
    audit.require_version(contact, expected_version, Msg("errors.what.contact"))
    notes, reason = (notes or "").strip(), reason.strip()
    problems = contact_problems(contact.child, contact_date=contact_date, minutes=minutes,
                                notes=notes, follow_up=follow_up, follow_up_on=follow_up_on,
                                today=today)
    if contact.helper is not None and (why := helper_problem(contact.helper, contact_date)):
        problems[HELPER] = why
    if how == "correct" and not reason:
        problems[field_label("correction_reason", "更正说明")] = Msg(
            "errors.contact.reason_missing")
    if problems:
        raise ValidationFailed(problems)
    summary = ("修改帮扶记录" if how == "edit" else f"更正帮扶记录：{reason}")[:300]
    with audit.tracked(session, actor, contact, ENTITY, action="update" if how == "edit"
                       else "correct", summary=summary):
        contact.kind, contact.contact_date = ContactKind(kind), contact_date
        contact.minutes, contact.notes = minutes, notes or None
        contact.follow_up = follow_up
        contact.follow_up_on = follow_up_on if follow_up else None
    return contact


def archive_contact(session: Session, *, actor: Actor, contact_id: int, expected_version: int,
                    reason: str, today: date) -> CareContact:
    """Withdraw a contact logged by mistake: a coordinator, or its author within the week."""
    actor.require(Capability.LOG_CONTACTS)
    contact = _visible_contact(session, actor, contact_id)
    if access(actor, contact, today) is None:
        _refuse_access(actor, contact)
    audit.require_version(contact, expected_version, Msg("errors.what.contact"))
    if not reason.strip():
        raise ValidationFailed({field_label("withdraw_reason", "撤销原因"):
                                Msg("errors.contact.withdraw_reason_missing")})
    with audit.tracked(session, actor, contact, ENTITY, action="archive",
                       summary=f"撤销帮扶记录：{reason.strip()}"[:300]):
        contact.archived_at = datetime.combine(today, datetime.min.time())
        contact.archive_reason = reason.strip()[:200]
    return contact


@dataclass(frozen=True)
class ContactRow:
    """One recent contact as the list shows it, with what this actor may do to it."""

    id: int
    version: int
    child_id: int
    child_name: str
    helper_id: int | None
    helper_name: str
    kind: ContactKind
    contact_date: date
    minutes: int | None
    notes: str
    follow_up: bool
    follow_up_on: date | None
    recorded_by: str
    created_at: datetime
    access: str | None  # "edit", "correct" or None

    @property
    def editable(self) -> bool:
        return self.access is not None


def recent_contacts(session: Session, actor: Actor, *, today: date, days: int = 30,
                    helper_id: int | None = None, child_id: int | None = None,
                    limit: int = 200) -> list[ContactRow]:
    """Contacts of the last `days` days with children in scope, newest first; a helper's own."""
    actor.require(Capability.LOG_CONTACTS)
    recorder = aliased(User)
    stmt = (select(CareContact, Child.name, Helper.name, recorder.display_name)
            .join(Child, Child.id == CareContact.child_id)
            .outerjoin(Helper, Helper.id == CareContact.helper_id)
            .outerjoin(recorder, recorder.id == CareContact.recorded_by_id)
            .where(children_listed(actor), CareContact.archived_at.is_(None),
                   CareContact.contact_date >= today - timedelta(days=days))
            .order_by(CareContact.contact_date.desc(), CareContact.id.desc()).limit(limit))
    if actor.role is Role.helper:  # other helpers' notes about the child stay theirs
        stmt = stmt.where(CareContact.helper_id == (actor.helper_id or -1))
    if helper_id is not None:
        stmt = stmt.where(CareContact.helper_id == helper_id)
    if child_id is not None:
        stmt = stmt.where(CareContact.child_id == child_id)
    return [ContactRow(c.id, c.version, c.child_id, child_name, c.helper_id, helper_name or "",
                       c.kind, c.contact_date, c.minutes, c.notes or "", c.follow_up,
                       c.follow_up_on, recorded_by or "", c.created_at, access(actor, c, today))
            for c, child_name, helper_name, recorded_by in session.execute(stmt)]


@dataclass(frozen=True)
class ChildChoice:
    child_id: int
    name: str
    place: str
    helper_ids: tuple[int, ...]  # helpers paired with the child now, longest first

    @property
    def label(self) -> str:
        return f"{self.name}({self.place})" if self.place else self.name


@dataclass(frozen=True)
class HelperChoice:
    helper_id: int
    name: str
    kind: str
    paired: bool

    @property
    def label(self) -> str:
        return f"{self.name}({self.kind}{'·结对' if self.paired else ''})"


def loggable_children(session: Session, actor: Actor, *, today: date, text: str = "",
                      limit: int = 50) -> list[ChildChoice]:
    """Active children in scope to log a contact for (a helper's own), by name or pinyin."""
    actor.require(Capability.LOG_CONTACTS)
    wanted = filtered_child_ids(actor, RosterFilter(text=text), today=today)
    village, school = aliased(OrgUnit), aliased(OrgUnit)
    rows = session.execute(
        select(Child.id, Child.name, school.name, village.name)
        .join(village, village.id == Child.village_id)
        .outerjoin(school, school.id == Child.school_id)
        .where(Child.id.in_(wanted)).order_by(Child.name_pinyin, Child.id).limit(limit)).all()
    helpers: dict[int, list[int]] = {}
    for child_id, helper_id in session.execute(
            select(Pairing.child_id, Pairing.helper_id).join(Helper)
            .where(Pairing.child_id.in_([r[0] for r in rows]), Pairing.ended_on.is_(None),
                   Helper.archived_at.is_(None))
            .order_by(Pairing.started_on, Pairing.id)):
        helpers.setdefault(child_id, []).append(helper_id)
    return [ChildChoice(child_id, name, school_name or village_name or "",
                        tuple(helpers.get(child_id, ())))
            for child_id, name, school_name, village_name in rows]


def helper_choices(session: Session, actor: Actor, child: ChildChoice) -> list[HelperChoice]:
    """Who may be recorded as the helper: the child's own helpers first, then active ones."""
    actor.require(Capability.LOG_CONTACTS)
    found = {h.id: h for h in session.scalars(
        select(Helper).where(helpers_visible(actor), or_(
            Helper.archived_at.is_(None), Helper.id.in_(child.helper_ids)))
        .order_by(Helper.name, Helper.id))}
    own = [found[i] for i in child.helper_ids if i in found]
    others = [h for h in found.values() if h.id not in child.helper_ids]
    return [HelperChoice(h.id, h.name, h.kind.zh, h in own) for h in own + others]
