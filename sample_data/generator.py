"""Fill an empty database with a realistic, deterministic county: the demo, tests and benchmark."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Connection, Engine, func, select

from config import local_today
from core.errors import DomainError
from db.models import Child, User
from sample_data import (
    activities,
    children,
    consents,
    contacts,
    demo_users,
    family,
    helpers,
    orgs,
    profiles,
    resources,
    risk,
    surveys,
)
from sample_data.context import Context
from sample_data.scales import SCALES, Scale
from sample_data.writer import Row, Writer, next_ids, reset_sequences
from services.stats.rollups.refresh import rebuild_and_publish

__all__ = ["SCALES", "DatabaseNotEmpty", "Scale", "SeedSummary", "seed_database"]

CHILD_BATCH = 5_000
# A province's largest tables, filled before their secondary indexes are built.
BULK_TABLES = ("care_contacts", "attendances", "relatives", "consents", "child_categories")
PAIRS_PER_STEP = 2_000


class DatabaseNotEmpty(DomainError):
    """Seeding refuses a database that already holds children or accounts."""


@dataclass(frozen=True)
class SeedSummary:
    counts: dict[str, int]  # table name → rows inserted


def seed_database(engine: Engine, *, scale: str = "demo", seed: int = 42,
                  today: date | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> SeedSummary:
    """Generate one scale of sample data in a single transaction; same seed and day, same rows."""
    if scale not in SCALES:
        raise DomainError(f"未知的数据规模“{scale}”，可选：{'、'.join(SCALES)}")
    if SCALES[scale].counties > 1 and engine.dialect.name != "postgresql":
        raise DomainError(f"“{scale}”规模只能生成到 PostgreSQL 数据库（DATABASE_URL 以 "
                          "postgresql 开头），SQLite 容纳不了一个省的数据。")
    with engine.begin() as conn:
        _refuse_if_not_empty(conn)
        ids = next_ids(conn)
        day = today or local_today()
        writer = Writer(conn, progress)
        first = Context(SCALES[scale], seed, day, ids)
        with writer.indexes_deferred(*(BULK_TABLES if first.scale.counties > 1 else ())):
            demo = _generate(first, writer)
            for county in range(1, first.scale.counties):
                _generate_county(Context(first.scale, seed, day, ids, county), writer, demo)
        _write_audit(first, writer, scale)
        reset_sequences(conn)
        # Written through one connection, past the session's hooks: the figures' rollups and
        # the data version are brought up to date here, in the same transaction.
        writer.report("汇总统计表", 0, 1)
        writer.analyze()
        rebuild_and_publish(conn)
        writer.report("汇总统计表", 1, 1)
    return SeedSummary(dict(writer.counts))


def _refuse_if_not_empty(conn: Connection) -> None:
    kids = conn.scalar(select(func.count()).select_from(Child)) or 0
    users = conn.scalar(select(func.count()).select_from(User)) or 0
    if kids or users:
        raise DatabaseNotEmpty(
            f"数据库中已有儿童档案,为避免混淆未生成演示数据(现有儿童 {kids} 名、用户 {users} 个)。"
            "请换用一个空数据库(例如把 DATABASE_URL 指向新文件并运行 python cli.py init)后再生成。")


@dataclass
class Plan:
    """Everything generated in memory for one county before its first row is written."""

    tree: orgs.OrgTree
    kids: list[children.Kid]
    child_rows: list[Row]
    helper_list: list[helpers.HelperRec]
    pairs: list[helpers.PairRec]
    events: list[activities.ActivityRec]


@dataclass(frozen=True)
class Shared:
    """What the first county makes once and the rest of a province's counties use."""

    users: dict[str, int]
    providers: list[resources.Provider]
    drive: Row


def _plan(ctx: Context, users: dict[str, int] | None = None) -> Plan:
    """Lay out the county, its children, helpers, pairings and activities; with the demo
    `users`, tie the demo helper account to one of its helpers."""
    tree = orgs.build_tree(ctx)
    kids = children.make_children(ctx, tree)
    child_rows = profiles.child_rows(ctx, kids)
    pupils = Counter(k.school.unit.id for k in kids if k.school and k.archived_on is None)
    orgs.set_enrolled(ctx, tree, pupils)
    helper_list, pairs = helpers.make_pairings(ctx, tree, kids)
    if users is not None:
        demo_users.link_helper(helper_list, demo_users.helper_school(tree), users["helper"])
    return Plan(tree, kids, child_rows, helper_list, pairs,
                activities.make_activities(ctx, tree, kids))


def _generate(ctx: Context, writer: Writer) -> Shared:
    """The demo county: its records, the demo accounts and what only one county needs."""
    writer.report("规划组织和儿童档案", 0, 1)
    users = demo_users.user_ids(ctx)
    providers = resources.make_providers(ctx)
    plan = _plan(ctx, users)
    writer.report("规划组织和儿童档案", 1, 1)
    stage = "写入组织、账户和资源方"
    writer.insert("org_units", orgs.org_rows(ctx, plan.tree))
    writer.report(stage, 1, 3)
    writer.insert("users", demo_users.user_rows(ctx, plan.tree, users))
    writer.insert("saved_filters", demo_users.saved_filter_rows(ctx, users))
    writer.report(stage, 2, 3)
    writer.insert("resource_providers", resources.provider_rows(ctx, providers))
    writer.report(stage, 3, 3)
    drives = resources.wish_drive_rows(ctx)
    writer.insert("wish_drives", drives)
    shared = Shared(users, providers, drives[0])
    _write_county(ctx, writer, plan, shared, {plan.tree.towns[0].id: users["coordinator"]})
    writer.insert("campaigns", activities.campaign_rows(ctx, plan.tree))
    # The files go under the configured data folder (SHOUWANG_DATA_DIR), the rows here.
    writer.insert("activity_photos", activities.photo_rows(ctx, plan.events))
    _write_survey(ctx, writer, plan.tree, plan.kids)
    view_events, viewed = consents.view_rows(ctx, plan.kids, users["coordinator"])
    writer.insert("view_events", view_events)
    writer.insert("view_event_children", viewed)
    writer.insert("emergency_grants", consents.emergency_rows(ctx, plan.kids, users))
    writer.insert("audit_events", consents.disclosure_audit_rows(ctx, view_events))
    return shared


def _generate_county(ctx: Context, writer: Writer, shared: Shared) -> None:
    """One more county of a province: its units and records, no accounts of its own."""
    writer.report(f"{ctx.county_name}：规划组织和儿童档案", 0, 1)
    plan = _plan(ctx)
    writer.report(f"{ctx.county_name}：规划组织和儿童档案", 1, 1)
    writer.insert("org_units", orgs.org_rows(ctx, plan.tree))
    _write_county(ctx, writer, plan, shared, {})


def _write_county(ctx: Context, writer: Writer, plan: Plan, shared: Shared,
                  assessor: dict[int, int]) -> None:
    """A county's records, parents first (foreign keys are enforced)."""
    _write_children(ctx, writer, plan.kids, plan.child_rows, assessor)
    plan.child_rows.clear()  # the largest rows; free them before the contacts
    stage = _stage(ctx, "写入帮扶人和结对")
    writer.insert("helpers", helpers.helper_rows(ctx, plan.helper_list))
    writer.report(stage, 1, 2)
    writer.insert("pairings", helpers.pairing_rows(ctx, plan.pairs))
    writer.report(stage, 2, 2)
    _write_contacts(ctx, writer, plan.pairs)
    _write_activities(ctx, writer, plan, [p.id for p in shared.providers])
    _write_resources(ctx, writer, plan.tree, plan.kids, plan.events, shared)


def _stage(ctx: Context, stage: str) -> str:
    """A progress stage, named with its county when a province is generated."""
    return f"{ctx.county_name}：{stage}" if ctx.scale.counties > 1 else stage


def _write_children(ctx: Context, writer: Writer, kids: list[children.Kid],
                    rows: list[Row], assessor: dict[int, int]) -> None:
    stage = _stage(ctx, "写入儿童档案")
    total = len(rows) + 3
    for start in range(0, len(rows), CHILD_BATCH):
        writer.insert("children", rows[start:start + CHILD_BATCH])
        writer.report(stage, min(start + CHILD_BATCH, len(rows)), total)
    writer.insert("child_categories", children.category_rows(kids))
    writer.report(stage, len(rows) + 1, total)
    writer.insert("relatives", family.relative_rows(ctx, kids))
    writer.insert("consents", consents.consent_rows(ctx, kids))
    writer.report(stage, len(rows) + 2, total)
    writer.insert("risk_assessments", risk.assessment_rows(ctx, kids, assessor))
    writer.report(stage, total, total)


def _write_contacts(ctx: Context, writer: Writer, pairs: list[helpers.PairRec]) -> None:
    stage = _stage(ctx, "写入帮扶记录")
    rng = ctx.rng("contacts")
    writer.report(stage, 0, len(pairs))
    for start in range(0, len(pairs), PAIRS_PER_STEP):
        chunk = pairs[start:start + PAIRS_PER_STEP]
        writer.insert("care_contacts", contacts.contact_rows(ctx, rng, chunk))
        writer.report(stage, start + len(chunk), len(pairs))


def _write_activities(ctx: Context, writer: Writer, plan: Plan, provider_ids: list[int]) -> None:
    stage = _stage(ctx, "写入活动和参加儿童")
    events = plan.events
    writer.report(stage, 0, 2)
    writer.insert("activities", activities.activity_rows(ctx, events))
    writer.insert("activity_helpers", activities.helper_link_rows(ctx, events, plan.helper_list))
    writer.report(stage, 1, 2)
    writer.insert("activity_providers", activities.provider_link_rows(ctx, events, provider_ids))
    writer.insert("attendances", activities.attendance_rows(events))
    writer.report(stage, 2, 2)


def _write_resources(ctx: Context, writer: Writer, tree: orgs.OrgTree, kids: list[children.Kid],
                     events: list[activities.ActivityRec], shared: Shared) -> None:
    stage = _stage(ctx, "写入需求、心愿和捐助")
    writer.report(stage, 0, 3)
    writer.insert("needs", resources.need_rows(ctx, kids, shared.providers))
    writer.report(stage, 1, 3)
    writer.insert("wishes", resources.wish_rows(ctx, kids, shared.providers, shared.drive))
    writer.report(stage, 2, 3)
    donations, recipients = resources.donation_rows(ctx, tree, kids, events, shared.providers)
    writer.insert("donations", donations)
    writer.insert("donation_recipients", recipients)
    writer.report(stage, 3, 3)


def _write_survey(ctx: Context, writer: Writer, tree: orgs.OrgTree,
                  kids: list[children.Kid]) -> None:
    stage = "写入问卷"
    writer.report(stage, 0, 1)
    survey, questions, answers = surveys.survey_rows(ctx, tree, kids)
    writer.insert("surveys", survey)
    writer.insert("survey_questions", questions)
    writer.insert("survey_answers", answers)
    writer.report(stage, 1, 1)


def _write_audit(ctx: Context, writer: Writer, scale: str) -> None:
    """One audit event says where the data came from, with what was written."""
    label = ctx.scale.label
    writer.insert("audit_events", [{
        "id": ctx.new_id("audit_events"), "at": datetime.combine(ctx.today, time()),
        "user_id": None, "username": "seed", "action": "seed", "entity": "database",
        "entity_id": None, "summary": f"生成示例数据:{label}规模({scale}),随机种子 {ctx.seed}",
        "before": None, "after": dict(writer.counts),
    }])
