"""四色 risk: the child's colour is the latest assessment's, whatever order they are entered in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied, ValidationFailed
from core.vocab import RiskLevel, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.access.users import actor_for
from services.roster import risk
from tests.factories import make_child, make_user

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()


def test_the_latest_assessment_sets_the_colour_even_when_entered_late(session):
    child = make_child(session)
    risk.record_assessment(session, actor=ADMIN, child_id=child.id, assessed_on=date(2026, 9, 1),
                           level=RiskLevel.yellow, today=TODAY)
    risk.record_assessment(session, actor=ADMIN, child_id=child.id, assessed_on=date(2026, 3, 1),
                           level=RiskLevel.red, today=TODAY, notes="补录春季评估")
    assert child.risk_level is RiskLevel.yellow
    assert [a.level for a in risk.assessments_of(session, ADMIN, child.id)] == [
        RiskLevel.yellow, RiskLevel.red]


def test_a_change_of_colour_is_in_the_audit_log(session):
    child = make_child(session)
    risk.record_assessment(session, actor=ADMIN, child_id=child.id, assessed_on=TODAY,
                           level=RiskLevel.red, today=TODAY, guardianship=RiskLevel.red)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "assess"))
    assert (event.before, event.after) == ({"risk_level": None}, {"risk_level": "red"})
    assert "红" in event.summary


def test_a_future_assessment_date_is_refused(session):
    child = make_child(session)
    with pytest.raises(ValidationFailed, match="评估日期"):
        risk.record_assessment(session, actor=ADMIN, child_id=child.id,
                               assessed_on=date(2026, 12, 1), level=RiskLevel.green, today=TODAY)


def test_a_viewer_cannot_assess(session):
    child = make_child(session)
    viewer = actor_for(session, make_user(session, "v", Role.viewer))
    with pytest.raises(PermissionDenied):
        risk.record_assessment(session, actor=viewer, child_id=child.id, assessed_on=TODAY,
                               level=RiskLevel.green, today=TODAY)
