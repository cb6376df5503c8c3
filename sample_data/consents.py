"""知情同意 as a county records it: 档案管理 and 结对帮扶 under the 民政 duty of the child's town,
活动照片 and 对外宣传 on the guardian's signature for most children, a few still waiting."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sample_data.children import Kid
from sample_data.context import Context, stamp, stamps
from sample_data.writer import Row

MISSING_SHARE = 0.03  # records whose paperwork has not come back yet
PHOTOS_SHARE = 0.97
PUBLICITY_SHARE = 0.55


def consent_rows(ctx: Context, kids: list[Kid]) -> Iterator[Row]:
    """Yield the consents of every child (call after the relatives, which name the guardian)."""
    rng = ctx.rng("consents")
    for kid in kids:
        if rng.random() < MISSING_SHARE:
            continue
        office = f"{kid.village.town.name}民政办"
        guardian = f"监护人\uff08{kid.guardian}\uff09"
        chosen = [("records", "statutory_duty", office), ("pairing", "statutory_duty", office)]
        if rng.random() < PHOTOS_SHARE:
            chosen.append(("photos", "guardian_consent", guardian))
            if rng.random() < PUBLICITY_SHARE / PHOTOS_SHARE:
                chosen.append(("publicity", "guardian_consent", guardian))
        for purpose, basis, given_by in chosen:
            yield _row(ctx, rng, kid, purpose, basis, given_by, kid.registered_on)


def _row(ctx: Context, rng: random.Random, kid: Kid, purpose: str, basis: str, given_by: str,
         given_on: date) -> Row:
    return {"id": ctx.new_id("consents"), "child_id": kid.id, "purpose": purpose,
            "basis": basis, "given_by": given_by, "given_on": given_on, "form_path": None,
            "recorded_by_id": None, "withdrawn_on": None, "withdrawal_note": None,
            **stamps(stamp(rng, given_on))}


EMERGENCY_REASON = "该儿童随父母迁入本镇，需核对原所在镇的帮扶记录和监护人联系方式"


def view_rows(ctx: Context, kids: list[Kid], coordinator_id: int) -> tuple[list[Row], list[Row]]:
    """访问记录 of the demo: the township coordinator opened a few children's pages last week,
    and exported the roster once, so 谁看过 and 管理 › 访问记录 have something to show."""
    rng = ctx.rng("views")
    town_id = kids[0].town_id if kids else None
    seen = [kid for kid in kids if kid.town_id == town_id and kid.archived_on is None][:8]
    events: list[Row] = []
    links: list[Row] = []
    # Days before today: a time of day today could still be ahead of the demo's own clock.
    for number, kid in enumerate(seen):
        event_id = ctx.new_id("view_events")
        day = ctx.today - timedelta(days=1 + number % 7)
        events.append({"id": event_id, "at": stamp(rng, day), "user_id": coordinator_id,
                       "username": "coordinator", "role": "coordinator", "kind": "child_page",
                       "page": "roster", "subject": None, "rows": 1})
        links.append({"event_id": event_id, "child_id": kid.id})
    events.append({"id": ctx.new_id("view_events"),
                   "at": stamp(rng, ctx.today - timedelta(days=1)), "user_id": coordinator_id,
                   "username": "coordinator", "role": "coordinator", "kind": "export",
                   "page": "roster", "subject": "儿童名单",
                   "rows": sum(1 for kid in kids if kid.town_id == town_id)})
    if (moved := _moved_child(kids)) is not None:
        event_id = ctx.new_id("view_events")
        events.append({"id": event_id, "at": _granted(ctx), "user_id": coordinator_id,
                       "username": "coordinator", "role": "coordinator", "kind": "emergency",
                       "page": "roster", "subject": None, "rows": 1})
        links.append({"event_id": event_id, "child_id": moved.id})
    return events, links


def _moved_child(kids: list[Kid]) -> Kid | None:
    """A child of another town than the coordinator's: the one opened by 紧急查看."""
    town_id = kids[0].town_id if kids else None
    return next((kid for kid in kids if kid.town_id != town_id and kid.archived_on is None),
                None)


def _granted(ctx: Context) -> datetime:
    return stamp(ctx.rng("emergency"), ctx.today - timedelta(days=21))


def disclosure_audit_rows(ctx: Context, view_events: list[Row]) -> list[Row]:
    """The audit events of the seeded export and 紧急查看, so the audit log and the view log
    tell the same story (the yearly audit counts both)."""
    rows = []
    for event in view_events:
        if event["kind"] == "export":
            rows.append({"action": "export", "entity": "roster", "entity_id": None,
                         "summary": f"导出儿童名单：{event['rows']}行（格式=xlsx，含敏感信息=否）",
                         "after": {"rows": event["rows"], "格式": "xlsx", "含敏感信息": "否",
                                   "密码保护": "否"}, "at": event["at"]})
        elif event["kind"] == "emergency":
            rows.append({"action": "emergency_view", "entity": "child", "entity_id": None,
                         "summary": f"紧急查看辖区外儿童档案：{EMERGENCY_REASON[:60]}",
                         "after": {"reason": EMERGENCY_REASON}, "at": event["at"]})
    user_id = view_events[0]["user_id"] if view_events else None
    return [{"id": ctx.new_id("audit_events"), "user_id": user_id, "username": "coordinator",
             "before": None, **row} for row in rows]


def emergency_rows(ctx: Context, kids: list[Kid], users: dict[str, int]) -> list[Row]:
    """One 紧急查看 three weeks ago, reviewed by the administrator: a child who moved in from
    another town, opened by the township coordinator with the reason written down."""
    moved = _moved_child(kids)
    if moved is None:
        return []
    granted = _granted(ctx)
    return [{"id": ctx.new_id("emergency_grants"), "user_id": users["coordinator"],
             "username": "coordinator", "child_id": moved.id, "reason": EMERGENCY_REASON,
             "granted_at": granted, "expires_at": granted + timedelta(hours=24),
             "acknowledged_by_id": users["admin"], "acknowledged_by": "admin",
             "acknowledged_at": granted + timedelta(hours=20)}]
