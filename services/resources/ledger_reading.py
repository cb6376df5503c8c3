"""Reading the 捐助台账: the entries of a period, totals per provider and per month, the
figures for 总览, and fairness (who was helped how often and with how much).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, extract, func, select, true
from sqlalchemy.orm import Session

from core.vocab import DonationDirection as D
from db.models import Activity, Child, Donation, ResourceProvider, donation_recipients
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_listed,
)
from services.resources.ledger_balance import CENT, ZERO, GoodsKey, entries_visible, entry_active


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


def _period(date_from: date, date_to: date) -> ColumnElement[bool]:
    return Donation.donated_on.between(date_from, date_to)


def list_entries(session: Session, actor: Actor, *, date_from: date, date_to: date,
                 provider_id: int | None = None) -> list[EntryRow]:
    """The active entries of a period in scope, newest first, with recipients' names."""
    actor.require(Capability.MANAGE_RESOURCES)
    stmt = (select(Donation, ResourceProvider.name, Activity.title)
            .outerjoin(ResourceProvider, ResourceProvider.id == Donation.provider_id)
            .outerjoin(Activity, Activity.id == Donation.activity_id)
            .where(entry_active(), entries_visible(actor), _period(date_from, date_to))
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
        .where(entry_active(), entries_visible(actor), _period(date_from, date_to),
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
        .where(entry_active(), entries_visible(actor), _period(date_from, date_to))
        .group_by(year, month).order_by(year, month))
    return [PeriodTotal(f"{int(y)}-{int(m):02d}", Decimal(r), Decimal(g), Decimal(d), n)
            for y, m, r, g, d, n in rows]


def _helped(actor: Actor, date_from: date, date_to: date) -> ColumnElement[bool]:
    return (entry_active() & Donation.direction.in_([D.given, D.direct])
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
    money: Decimal | None
    if shares_only:
        money = _shares_of(session, actor, helped, among)
    else:
        money = session.scalar(select(func.sum(Donation.money_yuan))
                               .where(helped, entries_visible(actor)))
    to_counted = (select(func.count(func.distinct(donation_recipients.c.child_id)))
                  .join(Donation, Donation.id == donation_recipients.c.donation_id)
                  .join(Child, Child.id == donation_recipients.c.child_id)
                  .where(helped, children_counted(actor), true() if among is None else among))
    # To the fen: SQLite sums NUMERIC as floating point.
    summary: dict[str, float | int] = {"money_yuan": float(Decimal(money or 0).quantize(CENT)),
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
        .where(_helped(actor, date_from, date_to), children_listed(actor)))
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
        Child.archived_at.is_(None), children_listed(actor)))
    never = (active or 0) - (session.scalar(select(func.count(Child.id)).where(
        Child.id.in_(list(names)), Child.archived_at.is_(None))) or 0) if names else (active or 0)
    return Fairness(result, never)


def _goods_text(items: dict[GoodsKey, Decimal | None]) -> str:
    def amount(q: Decimal | None, unit: str) -> str:
        return "" if q is None else f" {q.quantize(CENT).normalize():f}{unit}"
    return "、".join(f"{name}{amount(q, unit)}" for (name, unit), q in sorted(items.items()))
