"""会议模式 splits a section whose charts would run past one screen, and draws every group."""

from __future__ import annotations

import html
import json

import pytest
from streamlit.testing.v1 import AppTest

from components.stats.meeting_slides import CHART_BUDGET, chart_height, pack, split
from sample_data.generator import seed_database
from services.stats import small_cells
from services.stats.stats_words import Bar, Section
from tests.app.conftest import logged_in


def _group(name: str, bars: int) -> list[Bar]:
    return [Bar(name, f"{name}{i}", i + 1, f"{name}_{i}") for i in range(bars)]


def _section(*groups: list[Bar]) -> Section:
    return Section("activities", "活动与走访", "本学期共开展活动。",
                   bars=tuple(bar for group in groups for bar in group))


@pytest.mark.parametrize(("sizes", "screens"), [
    ([], []),
    ([2], [[2]]),
    ([2, 4], [[2, 4]]),            # small groups share a screen
    ([10, 9], [[10], [9]]),        # two long groups: one screen each
    ([4, 2, 4], [[4, 2], [4]]),    # in order, as few screens as fit
    ([40], [[40]]),                # one group taller than the budget still has a screen
    ([5, 5, 5], [[5], [5], [5]]),
])
def test_groups_are_packed_into_screens_in_order(sizes, screens):
    groups = [_group(f"g{n}", size) for n, size in enumerate(sizes)]
    packed = pack(groups)
    assert [[len(g) for g in screen] for screen in packed] == screens
    assert [g for screen in packed for g in screen] == groups
    for screen in packed:
        assert len(screen) == 1 or sum(chart_height(len(g)) for g in screen) <= CHART_BUDGET


def test_a_long_section_becomes_two_titled_screens_with_the_same_figures_and_text():
    section = _section(_group("活动", 10), _group("帮扶记录", 9))
    first, second = split(section)
    assert (first.title, second.title) == ("活动与走访（1/2）", "活动与走访（2/2）")
    assert {b.group for b in first.bars} == {"活动"}
    assert {b.group for b in second.bars} == {"帮扶记录"}
    assert first.text == second.text == section.text
    assert first.figures == second.figures == section.figures


@pytest.mark.parametrize("section", [
    _section(_group("类别", 4), _group("性别", 2)),
    Section("surveys", "问卷", "暂无问卷结果。", empty_hint="录入答案后即可统计。"),
])
def test_a_short_or_empty_section_stays_one_screen_under_its_own_title(section):
    assert split(section) == [section]


# ── the page, on the demo data ────────────────────────────────────────────────────────────

@pytest.fixture
def demo(db_url: str, engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SHOUWANG_DEMO", "1")
    seed_database(engine, scale="demo")


def _meeting(slide: int) -> AppTest:
    at = logged_in("admin")
    at.switch_page("pages/meeting.py")
    at.query_params["s"] = str(slide)
    return at.run()


def _text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.caption))


def _chart_titles(at: AppTest) -> list[str]:
    titles = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layer = spec.get("layer", [spec])[0]
        titles.append((spec.get("title") or layer.get("title") or {}).get("text"))
    return titles


def _slides() -> list[tuple[str, list[str], str]]:
    """(title, chart titles, page text) of every screen, turning with 下一页."""
    at = _meeting(1)
    count = int(next(m.value for m in at.markdown if " / " in m.value)
                .split(" / ")[1].split("<")[0])
    slides = []
    for number in range(1, count + 1):
        assert not at.exception, at.exception
        text = _text(at)
        assert f"{number} / {count}" in text
        title = html.unescape(next(m.value for m in at.markdown if "meeting-title" in m.value))
        slides.append((title, _chart_titles(at), text))
        if number < count:
            at.button(key="meeting_next").click().run()
    assert at.button(key="meeting_next").disabled
    return slides


def test_meeting_mode_splits_long_sections_and_draws_every_survey_question(demo):
    slides = _slides()
    titles = [title for title, _, _ in slides]
    assert any("活动与走访（1/2）" in t for t in titles)
    assert any("活动与走访（2/2）" in t for t in titles)
    # 活动 and 帮扶记录 each have a screen: together they would run past 720 px.
    activity_charts = [c for t, charts, _ in slides if "活动与走访" in t for c in charts]
    assert activity_charts == ["活动（人次）", "帮扶记录（人次）"]
    # The demo survey has three questions: each one's chart is drawn on some screen.
    survey_charts = [c for t, charts, _ in slides if "问卷" in t for c in charts]
    assert len(survey_charts) == 3, survey_charts
    # Small counts stay withheld on meeting screens, and the note says so.
    assert any(small_cells.NOTE in text for _, _, text in slides)
