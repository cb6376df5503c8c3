"""总览 and 会议模式 through AppTest: each role's figures, URL filters, the cache, the slides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.common.navigation import pages_for
from components.common.session import db_transaction
from components.stats import stats_cache
from config import local_today
from core.vocab import Category, OrgKind, Role
from db.models import AuditEvent, CareRule, Child, OrgUnit, User
from services.access.permissions import Actor
from services.access.users import actor_for
from services.care.terms import report_periods
from services.stats import small_cells
from services.stats.figures import StatsScope
from tests.app.conftest import logged_in, new_app
from tests.factories import make_child, make_helper, make_org, make_pairing, make_user
from tests.pairing_factories import make_contact

# The default period is 本学期: every tile counts over it and says so.
TILES = ("关爱儿童", "占在籍学生", "结对率", "本学期帮扶记录", "本学期活动", "本学期服务",
         "待解决需求", "逾期待办")
PRESET_NAMES = {"month": "本月", "term": "本学期", "school_year": "本学年", "year": "今年"}
HEADINGS = ("基本情况", "监护与留守", "分布", "家庭与学业", "安全与心理", "结对帮扶",
            "活动与走访", "需求、心愿与捐助", "帮扶要求", "问卷")
ROLES = ("admin", "coordinator", "helper", "viewer")
# Names no label, heading or sentence of the page could contain by chance.
PAIRED, NEAR, ORPHAN, FAR, GONE = "欧阳翠萍", "司马嘉懿", "诸葛瑾瑜", "上官婉儿", "慕容复生"
NAMES = (PAIRED, NEAR, ORPHAN, FAR, GONE)


@dataclass(frozen=True)
class Town:
    town_id: int
    village_id: int
    far_village_id: int


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The figures' cache is process-wide and keyed by actor and scope, not by database: a
    previous test's figures (same ids, other database) must not answer for this one."""
    stats_cache.data_changed()
    yield
    stats_cache.data_changed()


@pytest.fixture
def town(db_url: str, engine, monkeypatch: pytest.MonkeyPatch) -> Town:
    """Two towns. 石门镇: three active children (one paired with the helper, one an orphan, not
    left behind). 东乡: one active left-behind child and one archived. One account per role."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    with Session(engine) as session, session.begin():
        county = make_org(session, "青山县", OrgKind.county)
        town = make_org(session, "石门镇", OrgKind.town, parent=county)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        far_town = make_org(session, "东乡", OrgKind.town, parent=county)
        far_village = make_org(session, "新村", OrgKind.village, parent=far_town)
        paired = make_child(session, village=village, name=PAIRED)
        make_child(session, village=village, name=NEAR)
        make_child(session, village=village, name=ORPHAN,
                   categories=(Category.scattered_orphan,))
        make_child(session, village=far_village, name=FAR)
        gone = make_child(session, village=far_village, name=GONE)
        gone.archived_at, gone.archive_reason = datetime(2026, 10, 1), "迁出"
        make_user(session, "admin", Role.admin, display_name="管理员")
        make_user(session, "coordinator", Role.coordinator, org_unit=town, display_name="刘主任")
        account = make_user(session, "helper", Role.helper, display_name="李老师")
        helper = make_helper(session, org_unit=town, user_id=account.id)
        make_pairing(session, paired, helper)
        make_user(session, "viewer", Role.viewer, display_name="督导")
        return Town(town.id, village.id, far_village.id)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _page_text(at) -> str:
    """Every text element the page rendered, the sidebar's included (charts are checked apart)."""
    parts = [str(e.value) for e in [*at.markdown, *at.caption, *at.subheader, *at.title,
                                    *at.info, *at.warning, *at.error, *at.success]]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(e.value) for e in at.sidebar.markdown]
    return "\n".join(parts)


def _chart_text(chart) -> str:
    """A chart's spec and data as readable text (the spec's JSON escapes non-ASCII; the data
    may travel as Arrow bytes beside it)."""
    proto = chart.proto
    raw = proto.SerializeToString().decode("utf-8", "ignore")
    return json.dumps(json.loads(proto.spec), ensure_ascii=False) + raw


def _param(at: AppTest, key: str) -> str | list[str] | None:
    """A query parameter as the page left it (AppTest gives one value bare, several as a list)."""
    return at.query_params.get(key)


def _home(username: str, **params: str | list[str]) -> AppTest:
    """The app opened, logged in, on a link with these query parameters (as a fresh tab)."""
    at = new_app()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = []
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _meeting(username: str, **params: str):
    at = logged_in(username)
    at.switch_page("pages/meeting.py")
    at.query_params.update(params)
    return at.run()


# ── 总览 ─────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("role", "children"), [
    ("admin", "4人"),        # both towns; the archived child does not count
    ("coordinator", "3人"),  # 石门镇 only
    ("helper", "1人"),       # only the child paired with them
    ("viewer", "<5人"),      # counts, without names, and none under 5
])
def test_each_role_sees_the_tiles_and_sections_of_its_scope(town, role, children):
    at = _home(role)
    assert not at.exception, at.exception
    metrics = _metrics(at)
    first = "我结对的儿童" if role == "helper" else "关爱儿童"  # a helper's own, not a unit's
    assert list(metrics) == [first, *TILES[1:]]
    assert metrics[first] == children
    assert [s.value for s in at.subheader] == list(HEADINGS)
    assert any(c.value.startswith("数据更新于 ") for c in at.caption)


@pytest.mark.parametrize("role", ROLES)
def test_pairing_rate_counts_the_one_paired_child(town, role):
    # a viewer's 1 of 4 is a count under 5: its share would give it back
    rate = {"admin": "25.0%", "coordinator": "33.3%", "helper": "100.0%", "viewer": "—"}
    assert _metrics(_home(role))["结对率"] == rate[role]


def test_a_viewer_sees_no_child_name_anywhere(town):
    at = _home("viewer")
    assert not at.exception
    text = _page_text(at)
    assert "关爱儿童" in text and "<5人" in text  # the page did render its figures
    assert "人数少于5人" in text and small_cells.NOTE in text  # and said why they are few
    assert [name for name in NAMES if name in text] == []
    # Nor in the charts' data: their specs carry labels and counts, never a name.
    specs = [_chart_text(chart) for chart in at.get("vega_lite_chart")]
    assert [name for name in NAMES if any(name in spec for spec in specs)] == []


def test_a_viewer_cannot_drill_into_the_roster(town):
    at = _home("viewer")
    assert not any("点击图中的条形" in c.value for c in at.caption)
    with pytest.raises(ValueError, match="roster"):
        at.switch_page("pages/roster.py").run()


def test_an_admin_is_told_the_bars_open_the_roster(town):
    at = _home("admin")
    assert any("点击图中的条形" in c.value for c in at.caption)


def test_the_empty_database_shows_the_empty_state(db_url, engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    with Session(engine) as session, session.begin():
        make_user(session, "admin")
    at = _home("admin")
    assert not at.exception
    assert "cli.py seed" in at.info[0].value
    assert at.metric.len == 0 and at.subheader.len == 0


def test_category_in_the_url_narrows_the_count(town):
    at = _home("admin", cat="left_behind")
    assert not at.exception
    assert _metrics(at)["关爱儿童"] == "3人"  # the orphan is not left behind
    assert at.multiselect(key="dash_cat").value == [Category.left_behind]
    assert _param(at, "cat") == "left_behind"


def _last_month_and_a_preset_holding_it(today: date) -> tuple[date, str]:
    """The day before this month began, and a longer preset that still covers it (本学期, or
    本学年 in a term's first month, or 今年 in September)."""
    periods = report_periods(today)
    before = periods["month"].start - timedelta(days=1)
    preset = next(p for p in ("term", "school_year", "year")
                  if periods[p].start <= before <= periods[p].end)
    return before, preset


def test_the_period_in_the_url_chooses_which_contacts_count(town, engine):
    before, longer = _last_month_and_a_preset_holding_it(local_today())
    with Session(engine) as session, session.begin():
        child = session.scalar(select(Child).where(Child.name == NEAR))
        make_contact(session, child, None, before)

    month = _home("admin", period="month")
    assert not month.exception
    assert month.segmented_control(key="dash_period").value == "month"
    assert _param(month, "period") == "month"
    assert "帮扶人开展帮扶" not in _page_text(month)
    assert any(i.value.startswith("暂无数据。在“活动”登记活动") for i in month.info)
    assert _metrics(month)["本月帮扶记录"] == "0人次"

    stats_cache.data_changed()
    wider = _home("admin", period=longer)
    assert wider.segmented_control(key="dash_period").value == longer
    assert "帮扶人开展帮扶1人次" in _page_text(wider)
    # the tiles follow the chosen period, and say which
    assert _metrics(wider)[f"{PRESET_NAMES[longer]}帮扶记录"] == "1人次"


def test_choosing_a_period_writes_it_to_the_url(town):
    at = _home("admin")
    assert _param(at, "period") == "term"  # the default is written out
    at.segmented_control(key="dash_period").set_value("year").run()
    assert _param(at, "period") == "year"
    assert not at.exception


def test_an_org_in_the_url_narrows_to_that_unit(town):
    at = _home("admin", org=str(town.far_village_id))
    assert not at.exception
    assert _metrics(at)["关爱儿童"] == "1人"
    assert at.selectbox(key="dash_org").value == town.far_village_id


def test_a_coordinator_can_narrow_to_a_village_of_their_town(town):
    at = _home("coordinator", org=str(town.village_id))
    assert _metrics(at)["关爱儿童"] == "3人"
    assert _param(at, "org") == str(town.village_id)


def test_an_org_outside_the_coordinators_scope_falls_back_to_their_town(town):
    at = _home("coordinator", org=str(town.far_village_id))
    assert not at.exception
    assert at.error.len == 0
    assert _metrics(at)["关爱儿童"] == "3人"
    assert at.selectbox(key="dash_org").value == 0  # 全部(我的范围)
    assert "org" not in at.query_params


def test_a_helper_has_no_unit_filter_and_ignores_an_org_in_the_url(town):
    at = _home("helper", org=str(town.far_village_id))
    assert not at.exception
    assert _metrics(at)["我结对的儿童"] == "1人"
    assert not [s for s in at.selectbox if s.label == "单位"]


def test_a_write_in_any_process_is_counted_at_the_next_version_check(town, engine):
    with Session(engine) as session:
        admin = actor_for(session, session.scalar(select(User).where(User.username == "admin")))
    today = local_today()
    term = report_periods(today)["term"]
    scope = StatsScope(term.start, term.end)
    before = stats_cache.statistics(admin, scope, today)
    assert before.children.total == 4
    # A write elsewhere (another app process, the CLI) moves the data version; this process
    # keeps its figures until it next asks for the version (at most WATCH_SECONDS later)...
    with Session(engine) as session, session.begin():
        make_child(session, village=session.get(OrgUnit, town.village_id), name="新来的甲")
    cached = stats_cache.statistics(admin, scope, today)
    assert (cached.computed_at, cached.children.total) == (before.computed_at, 4)
    stats_cache.current_stamp.clear()  # ...which is what the next poll does
    seen = stats_cache.statistics(admin, scope, today)
    assert (seen.computed_at > before.computed_at, seen.children.total) == (True, 5)
    # A write through this process's unit of work is counted at once.
    with db_transaction() as session:
        make_child(session, village=session.get(OrgUnit, town.village_id), name="新来的乙")
    after = stats_cache.statistics(admin, scope, today)
    assert after.children.total == 6


def test_figures_are_kept_while_the_data_version_stands_still(town, engine):
    """An open dashboard costs nothing while nobody writes: however often it asks, and
    however long after the last change, the figures come from the cache."""
    with Session(engine) as session:
        admin = actor_for(session, session.scalar(select(User).where(User.username == "admin")))
    today = local_today()
    term = report_periods(today)["term"]
    scope = StatsScope(term.start, term.end)
    before = stats_cache.statistics(admin, scope, today)
    for _ in range(3):
        stats_cache.current_stamp.clear()  # the version is asked again, and has not moved
        assert stats_cache.statistics(admin, scope, today).computed_at == before.computed_at
    with Session(engine) as session, session.begin():  # a page view writes only these
        session.add(AuditEvent(username="admin", action="view", entity="child",
                               entity_id="1", summary="查看档案"))
    stats_cache.current_stamp.clear()
    assert stats_cache.statistics(admin, scope, today).computed_at == before.computed_at


def test_a_read_only_transaction_keeps_the_cache(town, engine):
    with Session(engine) as session:
        admin = actor_for(session, session.scalar(select(User).where(User.username == "admin")))
    today = local_today()
    term = report_periods(today)["term"]
    scope = StatsScope(term.start, term.end)
    before = stats_cache.statistics(admin, scope, today)
    with db_transaction() as session:
        assert session.scalar(select(Child.name).where(Child.name == PAIRED)) == PAIRED
    assert stats_cache.statistics(admin, scope, today).computed_at == before.computed_at


# ── 会议模式 ─────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_meeting_mode_opens_on_the_first_of_ten_slides(town, role):
    at = _meeting(role)
    assert not at.exception, at.exception
    assert "1 / 10" in _page_text(at)
    assert "基本情况" in _page_text(at)
    assert at.button(key="meeting_prev").disabled
    assert not at.button(key="meeting_next").disabled


@pytest.mark.parametrize("role", ROLES)
def test_next_moves_to_the_second_slide_and_into_the_url(town, role):
    at = _meeting(role)
    at.button(key="meeting_next").click().run()
    assert not at.exception
    text = _page_text(at)
    assert "2 / 10" in text and "监护与留守" in text
    assert _param(at, "s") == "2"
    assert not at.button(key="meeting_prev").disabled


def test_previous_goes_back_and_the_last_slide_has_no_next(town):
    at = _meeting("admin", s="10")
    assert "10 / 10" in _page_text(at) and "问卷" in _page_text(at)
    assert at.button(key="meeting_next").disabled
    at.button(key="meeting_prev").click().run()
    assert "9 / 10" in _page_text(at)
    assert _param(at, "s") == "9"


def test_the_viewers_meeting_slides_show_no_child_name(town):
    at = _meeting("viewer")
    for _ in range(9):
        text = _page_text(at)
        assert [name for name in NAMES if name in text] == []
        at.button(key="meeting_next").click().run()
    assert "10 / 10" in _page_text(at)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_meeting_button_carries_the_dashboards_filters(town):
    at = _home("admin", cat="left_behind")
    _button(at, "会议模式").click().run()
    assert not at.exception
    assert "1 / 10" in _page_text(at)
    # left-behind children only, as on the dashboard; 3 is under 5, and meeting screens
    # withhold such counts
    assert _metrics(at)["儿童总数"] == "<5人"
    assert _param(at, "cat") == "left_behind"


def test_leaving_meeting_mode_returns_to_the_dashboard_with_its_filters(town):
    at = _meeting("admin", cat="left_behind", s="3")
    _button(at, "退出").click().run()
    assert not at.exception
    assert _metrics(at)["关爱儿童"] == "3人"
    assert at.multiselect(key="dash_cat").value == [Category.left_behind]
    assert "s" not in at.query_params


def test_a_helpers_meeting_slides_count_only_their_children(town):
    at = _meeting("helper")
    assert _metrics(at)["儿童总数"] == "<5人"  # their one child, withheld on a meeting screen
    assert "我结对的儿童" in _page_text(at)
    assert [name for name in NAMES if name in _page_text(at)] == []


def test_meeting_mode_on_a_unit_outside_the_scope_shows_none_of_its_figures(town):
    at = _meeting("coordinator", org=str(town.far_village_id))
    assert not at.exception
    # 新村 has one active child: its count must not appear for 石门镇's coordinator.
    assert _metrics(at).get("儿童总数") in (None, "<5人")


@pytest.mark.parametrize("role", ["viewer", "helper"])
def test_no_section_sends_a_reader_to_a_page_they_cannot_open(town, role):
    at = _home(role)
    assert not at.exception
    specs = pages_for(Actor(user_id=None, username=role, role=Role(role)))
    allowed = {spec.path for spec in specs}
    links = [link.proto.page for link in at.get("page_link")]
    assert set(links) <= {spec.url_path for spec in specs}, links
    hints = [i.value for i in at.info if i.value.startswith("暂无数据")]
    assert hints  # some sections are empty in this world
    named = {"儿童档案": "pages/roster.py", "结对帮扶": "pages/pairing.py",
             "活动": "pages/activities.py", "帮扶记录": "pages/contacts.py",
             "需求与资源": "pages/resources.py", "管理": "pages/admin.py"}
    for hint in hints:
        for title, path in named.items():
            if f"“{title}" in hint or f"「{title}" in hint:
                assert path in allowed, hint


# ── English ──────────────────────────────────────────────────────────────────────────────
DATA_NAMES = ("青山县", "石门镇", "李家村", "东乡", "新村", "管理员", "刘主任", "李老师", "督导")


def _chinese_left(text: str) -> list[str]:
    import re

    for name in DATA_NAMES:
        text = text.replace(name, "")
    return re.findall(r".{0,20}[\u3000-\u303f\u3400-\u9fff\uff00-\uffef].{0,20}", text)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_the_dashboard_and_meeting_mode_in_english(town, engine, role):
    with Session(engine) as session, session.begin():
        session.execute(update(User).values(language="en"))
        # The seeded care rules' names are stored text (Chinese), not the page's words.
        session.execute(update(CareRule).values(name="A rule"))
    at = _home(role)
    assert not at.exception, at.exception
    assert "Children" in _metrics(at)
    main = [*[str(e.value) for e in [*at.subheader, *at.info, *at.markdown]],
            *[f"{m.label} {m.value}" for m in at.metric],
            *[str(c.value) for c in at.caption if "·" not in str(c.value)]]
    assert not _chinese_left("\n".join(main)), _chinese_left("\n".join(main))
    assert "Overview" in [s.value for s in at.subheader]
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, at.exception
    shown = "\n".join([*[str(e.value) for e in [*at.markdown, *at.info, *at.caption]],
                       *[b.label for b in at.button],
                       *[f"{m.label} {m.value}" for m in at.metric]])
    assert "Next" in shown and "Leave" in shown
    assert not _chinese_left(shown), _chinese_left(shown)
