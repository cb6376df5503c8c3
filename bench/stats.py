"""County-scale statistics (issue 7): the whole `stats.compute` object against hand SQL.

    .venv/bin/python -m bench.stats [--database-url sqlite:////tmp/stats_bench.db]
        [--today 2026-11-28] [--no-browser] [--no-apptest]

Point it at a seeded county database at the newest schema (`cli.py init`); for PostgreSQL
fill one with `bench/sqlite_to_pg.py`. It only reads. For the admin (whole county) and a
township coordinator, over the current term, it prints:

- cold: `compute()` in a fresh process (this script re-run with --cold), median of 3;
- warm: `compute()` again in one process, median of 5, each in its own transaction;
- baseline: the same aggregates as hand-written SQL strings (`text()`), cold and warm, with
  every figure checked against compute's (mismatches are printed loudly) and the ratio;
- the warm dashboard rerun: AppTest runs of app.py as admin (first, then the median of 3
  reruns, which find the statistics and the chart specs in st.cache_data) when pages/home.py
  has become the dashboard; and, from an already computed object, `stats_text.sections` plus
  every chart's Vega-Lite spec uncached (what a rerun costs when only the figures are cached);
- the RSS of `streamlit run app.py` (with children) after the admin opened 首页 in Chromium.

"Cold" is a fresh Python process and a fresh connection; the operating system's page cache
(SQLite) and PostgreSQL's shared buffers stay warm. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from core.vocab import (
    AcademicLevel,
    ActivityKind,
    Category,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedStatus,
    OrgKind,
    RiskLevel,
    Role,
    RuleAudience,
    RulePeriod,
)
from db.engine import make_engine, transaction
from db.models import OrgUnit, User
from services.access.permissions import Actor
from services.care.compliance import GRACE_DAYS, RuleView, rule_clock
from services.care.terms import term_of
from services.roster.roster_filter import AgeBand, years_before
from services.stats import figures as stats
from services.stats.stats_queries import AGED_OUT_AT, UNASSESSED

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "sqlite:////tmp/stats_bench.db"
WHO = ("admin", "coordinator")
COLD_RUNS, WARM_RUNS = 3, 5
SCREENSHOT = "/tmp/bench_stats_home.png"  # what the browser saw when RSS was read


# ---- scope -----------------------------------------------------------------------------------

def actor_for(session: Session, who: str) -> Actor:
    """The admin, or a coordinator of one town (the demo coordinator's when it is a town)."""
    if who == "admin":
        return Actor.system()
    town = session.scalar(select(OrgUnit.id).join(User, User.org_unit_id == OrgUnit.id).where(
        User.username == "coordinator", OrgUnit.kind == OrgKind.town))
    if town is None:
        town = session.scalar(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.town)
                              .order_by(OrgUnit.id))
    return Actor(user_id=None, username="bench-coordinator", role=Role.coordinator,
                 org_unit_id=town)


def scope_of(today: date) -> stats.StatsScope:
    term = term_of(today)
    return stats.StatsScope(term.start, term.end)


def compute(session: Session, who: str, today: date) -> stats.Statistics:
    return stats.compute(session, actor_for(session, who), scope_of(today), today=today)


def figures_of(s: stats.Statistics) -> dict[str, Any]:
    """as_json() plus what compute() also counts for the dashboard, and overdue per rule."""
    found = s.as_json()
    found["extra"] = {
        "by_village": dict(s.children.by_village),
        "contacts_by_month": dict(s.contacts_by_month),
        "activities_by_month": {k: [v.sessions, v.person_times]
                                for k, v in s.activities_by_month.items()},
        "open_needs_by_kind": dict(s.open_needs_by_kind),
        "overdue": {r.code: r.overdue for r in s.compliance},
    }
    return found


# ---- the baseline: the same aggregates as hand-written SQL -----------------------------------

def _month(dialect: str, column: str) -> str:
    if dialect == "sqlite":
        return f"strftime('%Y-%m', {column})"
    return f"to_char({column}, 'YYYY-MM')"


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _rows(session: Session, sql: str, **params: Any) -> list[Any]:
    statement = text(sql)
    params = {k: v for k, v in params.items() if re.search(rf":{k}\b", sql)}
    expanding = [bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list)]
    if expanding:
        statement = statement.bindparams(*expanding)
    return list(session.execute(statement, params))


def baseline(session: Session, who: str, today: date) -> dict[str, Any]:
    """Every figure of compute() for the same scope, by SQL written by hand."""
    dialect = session.get_bind().dialect.name
    scope = scope_of(today)
    start, end = scope.date_from, scope.date_to
    town = None if who == "admin" else actor_for(session, who).org_unit_id
    p: dict[str, Any] = {"start": start, "end": end}
    if town is None:
        units = "TRUE"
        kids = "c.archived_at IS NULL"  # children counted: every active child
        helpers_in = "TRUE"
        held_by = "TRUE"
        org_name = [r[0] for r in _rows(session, "SELECT name FROM org_units WHERE kind = "
                                        "'county' AND archived_at IS NULL LIMIT 2")]
        org = org_name[0] if len(org_name) == 1 else "全部"
        town_path = ""
    else:
        p["town"] = town
        org, town_path, own_enrolled = _rows(
            session, "SELECT name, path, enrolled_students FROM org_units WHERE id = :town",
            town=town)[0]
        p["prefix"] = town_path + "%"
        sub = "SELECT id FROM org_units WHERE path LIKE :prefix"
        units = f"o.id IN ({sub})"
        kids = (f"c.archived_at IS NULL AND (c.town_id IN ({sub}) OR c.village_id IN ({sub})"
                f" OR c.school_id IN ({sub}))")
        helpers_in = f"(h.org_unit_id IN ({sub}) OR h.school_id IN ({sub}))"
        held_by = f"a.org_unit_id IN ({sub})"

    # children: one pass over the active children in scope, every per-child count
    fields = [("gender", "by_gender", Gender), ("guardian_type", "by_guardian_type", GuardianType),
              ("left_behind_type", "by_left_behind_type", LeftBehindType),
              ("economic_status", "by_economic_status", EconomicStatus),
              ("academic_level", "by_academic_level", AcademicLevel),
              ("risk_level", "by_risk_level", RiskLevel)]
    columns = ["count(*)"]
    for column, _, vocab in fields:
        columns += [f"count(CASE WHEN c.{column} = '{code}' THEN 1 END)" for code in vocab.codes()]
    columns.append("count(CASE WHEN c.risk_level IS NULL THEN 1 END)")
    for i, band in enumerate(AgeBand):
        p[f"after{i}"], p[f"upto{i}"] = band.born_between(end)
        columns.append(f"count(CASE WHEN c.birth_date > :after{i} AND c.birth_date <= :upto{i} "
                       "THEN 1 END)")
    p["aged_out"] = years_before(end, AGED_OUT_AT)
    columns += [
        "count(CASE WHEN c.birth_date > :end THEN 1 END)",
        "count(CASE WHEN COALESCE(c.in_mountain_area, v.is_mountain_area) = TRUE THEN 1 END)",
        "count(CASE WHEN t.kind = 'town' THEN 1 END)",
        "count(CASE WHEN c.safety_incident = TRUE THEN 1 END)",
        "count(CASE WHEN c.key_concern = TRUE THEN 1 END)",
        "count(CASE WHEN c.boarding = TRUE THEN 1 END)",
        "count(CASE WHEN c.birth_date <= :aged_out THEN 1 END)",
        "count(CASE WHEN EXISTS (SELECT 1 FROM pairings pp JOIN helpers ph ON ph.id = pp.helper_id"
        " WHERE pp.child_id = c.id AND pp.ended_on IS NULL AND ph.archived_at IS NULL)"
        " THEN 1 END)"]
    row = iter(_rows(session, f"""
        SELECT {', '.join(columns)}
        FROM children c
        LEFT JOIN org_units v ON v.id = c.village_id
        LEFT JOIN org_units t ON t.id = c.town_id
        WHERE {kids}""", **p)[0])
    children: dict[str, Any] = {"total": next(row)}
    for _, name, vocab in fields:
        children[name] = {code: next(row) for code in vocab.codes()}
    children["by_risk_level"][UNASSESSED] = next(row)
    bands = {band.value: next(row) for band in AgeBand}
    bands[AgeBand.under_7.value] += next(row)
    children["by_age_band"] = bands
    for name in ("in_mountain_area", "in_townships", "safety_incident", "key_concern",
                 "boarding", "aged_out_review"):
        children[name] = next(row)
    paired = next(row)
    by_category = dict.fromkeys(Category.codes(), 0)
    by_category.update(_rows(session, f"""
        SELECT cc.category, count(*) FROM child_categories cc
        JOIN children c ON c.id = cc.child_id
        WHERE {kids} GROUP BY cc.category""", **p))
    children["by_category"] = by_category
    for key, column in (("by_town", "town_id"), ("by_village", "village_id")):
        children[key] = dict(_rows(session, f"""
            SELECT pl.name, count(*) FROM children c JOIN org_units pl ON pl.id = c.{column}
            WHERE {kids} GROUP BY pl.name""", **p))

    # enrolment: the unit's own figure, else its schools that state one
    enrolled, compared = 0, 0
    if town is not None and own_enrolled:
        enrolled, compared = own_enrolled, children["total"]
    else:
        schools = (f"SELECT o.id FROM org_units o WHERE o.kind = 'school' AND "
                   f"o.enrolled_students IS NOT NULL AND o.archived_at IS NULL AND {units}")
        enrolled = _rows(session, "SELECT sum(enrolled_students) FROM org_units "
                         f"WHERE id IN ({schools})", **p)[0][0] or 0
        if enrolled:
            compared = _rows(session, f"""SELECT count(*) FROM children c WHERE
                {kids} AND c.school_id IN ({schools})""", **p)[0][0]
    children["enrolled_students"] = int(enrolled)
    children["share_of_enrolled"] = _fraction(compared / enrolled if enrolled else None)

    # pairing
    helpers = dict.fromkeys(HelperKind.codes(), 0)
    helpers.update(_rows(session, f"""SELECT h.kind, count(*) FROM helpers h
        WHERE h.archived_at IS NULL AND {helpers_in} GROUP BY h.kind""", **p))
    total = children["total"]
    pairing = {"helpers": sum(helpers.values()), "helpers_by_kind": helpers,
               "children_paired": paired, "coverage": _fraction(paired / total if total else 0.0),
               "unpaired": total - paired}

    # care contacts in the period, per kind and per month
    in_scope = f" AND cc.child_id IN (SELECT c.id FROM children c WHERE {kids})"
    p["kinds"] = list(ContactKind.codes())
    contacts = {code: {"count": 0, "children": 0} for code in ContactKind.codes()}
    for kind, count, distinct in _rows(session, f"""
            SELECT cc.kind, count(*), count(DISTINCT cc.child_id) FROM care_contacts cc
            WHERE cc.archived_at IS NULL AND cc.kind IN :kinds
              AND cc.contact_date BETWEEN :start AND :end{in_scope}
            GROUP BY cc.kind""", **p):
        contacts[kind] = {"count": count, "children": distinct}
    month = _month(dialect, "cc.contact_date")
    contacts_by_month = dict(_rows(session, f"""
        SELECT {month}, count(*) FROM care_contacts cc
        WHERE cc.archived_at IS NULL AND cc.kind IN :kinds
          AND cc.contact_date BETWEEN :start AND :end{in_scope}
        GROUP BY {month}""", **p))

    # activities held in scope in the period: 场次, 人次 = attending + extra
    def activities(key: str) -> dict[str, list[int]]:
        return {k: [int(n or 0), int(t or 0)] for k, n, t in _rows(session, f"""
            SELECT {key}, sum(a.sessions), sum(a.extra_person_times
                   + (SELECT count(*) FROM attendances att WHERE att.activity_id = a.id))
            FROM activities a
            WHERE a.archived_at IS NULL AND a.held_on BETWEEN :start AND :end AND {held_by}
            GROUP BY {key}""", **p)}
    found = activities("a.kind")
    kinds = [k for (k,) in _rows(session, "SELECT code FROM activity_kinds "
                                          "WHERE archived_at IS NULL")]
    builtin = [k.value for k in ActivityKind if k.value in kinds]
    ordered = builtin + sorted(k for k in kinds if k not in builtin)
    by_kind = {k: found.get(k, [0, 0]) for k in ordered} | found
    act = {k: {"sessions": s, "person_times": t} for k, (s, t) in by_kind.items()}
    activities_total = {"sessions": sum(v[0] for v in by_kind.values()),
                        "person_times": sum(v[1] for v in by_kind.values())}
    activities_by_month = activities(_month(dialect, "a.held_on"))

    # needs of the active children counted
    need_kinds, need_status = dict.fromkeys(NeedKind.codes(), 0), dict.fromkeys(
        NeedStatus.codes(), 0)
    open_needs = dict.fromkeys(NeedKind.codes(), 0)
    for kind, status, count in _rows(session, f"""
            SELECT n.kind, n.status, count(*) FROM needs n JOIN children c ON c.id = n.child_id
            WHERE n.archived_at IS NULL AND {kids} GROUP BY n.kind, n.status""", **p):
        need_kinds[kind] += count
        need_status[status] += count
        if status in (NeedStatus.open.value, NeedStatus.linked.value):
            open_needs[kind] += count

    # wishes collected / fulfilled in the period
    collected, fulfilled = _rows(session, f"""
        SELECT count(CASE WHEN w.collected_on BETWEEN :start AND :end THEN 1 END),
               count(CASE WHEN w.fulfilled_on BETWEEN :start AND :end THEN 1 END)
        FROM wishes w WHERE w.archived_at IS NULL
          AND w.child_id IN (SELECT c.id FROM children c WHERE {kids})""", **p)[0]

    # donations given out or directly in the period
    given = ("d.archived_at IS NULL AND d.direction IN ('given', 'direct') "
             "AND d.donated_on BETWEEN :start AND :end")
    donated_by = "TRUE" if town is None else f"d.org_unit_id IN ({sub})"
    money = _rows(session, f"SELECT sum(d.money_yuan) FROM donations d WHERE {given} "
                  f"AND {donated_by}", **p)[0][0]
    helped = _rows(session, f"""
        SELECT count(DISTINCT r.child_id) FROM donation_recipients r
        JOIN donations d ON d.id = r.donation_id JOIN children c ON c.id = r.child_id
        WHERE {given} AND {kids}""", **p)[0][0]

    compliance, overdue = _compliance(session, kids, p, min(end, today))
    surveys = _surveys(session, town, town_path, kids, p)
    return {
        "scope": {"org": org, "from": start.isoformat(), "to": end.isoformat()},
        "children": {k: children[k] for k in stats.CHILDREN_KEYS},
        "pairing": pairing,
        "contacts": {"by_kind": contacts},
        "activities": {"by_kind": act, "total": activities_total},
        "needs": {"by_kind": need_kinds, "by_status": need_status},
        "wishes": {"collected": collected, "fulfilled": fulfilled},
        "donations": {"money_yuan": float(money or 0), "children_helped": int(helped or 0)},
        "compliance": compliance,
        "surveys": surveys,
        "extra": {"by_village": children["by_village"], "contacts_by_month": contacts_by_month,
                  "activities_by_month": activities_by_month, "open_needs_by_kind": open_needs,
                  "overdue": overdue},
    }


def _compliance(session: Session, kids: str, p: dict[str, Any], today: date
                ) -> tuple[dict[str, Any], dict[str, int]]:
    """Per active rule, compliance_counts' query: contacts per pairing (child, or child and
    helper) in the previous and current period, joined to the open pairings it binds."""
    found, overdue_by = {}, {}
    for row in _rows(session, """
            SELECT id, code, name, contact_kinds, min_count, period, risk_level, category,
                   helper_kind, audience, pauses_in_holidays
            FROM care_rules WHERE is_active = TRUE AND archived_at IS NULL ORDER BY id"""):
        kinds = row.contact_kinds if isinstance(row.contact_kinds, list) else json.loads(
            row.contact_kinds or "[]")
        rule = RuleView(row.id, row.code, row.name,
                        tuple(k for k in kinds if k in set(ContactKind.codes())), row.min_count,
                        RulePeriod(row.period), row.risk_level, row.category, row.helper_kind,
                        RuleAudience(row.audience or RuleAudience.child.value),
                        bool(row.pauses_in_holidays))
        clock = rule_clock(rule, today)
        if clock.paused:
            found[rule.code] = {"due": 0, "met": 0, "rate": 0.0}
            overdue_by[rule.code] = 0
            continue
        own = rule.audience is RuleAudience.child
        q = dict(p, rule_kinds=list(rule.kinds), cur_start=clock.current.start,
                 cur_end=min(clock.current.end, today), prev_start=clock.previous.start,
                 prev_end=clock.previous.end, today=today, need=rule.min_count)
        keys = "child_id, helper_id" if own else "child_id"
        joined = "d.child_id = p.child_id" + (" AND d.helper_id = p.helper_id" if own else "")
        applies = ""
        if rule.risk_level is not None:
            applies += " AND c.risk_level = :risk"
            q["risk"] = str(rule.risk_level)
        if rule.category is not None:
            applies += (" AND c.id IN (SELECT child_id FROM child_categories "
                        "WHERE category = :category)")
            q["category"] = str(rule.category)
        if rule.helper_kind is not None:
            applies += " AND h.kind = :helper_kind"
            q["helper_kind"] = str(rule.helper_kind)
        met = "COALESCE(d.now_n, 0) >= :need"
        if clock.previous_deadline is None:
            overdue = "1 = 0"
        else:
            q["owed_by"] = clock.previous_deadline - timedelta(days=GRACE_DAYS)
            overdue = (f"NOT ({met}) AND COALESCE(d.before_n, 0) < :need AND "
                       "(p.started_on <= :prev_start OR p.started_on <= :owed_by)")
        due, met_n, overdue_n = _rows(session, f"""
            WITH d AS (
                SELECT {keys},
                       count(CASE WHEN contact_date BETWEEN :cur_start AND :cur_end
                             THEN 1 END) AS now_n,
                       count(CASE WHEN contact_date BETWEEN :prev_start AND :prev_end
                             THEN 1 END) AS before_n
                FROM care_contacts
                WHERE archived_at IS NULL AND kind IN :rule_kinds
                  AND contact_date BETWEEN :prev_start AND :today
                GROUP BY {keys})
            SELECT count(*), count(CASE WHEN {met} THEN 1 END),
                   count(CASE WHEN {overdue} THEN 1 END)
            FROM pairings p JOIN children c ON c.id = p.child_id
            JOIN helpers h ON h.id = p.helper_id LEFT JOIN d ON {joined}
            WHERE p.ended_on IS NULL AND c.archived_at IS NULL AND h.archived_at IS NULL
              AND {kids}{applies}""", **q)[0]
        found[rule.code] = {"due": due, "met": met_n,
                            "rate": _fraction(met_n / due if due else 0.0)}
        overdue_by[rule.code] = overdue_n
    return found, overdue_by


def _surveys(session: Session, town: int | None, town_path: str, kids: str,
             p: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The latest visible survey: per question, children per option."""
    if town is None:
        visible = "TRUE"
    else:
        above = [int(x) for x in town_path.strip("/").split("/") if x] or [-1]
        visible = ("(s.org_unit_id IS NULL OR s.org_unit_id IN (SELECT id FROM org_units "
                   f"WHERE path LIKE :prefix) OR s.org_unit_id IN ({', '.join(map(str, above))}))")
    latest = _rows(session, f"""SELECT s.id FROM surveys s WHERE s.archived_at IS NULL
        AND {visible} ORDER BY s.held_on DESC, s.id DESC LIMIT 1""", **p)
    if not latest:
        return {}
    questions = _rows(session, "SELECT id, text, options FROM survey_questions "
                      "WHERE survey_id = :survey ORDER BY position, id", survey=latest[0][0])
    counts = {(q, a): n for q, a, n in _rows(session, f"""
        SELECT sa.question_id, sa.answer, count(DISTINCT sa.child_id) FROM survey_answers sa
        JOIN children c ON c.id = sa.child_id
        WHERE sa.question_id IN :questions AND {kids}
        GROUP BY sa.question_id, sa.answer""", **p, questions=[q.id for q in questions])}
    found = {}
    for q in questions:
        options = q.options if isinstance(q.options, list) else json.loads(q.options or "[]")
        found[q.text] = {o: counts.get((q.id, o), 0) for o in options}
    return found


def mismatches(mine: Any, theirs: Any, path: str = "") -> list[str]:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(mine) | set(theirs), key=str):
            if key not in mine or key not in theirs:
                found.append(f"{path}/{key}: compute {mine.get(key, '∅')!r} "
                             f"baseline {theirs.get(key, '∅')!r}")
            else:
                found += mismatches(mine[key], theirs[key], f"{path}/{key}")
        return found
    if isinstance(mine, float) or isinstance(theirs, float):
        same = mine is not None and theirs is not None and abs(mine - theirs) < 1e-6
        same = same or mine == theirs
    else:
        same = mine == theirs
    return [] if same else [f"{path}: compute {mine!r} baseline {theirs!r}"]


# ---- the dashboard rerun ---------------------------------------------------------------------

def rerun(s: stats.Statistics) -> int:
    """What a rerun does with a cached Statistics when the charts are not cached too: the
    sections' words and every chart's Vega-Lite spec (the page's `charts.group_specs` when it
    exists, else `section_chart(...).to_dict()`)."""
    from services.stats import charts, stats_text

    size = 0
    for section in stats_text.sections(s):
        if hasattr(charts, "group_specs"):
            specs = charts.group_specs(section)
        else:
            chart = charts.section_chart(section)
            specs = [] if chart is None else [chart.to_dict()]
        size += sum(len(json.dumps(spec)) for spec in specs)
    return size


def apptest_dashboard(url: str) -> tuple[float, float] | None:
    """AppTest runs of app.py logged in as admin, when 首页 is the dashboard: the first, and
    the median of 3 reruns."""
    home = (ROOT / "pages" / "home.py").read_text(encoding="utf-8")
    if "compute(" not in home and "sections(" not in home:
        return None
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SHOUWANG_DEMO", "1")
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR)  # "missing ScriptRunContext" from the bare-mode import

    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]  (as tests/app/conftest.py)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "admin"
    at.session_state["name"] = "admin"
    at.session_state["roles"] = []
    times = []
    for _ in range(4):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    if at.exception:
        print("   AppTest exception:", at.exception[0].value)
    return times[0], statistics.median(times[1:])


# ---- the Streamlit process's memory ----------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_rss(url: str) -> tuple[float, float] | None:
    """RSS in MB (server with children) after the admin opened 首页: (after login, peak seen)."""
    import psutil
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SHOUWANG_DEMO": "1"}
    log = open(f"/tmp/bench_stats_streamlit_{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    process = psutil.Process(server.pid)

    def rss() -> float:
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total / 2**20

    peak = 0.0
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("   streamlit did not start; see", log.name)
                    return None
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(120_000)
            page.goto(base)
            page.get_by_role("textbox", name="登录名", exact=True).fill("admin")
            page.get_by_role("textbox", name="密码", exact=True).fill("demo-admin-2026")
            page.get_by_role("button", name="登录").click()
            page.get_by_role("button", name="退出登录").wait_for()
            page.get_by_test_id("stMetricValue").first.wait_for()
            for _ in range(20):  # let the reruns after login finish; sample meanwhile
                peak = max(peak, rss())
                time.sleep(0.25)
            page.reload()  # a second visit: the rerun a user sees when coming back
            page.get_by_test_id("stMetricValue").first.wait_for()
            for _ in range(12):
                peak = max(peak, rss())
                time.sleep(0.25)
            now = rss()
            page.screenshot(path=SCREENSHOT, full_page=True)
            browser.close()
        return now, max(peak, now)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# ---- which statements take the time --------------------------------------------------------

def slowest_statements(engine: Any, who: str, today: date, top: int = 8) -> None:
    """One warm compute() with every SQL statement timed; the slowest printed with their text
    (the parameters are listed after; EXPLAIN them by hand)."""
    from sqlalchemy import event

    timings: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        timings.append((time.perf_counter() - conn.info.pop("bench_started"), statement,
                        parameters))

    with transaction(engine) as session:  # warm up first
        compute(session, who, today)
        session.rollback()
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        with transaction(engine) as session:
            started = time.perf_counter()
            compute(session, who, today)
            total = time.perf_counter() - started
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    in_sql = sum(t for t, _, _ in timings)
    print(f"   {len(timings)} statements, {in_sql * 1000:.0f} ms in SQL of "
          f"{total * 1000:.0f} ms; the slowest:")
    for seconds, statement, parameters in sorted(timings, key=lambda x: x[0], reverse=True)[:top]:
        flat = " ".join(statement.split())
        print(f"   {seconds * 1000:7.0f} ms  {flat[:400]}{' …' if len(flat) > 400 else ''}")
        print(f"              params {str(parameters)[:200]}")


# ---- driver ----------------------------------------------------------------------------------

def cold_child(url: str, who: str, what: str, today: date) -> None:
    """Run in a fresh process: one timed computation, printed as JSON."""
    engine = make_engine(url)
    with transaction(engine) as session:
        started = time.perf_counter()
        if what == "compute":
            compute(session, who, today)
        else:
            baseline(session, who, today)
        seconds = time.perf_counter() - started
        session.rollback()
    print(json.dumps({"seconds": seconds}))


def cold(url: str, who: str, today: date) -> tuple[list[float], list[float]]:
    """compute() and the baseline, each in COLD_RUNS fresh processes, taking turns so that
    both meet the same load on a shared machine."""
    times: dict[str, list[float]] = {"compute": [], "baseline": []}
    for _ in range(COLD_RUNS):
        for what in times:
            out = subprocess.run(
                [sys.executable, "-m", "bench.stats", "--database-url", url, "--today",
                 today.isoformat(), "--cold", who, "--what", what],
                cwd=ROOT, check=True, capture_output=True, text=True).stdout
            times[what].append(json.loads(out.strip().splitlines()[-1])["seconds"])
    return times["compute"], times["baseline"]


def warm(engine: Any, funcs: list[Callable[[Session], Any]]
         ) -> tuple[list[list[float]], list[Any]]:
    """Each function WARM_RUNS times after one unmeasured run, taking turns, each run in its own
    transaction; their times and last results."""
    times: list[list[float]] = [[] for _ in funcs]
    results: list[Any] = [None] * len(funcs)
    for i in range(WARM_RUNS + 1):
        for n, func in enumerate(funcs):
            with transaction(engine) as session:
                started = time.perf_counter()
                results[n] = func(session)
                if i:  # the first run only warms
                    times[n].append(time.perf_counter() - started)
                session.rollback()
    return times, results


def _ratio(mine: list[float], theirs: list[float]) -> str:
    return f"{statistics.median(mine) / statistics.median(theirs):8.2f} ×"


def _ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:8.0f} ms  (min {min(times) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--no-browser", action="store_true", help="skip the RSS measurement")
    parser.add_argument("--no-apptest", action="store_true")
    parser.add_argument("--statements", action="store_true",
                        help="only time compute()'s statements and print the slowest")
    parser.add_argument("--cold", choices=WHO, help=argparse.SUPPRESS)
    parser.add_argument("--what", choices=("compute", "baseline"), default="compute",
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    url, today = args.database_url, args.today
    if args.cold:
        cold_child(url, args.cold, args.what, today)
        return
    engine = make_engine(url)
    term = term_of(today)
    print(f"database {engine.url.render_as_string(hide_password=True)}; today {today}; "
          f"period {term.start} – {term.end} ({term.name})")
    if args.statements:
        for who in WHO:
            print(f"-- as {who}")
            slowest_statements(engine, who, today)
        return
    table: list[tuple[str, str]] = [("load average at start (1, 5, 15 min)",
                                     " ".join(f"{x:.1f}" for x in os.getloadavg()))]
    for who in WHO:
        print(f"-- as {who}")
        cold_compute, cold_base = cold(url, who, today)
        (warm_compute, warm_base), (computed, hand) = warm(engine, [
            lambda s, w=who: compute(s, w, today), lambda s, w=who: baseline(s, w, today)])
        wrong = mismatches(figures_of(computed), hand)
        for line in wrong:
            print("   !!! MISMATCH", line)
        print(f"   {len(wrong)} mismatches between compute() and the hand SQL; children "
              f"{computed.children.total:,}, contacts {computed.contacts_total:,}, activities "
              f"{computed.activities_total.sessions:,} 场次")
        started = time.perf_counter()
        rerun(computed)
        first_rerun = time.perf_counter() - started
        rerun_times = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            rerun(computed)
            rerun_times.append(time.perf_counter() - started)
        rows = [
            ("cold compute() (median of 3 fresh processes)", _ms(cold_compute)),
            ("cold hand SQL baseline (median of 3)", _ms(cold_base)),
            ("cold ratio compute / baseline (medians)", _ratio(cold_compute, cold_base)),
            ("warm compute() (median of 5)", _ms(warm_compute)),
            ("warm hand SQL baseline (median of 5)", _ms(warm_base)),
            ("warm ratio compute / baseline (medians)", _ratio(warm_compute, warm_base)),
            ("figures checked against the baseline", "OK" if not wrong else
             f"{len(wrong)} MISMATCHES"),
            ("sections + chart specs, uncached (first)", f"{first_rerun * 1000:8.0f} ms"),
            ("sections + chart specs, uncached (median 5)",
             _ms(rerun_times)),
        ]
        for label, value in rows:
            print(f"   {label:<46} {value}")
        table += [(f"{who}: {label}", value) for label, value in rows]
    if args.no_apptest:
        table.append(("AppTest dashboard runs", "skipped (--no-apptest)"))
    else:
        runs = apptest_dashboard(url)
        table.append(("AppTest app.py as admin: first run / rerun (median 3)",
                      "skipped: pages/home.py is not the dashboard yet" if runs is None
                      else f"{runs[0] * 1000:.0f} ms / {runs[1] * 1000:.0f} ms"))
    if args.no_browser:
        table.append(("streamlit RSS", "skipped (--no-browser)"))
    else:
        memory = streamlit_rss(url)
        table.append(("streamlit RSS after admin opened 首页 (now / peak)",
                      "failed" if memory is None else
                      f"{memory[0]:6.0f} MB / {memory[1]:6.0f} MB"))
    table.append(("load average at end (1, 5, 15 min)",
                  " ".join(f"{x:.1f}" for x in os.getloadavg())))
    print()
    print(f"== {engine.dialect.name}: {url.split('@')[-1]} ==")
    for label, value in table:
        print(f"{label:<60} {value}")


if __name__ == "__main__":
    main()
