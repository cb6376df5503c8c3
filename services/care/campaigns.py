"""专项行动: a drive over a period to reach a target group by one activity or contact kind.

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

from core.errors import NotFound, PermissionDenied, ValidationFailed, field_label
from core.i18n import Msg
from core.validators import age_on
from core.vocab import ActivityKind, Category, ContactKind, Relation, RiskLevel
from db.base import utcnow
from db.models import (
    Activity,
    ActivityKindRow,
    Attendance,
    Campaign,
    CareContact,
    Child,
    ChildCategory,
    OrgUnit,
    Relative,
)
from services.access import audit
from services.access.permissions import (
    Actor,
    Capability,
    children_counted,
    children_visible,
    org_in_scope,
    org_subtree_ids,
)
from services.exports.tables import ExportColumn, ListExport, Sensitivity, export_bytes

WHAT = Msg("errors.what.campaign")
MAX_NAME = 100
MAX_DAYS = 731  # longer than two years is a typo in a date, not a drive
UPCOMING, RUNNING, ENDED = "未开始", "进行中", "已结束"
GAPS_TITLE = "专项行动未覆盖名单"


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
        ActivityKindRow.archived_at.is_(None)).order_by(ActivityKindRow.label_zh)).all()
    builtin = ActivityKind.codes()
    rows.sort(key=lambda r: builtin.index(r[0]) if r[0] in builtin else len(builtin))
    return dict(rows)


def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Campaigns of the actor's units, of the units above them, and the everyone-campaigns."""
    subtree = org_subtree_ids(actor)
    if subtree is None:
        return true()
    path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == actor.org_unit_id)) or ""
    above = [int(part) for part in path.strip("/").split("/") if part]
    return or_(Campaign.org_unit_id.is_(None), Campaign.org_unit_id.in_(subtree),
               Campaign.org_unit_id.in_(above))


def _editable(session: Session, actor: Actor, org_unit_id: int | None) -> bool:
    """A campaign of a unit above the actor's scope is theirs to watch, not to change."""
    if not actor.can(Capability.MANAGE_PAIRINGS):
        return False
    return actor.org_unit_id is None or org_in_scope(session, actor, org_unit_id)


def _target(campaign: Campaign, in_scope: ColumnElement[bool]) -> list[ColumnElement[bool]]:
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
        *_target(campaign, in_scope)).subquery()
    target, reached = session.execute(select(func.count(), func.count(last.c.last))).one()
    return target, reached


def _loaded(session: Session, actor: Actor, *conditions: ColumnElement[bool]
            ) -> list[tuple[Campaign, str | None, str | None]]:
    """Visible campaigns with their unit's name and activity kind's label."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Campaign, OrgUnit.name, ActivityKindRow.label_zh)
        .outerjoin(OrgUnit, OrgUnit.id == Campaign.org_unit_id)
        .outerjoin(ActivityKindRow, ActivityKindRow.code == Campaign.activity_kind)
        .where(_visible(session, actor), *conditions).order_by(Campaign.id))]


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
        _editable(session, actor, campaign.org_unit_id), *counts)


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
                 for loaded in _loaded(session, actor, wanted)]
    return sorted(summaries, key=_order)


def _one(session: Session, actor: Actor, campaign_id: int
         ) -> tuple[Campaign, str | None, str | None]:
    found = _loaded(session, actor, Campaign.id == campaign_id)
    if not found:
        raise NotFound(WHAT)
    return found[0]


def _rows(session: Session, campaign: Campaign, in_scope: ColumnElement[bool],
          today: date) -> Iterator[ReachRow]:
    """The target group with each child's last reach, in town › place › class › name order."""
    town, village, school = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(Child.id, Child.name, Child.gender, Child.birth_date, Child.grade,
                   Child.class_name, town.name, village.name, school.name, _last_reach(campaign))
            .join(town, town.id == Child.town_id).join(village, village.id == Child.village_id)
            .outerjoin(school, school.id == Child.school_id)
            .where(*_target(campaign, in_scope))
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
    in_scope = children_visible(actor)
    loaded = _one(session, actor, campaign_id)
    reached: list[ReachRow] = []
    not_reached: list[ReachRow] = []
    for row in _rows(session, loaded[0], in_scope, today):
        (not_reached if row.last_reached is None else reached).append(row)
    counts = (len(reached) + len(not_reached), len(reached))
    return Progress(_summary(session, actor, loaded, today, counts), reached, not_reached)


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
        Campaign.id == campaign_id, Campaign.archived_at.is_(None), _visible(session, actor)))
    if campaign is None:
        raise NotFound(WHAT)
    if not _editable(session, actor, campaign.org_unit_id):
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


# ---- the gaps list --------------------------------------------------------------------------

S = Sensitivity
GAP_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("campaign", "专项行动"), ExportColumn("name", "姓名", S.NAME),
    ExportColumn("gender", "性别"), ExportColumn("age", "年龄"),
    ExportColumn("categories", "儿童类别"), ExportColumn("town", "乡镇"),
    ExportColumn("village", "村（社区）"), ExportColumn("school", "学校"),
    ExportColumn("class_name", "班级"),
    ExportColumn("guardian_phone", "监护人电话", S.PHONE, as_text=True),
)


def _gap_rows(session: Session, campaigns: list[Campaign], in_scope: ColumnElement[bool],
              today: date) -> Iterator[dict[str, object]]:
    """The children not yet reached, campaign by campaign: three queries per campaign."""
    for campaign in campaigns:
        ids = select(Child.id).where(*_target(campaign, in_scope)).scalar_subquery()
        categories: dict[int, list[Category]] = {}
        for child_id, category in session.execute(select(
                ChildCategory.child_id, ChildCategory.category)
                .where(ChildCategory.child_id.in_(ids))):
            categories.setdefault(child_id, []).append(category)
        phones = {child_id: phone for child_id, phone in session.execute(
            select(Relative.child_id, Relative.phone).where(
                Relative.child_id.in_(ids), Relative.relation == Relation.guardian,
                Relative.archived_at.is_(None), Relative.phone.is_not(None))
            .order_by(Relative.id))}
        for row in _rows(session, campaign, in_scope, today):
            if row.last_reached is not None:
                continue
            kinds = sorted(categories.get(row.child_id, []), key=list(Category).index)
            yield {"campaign": campaign.name, "name": row.name, "gender": row.gender,
                   "age": row.age, "categories": "、".join(c.zh for c in kinds),
                   "town": row.town, "village": row.village, "school": row.school,
                   "class_name": row.class_label, "guardian_phone": phones.get(row.child_id, "")}


def export_campaign_gaps(session: Session, *, actor: Actor, fmt: str, today: date,
                         include_sensitive: bool = False, campaign_id: int | None = None) -> bytes:
    """专项行动未覆盖名单: one campaign's children not yet reached, or every running campaign's."""
    actor.require(Capability.EXPORT)
    actor.require(Capability.VIEW_AGGREGATES)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    in_scope = children_visible(actor)
    if campaign_id is not None:
        campaigns = [_one(session, actor, campaign_id)[0]]
    else:
        campaigns = [c for c, _, _ in _loaded(
            session, actor, Campaign.archived_at.is_(None), Campaign.starts_on <= today,
            Campaign.ends_on >= today)]
    data = export_bytes(fmt, _gap_rows(session, campaigns, in_scope, today), GAP_COLUMNS,
                        include_sensitive=include_sensitive, sheet_name=GAPS_TITLE)
    if include_sensitive:
        which = "、".join(c.name for c in campaigns) or "无进行中的专项行动"
        audit.record(session, actor, "export_sensitive", "campaign_gaps", campaign_id,
                     summary=f"导出含敏感信息的{GAPS_TITLE}({which},{fmt})")
    return data


CAMPAIGN_EXPORTS: dict[str, ListExport] = {
    "campaign_gaps": ListExport(GAPS_TITLE, GAP_COLUMNS, export_campaign_gaps),
}
