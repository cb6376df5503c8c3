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

from db.base import Archivable, Base, Timestamped, Versioned


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

    attendances: Mapped[list[Attendance]] = relationship(back_populates="activity")


class Attendance(Base):
    __tablename__ = "attendances"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True, index=True)

    activity: Mapped[Activity] = relationship(back_populates="attendances")
