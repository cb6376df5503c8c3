"""The statistics in words: every number in a section's sentence is read back and checked
against figures worked out by hand for tests/services/stats/test_stats.py's small county.

The text's punctuation is full-width; the patterns use the module's constants (COMMA …) or
\\u escapes, never ASCII look-alikes.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.vocab import Category
from db.models import CareRule, Child, OrgUnit, SurveyAnswer, SurveyQuestion
from services.roster.roster_filter import RosterFilter
from services.roster.roster_search import filtered_child_ids
from services.stats.figures import StatsScope, compute
from services.stats.stats_text import sections
from services.stats.stats_words import CLOSE, COLON, COMMA, OPEN, PAUSE, SEMI, STOP, Section
from tests.factories import make_child
from tests.pairing_factories import ADMIN, TODAY, coordinator_of, helper_actor
from tests.services.stats.test_stats import END, QUESTION, START, World, build_world

NOT_PUNCT = f"[^{COMMA}{SEMI}{COLON}{PAUSE}{OPEN}{CLOSE}{STOP}]"
# "男生3人，占60.0%": a label, a count, a share with one decimal
SHARE = re.compile(f"({NOT_PUNCT}+?)(\\d+)人{COMMA}占(\\d+\\.\\d)%")


def shares(text: str) -> dict[str, tuple[int, str]]:
    """Every "label N人，占x.x%" of a sentence: label → (N, "x.x")."""
    return {label: (int(n), share) for label, n, share in SHARE.findall(text)}


def pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}"


@pytest.fixture
def world(session: Session) -> World:
    world = build_world(session)
    # one rule, so the 帮扶要求 sentence is worked out by hand
    session.execute(update(CareRule).values(is_active=CareRule.code == "term_home_visit"))
    session.flush()
    return world


def county_sections(session: Session, **scope) -> dict[str, Section]:
    stats = compute(session, ADMIN, StatsScope(START, END, **scope), today=END)
    return {s.key: s for s in sections(stats)}


def test_basics(session, world):
    text = county_sections(session)["basics"].text
    assert text.startswith(f"平安县现有关爱对象5人{OPEN}留守儿童3人{PAUSE}困境儿童2人{PAUSE}"
                           f"残障儿童1人{CLOSE}{STOP}")
    # The share of enrolled students names both populations: the children at the schools
    # that state their enrolment (甲 丙), against those schools' 40 students.
    assert text.endswith(f"在已填报在籍人数的1所学校就读的关爱对象2人{COMMA}"
                         f"占这些学校在籍学生40人的5.0%{STOP}")
    found = shares(text)
    assert found["其中男生"] == (3, "60.0")
    assert found["女生"] == (2, "40.0")
    # ages on 2026-11-30: 乙 6; 甲 7, 己 11; 戊 14; 丙 16
    assert found["7周岁以下"] == (1, "20.0")
    assert found["7–12岁"] == (2, "40.0")
    assert found["13–15岁"] == (1, "20.0")
    assert found["16–18岁"] == (1, "20.0")
    assert len(found) == 6


def test_guardianship_family_and_distribution(session, world):
    by_key = county_sections(session)
    guardians = by_key["guardianship"].text
    assert guardians.startswith(f"监护方式{COLON}（外）祖父母监护2人")
    assert f"{STOP}留守类型{COLON}父母双方外出2人" in guardians
    assert shares(guardians) == {
        # SHARE reads "（外）" as punctuation, so the label starts after it.
        "祖父母监护": (2, "40.0"), "父母单方监护": (1, "20.0"),
        "亲友监护": (1, "20.0"), "其他": (1, "20.0"),
        "父母双方外出": (2, "40.0"), "父亲外出": (1, "20.0"),
        "母亲外出": (1, "20.0")}
    family = by_key["family"].text
    assert family.startswith(f"家庭经济状况{COLON}困难2人")
    assert f"{STOP}学习成绩{COLON}优秀1人" in family
    assert shares(family) == {
        "困难": (2, "40.0"), "一般": (1, "20.0"), "较好": (1, "20.0"),
        "优秀": (1, "20.0"), "良好": (1, "20.0"), "中等": (1, "20.0"),
        "较差": (1, "20.0")}
    distribution = by_key["distribution"].text
    places = re.search(f"分布在(\\d+)个乡镇（街道）{COMMA}人数较多的是(.+?){STOP}",
                       distribution)
    assert places and places.group(1) == "3"
    assert places.group(2) == f"石门镇3人{PAUSE}城关街道1人{PAUSE}青山乡1人"
    assert shares(distribution) == {"居住在山区的": (3, "60.0"), "在乡镇的": (4, "80.0")}


def test_safety(session, world):
    text = county_sections(session)["safety"].text
    assert shares(text) == {"曾发生安全事故的": (1, "20.0")}
    assert f"重点关注1人{SEMI}寄宿2人{STOP}" in text
    assert (f"风险等级{COLON}红色1人{PAUSE}黄色1人{PAUSE}蓝色1人{PAUSE}绿色1人{PAUSE}"
            f"未评估1人{STOP}") in text
    # 乙's psychological need is linked, not resolved: still open
    assert f"尚未解决的心理方面需求1个{SEMI}已满16周岁待复核1人{STOP}" in text


def test_pairing(session, world):
    text = county_sections(session)["pairing"].text
    match = re.fullmatch(f"(\\d+)名帮扶人{OPEN}(.+){CLOSE}结对(\\d+)名儿童{COMMA}"
                         f"结对率(\\d+\\.\\d)%{SEMI}尚有(\\d+)名儿童未结对{STOP}", text)
    assert match, text
    helpers, kinds, paired, rate, unpaired = match.groups()
    assert (helpers, paired, rate, unpaired) == ("4", "2", "40.0", "3")
    assert kinds == f"教师2名{PAUSE}志愿者1名{PAUSE}社工1名"


def test_activities_and_contacts(session, world):
    text = county_sections(session)["activities"].text
    head = re.match(f"本期共开展活动(\\d+)场{COMMA}服务(\\d+)人次{COMMA}其中(.+?){STOP}", text)
    assert head, text
    assert head.group(1, 2) == ("5", "14")
    kinds = dict((label, (int(n), int(times))) for label, n, times in
                 re.findall(f"({NOT_PUNCT}+?)(\\d+)场(\\d+)人次", head.group(3)))
    assert kinds == {"安全教育": (1, 7), "心理健康": (1, 5), "课业辅导": (2, 1),
                     "节日慰问": (1, 1)}
    visits = re.search(f"帮扶人开展帮扶(\\d+)人次{COLON}(.+?){STOP}", text)
    assert visits and visits.group(1) == "5"
    assert re.findall(f"({NOT_PUNCT}+?)(\\d+)人次{OPEN}(\\d+)名儿童{CLOSE}",
                      visits.group(2)) == [
        ("家访", "2", "1"), ("电访", "1", "1"), ("谈心", "1", "1"), ("亲情电话", "1", "1")]


def test_needs_and_giving(session, world):
    text = county_sections(session)["needs"].text
    assert text == (f"登记需求4个{OPEN}待对接1个{PAUSE}已对接1个{PAUSE}已解决1个{PAUSE}"
                    f"已关闭1个{CLOSE}{STOP}本期收集心愿2个{COMMA}实现心愿2个{STOP}"
                    f"本期发放捐助资金800.50元{COMMA}受助儿童3名{STOP}")


def test_care_rules(session, world):
    # 甲–李老师 visited on 09-01: met; 戊–王老师 never, nor last term: overdue
    section = county_sections(session)["compliance"]
    assert section.text == (f"每学期家访至少1次应完成2项{COMMA}已完成1项{COMMA}完成率50.0%"
                            f"{COMMA}逾期1项{STOP}")
    assert {f.label: f.value for f in section.figures} == {"总完成率": "50.0%",
                                                           "逾期待办": "1项"}


def test_surveys(session, world):
    text = county_sections(session)["surveys"].text
    asked = QUESTION.replace("?", "？")  # a question stored with "?" is shown full-width
    assert text == (f"“{asked}”0次25.0%{OPEN}1{CLOSE}{PAUSE}1-2次50.0%{OPEN}2{CLOSE}"
                    f"{PAUSE}3次以上25.0%{OPEN}1{CLOSE}{STOP}")


def test_a_townships_sentences(session, world):
    by_key = county_sections(session, org_unit_id=world.town.id)
    assert by_key["basics"].text.startswith(f"石门镇现有关爱对象3人{OPEN}留守儿童2人{PAUSE}"
                                            f"困境儿童2人{CLOSE}")
    found = shares(by_key["basics"].text)
    assert (found["其中男生"], found["女生"]) == ((2, "66.7"), (1, "33.3"))
    # one town: the villages are listed
    assert "分布在2个村（社区）" in by_key["distribution"].text
    assert "结对率33.3%" in by_key["pairing"].text


def test_every_share_has_one_decimal(session, world):
    for section in county_sections(session).values():
        for share in re.findall(r"(\d+(?:\.\d+)?)%", section.text):
            assert re.fullmatch(r"\d+\.\d", share), (section.key, share)
        for figure in section.figures:
            if figure.value.endswith("%"):
                assert re.fullmatch(r"\d+\.\d%", figure.value), figure


def test_an_empty_database_hints_what_to_do(session):
    for section in county_sections(session).values():
        assert section.empty_hint, section.key
        assert section.is_empty
        assert not section.bars


# ---- the bars' roster links --------------------------------------------------------------

SCOPES = [
    pytest.param({}, id="county"),
    pytest.param({"org": "town"}, id="town"),
    pytest.param({"org": "town", "categories": (Category.left_behind,)}, id="town-left-behind"),
]


def _scope(world: World, spec: dict) -> StatsScope:
    org = getattr(world, spec["org"]).id if "org" in spec else None
    # the period ends today, so the roster's ages (today) are the figures' ages (the end)
    return StatsScope(START, TODAY, org, spec.get("categories", ()))


@pytest.mark.parametrize("spec", SCOPES)
def test_links_round_trip_and_keep_the_scope(session, world, spec):
    scope = _scope(world, spec)
    linked = [b for s in sections(compute(session, ADMIN, scope, today=TODAY)) for b in s.bars
              if b.link is not None]
    assert len(linked) > 10
    for bar in linked:
        again = RosterFilter.from_query_params(bar.link)
        assert again.to_query_params() == bar.link
        assert again.org_unit_id == scope.org_unit_id
        if bar.group != "儿童类别":
            assert again.categories == scope.categories, bar


@pytest.mark.parametrize("spec", SCOPES)
def test_a_bars_link_lists_as_many_children_as_the_bar_counts(session, world, spec):
    scope = _scope(world, spec)
    for section in sections(compute(session, ADMIN, scope, today=TODAY)):
        for bar in section.bars:
            if bar.link is None:
                continue
            listed = session.scalar(select(func.count()).select_from(filtered_child_ids(
                ADMIN, RosterFilter.from_query_params(bar.link), today=TODAY).subquery()))
            assert listed == bar.value, (
                f"bar {bar.group}/{bar.label} counts {bar.value} children but its roster link "
                f"{dict(bar.link)} lists {listed}")


def test_the_period_end_is_the_age_day(session, world):
    """Sanity for the link test: the figures there are taken on TODAY, not the 30th."""
    stats = compute(session, ADMIN, StatsScope(START, TODAY), today=TODAY)
    # 甲 turns 7 on the 30th: on the 28th 甲 is 6
    assert stats.children.by_age_band["0-6"] == 2
    assert START < TODAY < END == date(2026, 11, 30)


# ---- a child served in one town and counted in another ------------------------------------

@pytest.fixture
def commuter(session: Session, world: World) -> Child:
    """庚 lives in 青山乡's 王家村 and studies at 石门镇's school."""
    far = session.scalar(select(OrgUnit).where(OrgUnit.name == "王家村"))
    child = make_child(session, village=far, name="庚", school_id=world.school.id)
    session.flush()
    return child


@pytest.mark.parametrize("who", ["admin-town", "coordinator-town", "admin-school",
                                 "admin-other-town"])
def test_bars_and_their_lists_count_a_commuter_once_where_they_live(session, world, commuter,
                                                                   who):
    """The town's bars leave 庚 out (青山乡 counts 庚), the school's count 庚 (enrolled there),
    and each bar's roster link lists exactly the children the bar counts."""
    role, unit = who.split("-", 1)
    org = {"town": world.town, "school": world.school, "other-town": world.other_town}[unit]
    actor = coordinator_of(org) if role == "coordinator" else ADMIN
    scope = StatsScope(START, TODAY, None if role == "coordinator" else org.id)
    stats = compute(session, actor, scope, today=TODAY)
    counted = filtered_child_ids(actor, RosterFilter(org_unit_id=org.id, counted_only=True),
                                 today=TODAY).subquery()
    listed_ids = set(session.scalars(select(counted.c.id)))
    assert (commuter.id in listed_ids) == (unit != "town")
    assert stats.children.total == len(listed_ids)
    linked = 0
    for section in sections(stats):
        for bar in section.bars:
            if bar.link is None:
                continue
            linked += 1
            listed = session.scalar(select(func.count()).select_from(filtered_child_ids(
                actor, RosterFilter.from_query_params(bar.link), today=TODAY).subquery()))
            assert listed == bar.value, (bar, dict(bar.link), listed)
    assert linked > 5
    if who == "coordinator-town":
        # served by the town (its school), counted where 庚 lives, and said so
        assert stats.children.attending_from_elsewhere == 1
        distribution = next(s for s in sections(stats) if s.key == "distribution")
        assert "另有在本镇学校就读、户籍在外镇的儿童1人" in distribution.text


# ── English ──────────────────────────────────────────────────────────────────────────────
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LATIN_ORGS = {"平安县": "Ping'an County", "石门镇": "Shimen", "青山乡": "Qingshan",
              "城关街道": "Chengguan", "李家村": "Lijia", "张家村": "Zhangjia",
              "石门镇中心小学": "Shimen Central School", "石门镇第二小学": "Shimen No. 2 School",
              "王家村": "Wangjia", "东街社区": "Dongjie"}
LATIN_ANSWERS = {"0次": "never", "1-2次": "once or twice", "3次以上": "three times or more"}


def latin_world(session: Session) -> None:
    """The small county with every name that reaches the statistics written in Latin letters,
    so any Chinese character in the English sentences is the module's own."""
    for zh, latin in LATIN_ORGS.items():
        session.execute(update(OrgUnit).where(OrgUnit.name == zh).values(name=latin))
    session.execute(update(CareRule).values(name="A home visit every term"))
    session.execute(update(SurveyQuestion).values(
        text="How often do you call your parents each week?",
        options=list(LATIN_ANSWERS.values())))
    for zh, latin in LATIN_ANSWERS.items():
        session.execute(update(SurveyAnswer).where(SurveyAnswer.answer == zh)
                        .values(answer=latin))
    session.flush()


def all_words(found: list[Section]) -> list[str]:
    words = []
    for s in found:
        words += [s.title, s.text, s.empty_hint or "", *s.extras.values()]
        words += [w for f in s.figures for w in (f.label, f.value)]
        words += [w for b in s.bars for w in (b.group, b.label)]
    return words


@pytest.mark.parametrize("suppress", [False, True])
@pytest.mark.parametrize("who", ["admin", "town", "school", "helper"])
def test_english_sections_have_no_chinese(session, world, suppress, who):
    latin_world(session)
    actor = {"admin": ADMIN, "town": coordinator_of(world.town),
             "school": coordinator_of(world.school),
             "helper": helper_actor(world.helpers["li"])}[who]
    for scope in (StatsScope(START, END), StatsScope(START, END, categories=(Category.disabled,)),
                  StatsScope(START, TODAY)):
        stats = compute(session, actor, scope, today=TODAY)
        english = sections(stats, suppress=suppress, lang="en")
        assert [s.key for s in english] == [s.key for s in sections(stats, suppress=suppress)]
        for words in all_words(english):
            assert not CHINESE.search(words), (who, words)
        # The Chinese words are those of the default, untouched by the new parameter.
        assert sections(stats, suppress=suppress, lang="zh") == sections(stats, suppress=suppress)


def test_english_reads_as_english(session, world):
    latin_world(session)
    by_key = {s.key: s for s in sections(compute(session, ADMIN, StatsScope(START, END),
                                                 today=END), lang="en")}
    assert by_key["basics"].text.startswith("Ping'an County has 5 children in care (")
    assert "Boys: 3 (60.0%); girls: 2 (40.0%)." in by_key["basics"].text
    assert by_key["surveys"].text.startswith("“How often do you call your parents each week?”: ")
    # The Chinese sentence is the one it always was, with the data's own names.
    zh = {s.key: s for s in sections(compute(session, ADMIN, StatsScope(START, END), today=END))}
    assert zh["basics"].text.startswith(
        f"Ping'an County现有关爱对象5人{OPEN}留守儿童3人{PAUSE}困境儿童2人{PAUSE}残障儿童1人"
        f"{CLOSE}{STOP}其中男生3人{COMMA}占60.0%")


def test_english_empty_states_have_no_chinese(session):
    stats = compute(session, ADMIN, StatsScope(START, END), today=END)
    for pages in (None, frozenset()):
        for words in all_words(sections(stats, pages=pages, lang="en")):
            assert not CHINESE.search(words), words
