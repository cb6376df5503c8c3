"""捐助台账: money and goods received (收入), given out (发放) and given directly (直接捐赠).

A balance is the received minus the given, for money and for each kind of goods (by name and
unit); `direct` entries (activity donations) are received and given at once, so they leave it
alone. The ledger never goes negative: an entry is checked against the lowest running balance
from its date onward, in its own org unit's scope and in every scope above it, so a backdated
payment cannot overdraw a later day either. Archiving a receipt is checked the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, extract, func, insert, select, true
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import DonationDirection as D
from db.base import utcnow
from db.models import Activity, Child, Donation, OrgUnit, ResourceProvider, donation_recipients
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_visible,
    org_subtree_ids,
)

WHAT = Msg("errors.what.ledger_entry")
ZERO = Decimal(0)
CENT = Decimal("0.01")
MAX_YUAN = Decimal("9999999999.99")
MAX_TEXT = 200
LEDGER_LOCK = 0x5A4B_0001  # the PostgreSQL advisory lock key that serialises balance checks
GoodsKey = tuple[str, str]  # (goods name, unit); the unit may be ""
Recipient = int | tuple[int, Decimal | None, Decimal | None]


@dataclass(frozen=True)
class GoodsBalance:
    goods: str
    unit: str
    quantity: Decimal


@dataclass(frozen=True)
class Balances:
    money_yuan: Decimal
    goods: list[GoodsBalance]


@dataclass(frozen=True)
class ProviderTotal:
    provider_id: int | None
    provider_name: str
    received_money: Decimal
    received_goods_value: Decimal
    direct_money: Decimal
    entries: int


@dataclass(frozen=True)
class PeriodTotal:
    period: str  # 2026-11
    received_money: Decimal
    given_money: Decimal
    direct_money: Decimal
    entries: int


@dataclass(frozen=True)
class EntryRow:
    id: int
    version: int
    donated_on: date
    direction: D
    provider_name: str
    money_yuan: Decimal
    goods: str | None
    goods_quantity: Decimal | None
    goods_unit: str | None
    goods_value_yuan: Decimal | None
    recipients: list[str]
    activity_title: str | None
    notes: str | None


@dataclass(frozen=True)
class FairnessRow:
    child_id: int
    child_name: str
    times_helped: int
    money_yuan: Decimal
    goods: str  # "书包 2个、文具 1套"


@dataclass(frozen=True)
class Fairness:
    rows: list[FairnessRow]
    never_helped: int  # active children in scope helped not once in the period


# ---- scope ----------------------------------------------------------------------------------

def entries_visible(actor: Actor) -> ColumnElement[bool]:
    """Entries of units in the actor's scope (an unscoped actor sees the whole ledger)."""
    subtree = org_subtree_ids(actor)
    return true() if subtree is None else Donation.org_unit_id.in_(subtree)


def _active() -> ColumnElement[bool]:
    return Donation.archived_at.is_(None)


def _scopes_above(session: Session, org_unit_id: int | None) -> list[ColumnElement[bool]]:
    """The scopes an entry of this unit counts in: its own subtree, each unit above, the whole."""
    scopes: list[ColumnElement[bool]] = [true()]
    if org_unit_id is None:
        return scopes
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == org_unit_id)) or ""
    for part in path.strip("/").split("/"):
        if part:
            subtree = select(OrgUnit.id).where(
                OrgUnit.path.startswith(select(OrgUnit.path).where(OrgUnit.id == int(part))
                                        .scalar_subquery(), autoescape=False))
            scopes.append(Donation.org_unit_id.in_(subtree))
    return scopes


# ---- balances -------------------------------------------------------------------------------

def _signed(amount: ColumnElement) -> ColumnElement:
    return case((Donation.direction == D.received, amount),
                (Donation.direction == D.given, -amount), else_=0)


def _goods_filter(key: GoodsKey) -> ColumnElement[bool]:
    return (Donation.goods == key[0]) & (func.coalesce(Donation.goods_unit, "") == key[1])


def _net_by_day(session: Session, scope: ColumnElement[bool], key: GoodsKey | None
                ) -> list[tuple[date, Decimal]]:
    amount = Donation.money_yuan if key is None else func.coalesce(Donation.goods_quantity, 0)
    stmt = (select(Donation.donated_on, func.sum(_signed(amount)))
            .where(_active(), scope, Donation.direction != D.direct)
            .group_by(Donation.donated_on).order_by(Donation.donated_on))
    if key is not None:
        stmt = stmt.where(_goods_filter(key))
    return [(day, Decimal(net or 0)) for day, net in session.execute(stmt)]


def _headroom(days: list[tuple[date, Decimal]], on: date) -> Decimal:
    """The lowest running balance on `on` or any later day: what an entry on `on` may take."""
    running, lowest = ZERO, None
    for day, net in days:
        if day > on:
            lowest = running if lowest is None else min(lowest, running)
        running += net
    lowest = running if lowest is None else min(lowest, running)
    return lowest


def _check_room(session: Session, org_unit_id: int | None, key: GoodsKey | None, on: date,
                amount: Decimal) -> Decimal | None:
    """The room left if `amount` is more than some scope can give from `on` onward, else None."""
    for scope in _scopes_above(session, org_unit_id):
        room = _headroom(_net_by_day(session, scope, key), on)
        if amount > room:
            return max(room, ZERO)
    return None


def balances(session: Session, actor: Actor, *, on: date | None = None) -> Balances:
    """The money balance and each kind of goods' balance in scope, as of `on` (default all)."""
    actor.require(Capability.MANAGE_RESOURCES)
    when = true() if on is None else Donation.donated_on <= on
    base = (_active(), entries_visible(actor), when, Donation.direction != D.direct)
    money = session.scalar(select(func.sum(_signed(Donation.money_yuan))).where(*base))
    unit = func.coalesce(Donation.goods_unit, "")
    rows = session.execute(
        select(Donation.goods, unit, func.sum(_signed(func.coalesce(Donation.goods_quantity, 0))))
        .where(*base, Donation.goods.is_not(None), Donation.goods_quantity.is_not(None))
        .group_by(Donation.goods, unit).order_by(Donation.goods, unit))
    goods = [GoodsBalance(g, u, Decimal(q)) for g, u, q in rows if q]
    return Balances(Decimal(money or 0), goods)


# ---- writing --------------------------------------------------------------------------------

MONEY = field_label("money", "金额(元)")  # keep-ascii
QUANTITY = field_label("quantity", "物资数量")
RECIPIENTS = field_label("recipients", "受助儿童")
# "每人金额", "每人物资数量": a share per child.
MONEY_EACH = Msg("errors.field.each", what=Msg("errors.field.amount"))
QUANTITY_EACH = Msg("errors.field.each", what=Msg("errors.field.quantity"))


def _amount(value: Decimal | float | int | str | None, label: str,
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
                 money_yuan: object, goods: str | None, goods_quantity: object,
                 goods_unit: str | None, goods_value_yuan: object, today: date,
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
                    money_yuan: object = ZERO, goods: str | None = None,
                    goods_quantity: object = None, goods_unit: str | None = None,
                    goods_value_yuan: object = None, notes: str | None = None,
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
    triples = [(r, None, None) if isinstance(r, int) else r for r in recipients]
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
    for index, (label, total) in enumerate(((MONEY_EACH, entry.money),
                                            (QUANTITY_EACH, entry.quantity))):
        shares = [t[index + 1] for t in triples]
        if all(s is None for s in shares):
            continue
        if any(s is None or Decimal(s) < 0 for s in shares):
            problems[label] = Msg("errors.ledger.shares_missing")
        elif sum(Decimal(s) for s in shares) != (total or ZERO):
            problems[label] = Msg("errors.ledger.shares_sum", what=label.fields["what"])
    return [{"child_id": c, "money_yuan": m, "goods_quantity": g} for c, m, g in triples]


def record_given(session: Session, *, actor: Actor, donated_on: date,
                 recipients: Sequence[Recipient], money_yuan: object = ZERO,
                 goods: str | None = None, goods_quantity: object = None,
                 goods_unit: str | None = None, goods_value_yuan: object = None,
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


def _serialise(session: Session) -> None:
    """One ledger check-and-write at a time on PostgreSQL (SQLite already has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LEDGER_LOCK)))


def _refuse_overdraw(session: Session, org_unit_id: int | None, entry: _Entry,
                     on: date) -> None:
    _serialise(session)
    if entry.money and (room := _check_room(session, org_unit_id, None, on, entry.money)) \
            is not None:
        raise DomainError.of("errors.ledger.overdraw_money", money=entry.money,
                             on=on.isoformat(), room=room)
    if entry.goods and entry.quantity:
        key = (entry.goods, entry.unit or "")
        room = _check_room(session, org_unit_id, key, on, entry.quantity)
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
        Donation.id == entry_id, _active(), entries_visible(actor)))
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


# ---- reading --------------------------------------------------------------------------------

def _period(date_from: date, date_to: date) -> ColumnElement[bool]:
    return Donation.donated_on.between(date_from, date_to)


def list_entries(session: Session, actor: Actor, *, date_from: date, date_to: date,
                 provider_id: int | None = None) -> list[EntryRow]:
    """The active entries of a period in scope, newest first, with recipients' names."""
    actor.require(Capability.MANAGE_RESOURCES)
    stmt = (select(Donation, ResourceProvider.name, Activity.title)
            .outerjoin(ResourceProvider, ResourceProvider.id == Donation.provider_id)
            .outerjoin(Activity, Activity.id == Donation.activity_id)
            .where(_active(), entries_visible(actor), _period(date_from, date_to))
            .order_by(Donation.donated_on.desc(), Donation.id.desc()))
    if provider_id is not None:
        stmt = stmt.where(Donation.provider_id == provider_id)
    entries = session.execute(stmt).all()
    names: dict[int, list[str]] = defaultdict(list)
    if entries:
        for donation_id, name in session.execute(
                select(donation_recipients.c.donation_id, Child.name)
                .join(Child, Child.id == donation_recipients.c.child_id)
                .where(donation_recipients.c.donation_id.in_([d.id for d, _, _ in entries]))
                .order_by(Child.id)):
            names[donation_id].append(name)
    return [EntryRow(d.id, d.version, d.donated_on, d.direction, provider or "", d.money_yuan,
                     d.goods, d.goods_quantity, d.goods_unit, d.goods_value_yuan, names[d.id],
                     title, d.notes) for d, provider, title in entries]


def _money_when(direction: D) -> ColumnElement:
    return func.coalesce(func.sum(case((Donation.direction == direction, Donation.money_yuan),
                                       else_=0)), 0)


def totals_by_provider(session: Session, actor: Actor, *, date_from: date, date_to: date
                       ) -> list[ProviderTotal]:
    """Money and goods value received, and money given directly, per provider in a period."""
    actor.require(Capability.MANAGE_RESOURCES)
    goods_value = func.coalesce(func.sum(case(
        (Donation.direction == D.received, Donation.goods_value_yuan), else_=0)), 0)
    rows = session.execute(
        select(Donation.provider_id, ResourceProvider.name, _money_when(D.received), goods_value,
               _money_when(D.direct), func.count(Donation.id))
        .outerjoin(ResourceProvider, ResourceProvider.id == Donation.provider_id)
        .where(_active(), entries_visible(actor), _period(date_from, date_to),
               Donation.direction != D.given)
        .group_by(Donation.provider_id, ResourceProvider.name)
        .order_by(func.sum(Donation.money_yuan).desc(), ResourceProvider.name))
    return [ProviderTotal(pid, name or "（未注明）", Decimal(r), Decimal(g), Decimal(d), n)
            for pid, name, r, g, d, n in rows]


def totals_by_month(session: Session, actor: Actor, *, date_from: date, date_to: date
                    ) -> list[PeriodTotal]:
    """Money received, given out and given directly per month of a period."""
    actor.require(Capability.MANAGE_RESOURCES)
    year, month = extract("year", Donation.donated_on), extract("month", Donation.donated_on)
    rows = session.execute(
        select(year, month, _money_when(D.received), _money_when(D.given), _money_when(D.direct),
               func.count(Donation.id))
        .where(_active(), entries_visible(actor), _period(date_from, date_to))
        .group_by(year, month).order_by(year, month))
    return [PeriodTotal(f"{int(y)}-{int(m):02d}", Decimal(r), Decimal(g), Decimal(d), n)
            for y, m, r, g, d, n in rows]


def _helped(actor: Actor, date_from: date, date_to: date) -> ColumnElement[bool]:
    return (_active() & Donation.direction.in_([D.given, D.direct])
            & _period(date_from, date_to))


def donation_summary(session: Session, actor: Actor, *, date_from: date, date_to: date,
                     among: ColumnElement[bool] | None = None, shares_only: bool = False,
                     with_goods: bool = False) -> dict[str, float | int]:
    """CONTRACTS stats "donations": money given out or given directly by units in scope, and
    the children helped (only those `among`, when given).

    With `shares_only` (a helper's figures, or a category's) the money is those children's
    own shares instead: a recorded share, else an equal part of the entry. With `with_goods`
    also "goods_entries": the entries counted that gave goods and no money, so a sentence can
    say the help was in goods (an extra key: `stats --json` prints only the contract's two).
    """
    helped = _helped(actor, date_from, date_to)
    if shares_only:
        money = _shares_of(session, actor, helped, among)
    else:
        money = session.scalar(select(func.sum(Donation.money_yuan))
                               .where(helped, entries_visible(actor)))
    to_counted = (select(func.count(func.distinct(donation_recipients.c.child_id)))
                  .join(Donation, Donation.id == donation_recipients.c.donation_id)
                  .join(Child, Child.id == donation_recipients.c.child_id)
                  .where(helped, children_counted(actor), true() if among is None else among))
    summary: dict[str, float | int] = {"money_yuan": float(Decimal(money or 0)),
                                       "children_helped": int(session.scalar(to_counted) or 0)}
    if with_goods:
        summary["goods_entries"] = _goods_entries(session, actor, helped, among, shares_only)
    return summary


def _goods_entries(session: Session, actor: Actor, helped: ColumnElement[bool],
                   among: ColumnElement[bool] | None, shares_only: bool) -> int:
    """Entries counted as the money is (in scope, or to the children `among`): goods, no money."""
    goods_only = helped & (func.coalesce(Donation.goods, "") != "") & (Donation.money_yuan == 0)
    if not shares_only:
        return int(session.scalar(select(func.count(Donation.id))
                                  .where(goods_only, entries_visible(actor))) or 0)
    to_them = (select(donation_recipients.c.donation_id)
               .join(Child, Child.id == donation_recipients.c.child_id)
               .where(children_counted(actor), true() if among is None else among))
    return int(session.scalar(select(func.count(Donation.id))
                              .where(goods_only, Donation.id.in_(to_them))) or 0)


def _shares_of(session: Session, actor: Actor, helped: ColumnElement[bool],
               among: ColumnElement[bool] | None) -> Decimal:
    recipients = (select(func.count()).where(donation_recipients.c.donation_id == Donation.id)
                  .correlate(Donation).scalar_subquery())
    # `* 1.0`: SQLite divides whole yuan as integers otherwise.
    share = func.coalesce(donation_recipients.c.money_yuan,
                          Donation.money_yuan * 1.0 / recipients)
    total = session.scalar(
        select(func.sum(share)).select_from(donation_recipients)
        .join(Donation, Donation.id == donation_recipients.c.donation_id)
        .join(Child, Child.id == donation_recipients.c.child_id)
        .where(helped, children_counted(actor), true() if among is None else among))
    return Decimal(str(total or 0)).quantize(CENT)


def fairness(session: Session, actor: Actor, *, date_from: date, date_to: date) -> Fairness:
    """Who was helped how often and with how much in a period, most-helped first."""
    actor.require(Capability.MANAGE_RESOURCES)
    count = (select(func.count()).where(donation_recipients.c.donation_id == Donation.id)
             .correlate(Donation).scalar_subquery())
    rows = session.execute(
        select(Child.id, Child.name, Donation.id, Donation.money_yuan, Donation.goods,
               Donation.goods_quantity, Donation.goods_unit, donation_recipients.c.money_yuan,
               donation_recipients.c.goods_quantity, count)
        .join(donation_recipients, donation_recipients.c.child_id == Child.id)
        .join(Donation, Donation.id == donation_recipients.c.donation_id)
        .where(_helped(actor, date_from, date_to), children_visible(actor)))
    names: dict[int, str] = {}
    times: dict[int, int] = defaultdict(int)
    money: dict[int, Decimal] = defaultdict(lambda: ZERO)
    goods: dict[int, dict[GoodsKey, Decimal | None]] = defaultdict(dict)
    for child_id, name, _, total, item, quantity, unit, m_share, g_share, n in rows:
        names[child_id] = name
        times[child_id] += 1
        money[child_id] += Decimal(m_share if m_share is not None else Decimal(total) / n)
        if item:
            key = (item, unit or "")
            share = g_share if g_share is not None else (
                Decimal(quantity) / n if quantity is not None else None)
            before = goods[child_id].get(key)
            goods[child_id][key] = share if before is None else before + (share or 0)
    result = [FairnessRow(c, names[c], times[c], money[c].quantize(CENT),
                          _goods_text(goods[c])) for c in names]
    result.sort(key=lambda r: (-r.times_helped, -r.money_yuan, r.child_name))
    active = session.scalar(select(func.count(Child.id)).where(
        Child.archived_at.is_(None), children_visible(actor)))
    never = (active or 0) - session.scalar(select(func.count(Child.id)).where(
        Child.id.in_(list(names)), Child.archived_at.is_(None))) if names else (active or 0)
    return Fairness(result, never)


def _goods_text(items: dict[GoodsKey, Decimal | None]) -> str:
    def amount(q: Decimal | None, unit: str) -> str:
        return "" if q is None else f" {q.quantize(CENT).normalize():f}{unit}"
    return "、".join(f"{name}{amount(q, unit)}" for (name, unit), q in sorted(items.items()))
