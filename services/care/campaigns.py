"""专项行动: a drive over a period to reach a target group by one activity or contact kind.

A child of the target group counts as reached when, within the period (both ends included),
they attended an activity of the campaign's kind, or had a care contact of its kind. Progress
is two SQL aggregations per campaign (target, and target joined with reach), never a query
per child. This module writes campaigns; their progress is read in `campaign_queries` and the
list of children not yet reached is exported by `services.exports.campaign_export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.vocab import Category, ContactKind, RiskLevel
from db.base import utcnow
from db.models import ActivityKindRow, Campaign, OrgUnit
from services.access import audit
from services.access.permissions import Actor, Capability, org_in_scope
from services.care.campaign_queries import (
    WHAT,
    campaigns_visible,
    editable,
)

MAX_NAME = 100
MAX_DAYS = 731  # longer than two years is a typo in a date, not a drive


@dataclass(frozen=True)
class CampaignInput:
    """What a person fills in; `org_unit_id` None means everyone in their own scope."""

    name: str
    starts_on: date | None
    ends_on: date | None
    activity_kind: str | None = None
    contact_kind: ContactKind | None = None
    org_unit_id: int | None = None
    category: Category | None = None
    risk_level: RiskLevel | None = None
    notes: str = ""



# ---- writing --------------------------------------------------------------------------------

NAME, PERIOD = field_label("name_of", "名称"), field_label("period", "起止日期")


def _problems(session: Session, data: CampaignInput, org_unit_id: int | None,
              current: Campaign | None) -> dict[str, str]:
    """What is wrong with the input, by field label; empty when it may be saved."""
    problems: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        problems[NAME] = Msg("errors.campaign.name_missing")
    elif len(name) > MAX_NAME:
        problems[NAME] = Msg("errors.valid.too_long", max_len=MAX_NAME)
    if data.starts_on is None or data.ends_on is None:
        problems[PERIOD] = Msg("errors.wish.period_missing")
    elif data.ends_on < data.starts_on:
        problems[PERIOD] = Msg("errors.wish.period_reversed")
    elif (data.ends_on - data.starts_on).days > MAX_DAYS:
        problems[PERIOD] = Msg("errors.campaign.period_long")
    if (data.activity_kind is None) == (data.contact_kind is None):
        problems[field_label("reach", "覆盖方式")] = Msg("errors.campaign.reach")
    elif data.activity_kind is not None and data.activity_kind != (
            current.activity_kind if current else None):
        kind = session.get(ActivityKindRow, data.activity_kind)
        if kind is None or kind.archived_at is not None:
            problems[field_label("campaign_kind", "活动类型")] = Msg(
                "errors.campaign.no_kind", kind=data.activity_kind)
    same_unit = (Campaign.org_unit_id.is_(None) if org_unit_id is None
                 else Campaign.org_unit_id == org_unit_id)
    if name and NAME not in problems and session.scalar(select(Campaign.id).where(
            Campaign.name == name, same_unit, Campaign.archived_at.is_(None),
            Campaign.id != (current.id if current else -1))) is not None:
        problems[NAME] = Msg("errors.campaign.name_taken", name=name)
    return problems


def _target_unit(session: Session, actor: Actor, org_unit_id: int | None) -> int | None:
    """The unit to store: "everyone" of a scoped actor is everyone in their own scope."""
    if org_unit_id is None:
        return actor.org_unit_id
    if not org_in_scope(session, actor, org_unit_id):
        if session.get(OrgUnit, org_unit_id) is None:
            raise NotFound(Msg("errors.what.org_unit"))
        raise PermissionDenied(Msg("errors.permission.unit_out_of_scope"))
    return org_unit_id


def _apply(campaign: Campaign, data: CampaignInput, org_unit_id: int | None) -> None:
    """Copy checked input onto the campaign (`_problems` has refused a missing date)."""
    assert data.starts_on is not None
    assert data.ends_on is not None
    campaign.name, campaign.starts_on, campaign.ends_on = (
        data.name.strip(), data.starts_on, data.ends_on)
    campaign.activity_kind, campaign.contact_kind = data.activity_kind, data.contact_kind
    campaign.org_unit_id, campaign.category = org_unit_id, data.category
    campaign.risk_level, campaign.notes = data.risk_level, data.notes.strip() or None


def create_campaign(session: Session, *, actor: Actor, data: CampaignInput) -> Campaign:
    """Start a campaign for a target group within the actor's scope."""
    actor.require(Capability.MANAGE_PAIRINGS)
    org_unit_id = _target_unit(session, actor, data.org_unit_id)
    if problems := _problems(session, data, org_unit_id, None):
        raise ValidationFailed(problems)
    campaign = Campaign()
    _apply(campaign, data, org_unit_id)
    session.add(campaign)
    session.flush()
    audit.record(session, actor, "create", "campaign", campaign.id,
                 after=audit.snapshot(campaign), summary=f"新建专项行动 {campaign.name}")
    return campaign


def _for_change(session: Session, actor: Actor, campaign_id: int,
                expected_version: int) -> Campaign:
    actor.require(Capability.MANAGE_PAIRINGS)
    campaign = session.scalar(select(Campaign).where(
        Campaign.id == campaign_id, Campaign.archived_at.is_(None),
        campaigns_visible(session, actor)))
    if campaign is None:
        raise NotFound(WHAT)
    if not editable(session, actor, campaign.org_unit_id):
        raise PermissionDenied(Msg("errors.permission.campaign_from_above"))
    audit.require_version(campaign, expected_version, WHAT)
    return campaign


def update_campaign(session: Session, *, actor: Actor, campaign_id: int, expected_version: int,
                    data: CampaignInput) -> Campaign:
    """Change a campaign; a save based on an older version is refused, not overwritten."""
    campaign = _for_change(session, actor, campaign_id, expected_version)
    org_unit_id = _target_unit(session, actor, data.org_unit_id)
    if problems := _problems(session, data, org_unit_id, campaign):
        raise ValidationFailed(problems)
    with audit.tracked(session, actor, campaign, "campaign",
                       summary=f"修改专项行动 {data.name.strip()}"):
        _apply(campaign, data, org_unit_id)
    return campaign


def archive_campaign(session: Session, *, actor: Actor, campaign_id: int, expected_version: int,
                     reason: str = "") -> Campaign:
    """Take a campaign off the list; it stays in the database and the audit log."""
    campaign = _for_change(session, actor, campaign_id, expected_version)
    with audit.tracked(session, actor, campaign, "campaign", action="archive",
                       summary=f"归档专项行动 {campaign.name}"):
        campaign.archived_at, campaign.archive_reason = utcnow(), reason.strip()[:200] or "归档"
    return campaign

