"""捐助台账 balances: the scope an entry counts in and the balance it may not overdraw.

A balance is the received minus the given, for money and for each kind of goods (by name and
unit); `direct` entries (activity donations) are received and given at once, so they leave it
alone. The ledger never goes negative: an entry is checked against the lowest running balance
from its date onward, in its own org unit's scope and in every scope above it, so a backdated
payment cannot overdraw a later day either. Writing lives in `ledger`, reading in
`ledger_reading`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select, true
from sqlalchemy.orm import Session

from core.vocab import DonationDirection as D
from db.models import Donation, OrgUnit
from services.access.permissions import Actor, Capability, org_subtree_ids

ZERO = Decimal(0)
CENT = Decimal("0.01")
LEDGER_LOCK = 0x5A4B_0001  # the PostgreSQL advisory lock key that serialises balance checks
GoodsKey = tuple[str, str]  # (goods name, unit); the unit may be ""


@dataclass(frozen=True)
class GoodsBalance:
    goods: str
    unit: str
    quantity: Decimal


@dataclass(frozen=True)
class Balances:
    money_yuan: Decimal
    goods: list[GoodsBalance]



# ---- scope ----------------------------------------------------------------------------------

def entries_visible(actor: Actor) -> ColumnElement[bool]:
    """Entries of units in the actor's scope (an unscoped actor sees the whole ledger)."""
    subtree = org_subtree_ids(actor)
    return true() if subtree is None else Donation.org_unit_id.in_(subtree)


def entry_active() -> ColumnElement[bool]:
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

def _signed(amount: SQLColumnExpression[Decimal]) -> ColumnElement[Decimal]:
    return case((Donation.direction == D.received, amount),
                (Donation.direction == D.given, -amount), else_=0)


def _goods_filter(key: GoodsKey) -> ColumnElement[bool]:
    return (Donation.goods == key[0]) & (func.coalesce(Donation.goods_unit, "") == key[1])


def _net_by_day(session: Session, scope: ColumnElement[bool], key: GoodsKey | None
                ) -> list[tuple[date, Decimal]]:
    amount = Donation.money_yuan if key is None else func.coalesce(Donation.goods_quantity, 0)
    stmt = (select(Donation.donated_on, func.sum(_signed(amount)))
            .where(entry_active(), scope, Donation.direction != D.direct)
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


def check_room(session: Session, org_unit_id: int | None, key: GoodsKey | None, on: date,
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
    base = (entry_active(), entries_visible(actor), when, Donation.direction != D.direct)
    money = session.scalar(select(func.sum(_signed(Donation.money_yuan))).where(*base))
    unit = func.coalesce(Donation.goods_unit, "")
    rows = session.execute(
        select(Donation.goods, unit, func.sum(_signed(func.coalesce(Donation.goods_quantity, 0))))
        .where(*base, Donation.goods.is_not(None), Donation.goods_quantity.is_not(None))
        .group_by(Donation.goods, unit).order_by(Donation.goods, unit))
    # `g is not None` again for the checker: the query already leaves entries without goods out.
    goods = [GoodsBalance(g, u, Decimal(q)) for g, u, q in rows if q and g is not None]
    return Balances(Decimal(money or 0), goods)


def serialise(session: Session) -> None:
    """One ledger check-and-write at a time on PostgreSQL (SQLite already has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LEDGER_LOCK)))
