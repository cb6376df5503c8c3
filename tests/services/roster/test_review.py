"""复核: who turns up on the review list, and how they leave it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import ConcurrentEdit
from core.vocab import ArchiveReason
from services.access.permissions import Actor
from services.roster import records as roster
from services.roster import review
from tests.factories import make_child

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()
RECENT = datetime(2026, 11, 1)


@pytest.mark.parametrize(("birth", "updated", "expected"), [
    (date(2015, 3, 2), RECENT, None),                                  # 11, touched lately
    (date(2010, 11, 28), RECENT, "已满16周岁"),                          # turned 16 today
    (date(2010, 11, 29), RECENT, None),                                # 16 tomorrow
    (date(2010, 6, 1), datetime(2026, 7, 1), None),                    # confirmed after turning 16
    (date(2008, 10, 1), datetime(2026, 8, 1), "已满18周岁"),             # 18 since the last check
    (date(2015, 3, 2), datetime(2026, 5, 1), "超过一学期未更新"),
    (date(2010, 2, 28), datetime(2026, 3, 1), "超过一学期未更新"),        # checked after 16, stale
])
def test_who_needs_review(session, birth, updated, expected):
    child = make_child(session, birth_date=birth)
    child.updated_at = updated
    session.flush()
    items = review.review_list(session, ADMIN, today=TODAY)
    reasons = [i.reason for i in items if i.child_id == child.id]
    if expected is None:
        assert reasons == []
    else:
        assert len(reasons) == 1
        assert expected in reasons[0]


def test_still_correct_takes_the_child_off_the_list(session):
    child = make_child(session, birth_date=date(2010, 1, 5))
    child.updated_at = datetime(2025, 1, 1)
    session.flush()
    (item,) = review.review_list(session, ADMIN, today=TODAY)
    review.confirm_still_correct(session, actor=ADMIN, child_id=child.id,
                                 expected_version=item.version)
    assert review.review_list(session, ADMIN, today=TODAY) == []
    with pytest.raises(ConcurrentEdit):
        review.confirm_still_correct(session, actor=ADMIN, child_id=child.id,
                                     expected_version=item.version)


def test_archived_children_are_not_on_the_list(session):
    child = make_child(session, birth_date=date(2008, 1, 5))
    roster.archive_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version,
                         reason=ArchiveReason.aged_out)
    assert review.review_list(session, ADMIN, today=TODAY) == []
