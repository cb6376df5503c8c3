"""Helpers (帮扶人) and the pairings (结对) that tie them to children; history is kept."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import Gender, HelperKind, PairingEndReason
from db.base import Archivable, Base, Timestamped, Versioned, coded
from db.models.children import Child


class Helper(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "helpers"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[Gender | None] = mapped_column(coded(Gender, "gender"))
    kind: Mapped[HelperKind] = mapped_column(coded(HelperKind, "helper_kind"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # The 单位 exactly as written (a school, an association, a company).
    work_unit: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(default=2)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    class_name: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    pairings: Mapped[list[Pairing]] = relationship(back_populates="helper")

    def __repr__(self) -> str:
        return f"<Helper {self.id} {self.name}>"


class Pairing(Versioned, Timestamped, Base):
    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        # One open pairing per child and helper; ended ones stay as history.
        Index("uq_pairings_open", "child_id", "helper_id", unique=True,
              sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helpers.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[PairingEndReason | None] = mapped_column(
        coded(PairingEndReason, "end_reason"))
    end_note: Mapped[str | None] = mapped_column(String(200))

    child: Mapped[Child] = relationship()
    helper: Mapped[Helper] = relationship(back_populates="pairings")
