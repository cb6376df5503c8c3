"""活动总结 draft: five headings in order, every figure equal to the statistics, no child named."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.vocab import (
    AcademicLevel,
    Category,
    ContactKind,
    DonationDirection,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    NeedKind,
    NeedStatus,
    RiskLevel,
    WishStatus,
)
from db.models import Activity, Attendance, Campaign, Child, Donation, Need, OrgUnit, Wish
from services.reports import report_draft
from services.reports.report_draft import (
    HEADINGS,
    NEXT_STEPS_PLACEHOLDER,
    PlaceCoverage,
    draft_markdown,
    low_coverage_places,
    period_label,
)
from services.roster.roster_filter import AgeBand
from services.stats.figures import Statistics, StatsScope, compute
from services.stats.stats_words import CLOSE, COLON, COMMA, OPEN, PAUSE, SEMI, STOP, pct
from tests.factories import make_helper, make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    make_child_in,
    make_contact,
    make_places,
    make_relative,
)

TERM = StatsScope(date(2026, 9, 1), date(2027, 1, 31))
PHONE, ID_NUMBER = "13812345678", "110101201503017777"


@dataclass
class World:
    town: OrgUnit
    far_town: OrgUnit
    children: dict[str, Child]


def _activity(session: Session, kind: str, on: date, children: list[Child], **extra: object
              ) -> None:
    activity = Activity(kind=kind, title=f"{kind} {on}", held_on=on, **extra)
    session.add(activity)
    session.flush()
    session.add_all(Attendance(activity_id=activity.id, child_id=c.id) for c in children)


@pytest.fixture
def world(session: Session) -> World:
    """石门镇: 李家村 4 children (3 paired), 张家村 1 (paired); 青山乡 王家村 2 (none paired)."""
    p = make_places(session)
    kids = {
        "林小雨": make_child_in(session, p.village, "林小雨", gender=Gender.female,
                             guardian_type=GuardianType.grandparents, risk_level=RiskLevel.red,
                             economic_status=EconomicStatus.hardship, id_number=ID_NUMBER,
                             academic_level=AcademicLevel.excellent,
                             categories=(Category.left_behind, Category.in_difficulty)),
        "王小红": make_child_in(session, p.village, "王小红", gender=Gender.female,
                             guardian_type=GuardianType.single_parent,
                             economic_status=EconomicStatus.average,
                             academic_level=AcademicLevel.good),
        "张小明": make_child_in(session, p.village, "张小明",
                             guardian_type=GuardianType.grandparents,
                             birth_date=date(2022, 5, 1)),
        "陈小军": make_child_in(session, p.village, "陈小军"),
        "周小亮": make_child_in(session, p.other_village, "周小亮",
                             categories=(Category.in_difficulty,)),
        "赵小刚": make_child_in(session, p.far_village, "赵小刚"),
        "孙小美": make_child_in(session, p.far_village, "孙小美", gender=Gender.female,
                             birth_date=date(2010, 2, 1)),
    }
    make_relative(session, kids["林小雨"], phone=PHONE)
    teacher = make_helper(session, org_unit=p.village, name="李老师", capacity=5)
    volunteer = make_helper(session, org_unit=p.other_village, name="刘志愿者",
                            kind=HelperKind.volunteer)
    for name in ("林小雨", "王小红", "张小明"):
        make_pairing(session, kids[name], teacher, started_on=date(2026, 3, 1))
    make_pairing(session, kids["周小亮"], volunteer, started_on=date(2026, 3, 1))
    make_contact(session, kids["林小雨"], teacher, date(2026, 10, 10), kind=ContactKind.home_visit)
    make_contact(session, kids["林小雨"], teacher, date(2026, 11, 20))
    make_contact(session, kids["王小红"], teacher, date(2026, 11, 5))
    make_contact(session, kids["周小亮"], volunteer, date(2026, 9, 15),
                 kind=ContactKind.phone_visit)
    make_contact(session, kids["周小亮"], volunteer, date(2026, 5, 15))  # before the term
    _activity(session, "safety_education", date(2026, 10, 1),
              [kids["林小雨"], kids["王小红"], kids["赵小刚"]], org_unit_id=p.town.id,
              sessions=2, extra_person_times=30)
    _activity(session, "festival_visit", date(2026, 9, 30), [kids["周小亮"]],
              org_unit_id=p.town.id)
    session.add_all([
        Need(child_id=kids["林小雨"].id, kind=NeedKind.economic, found_on=date(2026, 9, 20)),
        Need(child_id=kids["王小红"].id, kind=NeedKind.medical, status=NeedStatus.resolved,
             found_on=date(2026, 9, 2), resolved_on=date(2026, 10, 2)),
        Need(child_id=kids["周小亮"].id, kind=NeedKind.study, status=NeedStatus.linked,
             found_on=date(2026, 10, 3)),
        Wish(child_id=kids["林小雨"].id, content="一套画笔", collected_on=date(2026, 9, 10),
             status=WishStatus.fulfilled, fulfilled_on=date(2026, 10, 1)),
        Wish(child_id=kids["赵小刚"].id, content="一个书包", collected_on=date(2026, 9, 12)),
        Campaign(name="红色儿童入户走访", starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 30),
                 contact_kind=ContactKind.home_visit, risk_level=RiskLevel.red),
        Campaign(name="春季开学慰问", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31),
                 activity_kind="festival_visit"),
    ])
    donation = Donation(donated_on=date(2026, 10, 8), money_yuan=Decimal("1500.00"),
                        direction=DonationDirection.direct, org_unit_id=p.town.id)
    donation.recipients = [kids["林小雨"], kids["王小红"]]
    session.add(donation)
    session.commit()
    return World(p.town, p.other_town, kids)


@pytest.fixture
def stats(session: Session, world: World) -> Statistics:
    return compute(session, ADMIN, TERM, today=TODAY)


@pytest.fixture
def draft(session: Session, world: World, stats: Statistics) -> str:
    return draft_markdown(session, ADMIN, TERM, today=TODAY)


def _section(draft: str, number: int) -> str:
    """The text under the `number`-th (1-based) heading, up to the next."""
    start = draft.index(f"## {HEADINGS[number - 1]}")
    end = draft.find("\n## ", start + 1)
    return draft[start:] if end < 0 else draft[start:end]


def _one(pattern: str, text: str) -> tuple[str, ...]:
    found = re.findall(pattern, text)
    assert len(found) == 1, f"{pattern!r} matched {found!r}"
    return found[0] if isinstance(found[0], tuple) else (found[0],)


def test_draft_has_a_title_and_the_five_headings_in_order(draft: str, stats: Statistics) -> None:
    assert draft.splitlines()[0] == f"# {stats.org}2026年秋季学期关爱服务工作总结"
    headings = [line[3:] for line in draft.splitlines() if line.startswith("## ")]
    assert headings == list(HEADINGS)
    assert _section(draft, 5).split("\n\n")[1].strip() == NEXT_STEPS_PLACEHOLDER


def _label(code: str, vocab: type) -> str:
    return vocab(code).label()


# (where, pattern with one or more groups, the statistics' values as strings)
FIGURES: list[tuple[int, str, Callable[[Statistics], tuple[object, ...]]]] = [
    (1, "现有关爱对象(\\d+)人", lambda s: (s.children.total,)),
    (1, f"其中男生(\\d+)人{COMMA}占([\\d.]+%){COMMA}女生(\\d+)人",
     lambda s: (s.children.by_gender["male"], pct(s.children.by_gender["male"], s.children.total),
                s.children.by_gender["female"])),
    (1, "留守儿童(\\d+)人", lambda s: (s.children.by_category["left_behind"],)),
    (1, "困境儿童(\\d+)人", lambda s: (s.children.by_category["in_difficulty"],)),
    (1, "7周岁以下(\\d+)人", lambda s: (s.children.by_age_band["0-6"],)),
    (1, f"{OPEN}外{CLOSE}祖父母监护(\\d+)人{COMMA}占([\\d.]+%)",
     lambda s: (s.children.by_guardian_type["grandparents"],
                pct(s.children.by_guardian_type["grandparents"], s.children.total))),
    (1, "父母单方监护(\\d+)人", lambda s: (s.children.by_guardian_type["single_parent"],)),
    (1, "分布在(\\d+)个", lambda s: (len(s.children.by_town),)),
    (1, f"困难(\\d+)人{COMMA}占([\\d.]+%)",
     lambda s: (s.children.by_economic_status["hardship"],
                pct(s.children.by_economic_status["hardship"], s.children.total))),
    (1, "优秀(\\d+)人", lambda s: (s.children.by_academic_level["excellent"],)),
    (2, f"共有(\\d+)名帮扶人{OPEN}教师(\\d+)名{PAUSE}志愿者(\\d+)名{CLOSE}结对(\\d+)名儿童"
        f"{COMMA}结对率([\\d.]+%){SEMI}尚有(\\d+)名儿童未结对",
     lambda s: (s.pairing.helpers, s.pairing.helpers_by_kind["teacher"],
                s.pairing.helpers_by_kind["volunteer"], s.pairing.children_paired,
                pct(s.pairing.children_paired, s.pairing.children), s.pairing.unpaired)),
    (2, f"本学期共开展活动(\\d+)场{COMMA}服务(\\d+)人次",
     lambda s: (s.activities_total.sessions, s.activities_total.person_times)),
    (2, "安全教育(\\d+)场(\\d+)人次",
     lambda s: (s.activities_by_kind["safety_education"].sessions,
                s.activities_by_kind["safety_education"].person_times)),
    (2, "节日慰问(\\d+)场(\\d+)人次",
     lambda s: (s.activities_by_kind["festival_visit"].sessions,
                s.activities_by_kind["festival_visit"].person_times)),
    (2, "帮扶人开展帮扶(\\d+)人次", lambda s: (s.contacts_total,)),
    (2, f"家访(\\d+)人次{OPEN}(\\d+)名儿童{CLOSE}",
     lambda s: (s.contacts_by_kind["home_visit"].count, s.contacts_by_kind["home_visit"].children)),
    (2, f"谈心(\\d+)人次{OPEN}(\\d+)名儿童{CLOSE}",
     lambda s: (s.contacts_by_kind["talk"].count, s.contacts_by_kind["talk"].children)),
    (2, f"发放捐助资金([\\d,]+\\.\\d\\d)元{COMMA}受助儿童(\\d+)名",
     lambda s: (f"{s.donations['money_yuan']:,.2f}", s.donations["children_helped"])),
    (2, "正在落实的需求(\\d+)个", lambda s: (s.needs.by_status["linked"],)),
    (3, f"累计登记需求(\\d+)个{COMMA}已解决(\\d+)个{COMMA}解决率([\\d.]+%)",
     lambda s: (sum(s.needs.by_status.values()), s.needs.by_status["resolved"],
                pct(s.needs.by_status["resolved"], sum(s.needs.by_status.values())))),
    (3, f"本学期收集心愿(\\d+)个{COMMA}实现心愿(\\d+)个",
     lambda s: (s.wishes["collected"], s.wishes["fulfilled"])),
    (3, f"合计应完成(\\d+)项{COMMA}已完成(\\d+)项",
     lambda s: (sum(r.due for r in s.compliance), sum(r.met for r in s.compliance))),
    (4, "还有(\\d+)名儿童未结对", lambda s: (s.pairing.unpaired,)),
    (4, f"尚有(\\d+)个需求未解决{OPEN}经济困难(\\d+)个{PAUSE}学业(\\d+)个{CLOSE}",
     lambda s: (sum(s.open_needs_by_kind.values()), s.open_needs_by_kind["economic"],
                s.open_needs_by_kind["study"])),
    (4, "红色风险儿童(\\d+)人", lambda s: (s.children.by_risk_level["red"],)),
]


@pytest.mark.parametrize(("where", "pattern", "expected"), FIGURES,
                         ids=[f"{w}:{p[:12]}" for w, p, _ in FIGURES])
def test_each_figure_parses_back_to_the_statistics(draft: str, stats: Statistics, where: int,
                                                   pattern: str, expected: Callable) -> None:
    assert _one(pattern, _section(draft, where)) == tuple(str(v) for v in expected(stats))


def test_the_world_has_figures_worth_checking(stats: Statistics) -> None:
    """Guards the table above against passing on zeros."""
    assert stats.children.total == 7
    assert stats.pairing.children_paired == 4
    assert stats.activities_total.sessions == 3
    assert stats.contacts_total == 4
    assert stats.overdue > 0
    assert stats.donations["children_helped"] == 2


def _ints(value: object) -> Iterator[int]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, float) and value.is_integer():
        yield int(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _ints(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _ints(item)


def _allowed(stats: Statistics, session: Session) -> set[int]:
    """Every integer the draft may print: the statistics, their sums, campaign and place figures,
    and numbers inside labels (rule names, age bands)."""
    data = stats.as_json()
    allowed = set(_ints(data))
    allowed |= {sum(r.due for r in stats.compliance), sum(r.met for r in stats.compliance),
                sum(stats.needs.by_status.values()), stats.overdue,
                stats.needs.by_status["open"] + stats.needs.by_status["linked"],
                sum(stats.open_needs_by_kind.values()), len(stats.children.by_town),
                len(stats.children.by_village), stats.contacts_total,
                stats.activities_total.sessions, stats.activities_total.person_times}
    labels = " ".join([r.name for r in stats.compliance] + [b.label() for b in AgeBand])
    allowed |= {int(n) for n in re.findall(r"\d+", labels)}
    campaigns = report_draft.campaigns_in_period(session, ADMIN, TERM, today=TODAY)
    allowed |= {len(campaigns)} | {n for c in campaigns for n in (c.target, c.reached)}
    places = low_coverage_places(session, ADMIN, TERM)
    allowed |= {len(places)} | {n for p in places for n in (p.children, p.paired)}
    return allowed | {2026, 80, 16}  # the period, the coverage threshold, 已满16周岁


def test_every_number_in_the_draft_comes_from_the_statistics(
        session: Session, draft: str, stats: Statistics) -> None:
    body = re.sub(r"\d+\.\d%", "", draft.replace("2026年秋季学期", ""))  # shares: checked below
    body = body.replace("截至2026年11月28日", "")  # the term is still running on TODAY
    body = body.replace("\n2026年11月28日\n", "\n")  # the 落款's date
    body = re.sub(r"[\d,]+\.\d\d元", "", body)
    body = re.sub(r"(?m)^\d+、", "", body)  # 四's numbering
    allowed = _allowed(stats, session)
    printed = {int(n) for n in re.findall(r"\d+", body)}
    assert printed <= allowed, printed - allowed
    counts = sorted(allowed)
    shares = {pct(a, b) for a in counts for b in counts if 0 <= a <= b}
    assert set(re.findall(r"\d+\.\d%", draft)) <= shares


def test_low_completion_rates_are_listed_under_problems_lowest_first(
        draft: str, stats: Statistics) -> None:
    """A rule done 0.0% is a problem, not only a line under 工作成效."""
    low = sorted((r for r in stats.compliance if r.due and r.met < r.due * 0.6),
                 key=lambda r: (r.met / r.due, r.name))
    assert low and any(r.met == 0 for r in low)
    problems = _section(draft, 4)
    listed = _one(f"完成率不足六成{OPEN}(\\d+)项{CLOSE}{COLON}([^{STOP}]+){STOP}", problems)
    assert listed[0] == str(len(low))
    expected = [f"{r.name}应完成{r.due}项{COMMA}已完成{r.met}项{COMMA}完成率{pct(r.met, r.due)}"
                for r in low]
    assert listed[1] == SEMI.join(expected).replace("(", OPEN).replace(")", CLOSE)
    fine = [r for r in stats.compliance if r.due and r.met >= r.due * 0.6]
    assert not any(f"{r.name}应完成" in problems for r in fine)


def test_no_low_completion_paragraph_when_every_rule_is_on_track(stats: Statistics) -> None:
    done = [replace(r, met=r.due) for r in stats.compliance]
    assert report_draft.low_completion_text(replace(stats, compliance=done)) == ""


def test_masked_draft_leaves_out_rules_whose_counts_are_small(stats: Statistics) -> None:
    """Masked, a rule due to fewer than 5 items would name a few children: left out."""
    text = report_draft.low_completion_text(stats, report_draft._Teller(masked=True))
    assert text == ""  # every rule in the world is due fewer than 5 items


def test_draft_ends_with_the_unit_and_the_date(draft: str, stats: Statistics) -> None:
    lines = [line for line in draft.splitlines() if line.strip()]
    assert lines[-2:] == [stats.org, "2026年11月28日"]


def test_campaign_reach_is_written_with_full_width_punctuation(draft: str) -> None:
    assert f"{OPEN}帮扶{COLON}家访{CLOSE}" in _section(draft, 2)


def test_no_ascii_punctuation_beside_chinese_and_no_corner_quotes(draft: str) -> None:
    assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", draft), (
        re.findall(r".{3}[,:;()].{3}", draft))
    assert "「" not in draft and "」" not in draft
    assert "1,500.00元" in draft  # thousands separators between digits stay


def test_low_coverage_lists_villages_under_80_percent_lowest_first(
        session: Session, world: World, draft: str) -> None:
    places = low_coverage_places(session, ADMIN, TERM)
    assert places == [PlaceCoverage("青山乡", "王家村", 2, 0),
                      PlaceCoverage("石门镇", "李家村", 4, 3)]
    problems = _section(draft, 4)
    assert (f"低于80%的有2个{COLON}青山乡王家村0.0%{OPEN}0/2人{CLOSE}{PAUSE}"
            f"石门镇李家村75.0%{OPEN}3/4人{CLOSE}{STOP}") in problems
    assert "张家村" not in problems


def test_low_coverage_follows_the_scope_and_categories(session: Session, world: World) -> None:
    only_difficulty = StatsScope(TERM.date_from, TERM.date_to,
                                 categories=(Category.in_difficulty,))
    assert low_coverage_places(session, ADMIN, only_difficulty) == []  # both are paired
    far = coordinator_of(world.far_town)
    assert [p.village for p in low_coverage_places(session, far, TERM)] == ["王家村"]


def test_only_campaigns_overlapping_the_period_are_listed(draft: str) -> None:
    measures = _section(draft, 2)
    assert (f"本学期开展专项行动1项{COLON}“红色儿童入户走访”{OPEN}帮扶{COLON}家访{CLOSE}"
            f"目标1人{COMMA}已覆盖1人{COMMA}覆盖率100.0%{STOP}") in measures
    assert "春季开学慰问" not in measures


def test_no_child_name_phone_or_id_number_appears(draft: str, world: World) -> None:
    for name in world.children:
        assert name not in draft
    assert PHONE not in draft
    assert ID_NUMBER not in draft
    assert "李老师" not in draft and "刘志愿者" not in draft


def test_a_coordinator_gets_their_own_unit(session: Session, world: World) -> None:
    text = draft_markdown(session, coordinator_of(world.far_town), TERM, today=TODAY)
    assert text.startswith("# 青山乡2026年秋季学期关爱服务工作总结")
    assert _one("现有关爱对象(\\d+)人", text) == ("2",)
    assert "红色儿童入户走访" in text  # an everyone-campaign shows in every unit


def test_an_empty_database_still_gives_the_five_parts(session: Session) -> None:
    text = draft_markdown(session, ADMIN, TERM, today=TODAY)
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == list(HEADINGS)
    assert "暂无儿童档案" in _section(text, 1)
    assert "暂未发现突出问题" in _section(text, 4)


def test_given_statistics_are_used_as_they_are(session: Session, world: World,
                                               stats: Statistics,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> Statistics:
        raise AssertionError("computed again")

    monkeypatch.setattr(report_draft, "compute", refuse)
    assert draft_markdown(session, ADMIN, TERM, today=TODAY, stats=stats).startswith("# ")


@pytest.mark.parametrize(("start", "end", "label"), [
    (date(2026, 9, 1), date(2027, 1, 31), "2026年秋季学期"),
    (date(2026, 2, 1), date(2026, 8, 31), "2026年春季学期"),
    (date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
    (date(2026, 1, 1), date(2026, 12, 31), "2026年"),
    (date(2026, 9, 1), date(2027, 8, 31), "2026—2027学年"),
    (date(2026, 9, 1), date(2026, 11, 28), "2026-09-01至2026-11-28"),
])
def test_period_label(start: date, end: date, label: str) -> None:
    assert period_label(StatsScope(start, end)) == label
