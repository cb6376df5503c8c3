"""The sample-data generator: every table filled, deterministic, consistent, refusing a used db."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.orm import Session

from core.validators import id_number_problem
from core.vocab import GuardianType, NeedStatus, OrgKind, Role, WishStatus
from db import schema
from db.engine import make_engine
from db.field_crypto import active_key
from db.models import (
    ActivityKindRow,
    Base,
    CareRule,
    Child,
    DataVersion,
    Helper,
    OrgUnit,
    Pairing,
    RollupCount,
    RollupDay,
    RollupMonth,
    RollupRule,
    RollupRuleClock,
    RollupTreeDay,
    RollupTreeMonth,
    SurveyAnswer,
    SurveyQuestion,
    User,
)
from sample_data import DEMO_USERS, DatabaseNotEmpty, SeedSummary, seed_database
from services.access.permissions import Actor
from services.access.users import actor_for, password_matches
from services.stats import headline_counts
from tests.factories import make_child, make_helper, make_pairing, make_user

TODAY = date(2026, 11, 30)
SEED = 42
# Born after this day: not yet one year old on TODAY; born on or before: already eighteen.
BORN_AFTER_IS_UNDER_1 = date(2025, 11, 30)
BORN_BY_IS_18 = date(2008, 11, 30)
# The migration fills these; the generator leaves them alone.
BUILTIN_TABLES = {ActivityKindRow.__tablename__, CareRule.__tablename__}
# Derived from the rest: the data version (a timestamp of the seed's own moment) and the rollups
# the seed rebuilds after its bulk load.
DERIVED_TABLES = {DataVersion.__tablename__, RollupCount.__tablename__, RollupDay.__tablename__,
                  RollupMonth.__tablename__, RollupRule.__tablename__,
                  RollupRuleClock.__tablename__, RollupTreeDay.__tablename__,
                  RollupTreeMonth.__tablename__}
ALL_TABLES = set(Base.metadata.tables)
CJK = re.compile(r"[\u4e00-\u9fff]")
REFUSED = "数据库中已有儿童档案,为避免混淆未生成演示数据"
# Shares of active children in the county's own statistics, in percent (±5 points).
GUARDIAN_SHARES = {GuardianType.grandparents: 58, GuardianType.single_parent: 31,
                   GuardianType.relatives_friends: 11}
HARDSHIP_SHARE = 57.6


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    summary: SeedSummary
    progress: list[tuple[str, int, int]]


def _migrated_sqlite(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    return engine


def _seed(engine: Engine, **overrides: object) -> SeedSummary:
    options: dict = {"scale": "demo", "seed": SEED, "today": TODAY} | overrides
    return seed_database(engine, **options)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Base.metadata.tables[table]))


def _counts(engine: Engine) -> dict[str, int]:
    return {name: _count(engine, name) for name in sorted(ALL_TABLES)}


def _rows(engine: Engine, table: Table) -> list[tuple]:
    """Every row but password hashes (bcrypt salts differ per run), in primary-key order; an
    encrypted 身份证号 as its plaintext (each encryption draws a fresh IV)."""
    columns = [c for c in table.columns if c.name != "password_hash"]
    key = [columns.index(c) for c in table.primary_key.columns]
    cipher = next((i for i, c in enumerate(columns) if c.name == "id_number_cipher"), None)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(*columns))]
    if cipher is not None:
        field_key = active_key()
        rows = [(*r[:cipher], field_key.decrypt(r[cipher]) if r[cipher] else None,
                 *r[cipher + 1:]) for r in rows]
    return sorted(rows, key=lambda r: tuple(r[i] for i in key))


def _query(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """One demo database on SQLite, seeded once for the read-only tests of this module."""
    engine = _migrated_sqlite(tmp_path_factory.mktemp("demo") / "demo.db")
    calls: list[tuple[str, int, int]] = []
    summary = _seed(engine, progress=lambda stage, done, total: calls.append((stage, done, total)))
    yield Seeded(engine, summary, calls)
    engine.dispose()


# --- every table, counted -------------------------------------------------------------------------

def test_demo_seed_fills_every_table(demo):
    assert {t for t, n in _counts(demo.engine).items() if n == 0} == set()


def test_summary_counts_every_generated_table_exactly(demo):
    assert set(demo.summary.counts) == ALL_TABLES - BUILTIN_TABLES - DERIVED_TABLES
    actual = {t: _count(demo.engine, t) for t in demo.summary.counts}
    assert demo.summary.counts == actual
    assert demo.summary.counts["children"] == 150


def test_progress_reports_chinese_stages_each_finished(demo):
    stages = list(dict.fromkeys(stage for stage, _, _ in demo.progress))

    assert len(stages) >= 5
    assert [s for s in stages if not CJK.search(s)] == []
    assert [c for c in demo.progress if not 0 <= c[1] <= c[2] or c[2] < 1] == []
    last = {stage: (done, total) for stage, done, total in demo.progress}
    assert {s: dt for s, dt in last.items() if dt[0] != dt[1]} == {}
    # A stage reports in one run: no label comes back after another stage began.
    runs = [s for i, (s, _, _) in enumerate(demo.progress)
            if i == 0 or demo.progress[i - 1][0] != s]
    assert runs == stages


# --- same seed and day, same rows -----------------------------------------------------------------

def test_same_seed_and_day_give_identical_rows(engine, tmp_path):
    other = _migrated_sqlite(tmp_path / "second.db")
    try:
        _seed(engine)
        _seed(other)
        tables = [t for t in Base.metadata.sorted_tables
                  if t.name not in BUILTIN_TABLES | {DataVersion.__tablename__}]
        first_difference = {}
        for table in tables:
            mine, theirs = _rows(engine, table), _rows(other, table)
            if mine != theirs:
                first_difference[table.name] = next(
                    ((a, b) for a, b in zip(mine, theirs, strict=False) if a != b),
                    (len(mine), len(theirs)))
    finally:
        other.dispose()

    assert first_difference == {}
    assert len(_rows(engine, Child.__table__)) == 150


def test_another_seed_gives_other_children(demo, tmp_path):
    other = _migrated_sqlite(tmp_path / "seed7.db")
    try:
        _seed(other, seed=7)
        theirs = _query(other, "SELECT name, birth_date FROM children")
    finally:
        other.dispose()
    mine = _query(demo.engine, "SELECT name, birth_date FROM children")

    assert len(theirs) == len(mine) == 150
    assert len(set(mine) & set(theirs)) < 5


# --- refusing a database in use -------------------------------------------------------------------

def test_second_seed_is_refused_and_writes_nothing(engine):
    _seed(engine)
    before = _counts(engine)

    with pytest.raises(DatabaseNotEmpty) as refused:
        _seed(engine, seed=7)

    assert REFUSED in refused.value.message
    assert "现有儿童 150 名、用户 4 个" in refused.value.message
    assert _counts(engine) == before


def test_seed_refuses_database_with_accounts_only(engine, session):
    make_user(session, "zhangwei")
    session.commit()
    before = _counts(engine)

    with pytest.raises(DatabaseNotEmpty) as refused:
        _seed(engine)

    assert "现有儿童 0 名、用户 1 个" in refused.value.message
    assert _counts(engine) == before


def test_new_records_after_seed_get_fresh_ids(engine, session):
    """On PostgreSQL the seed inserts explicit ids, so it must move the sequences past them."""
    _seed(engine)
    last = {t: _query(engine, f"SELECT MAX(id) FROM {t}")[0][0]
            for t in ("org_units", "children", "helpers", "pairings")}

    child = make_child(session, name="王新来")
    helper = make_helper(session, name="赵老师")
    pairing = make_pairing(session, child, helper, started_on=TODAY)
    session.commit()

    assert (child.village_id, child.id, helper.id, pairing.id) == (
        last["org_units"] + 2, last["children"] + 1, last["helpers"] + 1, last["pairings"] + 1)


# --- consistency, as SQL that lists the rows breaking each rule -----------------------------------

NEED_STATUSES = ", ".join(f"'{s.value}'" for s in NeedStatus)
WISH_STATUSES = ", ".join(f"'{s.value}'" for s in WishStatus)
CHECKS = [
    pytest.param(
        "SELECT id, birth_date FROM children WHERE birth_date > :under_1 OR birth_date <= :is_18",
        id="ages-1-to-17"),
    pytest.param(
        "SELECT id_number_hash, COUNT(*) FROM children WHERE id_number_hash IS NOT NULL"
        " GROUP BY id_number_hash HAVING COUNT(*) > 1",
        id="id-numbers-unique"),
    pytest.param(
        "SELECT h.id, h.capacity, COUNT(*) FROM helpers h"
        " JOIN pairings p ON p.helper_id = h.id AND p.ended_on IS NULL"
        " GROUP BY h.id, h.capacity HAVING COUNT(*) > h.capacity",
        id="open-pairings-within-capacity"),
    pytest.param(
        "SELECT child_id, helper_id FROM pairings WHERE ended_on IS NULL"
        " GROUP BY child_id, helper_id HAVING COUNT(*) > 1",
        id="one-open-pairing-per-child-and-helper"),
    pytest.param(
        "SELECT p.id FROM pairings p JOIN children c ON c.id = p.child_id"
        " WHERE p.started_on > :today OR (c.archived_at IS NOT NULL AND p.ended_on IS NULL)",
        id="pairings-started-and-closed-for-archived"),
    pytest.param(
        "SELECT c.id, c.child_id, c.helper_id, c.contact_date FROM care_contacts c"
        " WHERE c.contact_date > :today OR NOT EXISTS (SELECT 1 FROM pairings p"
        "  WHERE p.child_id = c.child_id AND p.helper_id = c.helper_id"
        "  AND p.started_on <= c.contact_date"
        "  AND (p.ended_on IS NULL OR p.ended_on >= c.contact_date))",
        id="contacts-within-a-pairing"),
    pytest.param(
        "SELECT id, risk_level, latest FROM (SELECT c.id, c.risk_level,"
        "  (SELECT r.level FROM risk_assessments r WHERE r.child_id = c.id"
        "   ORDER BY r.assessed_on DESC, r.id DESC LIMIT 1) AS latest FROM children c) x"
        " WHERE COALESCE(risk_level, '') <> COALESCE(latest, '')",
        id="risk-level-is-latest-assessment"),
    pytest.param(
        "SELECT id, assessed_on FROM risk_assessments WHERE assessed_on > :today",
        id="no-future-assessments"),
    pytest.param(
        "SELECT c.id, c.town_id, v.parent_id, v.kind FROM children c"
        " JOIN org_units v ON v.id = c.village_id"
        " WHERE v.parent_id IS NULL OR v.parent_id <> c.town_id"
        " OR v.kind NOT IN ('village', 'community')",
        id="village-in-childs-town"),
    pytest.param(
        "SELECT o.id, o.path FROM org_units o LEFT JOIN org_units p ON p.id = o.parent_id"
        " WHERE o.path <> COALESCE(p.path, '/') || CAST(o.id AS VARCHAR(20)) || '/'",
        id="org-paths"),
    pytest.param(
        "SELECT c.id, c.left_behind_type FROM children c WHERE"
        " (c.left_behind_type IS NULL) = EXISTS (SELECT 1 FROM child_categories k"
        "  WHERE k.child_id = c.id AND k.category = 'left_behind')",
        id="left-behind-type-iff-category"),
    pytest.param(
        "SELECT t.activity_id, t.child_id FROM attendances t"
        " JOIN activities a ON a.id = t.activity_id JOIN children c ON c.id = t.child_id"
        " WHERE a.held_on > :today OR a.org_unit_id IS NULL"
        " OR a.org_unit_id NOT IN (c.town_id, COALESCE(c.school_id, c.town_id))",
        id="attendances-from-the-activitys-unit"),
    pytest.param(
        f"SELECT id, status, provider_id, resolved_on FROM needs WHERE status NOT IN"
        f" ({NEED_STATUSES}) OR (status IN ('linked', 'resolved')) <> (provider_id IS NOT NULL)"
        " OR (status = 'resolved') <> (resolved_on IS NOT NULL AND resolution IS NOT NULL)"
        " OR (status = 'closed') <> (closed_on IS NOT NULL AND closed_reason IS NOT NULL)",
        id="need-status-matches-provider-and-date"),
    pytest.param(
        f"SELECT id, status, fulfilled_on FROM wishes WHERE status NOT IN ({WISH_STATUSES})"
        " OR (status = 'fulfilled') <> (fulfilled_on IS NOT NULL)",
        id="wish-status-matches-date"),
    pytest.param(
        "SELECT id, money_yuan, goods FROM donations"
        " WHERE money_yuan < 0 OR (money_yuan = 0 AND goods IS NULL)",
        id="donations-give-something"),
]
CHECK_SQL = {p.id: p.values[0] for p in CHECKS}
CHECK_PARAMS = {"today": TODAY, "under_1": BORN_AFTER_IS_UNDER_1, "is_18": BORN_BY_IS_18}


def _breaking(engine: Engine, sql: str) -> list[tuple]:
    used = {k: v for k, v in CHECK_PARAMS.items() if f":{k}" in sql}
    return _query(engine, sql, **used)


@pytest.mark.parametrize("sql", CHECKS)
def test_demo_rows_keep_the_rule(demo, sql):
    assert _breaking(demo.engine, sql) == []


def test_demo_seed_in_test_database_keeps_every_rule(engine):
    """The same rules on the configured database (PostgreSQL when TEST_DATABASE_URL is set)."""
    summary = _seed(engine)

    assert {k: v for k, v in CHECK_SQL.items() if _breaking(engine, v)} == {}
    assert {t: n for t, n in summary.counts.items() if _count(engine, t) != n} == {}


def test_school_scale_is_one_consistent_school(engine):
    summary = _seed(engine, scale="school")
    schools = _query(engine, "SELECT id FROM org_units WHERE kind = 'school'")
    with engine.connect() as conn:
        pupils = conn.execute(select(Child.school_id, Child.birth_date)).all()

    assert {k: v for k, v in CHECK_SQL.items() if _breaking(engine, v)} == {}
    assert summary.counts["children"] == len(pupils) == 60
    assert len(schools) == 1
    assert {s for s, _ in pupils} == {schools[0][0]}
    # Pupils are 6–16: born after TODAY minus 17 years, on or before TODAY minus 6 years.
    assert [b for _, b in pupils if not date(2009, 11, 30) < b <= date(2020, 11, 30)] == []


def test_id_numbers_match_birth_dates(demo):
    with demo.engine.connect() as conn:
        key = active_key()
        rows = [(i, key.decrypt(token), born) for i, token, born in conn.execute(
            select(Child.id, Child.id_number_cipher, Child.birth_date)
            .where(Child.id_number_cipher.is_not(None)))]

    assert len(rows) >= 75  # most children have one, so the check is not vacuous
    assert [(i, n, id_number_problem(n, b)) for i, n, b in rows
            if id_number_problem(n, b) is not None] == []


def test_survey_answers_are_offered_options(demo):
    with Session(demo.engine) as session:
        pairs = session.execute(select(SurveyAnswer.answer, SurveyQuestion.options).join(
            SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)).all()

    assert len(pairs) >= 50
    assert [a for a, options in pairs if a not in options] == []


@pytest.mark.parametrize(("table", "statuses"), [
    ("needs", {s.value for s in NeedStatus}),
    ("wishes", {s.value for s in WishStatus}),
])
def test_demo_shows_every_status(demo, table, statuses):
    found = _query(demo.engine, f"SELECT DISTINCT status FROM {table}")

    assert {s for (s,) in found} == statuses


@pytest.mark.parametrize("table", ["needs", "wishes", "donations", "donation_recipients",
                                   "survey_answers", "activity_providers"])
def test_demo_has_resources_and_answers(demo, table):
    assert _count(demo.engine, table) >= 5


# --- shares as in the seed county -----------------------------------------------------------------

def _active_share(engine: Engine, condition: str) -> float:
    (hits, total), = _query(engine, f"SELECT SUM(CASE WHEN {condition} THEN 1 ELSE 0 END),"
                                    " COUNT(*) FROM children WHERE archived_at IS NULL")
    return 100 * hits / total


@pytest.mark.parametrize(("guardian", "percent"), list(GUARDIAN_SHARES.items()))
def test_guardian_type_shares_as_in_the_county(demo, guardian, percent):
    share = _active_share(demo.engine, f"guardian_type = '{guardian.value}'")

    assert percent - 5 <= share <= percent + 5


def test_economic_hardship_share_as_in_the_county(demo):
    share = _active_share(demo.engine, "economic_status = 'hardship'")

    assert HARDSHIP_SHARE - 5 <= share <= HARDSHIP_SHARE + 5


def test_most_but_not_all_children_are_paired(demo):
    covered = _active_share(demo.engine, "id IN (SELECT child_id FROM pairings"
                                         " WHERE ended_on IS NULL)")

    assert 80 < covered < 100


# --- the demo accounts ----------------------------------------------------------------------------

@pytest.mark.parametrize("demo_user", DEMO_USERS, ids=lambda u: u.username)
def test_demo_user_logs_in_with_its_role(demo, demo_user):
    with Session(demo.engine) as session:
        user = session.scalar(select(User).where(User.username == demo_user.username))

    assert user is not None
    assert (user.role, user.display_name, user.is_active) == (
        demo_user.role, demo_user.display_name, True)
    assert password_matches(demo_user.password, user.password_hash)


def _user(session: Session, role: Role) -> User:
    return session.scalars(select(User).where(User.role == role)).one()


def test_demo_helper_account_has_open_pairings_at_its_school(demo):
    with Session(demo.engine) as session:
        user = _user(session, Role.helper)
        helper = session.scalars(select(Helper).where(Helper.user_id == user.id)).one()
        open_pairings = session.scalar(select(func.count()).select_from(Pairing).where(
            Pairing.helper_id == helper.id, Pairing.ended_on.is_(None)))
        school = session.get(OrgUnit, user.org_unit_id)
        actor = actor_for(session, user)
        headline = headline_counts.headline(session, actor)

    assert helper.name == user.display_name
    assert school is not None and school.kind is OrgKind.school
    assert helper.org_unit_id == school.id
    assert open_pairings >= 1
    assert (actor.helper_id, headline.active_pairings) == (helper.id, open_pairings)


def test_demo_coordinator_counts_only_its_town(demo):
    with Session(demo.engine) as session:
        admin = headline_counts.headline(session, actor_for(session, _user(session, Role.admin)))
        coordinator = _user(session, Role.coordinator)
        town = session.get(OrgUnit, coordinator.org_unit_id)
        mine = headline_counts.headline(session, actor_for(session, coordinator))
        # Living in the town, or attending one of its schools from another town.
        town_schools = select(OrgUnit.id).where(OrgUnit.parent_id == coordinator.org_unit_id)
        in_town = session.scalar(select(func.count()).select_from(Child).where(
            Child.archived_at.is_(None),
            (Child.town_id == coordinator.org_unit_id) | Child.school_id.in_(town_schools)))
        everyone = headline_counts.headline(session, Actor.system())

    assert town is not None and town.kind is OrgKind.town
    assert 0 < mine.children == in_town < admin.children
    assert admin.children == everyone.children


def test_demo_viewer_sees_the_whole_county(demo):
    with Session(demo.engine) as session:
        viewer = _user(session, Role.viewer)
        county = session.get(OrgUnit, viewer.org_unit_id)

    assert county is not None and county.kind is OrgKind.county
