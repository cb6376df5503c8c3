"""The child's record (档案), their categories, relatives and risk assessments."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    HouseholdType,
    LeftBehindType,
    Relation,
    RiskLevel,
)
from db.base import Archivable, Base, Timestamped, Versioned, coded
from db.field_crypto import active_key


class Child(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "children"
    __table_args__ = (
        # Blank is NULL, never "": several children without an ID number must not collide.
        CheckConstraint("(id_number_cipher IS NULL) = (id_number_hash IS NULL) AND "
                        "(id_number_hash IS NULL) = (id_number_last4 IS NULL)",
                        name="id_number_parts"),
        Index("ix_children_name_birth", "name", "birth_date"),
        Index("ix_children_archived_at", "archived_at"),
        # One record per child without an ID number too, even when two saves race.
        Index("ix_children_identity_key", "identity_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(200), default="", index=True)
    name_initials: Mapped[str] = mapped_column(String(50), default="", index=True)
    gender: Mapped[Gender] = mapped_column(coded(Gender, "gender"))
    birth_date: Mapped[date] = mapped_column(Date)
    # 身份证号 is never stored in the clear (db/field_crypto.py): `id_number` below reads and
    # writes all three; lookups compare the keyed hash, the roster search the last 4.
    id_number_cipher: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_last4: Mapped[str | None] = mapped_column(String(4), index=True)
    # identity_key(name, birth_date, village_id), kept by services.roster.records; NULL only on
    # records that already collided with an older one when migration 0006 filled it.
    identity_key: Mapped[str | None] = mapped_column(String(64))
    left_behind_type: Mapped[LeftBehindType | None] = mapped_column(
        coded(LeftBehindType, "left_behind_type"))
    guardian_type: Mapped[GuardianType | None] = mapped_column(coded(GuardianType, "guardian_type"))
    town_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    grade: Mapped[str | None] = mapped_column(String(20))
    class_name: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    economic_status: Mapped[EconomicStatus | None] = mapped_column(
        coded(EconomicStatus, "economic_status"))
    academic_level: Mapped[AcademicLevel | None] = mapped_column(
        coded(AcademicLevel, "academic_level"))
    health: Mapped[str | None] = mapped_column(String(200))
    psychological_notes: Mapped[str | None] = mapped_column(Text)
    hobbies: Mapped[str | None] = mapped_column(String(200))
    contact_with_parents: Mapped[str | None] = mapped_column(String(100))
    safety_incident: Mapped[bool] = mapped_column(default=False)
    # None means "as the home village is"; stats use COALESCE with the village's flag.
    in_mountain_area: Mapped[bool | None]
    boarding: Mapped[bool] = mapped_column(default=False)
    household_type: Mapped[HouseholdType | None] = mapped_column(
        coded(HouseholdType, "household_type"))
    guardianship_agreement: Mapped[bool] = mapped_column(default=False)
    key_concern: Mapped[bool] = mapped_column(default=False)
    concern_tags: Mapped[str | None] = mapped_column(String(200))
    # The latest assessment's colour, kept here so lists and stats need no subquery.
    risk_level: Mapped[RiskLevel | None] = mapped_column(coded(RiskLevel, "risk_level"))
    notes: Mapped[str | None] = mapped_column(Text)
    # When the retention period ended and the identifying fields were replaced (保存期限).
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    categories: Mapped[list[ChildCategory]] = relationship(
        back_populates="child", cascade="all, delete-orphan")

    @property
    def id_number(self) -> str | None:
        """The 身份证号 in the clear, decrypted with the configured key."""
        return active_key().decrypt(self.id_number_cipher) if self.id_number_cipher else None

    @id_number.setter
    def id_number(self, number: str | None) -> None:
        key = active_key()
        if number and self.id_number_hash == key.lookup_hash(number):
            return  # unchanged: a new ciphertext would only churn the row
        for column, value in key.columns(number).items():
            setattr(self, column, value)
    relatives: Mapped[list[Relative]] = relationship(back_populates="child")
    assessments: Mapped[list[RiskAssessment]] = relationship(
        back_populates="child", order_by="RiskAssessment.assessed_on")

    @property
    def category_codes(self) -> list[Category]:
        return sorted((c.category for c in self.categories), key=list(Category).index)

    def __repr__(self) -> str:
        return f"<Child {self.id} {self.name}>"


def identity_key(name: str, birth_date: date, village_id: int) -> str:
    """Name (NFKC, case-folded, no spaces) + birth date + village, hashed to a fixed width."""
    folded = "".join(unicodedata.normalize("NFKC", name).casefold().split())
    text = f"{folded}|{birth_date.isoformat()}|{village_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChildCategory(Base):
    __tablename__ = "child_categories"

    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(coded(Category, "category"), primary_key=True)

    child: Mapped[Child] = relationship(back_populates="categories")


class Relative(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "relatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    relation: Mapped[Relation] = mapped_column(coded(Relation, "relation"))
    # For a guardian: 祖父, 外婆, 姑姑 … as written.
    relation_detail: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    work_place: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))

    child: Mapped[Child] = relationship(back_populates="relatives")


class RiskAssessment(Timestamped, Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    level: Mapped[RiskLevel] = mapped_column(coded(RiskLevel, "level"))
    guardianship_risk: Mapped[RiskLevel | None] = mapped_column(
        coded(RiskLevel, "guardianship_risk"))
    physical_risk: Mapped[RiskLevel | None] = mapped_column(coded(RiskLevel, "physical_risk"))
    behavioural_risk: Mapped[RiskLevel | None] = mapped_column(
        coded(RiskLevel, "behavioural_risk"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    child: Mapped[Child] = relationship(back_populates="assessments")
