"""专项行动未覆盖名单: the children of each campaign's target group not yet reached, as a list
to export (one campaign's, or every running campaign's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.i18n import Msg
from core.vocab import Category, Relation
from db.models import Campaign, Child, ChildCategory, Relative
from services.access import audit
from services.access.permissions import Actor, Capability, children_listed
from services.care.campaign_queries import in_target, loaded_campaigns, one_campaign, reach_rows
from services.exports.tables import (
    ExportColumn,
    ExportOptions,
    ListExport,
    Sensitivity,
    export_bytes,
)

GAPS_TITLE = "专项行动未覆盖名单"

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
        ids = select(Child.id).where(*in_target(campaign, in_scope)).scalar_subquery()
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
        for row in reach_rows(session, campaign, in_scope, today):
            if row.last_reached is not None:
                continue
            kinds = sorted(categories.get(row.child_id, []), key=list(Category).index)
            yield {"campaign": campaign.name, "name": row.name, "gender": row.gender,
                   "age": row.age, "categories": "、".join(c.zh for c in kinds),
                   "town": row.town, "village": row.village, "school": row.school,
                   "class_name": row.class_label, "guardian_phone": phones.get(row.child_id, "")}


def export_campaign_gaps(session: Session, *, actor: Actor, fmt: str, today: date,
                         include_sensitive: bool = False, campaign_id: int | None = None,
                         options: ExportOptions | None = None) -> bytes:
    """专项行动未覆盖名单: one campaign's children not yet reached, or every running campaign's."""
    actor.require(Capability.EXPORT)
    actor.require(Capability.VIEW_AGGREGATES)
    if include_sensitive and not actor.can(Capability.EXPORT_SENSITIVE):
        raise PermissionDenied(Msg("errors.permission.sensitive_export"))
    in_scope = children_listed(actor)
    if campaign_id is not None:
        campaigns = [one_campaign(session, actor, campaign_id)[0]]
    else:
        campaigns = [c for c, _, _ in loaded_campaigns(
            session, actor, Campaign.archived_at.is_(None), Campaign.starts_on <= today,
            Campaign.ends_on >= today)]
    data = export_bytes(fmt, _gap_rows(session, campaigns, in_scope, today), GAP_COLUMNS,
                        include_sensitive=include_sensitive, sheet_name=GAPS_TITLE,
                        options=options)
    if include_sensitive:
        which = "、".join(c.name for c in campaigns) or "无进行中的专项行动"
        audit.record(session, actor, "export_sensitive", "campaign_gaps", campaign_id,
                     summary=f"导出含敏感信息的{GAPS_TITLE}({which},{fmt})")
    return data


CAMPAIGN_EXPORTS: dict[str, ListExport] = {
    "campaign_gaps": ListExport(GAPS_TITLE, GAP_COLUMNS, export_campaign_gaps),
}
