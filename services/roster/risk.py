"""四色 risk grading: assessments on guardianship, physical and behavioural risk; latest wins."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed, field_label
from core.validators import not_future_problem
from core.vocab import RiskLevel
from db.models import Child, RiskAssessment
from services.access import audit
from services.access.permissions import Actor, Capability
from services.roster.records import get_child


def record_assessment(session: Session, *, actor: Actor, child_id: int, assessed_on: date,
                      level: RiskLevel, today: date, guardianship: RiskLevel | None = None,
                      physical: RiskLevel | None = None, behavioural: RiskLevel | None = None,
                      notes: str | None = None) -> RiskAssessment:
    """Add an assessment; the child's colour becomes the latest assessment's."""
    actor.require(Capability.EDIT_ROSTER)
    child = get_child(session, actor, child_id)
    if why := not_future_problem(assessed_on, today):
        raise ValidationFailed({field_label("assessed_on", "评估日期"): why})
    assessment = RiskAssessment(child_id=child.id, assessed_on=assessed_on, level=level,
                                guardianship_risk=guardianship, physical_risk=physical,
                                behavioural_risk=behavioural, assessor_id=actor.user_id,
                                notes=(notes or "").strip() or None)
    session.add(assessment)
    session.flush()
    latest = session.scalar(select(RiskAssessment.level).where(
        RiskAssessment.child_id == child.id).order_by(
        RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc()).limit(1))
    with audit.tracked(session, actor, child, "child", action="assess",
                       summary=f"{child.name} 风险评估：{level.zh}({assessed_on.isoformat()})"):
        child.risk_level = latest
    return assessment


def add_first_assessment(session: Session, *, child: Child, level: RiskLevel, assessed_on: date,
                         assessor_id: int | None, notes: str | None = None) -> RiskAssessment:
    """The first assessment of a record being created; its creation is already audited."""
    assessment = RiskAssessment(child_id=child.id, assessed_on=assessed_on, level=level,
                                assessor_id=assessor_id, notes=notes)
    session.add(assessment)
    child.risk_level = level
    return assessment


def assessments_of(session: Session, actor: Actor, child_id: int) -> list[RiskAssessment]:
    """The child's assessments, newest first."""
    child = get_child(session, actor, child_id)
    return list(session.scalars(select(RiskAssessment).where(
        RiskAssessment.child_id == child.id).order_by(
        RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc())))
