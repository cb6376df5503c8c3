"""专项行动 progress: the campaigns an actor may see, each one's target group, and who in it
has been reached within the period.

A child of the target group counts as reached when, within the period (both ends included),
they attended an activity of the campaign's kind, or had a care contact of its kind. Progress
is two SQL aggregations per campaign (target, and target joined with reach), never a query
per child.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from core.errors import NotFound
from core.i18n import Msg
from core.validators import age_on
from core.vocab import ActivityKind, Category, ContactKind, RiskLevel
from db.models import (
    Activity,
    ActivityKindRow,
    Attendance,
    Campaign,
    CareContact,
    Child,
    ChildCategory,
    OrgUnit,
)
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_listed,
    org_in_scope,
    org_subtree_ids,
)

WHAT = Msg("errors.what.campaign")
UPCOMING, RUNNING, ENDED = "未开始", "进行中", "已结束"


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign as its list shows it, with its progress."""

    id: int
    version: int
    name: str
    starts_on: date
    ends_on: date
    activity_kind: str | None
    contact_kind: ContactKind | None
    reach_label: str  # 活动:节日慰问 / 帮扶:家访
    org_unit_id: int | None
    org_name: str | None
    category: Category | None
    risk_level: RiskLevel | None
    notes: str | None
    status: str
    editable: bool
    target: int
    reached: int

    @property
    def share(self) -> float | None:
        return self.reached / self.target if self.target else None

    @property
    def target_label(self) -> str:
        """石门镇 · 困境儿童 · 红色风险, or 全部儿童."""
        parts = [self.org_name or "", self.category.zh if self.category else "",
                 f"{self.risk_level.zh}色风险" if self.risk_level else ""]
        return " · ".join(p for p in parts if p) or "全部儿童"

    @property
    def progress_label(self) -> str:
        """已覆盖 12/40 (30.0%)."""
        share = f" ({self.share:.1%})" if self.share is not None else ""
        return f"已覆盖 {self.reached}/{self.target}{share}"


@dataclass(frozen=True)
class ReachRow:
    """A child of the target group and the last date they were reached in the period."""

    child_id: int
    name: str
    gender: str
    age: int
    town: str
    village: str
    school: str
    class_label: str
    last_reached: date | None

    @property
    def place(self) -> str:
        return self.school or self.village


@dataclass(frozen=True)
class Progress:
    campaign: CampaignSummary
    reached: list[ReachRow]
    not_reached: list[ReachRow]


# ---- reading --------------------------------------------------------------------------------

def status_on(starts_on: date, ends_on: date, today: date) -> str:
    if today < starts_on:
        return UPCOMING
    return RUNNING if today <= ends_on else ENDED


def activity_kind_options(session: Session) -> dict[str, str]:
    """Active activity kinds, code → label: the built-ins in their order, then added ones."""
    rows = session.execute(select(ActivityKindRow.code, ActivityKindRow.label_zh).where(
        ActivityKindRow.archived_at.is_(None)).order_by(ActivityKindRow.label_zh)).tuples()
    builtin = ActivityKind.codes()
    return dict(sorted(rows, key=lambda r: builtin.index(r[0]) if r[0] in builtin
                       else len(builtin)))


def campaigns_visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Campaigns of the actor's units, of the units above them, and the everyone-campaigns."""
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return true()
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == actor.org_unit_id)) or ""
    above = [int(part) for part in path.strip("/").split("/") if part]
    return or_(Campaign.org_unit_id.is_(None), Campaign.org_unit_id.in_(subtree),
               Campaign.org_unit_id.in_(above))


def editable(session: Session, actor: Actor, org_unit_id: int | None) -> bool:
    """A campaign of a unit above the actor's scope is theirs to watch, not to change."""
    if not actor.can(Capability.MANAGE_PAIRINGS):
        return False
    return actor.org_unit_id is None or org_in_scope(session, actor, org_unit_id)


def in_target(campaign: Campaign, in_scope: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """The active children the campaign aims at, within what the actor may see or count."""
    conditions = [Child.archived_at.is_(None), in_scope]
    if campaign.org_unit_id is not None:
        path = select(OrgUnit.path).where(OrgUnit.id == campaign.org_unit_id).scalar_subquery()
        units = select(OrgUnit.id).where(OrgUnit.path.startswith(path, autoescape=False))
        conditions.append(or_(Child.town_id.in_(units), Child.village_id.in_(units),
                              Child.school_id.in_(units)))
    if campaign.category is not None:
        conditions.append(exists().where(ChildCategory.child_id == Child.id,
                                         ChildCategory.category == campaign.category))
    if campaign.risk_level is not None:
        conditions.append(Child.risk_level == campaign.risk_level)
    return conditions


def _last_reach(campaign: Campaign) -> ScalarSelect[date]:
    """The child's last reach within the period, or NULL: correlated to each target child.

    Per child, through the (child, date) indexes; at county scale that beats grouping every
    contact of the period when the target is small, and is as fast when it is everyone.
    """
    if campaign.contact_kind is not None:
        when = CareContact.contact_date
        stmt = select(func.max(when)).where(
            CareContact.child_id == Child.id, CareContact.kind == campaign.contact_kind,
            CareContact.archived_at.is_(None), when.between(campaign.starts_on, campaign.ends_on))
    else:
        when = Activity.held_on
        stmt = (select(func.max(when)).select_from(Attendance)
                .join(Activity, Activity.id == Attendance.activity_id)
                .where(Attendance.child_id == Child.id, Activity.kind == campaign.activity_kind,
                       Activity.archived_at.is_(None),
                       when.between(campaign.starts_on, campaign.ends_on)))
    return stmt.correlate(Child).scalar_subquery()


def _counts(session: Session, campaign: Campaign, in_scope: ColumnElement[bool]) -> tuple[int, int]:
    """(target, reached): one aggregate over the target group."""
    last = select(_last_reach(campaign).label("last")).where(
        *in_target(campaign, in_scope)).subquery()
    target, reached = session.execute(select(func.count(), func.count(last.c.last))).one()
    return target, reached


def loaded_campaigns(session: Session, actor: Actor, *conditions: ColumnElement[bool]
                     ) -> list[tuple[Campaign, str | None, str | None]]:
    """Visible campaigns with their unit's name and activity kind's label."""
    return list(session.execute(
        select(Campaign, OrgUnit.name, ActivityKindRow.label_zh)
        .outerjoin(OrgUnit, OrgUnit.id == Campaign.org_unit_id)
        .outerjoin(ActivityKindRow, ActivityKindRow.code == Campaign.activity_kind)
        .where(campaigns_visible(session, actor), *conditions).order_by(Campaign.id)).tuples())


def _summary(session: Session, actor: Actor, loaded: tuple[Campaign, str | None, str | None],
             today: date, counts: tuple[int, int]) -> CampaignSummary:
    campaign, org_name, kind_label = loaded
    reach_label = (f"帮扶：{campaign.contact_kind.zh}" if campaign.contact_kind
                   else f"活动：{kind_label or campaign.activity_kind}")
    return CampaignSummary(
        campaign.id, campaign.version, campaign.name, campaign.starts_on, campaign.ends_on,
        campaign.activity_kind, campaign.contact_kind, reach_label, campaign.org_unit_id,
        org_name, campaign.category, campaign.risk_level, campaign.notes,
        status_on(campaign.starts_on, campaign.ends_on, today),
        editable(session, actor, campaign.org_unit_id), *counts)


def _order(summary: CampaignSummary) -> tuple[int, int, int]:
    """Running first (ending soonest first), then upcoming (soonest first), then ended."""
    if summary.status == RUNNING:
        return 0, summary.ends_on.toordinal(), summary.id
    if summary.status == UPCOMING:
        return 1, summary.starts_on.toordinal(), summary.id
    return 2, -summary.ends_on.toordinal(), summary.id


def list_campaigns(session: Session, actor: Actor, *, today: date,
                   include_archived: bool = False) -> list[CampaignSummary]:
    """Campaigns the actor may see, each with target, reached and share, running ones first."""
    actor.require(Capability.VIEW_AGGREGATES)
    in_scope = children_counted(actor)
    wanted = true() if include_archived else Campaign.archived_at.is_(None)
    summaries = [_summary(session, actor, loaded, today, _counts(session, loaded[0], in_scope))
                 for loaded in loaded_campaigns(session, actor, wanted)]
    return sorted(summaries, key=_order)


def one_campaign(session: Session, actor: Actor, campaign_id: int
         ) -> tuple[Campaign, str | None, str | None]:
    found = loaded_campaigns(session, actor, Campaign.id == campaign_id)
    if not found:
        raise NotFound(WHAT)
    return found[0]


def reach_rows(session: Session, campaign: Campaign, in_scope: ColumnElement[bool],
          today: date) -> Iterator[ReachRow]:
    """The target group with each child's last reach, in town › place › class › name order."""
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(Child.id, Child.name, Child.gender, Child.birth_date, Child.grade,
                   Child.class_name, town.name, village.name, school.name, _last_reach(campaign))
            .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .where(*in_target(campaign, in_scope))
            .order_by(town.name, func.coalesce(school.name, village.name), Child.grade,
                      Child.class_name, Child.name_pinyin, Child.id))
    for (child_id, name, gender, birth, grade, class_name, town_name, village_name, school_name,
         last) in session.execute(stmt):
        yield ReachRow(child_id, name, gender.zh, age_on(birth, today), town_name, village_name,
                       school_name or "", f"{grade or ''}{class_name or ''}", last)


def campaign_progress(session: Session, actor: Actor, campaign_id: int, *,
                      today: date) -> Progress:
    """Who in the target group has been reached within the period, and who not yet."""
    actor.require(Capability.VIEW_AGGREGATES)
    in_scope = children_listed(actor)
    loaded = one_campaign(session, actor, campaign_id)
    reached: list[ReachRow] = []
    not_reached: list[ReachRow] = []
    for row in reach_rows(session, loaded[0], in_scope, today):
        (not_reached if row.last_reached is None else reached).append(row)
    counts = (len(reached) + len(not_reached), len(reached))
    return Progress(_summary(session, actor, loaded, today, counts), reached, not_reached)

