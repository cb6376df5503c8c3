"""The declarative base and the capabilities records share: versioned, archivable, timestamped."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import DateTime, MetaData, String, inspect
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints, so that Alembic's SQLite batch mode can alter tables later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo (stored the same on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        key = inspect(self).identity
        return f"<{type(self).__name__} {key[0] if key else 'new'}>"


def coded(enum: type[Enum], name: str) -> SqlEnum:
    """A column type storing an Enum's code as text, with a CHECK constraint on the codes."""
    return SqlEnum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Versioned:
    """Optimistic locking: an UPDATE that finds another version raises StaleDataError."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}


class Archivable:
    """Nothing is deleted: a record is archived with a reason and can be restored."""

    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    archive_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
