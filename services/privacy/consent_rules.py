"""Which children have which consent, as conditions any query over children can use.

Kept apart from `consent` (which writes, and stores scanned forms with the photo helpers) so
that photos and the roster can ask without importing the writing side.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select

from core.vocab import ConsentPurpose
from db.models import Activity, Attendance, Child, Consent


def consented(purpose: ConsentPurpose) -> ColumnElement[bool]:
    """For a query over Child: the child has a consent for `purpose` that is not withdrawn."""
    return exists().where(Consent.child_id == Child.id, Consent.purpose == purpose,
                          Consent.withdrawn_on.is_(None))


def missing_consent() -> ColumnElement[bool]:
    """For a query over Child: nothing allows us to hold the record (no 档案管理 consent)."""
    return ~consented(ConsentPurpose.records)


def photos_allowed() -> ColumnElement[bool]:
    """For a query over Activity: every child who attended has 活动照片 consent.

    A photo does not say who is in it, so one child without consent keeps the activity's
    photos out of decks and drafts."""
    lacking = select(Attendance.child_id).where(
        Attendance.activity_id == Activity.id,
        ~exists().where(Consent.child_id == Attendance.child_id,
                        Consent.purpose == ConsentPurpose.photos,
                        Consent.withdrawn_on.is_(None)))
    return ~lacking.exists()
