"""捐助台账: recording money and goods received (收入), given out (发放) and given directly
(直接捐赠), and archiving an entry.

Every entry given out is checked against the balance rule in `ledger_balance` (the ledger never
goes negative, on its day or any later one); archiving a receipt is checked the same way.
Reading the ledger lives in `ledger_reading`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import DonationDirection as D
from db.base import utcnow
from db.models import Activity, Child, Donation, ResourceProvider, donation_recipients
from services.access import audit
from services.access.permissions import Actor, Capability, children_visible
from services.resources.ledger_balance import (
    CENT,
    ZERO,
    check_room,
    entries_visible,
    entry_active,
    serialise,
)

WHAT = Msg("errors.what.ledger_entry")
MAX_YUAN = Decimal("9999999999.99")
MAX_TEXT = 200
Recipient = int | tuple[int, Decimal | None, Decimal | None]
# A sum as a form or a caller gives it (a number input's float, a cell's text); `_amount` reads it.
Amount = Decimal | float | int | str | None


# ---- writing --------------------------------------------------------------------------------

MONEY = field_label("money", "金额(元)")  # keep-ascii
QUANTITY = field_label("quantity", "物资数量")
RECIPIENTS = field_label("recipients", "受助儿童")
# "每人金额", "每人物资数量": a share per child.
MONEY_EACH = Msg("errors.field.each", what=Msg("errors.field.amount"))
QUANTITY_EACH = Msg("errors.field.each", what=Msg("errors.field.quantity"))


def _amount(value: Amount, label: str,
            problems: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        problems[label] = Msg("errors.ledger.number")
        return None
    if not amount.is_finite() or amount < 0:
        problems[label] = Msg("errors.org.enrolled_negative")
    elif amount > MAX_YUAN:
        problems[label] = Msg("errors.ledger.too_large")
    elif amount != amount.quantize(CENT):
        problems[label] = Msg("errors.ledger.decimals")
    return amount


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:MAX_TEXT] or None


@dataclass(frozen=True)
class _Entry:
    money: Decimal
    goods: str | None
    quantity: Decimal | None
    unit: str | None
    value: Decimal | None


def _check_entry(session: Session, *, provider_id: int | None, donated_on: date,
                 money_yuan: Amount, goods: str | None, goods_quantity: Amount,
                 goods_unit: str | None, goods_value_yuan: Amount, today: date,
                 problems: dict[str, str]) -> _Entry:
    money = _amount(money_yuan, MONEY, problems) or ZERO
    quantity = _amount(goods_quantity, QUANTITY, problems)
    value = _amount(goods_value_yuan, field_label("goods_value", "物资价值（元）"), problems)
    goods = _text(goods)
    if donated_on > today:
        problems[field_label("donated_on", "日期")] = Msg("errors.valid.date_future")
    if goods and not quantity:
        problems[QUANTITY] = Msg("errors.ledger.quantity_missing")
    if quantity and not goods:
        problems[field_label("goods", "物资名称")] = Msg("errors.ledger.goods_missing")
    if not money and not goods and MONEY not in problems:
        problems[MONEY] = Msg("errors.ledger.nothing")
    if provider_id is not None:
        provider = session.get(ResourceProvider, provider_id)
        if provider is None or provider.is_archived:
            problems[field_label("need_provider", "资源方")] = Msg(
                "errors.ledger.provider_missing")
    return _Entry(money, goods, quantity, _text(goods_unit) if goods else None, value)


def _add(session: Session, actor: Actor, entry: _Entry, direction: D, *, provider_id: int | None,
         donated_on: date, notes: str | None, activity_id: int | None = None) -> Donation:
    donation = Donation(direction=direction, provider_id=provider_id, donated_on=donated_on,
                        money_yuan=entry.money, goods=entry.goods, goods_quantity=entry.quantity,
                        goods_unit=entry.unit, goods_value_yuan=entry.value,
                        activity_id=activity_id, org_unit_id=actor.org_unit_id,
                        notes=(notes or "").strip() or None)
    session.add(donation)
    session.flush()
    return donation


def record_received(session: Session, *, actor: Actor, provider_id: int | None, donated_on: date,
                    money_yuan: Amount = ZERO, goods: str | None = None,
                    goods_quantity: Amount = None, goods_unit: str | None = None,
                    goods_value_yuan: Amount = None, notes: str | None = None,
                    today: date) -> Donation:
    """Record money and/or goods received from a provider (or an anonymous donor)."""
    actor.require(Capability.MANAGE_RESOURCES)
    problems: dict[str, str] = {}
    entry = _check_entry(session, provider_id=provider_id, donated_on=donated_on,
                         money_yuan=money_yuan, goods=goods, goods_quantity=goods_quantity,
                         goods_unit=goods_unit, goods_value_yuan=goods_value_yuan, today=today,
                         problems=problems)
    if problems:
        raise ValidationFailed(problems)
    donation = _add(session, actor, entry, D.received, provider_id=provider_id,
                    donated_on=donated_on, notes=notes)
    audit.record(session, actor, "create", "donation", donation.id,
                 after=audit.snapshot(donation), summary=f"台账收入 {_describe(entry)}")
    return donation


def _describe(entry: _Entry) -> str:
    parts = [f"{entry.money}元"] if entry.money else []
    if entry.goods:
        parts.append(f"{entry.goods} {entry.quantity}{entry.unit or ''}")
    return "、".join(parts)


def _recipients(session: Session, actor: Actor, recipients: Sequence[Recipient],
                entry: _Entry, problems: dict[str, str]) -> list[dict[str, object]]:
    """Rows for donation_recipients; shares stay blank for an equal split."""
    triples: list[tuple[int, Decimal | None, Decimal | None]] = [
        (r, None, None) if isinstance(r, int) else r for r in recipients]
    ids = [t[0] for t in triples]
    if not ids:
        problems[RECIPIENTS] = Msg("errors.ledger.no_recipients")
        return []
    if len(set(ids)) != len(ids):
        problems[RECIPIENTS] = Msg("errors.ledger.recipient_twice")
        return []
    found = set(session.scalars(select(Child.id).where(
        Child.id.in_(ids), Child.archived_at.is_(None), children_visible(actor))))
    if missing := [i for i in ids if i not in found]:
        problems[RECIPIENTS] = Msg("errors.ledger.recipients_missing", count=len(missing))
        return []
    for label, total, shares in ((MONEY_EACH, entry.money, [t[1] for t in triples]),
                                 (QUANTITY_EACH, entry.quantity, [t[2] for t in triples])):
        if all(s is None for s in shares):
            continue
        if any(s is None or Decimal(s) < 0 for s in shares):
            problems[label] = Msg("errors.ledger.shares_missing")
        elif sum(Decimal(s) for s in shares if s is not None) != (total or ZERO):
            problems[label] = Msg("errors.ledger.shares_sum", what=label.fields["what"])
    return [{"child_id": c, "money_yuan": m, "goods_quantity": g} for c, m, g in triples]


def record_given(session: Session, *, actor: Actor, donated_on: date,
                 recipients: Sequence[Recipient], money_yuan: Amount = ZERO,
                 goods: str | None = None, goods_quantity: Amount = None,
                 goods_unit: str | None = None, goods_value_yuan: Amount = None,
                 activity_id: int | None = None, provider_id: int | None = None,
                 notes: str | None = None, today: date) -> Donation:
    """Give money and/or goods out to children, within the balance on that day and after it.

    `recipients` are child ids (an equal split) or (child_id, money share, goods share).
    """
    actor.require(Capability.MANAGE_RESOURCES)
    problems: dict[str, str] = {}
    entry = _check_entry(session, provider_id=provider_id, donated_on=donated_on,
                         money_yuan=money_yuan, goods=goods, goods_quantity=goods_quantity,
                         goods_unit=goods_unit, goods_value_yuan=goods_value_yuan, today=today,
                         problems=problems)
    rows = _recipients(session, actor, recipients, entry, problems)
    if activity_id is not None:
        activity = session.get(Activity, activity_id)
        if activity is None or activity.archived_at is not None:
            problems[field_label("activity", "活动")] = Msg("errors.ledger.activity_missing")
    if problems:
        raise ValidationFailed(problems)
    _refuse_overdraw(session, actor.org_unit_id, entry, donated_on)
    donation = _add(session, actor, entry, D.given, provider_id=provider_id,
                    donated_on=donated_on, notes=notes, activity_id=activity_id)
    session.execute(insert(donation_recipients), [{"donation_id": donation.id, **r} for r in rows])
    audit.record(session, actor, "create", "donation", donation.id,
                 after=audit.snapshot(donation),
                 summary=f"台账发放 {_describe(entry)},{len(rows)}名儿童")
    return donation


def _refuse_overdraw(session: Session, org_unit_id: int | None, entry: _Entry,
                     on: date) -> None:
    serialise(session)
    if entry.money and (room := check_room(session, org_unit_id, None, on, entry.money)) \
            is not None:
        raise DomainError.of("errors.ledger.overdraw_money", money=entry.money,
                             on=on.isoformat(), room=room)
    if entry.goods and entry.quantity:
        key = (entry.goods, entry.unit or "")
        room = check_room(session, org_unit_id, key, on, entry.quantity)
        if room is not None and not room:
            raise DomainError.of("errors.ledger.no_goods", goods=entry.goods,
                                 unit=entry.unit or Msg("errors.helper.phone_missing"))
        if room is not None:
            raise DomainError.of("errors.ledger.overdraw_goods", goods=entry.goods,
                                 quantity=entry.quantity, room=room, unit=entry.unit or "")


def archive_entry(session: Session, *, actor: Actor, entry_id: int, reason: str,
                  expected_version: int | None = None) -> Donation:
    """Archive an entry (e.g. entered twice); a receipt already given out cannot be taken back."""
    actor.require(Capability.MANAGE_RESOURCES)
    donation = session.scalar(select(Donation).where(
        Donation.id == entry_id, entry_active(), entries_visible(actor)))
    if donation is None:
        raise NotFound(WHAT)
    audit.require_version(donation, expected_version, WHAT)
    if not (reason or "").strip():
        raise ValidationFailed({field_label("archive_reason", "归档原因"):
                                Msg("errors.provider.archive_reason_missing")})
    if donation.direction is D.received:
        entry = _Entry(donation.money_yuan, donation.goods, donation.goods_quantity,
                       donation.goods_unit, donation.goods_value_yuan)
        try:
            _refuse_overdraw(session, donation.org_unit_id, entry, donation.donated_on)
        except DomainError:
            raise DomainError.of("errors.ledger.receipt_given") from None
    with audit.tracked(session, actor, donation, "donation", action="archive",
                       summary=f"归档台账记录：{reason.strip()}"):
        donation.archived_at, donation.archive_reason = utcnow(), reason.strip()[:200]
    return donation
