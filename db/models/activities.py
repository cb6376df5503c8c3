"""Group activities (活动): sessions (场次), attending children and extra person-times (人次)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import Category, ContactKind, RiskLevel
from db.base import Archivable, Base, Timestamped, Versioned, coded


class ActivityKindRow(Versioned, Archivable, Timestamped, Base):
    """The editable list of activity kinds; the built-ins (vocab.ActivityKind) are always there."""

    __tablename__ = "activity_kinds"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_zh: Mapped[str] = mapped_column(String(50), unique=True)
    label_en: Mapped[str | None] = mapped_column(String(50))
    is_builtin: Mapped[bool] = mapped_column(default=False)


activity_providers = Table(
    "activity_providers",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id"), primary_key=True),
    Column("provider_id", ForeignKey("resource_providers.id"), primary_key=True),
)


activity_helpers = Table(
    "activity_helpers",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id"), primary_key=True),
    Column("helper_id", ForeignKey("helpers.id"), primary_key=True),
)


class Activity(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("sessions >= 1", name="sessions_positive"),
        CheckConstraint("extra_person_times >= 0", name="extra_not_negative"),
        Index("ix_activities_held_on_kind", "held_on", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(ForeignKey("activity_kinds.code"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    sessions: Mapped[int] = mapped_column(default=1)
    # 人次 beyond the attending children recorded below: adults, other pupils.
    extra_person_times: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[int] = mapped_column(default=0)
    cost_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    client_token: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)

    attendances: Mapped[list[Attendance]] = relationship(back_populates="activity")
    photos: Mapped[list[ActivityPhoto]] = relationship(
        back_populates="activity", order_by="ActivityPhoto.id")


class Attendance(Base):
    __tablename__ = "attendances"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True, index=True)

    activity: Mapped[Activity] = relationship(back_populates="attendances")


class ActivityPhoto(Timestamped, Base):
    """A photo of an activity; the file lives under the data folder, the row says where."""

    __tablename__ = "activity_photos"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    # Relative to the data folder, e.g. photos/2026/11/3f2a….jpg
    path: Mapped[str] = mapped_column(String(200), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    caption: Mapped[str | None] = mapped_column(String(200))

    activity: Mapped[Activity] = relationship(back_populates="photos")


class Campaign(Versioned, Archivable, Timestamped, Base):
    """专项行动: a drive over a period to reach a target group by one activity or contact kind."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("(activity_kind IS NULL) <> (contact_kind IS NULL)",
                        name="one_kind_of_reach"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    activity_kind: Mapped[str | None] = mapped_column(ForeignKey("activity_kinds.code"))
    contact_kind: Mapped[ContactKind | None] = mapped_column(coded(ContactKind, "contact_kind"))
    # The target group: children under this unit, optionally of one category or risk colour.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    category: Mapped[Category | None] = mapped_column(coded(Category, "category"))
    risk_level: Mapped[RiskLevel | None] = mapped_column(coded(RiskLevel, "risk_level"))
    notes: Mapped[str | None] = mapped_column(Text)
