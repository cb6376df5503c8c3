"""资源方: the organisations and people who help, and what each has done (needs, wishes, gifts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationFailed, field_label
from core.i18n import Msg
from core.validators import phone_problem
from core.vocab import DonationDirection, ProviderKind, WishStatus
from db.base import utcnow
from db.models import Child, Donation, Need, ResourceProvider, Wish
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.resources.ledger_balance import entries_visible
from services.resources.ledger_reading import EntryRow, list_entries

WHAT = Msg("errors.what.provider")
MAX_NAME, MAX_PERSON, MAX_OFFERS = 100, 50, 300


@dataclass(frozen=True)
class ProviderInput:
    name: str
    kind: ProviderKind | str = ProviderKind.other
    contact_person: str | None = None
    phone: str | None = None
    offers: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ProviderRow:
    """A provider with what it has done in the actor's scope."""

    id: int
    version: int
    name: str
    kind: ProviderKind
    contact_person: str | None
    phone: str | None
    offers: str | None
    notes: str | None
    needs_linked: int
    wishes_fulfilled: int
    donated_money: Decimal  # received from it or given directly by it
    donations: int  # entries


@dataclass(frozen=True)
class ProviderDetail:
    row: ProviderRow
    needs: list[tuple[str, str, str]]  # (child, kind, status)
    wishes: list[tuple[str, str, date | None]]  # (child, wish, fulfilled on)
    donations: list[EntryRow]


def _clean(value: str | None, limit: int) -> str | None:
    return (value or "").strip()[:limit] or None


NAME = field_label("name_of", "名称")


def _checked(session: Session, data: ProviderInput, exclude_id: int | None) -> dict[str, object]:
    problems: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        problems[NAME] = Msg("errors.provider.name_missing")
    elif len(name) > MAX_NAME:
        problems[NAME] = Msg("errors.provider.name_long", max=MAX_NAME)
    elif session.scalar(select(ResourceProvider.id).where(
            ResourceProvider.name == name, ResourceProvider.id != (exclude_id or -1))):
        problems[NAME] = Msg("errors.provider.name_taken", name=name)
    phone = (data.phone or "").strip()
    if phone and (why := phone_problem(phone)):
        problems[field_label("phone", "电话")] = why
    try:
        kind = ProviderKind(data.kind)
    except ValueError:
        problems[field_label("provider_kind", "类型")] = Msg("errors.provider.kind_missing")
        kind = ProviderKind.other
    if problems:
        raise ValidationFailed(problems)
    return {"name": name, "kind": kind, "contact_person": _clean(data.contact_person, MAX_PERSON),
            "phone": phone or None, "offers": _clean(data.offers, MAX_OFFERS),
            "notes": _clean(data.notes, 2000)}


def create_provider(session: Session, *, actor: Actor, data: ProviderInput) -> ResourceProvider:
    """Add a provider; its name is unique among all providers, archived ones included."""
    actor.require(Capability.MANAGE_RESOURCES)
    provider = ResourceProvider(**_checked(session, data, None))
    session.add(provider)
    session.flush()
    audit.record(session, actor, "create", "provider", provider.id,
                 after=audit.snapshot(provider), summary=f"新增资源方：{provider.name}")
    return provider


def _get(session: Session, provider_id: int) -> ResourceProvider:
    provider = session.get(ResourceProvider, provider_id)
    if provider is None or provider.is_archived:
        raise NotFound(WHAT)
    return provider


def update_provider(session: Session, *, actor: Actor, provider_id: int, expected_version: int,
                    data: ProviderInput) -> ResourceProvider:
    """Edit a provider; a save based on an older version is refused."""
    actor.require(Capability.MANAGE_RESOURCES)
    provider = _get(session, provider_id)
    audit.require_version(provider, expected_version, WHAT)
    values = _checked(session, data, provider.id)
    with audit.tracked(session, actor, provider, "provider"):
        for field, value in values.items():
            setattr(provider, field, value)
    return provider


def archive_provider(session: Session, *, actor: Actor, provider_id: int, reason: str,
                     expected_version: int | None = None) -> ResourceProvider:
    """Archive a provider; its needs, wishes and ledger entries keep pointing at it."""
    actor.require(Capability.MANAGE_RESOURCES)
    provider = _get(session, provider_id)
    audit.require_version(provider, expected_version, WHAT)
    if not (reason or "").strip():
        raise ValidationFailed({field_label("archive_reason", "归档原因"):
                                Msg("errors.provider.archive_reason_missing")})
    with audit.tracked(session, actor, provider, "provider", action="archive",
                       summary=f"归档资源方：{provider.name}"):
        provider.archived_at, provider.archive_reason = utcnow(), reason.strip()[:200]
    return provider


def list_providers(session: Session, actor: Actor, *, provider_id: int | None = None
                   ) -> list[ProviderRow]:
    """Active providers by name, each with its linked needs, fulfilled wishes and donations."""
    actor.require(Capability.MANAGE_RESOURCES)
    visible = select(Child.id).where(children_listed(actor))
    needs = (select(Need.provider_id, func.count(Need.id).label("n"))
             .where(Need.archived_at.is_(None), Need.child_id.in_(visible))
             .group_by(Need.provider_id).subquery())
    wishes = (select(Wish.provider_id, func.count(Wish.id).label("n"))
              .where(Wish.archived_at.is_(None), Wish.status == WishStatus.fulfilled,
                     Wish.child_id.in_(visible))
              .group_by(Wish.provider_id).subquery())
    gifts = (select(Donation.provider_id, func.sum(Donation.money_yuan).label("money"),
                    func.count(Donation.id).label("n"))
             .where(Donation.archived_at.is_(None), entries_visible(actor),
                    Donation.direction != DonationDirection.given)
             .group_by(Donation.provider_id).subquery())
    stmt = (select(ResourceProvider, func.coalesce(needs.c.n, 0), func.coalesce(wishes.c.n, 0),
                   func.coalesce(gifts.c.money, 0), func.coalesce(gifts.c.n, 0))
            .outerjoin(needs, needs.c.provider_id == ResourceProvider.id)
            .outerjoin(wishes, wishes.c.provider_id == ResourceProvider.id)
            .outerjoin(gifts, gifts.c.provider_id == ResourceProvider.id)
            .where(ResourceProvider.archived_at.is_(None)).order_by(ResourceProvider.name))
    if provider_id is not None:
        stmt = stmt.where(ResourceProvider.id == provider_id)
    return [ProviderRow(p.id, p.version, p.name, p.kind, p.contact_person, p.phone, p.offers,
                        p.notes, n, w, Decimal(m), d)
            for p, n, w, m, d in session.execute(stmt)]


def provider_detail(session: Session, actor: Actor, provider_id: int) -> ProviderDetail:
    """One provider: its needs, the wishes it fulfilled and its ledger entries in scope."""
    rows = list_providers(session, actor, provider_id=provider_id)
    if not rows:
        raise NotFound(WHAT)
    visible = children_listed(actor)
    needs = session.execute(
        select(Child.name, Need.kind, Need.status).join(Child, Child.id == Need.child_id)
        .where(Need.provider_id == provider_id, Need.archived_at.is_(None), visible)
        .order_by(Need.found_on.desc()))
    wishes = session.execute(
        select(Child.name, Wish.content, Wish.fulfilled_on).join(Child, Child.id == Wish.child_id)
        .where(Wish.provider_id == provider_id, Wish.archived_at.is_(None),
               Wish.status == WishStatus.fulfilled, visible)
        .order_by(Wish.fulfilled_on.desc()))
    entries = list_entries(session, actor, date_from=date.min, date_to=date.max,
                           provider_id=provider_id)
    return ProviderDetail(rows[0], [(c, k.zh, s.zh) for c, k, s in needs],
                          [(c, w, d) for c, w, d in wishes], entries)
