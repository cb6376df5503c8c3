"""Care contacts (帮扶记录) and the care rules (帮扶要求) they are measured against."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import (
    Category,
    ContactKind,
    HelperKind,
    RiskLevel,
    RuleAudience,
    RulePeriod,
)
from db.base import Archivable, Base, Timestamped, Versioned, coded
from db.models.children import Child
from db.models.helpers import Helper


class CareContact(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "care_contacts"
    __table_args__ = (
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
        Index("ix_care_contacts_date_kind", "contact_date", "kind"),
        Index("ix_care_contacts_child_date", "child_id", "contact_date"),
        # A helper's last contact is read from the index alone.
        Index("ix_care_contacts_helper_date", "helper_id", "contact_date"),
        # Compliance counts contacts of some kinds in a period for every pair: index-only.
        Index("ix_care_contacts_kind_date_cover", "kind", "contact_date", "child_id", "helper_id",
              sqlite_where=text("archived_at IS NULL"),
              postgresql_where=text("archived_at IS NULL")),
        # A village's 帮扶要求 recounted after a save, and a child's latest contact of a kind:
        # a few children's contacts, sought child by child.
        Index("ix_care_contacts_child_kind_date", "child_id", "kind", "contact_date",
              sqlite_where=text("archived_at IS NULL"),
              postgresql_where=text("archived_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"))
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    kind: Mapped[ContactKind] = mapped_column(coded(ContactKind, "contact_kind"))
    contact_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[bool] = mapped_column(default=False)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set by the form that saved it: a second click sends the same token and saves nothing.
    client_token: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)

    child: Mapped[Child] = relationship()
    helper: Mapped[Helper | None] = relationship()


class CareRule(Versioned, Archivable, Timestamped, Base):
    """E.g. "谈心 ≥1 per month": contacts of `contact_kinds` at least `min_count` per `period`."""

    __tablename__ = "care_rules"
    __table_args__ = (CheckConstraint("min_count >= 1", name="min_count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact_kinds: Mapped[list[str]] = mapped_column(JSON)
    min_count: Mapped[int]
    period: Mapped[RulePeriod] = mapped_column(coded(RulePeriod, "period"))
    # Counties set visit frequency by risk colour; a rule may apply only to one colour or category.
    risk_level: Mapped[RiskLevel | None] = mapped_column(coded(RiskLevel, "risk_level"))
    category: Mapped[Category | None] = mapped_column(coded(Category, "category"))
    # Only pairings with this kind of helper, e.g. volunteers ("爱心辅导员每月走访两次").
    helper_kind: Mapped[HelperKind | None] = mapped_column(coded(HelperKind, "helper_kind"))
    audience: Mapped[RuleAudience] = mapped_column(coded(RuleAudience, "audience"),
                                                   default=RuleAudience.child)
    # School-based rules (谈心 with the class teacher) rest during 寒暑假.
    pauses_in_holidays: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)
