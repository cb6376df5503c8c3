"""What the figures are computed from besides the records: the data version every process
watches, so that a save in one process is seen by the dashboards of all the others."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class DataVersion(Base):
    """One row: how many transactions have changed a record the figures count.

    Bumped in the same transaction as the change (`db.data_version`), so a process that reads
    a new number is sure to find the change committed; a process whose number is unchanged
    may keep every figure it computed.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
