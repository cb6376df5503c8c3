"""What privacy law asks us to keep about the data itself: who looked at it (访问记录) and on
what basis and for which purposes it is held (知情同意), and each 紧急查看 of a child outside one's
scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.vocab import ConsentBasis, ConsentPurpose, ViewKind
from db.base import Base, Timestamped, Versioned, coded, utcnow


class ViewEvent(Base):
    """One disclosure of children's personal data to a person: a page, a card, a list, a report.

    A list is one event with its row count; the children seen one by one (a page, the cards)
    are linked in `view_event_children`, so a child's page can say who looked at it.
    """

    __tablename__ = "view_events"
    __table_args__ = (Index("ix_view_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Kept as they were at the time: a renamed or demoted account does not rewrite history.
    username: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[ViewKind] = mapped_column(coded(ViewKind, "kind"))
    # The page it happened on (roster, exports, reports, cli …) and, for a list, its title.
    page: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(default=1)


class ViewedChild(Base):
    __tablename__ = "view_event_children"
    __table_args__ = (Index("ix_view_event_children_child_id", "child_id", "event_id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("view_events.id"), primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)


class Consent(Versioned, Timestamped, Base):
    """知情同意 for one purpose of one child: on which basis, from whom, since when, until
    withdrawn. A withdrawn row stays as history; a new consent is a new row."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= given_on",
                        name="withdrawn_after_given"),
        Index("uq_consents_open", "child_id", "purpose", unique=True,
              sqlite_where=text("withdrawn_on IS NULL"),
              postgresql_where=text("withdrawn_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(coded(ConsentPurpose, "purpose"))
    basis: Mapped[ConsentBasis] = mapped_column(coded(ConsentBasis, "basis"))
    # The guardian who signed, or the office whose statutory duty it is (石门镇民政办).
    given_by: Mapped[str] = mapped_column(String(50))
    given_on: Mapped[date] = mapped_column(Date)
    # A scanned form under the data folder (consent_forms/2026/11/….pdf), when there is one.
    form_path: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_note: Mapped[str | None] = mapped_column(String(200))


class EmergencyGrant(Base):
    """紧急查看: one person may open one child outside their scope until `expires_at`, for the
    reason given; it stays on the administrators' review list until one acknowledges it."""

    __tablename__ = "emergency_grants"
    __table_args__ = (Index("ix_emergency_grants_user_expires", "user_id", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(50))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_by: Mapped[str | None] = mapped_column(String(50))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
