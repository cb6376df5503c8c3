"""Needs (需求), wishes (心愿), resource providers (资源方) and donations (捐助)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import (
    DonationDirection,
    NeedKind,
    NeedPriority,
    NeedStatus,
    ProviderKind,
    WishStatus,
)
from db.base import Archivable, Base, Timestamped, Versioned, coded
from db.models.children import Child


class ResourceProvider(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "resource_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(coded(ProviderKind, "provider_kind"),
                                               default=ProviderKind.other)
    contact_person: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    # What they offer: 助学金, 辅具, 法律咨询, 志愿服务 …
    offers: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)


class Need(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    kind: Mapped[NeedKind] = mapped_column(coded(NeedKind, "need_kind"))
    status: Mapped[NeedStatus] = mapped_column(coded(NeedStatus, "need_status"),
                                               default=NeedStatus.open)
    description: Mapped[str | None] = mapped_column(Text)
    found_on: Mapped[date] = mapped_column(Date)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("resource_providers.id"))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[NeedPriority] = mapped_column(coded(NeedPriority, "priority"),
                                                  default=NeedPriority.normal)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Found on a visit: the care contact it came from.
    care_contact_id: Mapped[int | None] = mapped_column(ForeignKey("care_contacts.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    linked_on: Mapped[date | None] = mapped_column(Date)
    asked: Mapped[str | None] = mapped_column(String(300))  # what the provider was asked for
    resolution: Mapped[str | None] = mapped_column(Text)  # how it was resolved
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(300))

    child: Mapped[Child] = relationship()
    provider: Mapped[ResourceProvider | None] = relationship()


class Wish(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "wishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    content: Mapped[str] = mapped_column(String(200))
    status: Mapped[WishStatus] = mapped_column(coded(WishStatus, "wish_status"),
                                               default=WishStatus.collected)
    collected_on: Mapped[date] = mapped_column(Date)
    fulfilled_on: Mapped[date | None] = mapped_column(Date)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("resource_providers.id"))
    fulfilled_by: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(50))  # 学习用品, 衣物, 玩具 …
    estimated_cost_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    taken_on: Mapped[date | None] = mapped_column(Date)
    drive_id: Mapped[int | None] = mapped_column(ForeignKey("wish_drives.id"), index=True)
    photo_path: Mapped[str | None] = mapped_column(String(200))  # under the data folder

    child: Mapped[Child] = relationship()


class WishDrive(Versioned, Archivable, Timestamped, Base):
    """A wish drive such as 六一满愿: wishes collected and fulfilled within a period."""

    __tablename__ = "wish_drives"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    notes: Mapped[str | None] = mapped_column(Text)


donation_recipients = Table(
    "donation_recipients",
    Base.metadata,
    Column("donation_id", ForeignKey("donations.id"), primary_key=True),
    Column("child_id", ForeignKey("children.id"), primary_key=True, index=True),
    # Each child's share, for the fairness view; blank means an equal share.
    Column("money_yuan", Numeric(12, 2)),
    Column("goods_quantity", Numeric(12, 2)),
)


class Donation(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("money_yuan >= 0", name="money_not_negative"),
        CheckConstraint("goods_value_yuan IS NULL OR goods_value_yuan >= 0",
                        name="goods_value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("resource_providers.id"), index=True)
    donated_on: Mapped[date] = mapped_column(Date, index=True)
    money_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    direction: Mapped[DonationDirection] = mapped_column(
        coded(DonationDirection, "direction"), default=DonationDirection.direct)
    goods: Mapped[str | None] = mapped_column(String(200))
    # For the goods balance: how many of `goods` (by name), in what unit (件, 箱, 套).
    goods_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    goods_unit: Mapped[str | None] = mapped_column(String(20))
    goods_value_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[ResourceProvider | None] = relationship()
    recipients: Mapped[list[Child]] = relationship(secondary=donation_recipients)
