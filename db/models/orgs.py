"""Organisation units: county › town or subdistrict › village, community or school."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import OrgKind
from db.base import Archivable, Base, Timestamped, Versioned, coded


class OrgUnit(Versioned, Archivable, Timestamped, Base):
    __tablename__ = "org_units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_org_units_parent_name"),
        CheckConstraint("enrolled_students IS NULL OR enrolled_students >= 0",
                        name="enrolled_not_negative"),
        Index("ix_org_units_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrgKind] = mapped_column(coded(OrgKind, "org_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Materialised ancestry "/1/4/9/": a subtree is one indexed LIKE, the same on every database.
    path: Mapped[str] = mapped_column(String(400), default="")
    is_mountain_area: Mapped[bool] = mapped_column(default=False)
    enrolled_students: Mapped[int | None]

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="sub_units")
    sub_units: Mapped[list[OrgUnit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.kind} {self.name}>"
