"""`cli.py rollups --rebuild/--check`, and `init` filling rollups left stale."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import cli
from db import data_version
from db.models import AuditEvent, Child, RollupCount
from tests.services.stats.test_stats import build_world


@pytest.fixture
def county(db_url, engine, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    with Session(engine) as session, session.begin():
        build_world(session)


def run(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["rollups", *args])
    return code, capsys.readouterr().out


def test_rollups_kept_by_every_write_agree_with_the_records(county, capsys):
    assert run(capsys, "--check") == (0, "汇总统计表与记录重算的结果一致。\n")


def test_a_wrong_row_is_named_and_a_rebuild_puts_it_right(county, engine, capsys):
    with Session(engine) as session, session.begin():
        session.execute(update(RollupCount).where(RollupCount.field == "children")
                        .values(n=RollupCount.n + 1))
    code, out = run(capsys, "--check")
    assert code == 1
    assert "不一致" in out and "rollup_counts children/" in out and "汇总表中为" in out
    code, out = run(capsys, "--rebuild", "--check")
    assert code == 0
    assert out.startswith("已从记录重算汇总统计表") and out.endswith("结果一致。\n")
    with Session(engine) as session:
        events = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "rollups_rebuild")).all()
    assert events == ["rollups_rebuild"]


def test_a_write_without_the_maintenance_marks_them_stale_until_init(county, engine, capsys,
                                                                      monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(data_version, "_MAINTAINERS", [])
        with Session(engine) as session, session.begin():  # a script without 守望's services
            session.execute(update(Child).values(boarding=True))
    with Session(engine) as session:
        assert data_version.rollups_stale(session)
    code, out = run(capsys, "--check")
    assert code == 1 and "待重算" in out
    assert cli.main(["init"]) == 0
    assert "已从现有记录生成汇总统计表" in capsys.readouterr().out
    assert run(capsys, "--check") == (0, "汇总统计表与记录重算的结果一致。\n")


@pytest.mark.parametrize(("args", "message"), [
    ((), "请指定 --rebuild（重算）或 --check（核对）"),
    (("--check", "--limit", "0"), "--limit 须在 1 到 10000 之间"),
])
def test_refusals_change_nothing(county, capsys, args, message):
    code, out = run(capsys, *args)
    assert code == 2 and message in out



ANALYZED_TABLES = {"rollup_counts", "rollup_days", "rollup_months", "rollup_tree_days",
                   "rollup_tree_months", "org_units"}


def _analyzed(engine) -> set[str]:
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master "
                                    "WHERE name = 'sqlite_stat1'").first():
            return set()
        return set(conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").scalars())


@pytest.mark.parametrize("args", [["init"], ["rollups", "--rebuild"]])
def test_init_and_a_rebuild_give_sqlites_planner_the_rollups_statistics(county, engine, capsys,
                                                                         args):
    # Without them SQLite reads a township's months by scanning every county's rows.
    # (PostgreSQL's autovacuum analyses on its own; a test database there is reused, so
    # whether this run analysed cannot be told from its statistics.)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps no statistics until ANALYZE runs; PostgreSQL's autovacuum does")
    assert not ANALYZED_TABLES & _analyzed(engine)
    assert cli.main(args) == 0
    assert _analyzed(engine) >= ANALYZED_TABLES
