"""知情同意: per child and purpose, the basis, who gave it, when, a scanned form, and withdrawal.

档案管理 is the purpose that lets us hold a child's record at all: a child without it is "missing
consent" in the roster filter and the dashboard's data-quality line. 活动照片 decides whether an
activity's photos may appear in a deck: only when every child who attended has it, since a
photo does not say who is in it. A withdrawal takes effect at once: the next deck built leaves
the photos out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import load_settings
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import Msg
from core.validators import line_problem, not_future_problem, org_name_problem
from core.vocab import ConsentBasis, ConsentPurpose
from db.models import Child, Consent
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible
from services.care.photos import PhotoRefused, check_photo, delete_on_commit, write_new_file

FORM_DIR = "consent_forms"
FORM_MAX_BYTES = 10 * 1024 * 1024
EARLIEST = date(2000, 1, 1)
NOTE_MAX = 200
GIVEN_BY_MAX = 50
GUARDIAN_ONLY = frozenset({ConsentPurpose.photos, ConsentPurpose.publicity})


@dataclass(frozen=True)
class ConsentInput:
    basis: ConsentBasis
    purposes: frozenset[ConsentPurpose]
    given_by: str
    given_on: date


def _child(session: Session, actor: Actor, child_id: int) -> Child:
    child = session.scalar(select(Child).where(Child.id == child_id, children_visible(actor)))
    if child is None:
        raise NotFound(Msg("errors.what.child_record"))
    return child


def consents_of(session: Session, actor: Actor, child_id: int) -> list[Consent]:
    """Every consent of the child, current first by purpose, then the withdrawn ones."""
    child = _child(session, actor, child_id)
    rows = session.scalars(select(Consent).where(Consent.child_id == child.id)).all()
    order = list(ConsentPurpose)
    return sorted(rows, key=lambda c: (c.withdrawn_on is not None, order.index(c.purpose),
                                       -(c.withdrawn_on or c.given_on).toordinal()))


def read_form(session: Session, actor: Actor, child_id: int, form_path: str, *,
              data_dir: Path | None = None) -> bytes:
    """A scanned form of one of the child's consents, for the people who may see the child."""
    child = _child(session, actor, child_id)
    if session.scalar(select(Consent.id).where(Consent.child_id == child.id,
                                               Consent.form_path == form_path).limit(1)) is None:
        raise NotFound(Msg("errors.what.consent_form"))
    try:
        return ((data_dir or load_settings().data_dir) / form_path).read_bytes()
    except OSError as exc:
        raise NotFound(Msg("errors.what.consent_form")) from exc


def record_form_seen(session: Session, actor: Actor, child_id: int, form_path: str) -> None:
    """The scan (a guardian's signature, the child's details) left as a download: audited."""
    child = _child(session, actor, child_id)
    audit.record(session, actor, "view_form", "consent", None,
                 summary=f"下载{child.name}的知情同意书扫描件",
                 after={"child_id": child.id, "file": PurePosixPath(form_path).name})


def consent_problems(data: ConsentInput, today: date) -> dict[str, str]:
    """What is wrong with the input, by field label (empty when it can be recorded)."""
    problems: dict[str, str] = {}
    if not data.purposes:
        problems[Msg("privacy.consent.field.purposes")] = Msg("errors.consent.no_purpose")
    elif data.basis is ConsentBasis.statutory_duty and data.purposes & GUARDIAN_ONLY:
        # A duty covers keeping records and pairing; pictures and publicity need the guardian
        # (个人信息保护法 第31条).
        problems[Msg("privacy.consent.field.purposes")] = Msg("errors.consent.guardian_only")
    given_by = data.given_by.strip()
    if not given_by:
        problems[Msg("privacy.consent.field.given_by")] = Msg("errors.valid.required")
    elif problem := org_name_problem(given_by, max_len=GIVEN_BY_MAX):
        problems[Msg("privacy.consent.field.given_by")] = problem
    if problem := not_future_problem(data.given_on, today):
        problems[Msg("privacy.consent.field.given_on")] = problem
    elif data.given_on < EARLIEST:
        problems[Msg("privacy.consent.field.given_on")] = Msg("errors.consent.too_early",
                                                              earliest=EARLIEST.isoformat())
    return problems


def check_form(filename: str, data: bytes) -> str:
    """The scanned form's extension (pdf, jpg or png) once its bytes are what they claim."""
    if len(data) > FORM_MAX_BYTES:
        raise DomainError.of("errors.consent.form_too_large", filename=filename,
                             max=FORM_MAX_BYTES // 1024 // 1024)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise DomainError.of("errors.consent.form_broken", filename=filename)
        return "pdf"
    try:
        return check_photo(filename, data).extension
    except PhotoRefused as exc:
        raise DomainError.of("errors.consent.form_format", filename=filename) from exc


def _save_form(session: Session, filename: str, data: bytes, today: date,
               data_dir: Path | None) -> str:
    extension = check_form(filename, data)
    relative = str(PurePosixPath(FORM_DIR, f"{today:%Y}", f"{today:%m}",
                                 f"{uuid.uuid4().hex}.{extension}"))
    target = (data_dir or load_settings().data_dir) / relative
    write_new_file(session, target, data)
    return relative


def record_consent(session: Session, *, actor: Actor, child_id: int, data: ConsentInput,
                   today: date, form: tuple[str, bytes] | None = None,
                   data_dir: Path | None = None) -> list[Consent]:
    """Record consent for each purpose; a purpose already consented is renewed in place."""
    actor.require(Capability.EDIT_ROSTER)
    child = _child(session, actor, child_id)
    if problems := consent_problems(data, today):
        raise ValidationFailed(problems)
    form_path = _save_form(session, form[0], form[1], today, data_dir) if form else None
    current = {c.purpose: c for c in session.scalars(select(Consent).where(
        Consent.child_id == child.id, Consent.withdrawn_on.is_(None)))}
    if form_path:
        _drop_replaced_forms(session, child.id, [current[p] for p in data.purposes
                                                 if p in current], data_dir)
    saved = []
    for purpose in sorted(data.purposes, key=list(ConsentPurpose).index):
        values = {"basis": data.basis, "given_by": data.given_by.strip(),
                  "given_on": data.given_on, "recorded_by_id": actor.user_id}
        if form_path:
            values["form_path"] = form_path
        if (consent := current.get(purpose)) is not None:
            with audit.tracked(session, actor, consent, "consent", action="update",
                               summary=f"更新{child.name}的知情同意：{purpose.zh}"):
                for key, value in values.items():
                    setattr(consent, key, value)
        else:
            consent = Consent(child_id=child.id, purpose=purpose, **values)
            session.add(consent)
            session.flush()
            audit.record(session, actor, "create", "consent", consent.id,
                         after=audit.snapshot(consent),
                         summary=f"登记{child.name}的知情同意：{purpose.zh}")
        saved.append(consent)
    return saved


def _drop_replaced_forms(session: Session, child_id: int, renewed: list[Consent],
                         data_dir: Path | None) -> None:
    """A renewal with a new scan replaces the old one: its file goes on commit unless a purpose
    not renewed still rests on it (the audit log keeps who consented when)."""
    replaced = {c.form_path for c in renewed if c.form_path}
    still_used = set(session.scalars(select(Consent.form_path).where(
        Consent.child_id == child_id, Consent.form_path.in_(replaced),
        Consent.id.not_in([c.id for c in renewed]))))
    base = data_dir or load_settings().data_dir
    for path in replaced - still_used:
        delete_on_commit(session, base / path)


def withdraw_consent(session: Session, *, actor: Actor, child_id: int,
                     purposes: Iterable[ConsentPurpose], today: date,
                     note: str = "") -> list[Consent]:
    """Withdraw the open consent of each purpose from today; it takes effect at once."""
    actor.require(Capability.EDIT_ROSTER)
    child = _child(session, actor, child_id)
    note = note.strip()
    if problem := line_problem(note, max_len=NOTE_MAX):
        raise ValidationFailed({Msg("privacy.consent.field.note"): problem})
    wanted = set(purposes)
    open_ = [c for c in session.scalars(select(Consent).where(
        Consent.child_id == child.id, Consent.withdrawn_on.is_(None),
        Consent.purpose.in_(wanted)))]
    if not open_:
        raise DomainError.of("errors.consent.nothing_to_withdraw")
    for consent in open_:
        with audit.tracked(session, actor, consent, "consent", action="withdraw",
                           summary=f"撤回{child.name}的知情同意：{consent.purpose.zh}"):
            consent.withdrawn_on = max(today, consent.given_on)
            consent.withdrawal_note = note or None
    return open_
