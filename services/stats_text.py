"""The statistics written out as the seeds write them, one section per heading of DESIGN.md.

Each `Section` carries the sentence ("其中男生8人,占47.1%…"), the headline figures for meeting
mode and the deck, and the bars its chart draws, each bar with the roster filter it stands for.
The dashboard, the CLI, the written 活动总结 and the deck all read these, so a figure is worded
once. Shares have one decimal with the count beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from services.roster_search import AgeBand, PairingState, RosterFilter
from services.stats import Statistics
from services.vocab import (
    AcademicLevel,
    Category,
    ContactKind,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedStatus,
    RiskLevel,
    Vocabulary,
)

# Full-width punctuation, written as escapes so no tool along the way turns it into ASCII.
COMMA, SEMI, COLON, PAUSE = "\uff0c", "\uff1b", "\uff1a", "\u3001"
OPEN, CLOSE, STOP = "\uff08", "\uff09", "\u3002"
UNASSESSED_LABEL = "未评估"


@dataclass(frozen=True)
class Bar:
    """One bar or slice: its chart group, label, count, the code that fixes its colour, and the
    roster URL filter that lists the children behind it (None when it is not about children)."""

    group: str
    label: str
    value: int
    code: str
    link: Mapping[str, str | list[str]] | None = None


@dataclass(frozen=True)
class Figure:
    """A headline number for meeting mode and the deck: "留守儿童" / "17人"."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    text: str
    figures: tuple[Figure, ...] = ()
    bars: tuple[Bar, ...] = ()
    empty_hint: str | None = None  # set when there is nothing to show: what to import or log
    page: str | None = None  # where the list behind the bars lives, when not the roster
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.empty_hint is not None


def pct(count: float, total: float) -> str:
    """"30.4%": one decimal, as the summaries print shares; "—" when there is no total."""
    return f"{count / total:.1%}" if total else "—"


def counted(count: int, total: int, unit: str = "人") -> str:
    """"17人,占10.0%"."""
    return f"{count}{unit}{COMMA}占{pct(count, total)}"


def _listing(parts: list[str]) -> str:
    return SEMI.join(p for p in parts if p)


def _vocab_parts(counts: Mapping[str, int], vocab: type[Vocabulary], total: int,
                 unit: str = "人") -> list[str]:
    return [f"{vocab(code).label()}{counted(n, total, unit)}" for code, n in counts.items() if n]


class _Links:
    """Roster URL filters inside the statistics' own scope (unit and categories)."""

    def __init__(self, stats: Statistics) -> None:
        self.base = RosterFilter(org_unit_id=stats.scope.org_unit_id,
                                 categories=stats.scope.categories)

    def __call__(self, **narrowing: object) -> dict[str, str | list[str]]:
        return replace(self.base, **narrowing).to_query_params()


def _vocab_bars(group: str, counts: Mapping[str, int], vocab: type[Vocabulary],
                link: Callable[[str], dict[str, str | list[str]] | None]) -> list[Bar]:
    return [Bar(group, vocab(code).label(), n, code, link(code)) for code, n in counts.items()]


def basics(s: Statistics, link: _Links) -> Section:
    c = s.children
    total = c.total
    if not total:
        return Section("basics", "基本情况", "暂无儿童档案。",
                       empty_hint="请先在「儿童档案」导入或登记儿童名单。")
    kinds = PAUSE.join(f"{Category(code).label()}{n}人" for code, n in c.by_category.items() if n)
    enrolled = ""
    if c.share_of_enrolled is not None:
        enrolled = (f"{COMMA}占在籍学生总数{c.enrolled_students}人的"
                    f"{pct(c.enrolled_children, c.enrolled_students)}")
    boys, girls = c.by_gender[Gender.male.value], c.by_gender[Gender.female.value]
    ages = [f"{AgeBand(code).label()}{counted(n, total)}" for code, n in c.by_age_band.items()]
    text = (f"{s.org}现有关爱对象{total}人{OPEN}{kinds}{CLOSE}{enrolled}{STOP}"
            f"其中男生{counted(boys, total)}{COMMA}女生{counted(girls, total)}{STOP}"
            f"按年龄{COLON}{_listing(ages)}{STOP}")
    figures = [Figure("儿童总数", f"{total}人")]
    figures += [Figure(Category(code).label(), f"{n}人") for code, n in c.by_category.items() if n]
    if c.share_of_enrolled is not None:
        figures.append(Figure("占在籍学生", pct(c.enrolled_children, c.enrolled_students)))
    chosen = set(s.scope.categories)
    # The roster's category filter means "any of": a bar inside a category filter can only be
    # listed when it is one of the chosen categories.
    bars = _vocab_bars("儿童类别", c.by_category, Category,
                       lambda code: link(categories=(Category(code),))
                       if not chosen or Category(code) in chosen else None)
    bars += _vocab_bars("性别", c.by_gender, Gender, lambda code: None)
    bars += [Bar("年龄", AgeBand(code).label(), n, f"age_{code}", link(age_bands=(AgeBand(code),)))
             for code, n in c.by_age_band.items()]
    return Section("basics", "基本情况", text, tuple(figures), tuple(bars))


def guardianship(s: Statistics, link: _Links) -> Section:
    c = s.children
    if not c.total:
        return Section("guardianship", "监护与留守", "暂无儿童档案。",
                       empty_hint="导入名单时填写「监护类型」「留守类型」即可统计。")
    guardians = _vocab_parts(c.by_guardian_type, GuardianType, c.total)
    away = _vocab_parts(c.by_left_behind_type, LeftBehindType, c.total)
    text = f"监护方式{COLON}{_listing(guardians) or '未填写'}{STOP}"
    if away:
        text += f"留守类型{COLON}{_listing(away)}{STOP}"
    top = max(c.by_guardian_type.items(), key=lambda item: item[1])
    figures = (Figure(f"{GuardianType(top[0]).label()}", pct(top[1], c.total)),
               Figure("父母双方外出", f"{c.by_left_behind_type['both_parents_away']}人"))
    bars = _vocab_bars("监护类型", c.by_guardian_type, GuardianType,
                       lambda code: link(guardian_types=(GuardianType(code),)))
    bars += _vocab_bars("留守类型", c.by_left_behind_type, LeftBehindType,
                        lambda code: link(left_behind_types=(LeftBehindType(code),)))
    return Section("guardianship", "监护与留守", text, figures, tuple(bars))


def distribution(s: Statistics, link: _Links) -> Section:
    c = s.children
    if not c.total:
        return Section("distribution", "分布", "暂无儿童档案。",
                       empty_hint="请先导入儿童名单(含乡镇、村、学校)。")
    places = c.by_town if s.by_towns else c.by_village
    level = "乡镇(街道)" if s.by_towns else "村(社区)"
    top = PAUSE.join(f"{name}{n}人" for name, n in list(places.items())[:5])
    text = (f"分布在{len(places)}个{level}{COMMA}人数较多的是{top}{STOP}"
            f"居住在山区的{counted(c.in_mountain_area, c.total)}{SEMI}"
            f"在乡镇的{counted(c.in_townships, c.total)}{STOP}")
    figures = (Figure(f"{level}数", f"{len(places)}个"),
               Figure("山区", pct(c.in_mountain_area, c.total)),
               Figure("在乡镇", pct(c.in_townships, c.total)))
    bars = tuple(Bar(level, name, n, f"place_{i}", None)
                 for i, (name, n) in enumerate(list(places.items())[:15]))
    return Section("distribution", "分布", text, figures, bars)


def family_and_study(s: Statistics, link: _Links) -> Section:
    c = s.children
    if not c.total:
        return Section("family", "家庭与学业", "暂无儿童档案。",
                       empty_hint="导入名单时填写「家庭经济状况」「学业成绩」即可统计。")
    economy = _vocab_parts(c.by_economic_status, EconomicStatus, c.total)
    study = _vocab_parts(c.by_academic_level, AcademicLevel, c.total)
    text = (f"家庭经济状况{COLON}{_listing(economy) or '未填写'}{STOP}"
            f"学习成绩{COLON}{_listing(study) or '未填写'}{STOP}")
    figures = (Figure("家庭经济困难", pct(c.by_economic_status["hardship"], c.total)),
               Figure("成绩优秀", pct(c.by_academic_level["excellent"], c.total)))
    bars = _vocab_bars("家庭经济", c.by_economic_status, EconomicStatus,
                       lambda code: link(economic_statuses=(EconomicStatus(code),)))
    bars += _vocab_bars("学业成绩", c.by_academic_level, AcademicLevel,
                        lambda code: link(academic_levels=(AcademicLevel(code),)))
    return Section("family", "家庭与学业", text, figures, tuple(bars))


def safety(s: Statistics, link: _Links) -> Section:
    c = s.children
    if not c.total:
        return Section("safety", "安全与心理", "暂无儿童档案。",
                       empty_hint="导入名单并做四色风险评估后即可统计。")
    psych = s.open_needs_by_kind.get(NeedKind.psychological.value, 0)
    risks = [f"{RiskLevel(code).label()}色{n}人" if code != "unassessed"
             else f"{UNASSESSED_LABEL}{n}人" for code, n in c.by_risk_level.items() if n]
    text = (f"曾发生安全事故的{counted(c.safety_incident, c.total)}{SEMI}"
            f"重点关注{c.key_concern}人{SEMI}寄宿{c.boarding}人{STOP}"
            f"风险等级{COLON}{PAUSE.join(risks)}{STOP}"
            f"尚未解决的心理方面需求{psych}个{SEMI}已满16周岁待复核{c.aged_out_review}人{STOP}")
    figures = (Figure("曾发生安全事故", pct(c.safety_incident, c.total)),
               Figure("红色风险", f"{c.by_risk_level['red']}人"),
               Figure("待解决心理需求", f"{psych}个"))
    bars = [Bar("风险等级", RiskLevel(code).label() if code != "unassessed" else UNASSESSED_LABEL,
                n, f"risk_{code}", link(risk_levels=(code if code == "unassessed"
                                                     else RiskLevel(code),)))
            for code, n in c.by_risk_level.items()]
    return Section("safety", "安全与心理", text, figures, tuple(bars))


def pairing(s: Statistics, link: _Links) -> Section:
    p = s.pairing
    if not p.children:
        return Section("pairing", "结对帮扶", "暂无儿童档案。",
                       empty_hint="导入儿童和帮扶人后,在「结对帮扶」为儿童结对。")
    kinds = PAUSE.join(f"{HelperKind(code).label()}{n}名" for code, n in p.helpers_by_kind.items()
                       if n)
    text = (f"{p.helpers}名帮扶人{OPEN}{kinds or '暂无'}{CLOSE}结对{p.children_paired}名儿童"
            f"{COMMA}结对率{pct(p.children_paired, p.children)}{SEMI}"
            f"尚有{p.unpaired}名儿童未结对{STOP}")
    figures = (Figure("帮扶人", f"{p.helpers}名"), Figure("已结对", f"{p.children_paired}人"),
               Figure("结对率", pct(p.children_paired, p.children)),
               Figure("未结对", f"{p.unpaired}人"))
    bars = (Bar("结对情况", "已结对", p.children_paired, "paired",
                link(pairing=PairingState.paired)),
            Bar("结对情况", "未结对", p.unpaired, "unpaired", link(pairing=PairingState.unpaired)))
    bars += tuple(Bar("帮扶人类型", HelperKind(code).label(), n, code, None)
                  for code, n in p.helpers_by_kind.items() if n)
    return Section("pairing", "结对帮扶", text, figures, bars)


def activities_and_contacts(s: Statistics, link: _Links) -> Section:
    total, contacts = s.activities_total, s.contacts_total
    if not total.sessions and not contacts:
        return Section("activities", "活动与走访", "本期暂无活动和帮扶记录。",
                       empty_hint="在「活动」登记活动、在「帮扶记录」记录家访和电访后即可统计。")
    kinds = [f"{s.activity_labels.get(code, code)}{a.sessions}场{a.person_times}人次"
             for code, a in s.activities_by_kind.items() if a.sessions]
    visits = [f"{ContactKind(code).label()}{t.count}人次{OPEN}{t.children}名儿童{CLOSE}"
              for code, t in s.contacts_by_kind.items() if t.count]
    text = (f"本期共开展活动{total.sessions}场{COMMA}服务{total.person_times}人次"
            + (f"{COMMA}其中{PAUSE.join(kinds)}" if kinds else "") + STOP
            + f"帮扶人开展帮扶{contacts}人次" + (f"{COLON}{PAUSE.join(visits)}" if visits else "")
            + STOP)
    figures = (Figure("活动场次", f"{total.sessions}场"),
               Figure("服务人次", f"{total.person_times}人次"),
               Figure("帮扶记录", f"{contacts}人次"))
    bars = [Bar("活动(人次)", s.activity_labels.get(code, code), a.person_times, f"act_{code}")
            for code, a in s.activities_by_kind.items() if a.sessions]
    bars += [Bar("帮扶记录(人次)", ContactKind(code).label(), t.count, f"contact_{code}")
             for code, t in s.contacts_by_kind.items() if t.count]
    return Section("activities", "活动与走访", text, figures, tuple(bars), page="activities")


def needs_and_giving(s: Statistics, link: _Links) -> Section:
    needs = s.needs.by_status
    n_needs = sum(needs.values())
    w, d = s.wishes, s.donations
    if not n_needs and not w["collected"] and not w["fulfilled"] and not d["children_helped"]:
        return Section("needs", "需求、心愿与捐助", "暂无需求、心愿和捐助记录。",
                       empty_hint="在「需求与资源」登记需求、收集心愿、记录捐助后即可统计。")
    statuses = PAUSE.join(f"{NeedStatus(code).label()}{n}个" for code, n in needs.items() if n)
    text = (f"登记需求{n_needs}个" + (f"{OPEN}{statuses}{CLOSE}" if statuses else "") + STOP
            + f"本期收集心愿{w['collected']}个{COMMA}实现心愿{w['fulfilled']}个{STOP}"
            + f"发放捐助资金{d['money_yuan']:,.2f}元{COMMA}受助儿童{d['children_helped']}名{STOP}")
    figures = (Figure("需求已解决", f"{needs['resolved']}/{n_needs}个"),
               Figure("心愿实现", f"{w['fulfilled']}个"),
               Figure("捐助资金", f"{d['money_yuan']:,.0f}元"),
               Figure("受助儿童", f"{d['children_helped']}名"))
    bars = tuple(Bar("需求类型", NeedKind(code).label(), n, f"need_{code}")
                 for code, n in s.needs.by_kind.items() if n)
    bars += tuple(Bar("需求状态", NeedStatus(code).label(), n, f"status_{code}")
                  for code, n in needs.items() if n)
    return Section("needs", "需求、心愿与捐助", text, figures, bars, page="resources")


def care_rules(s: Statistics, link: _Links) -> Section:
    rules = [r for r in s.compliance if r.due]
    if not rules:
        return Section("compliance", "帮扶要求", "当前没有需要完成的帮扶要求。",
                       empty_hint="在「管理 › 帮扶要求」设定要求,并为儿童结对后即可统计。")
    parts = [f"{r.name}应完成{r.due}项{COMMA}已完成{r.met}项{COMMA}完成率{pct(r.met, r.due)}"
             + (f"{COMMA}逾期{r.overdue}项" if r.overdue else "") for r in rules]
    due, met = sum(r.due for r in rules), sum(r.met for r in rules)
    text = f"{_listing(parts)}{STOP}"
    figures = (Figure("总完成率", pct(met, due)), Figure("逾期待办", f"{s.overdue}项"))
    bars = tuple(Bar("完成率(%)", r.name, round(100 * r.met / r.due), f"rule_{r.code}")
                 for r in rules)
    return Section("compliance", "帮扶要求", text, figures, bars, page="contacts")


def surveys(s: Statistics, link: _Links) -> Section:
    if not any(sum(options.values()) for options in s.surveys.values()):
        return Section("surveys", "问卷", "暂无问卷结果。",
                       empty_hint="在「需求与资源 › 问卷」建立问卷并录入答案后即可统计。")
    parts, bars = [], []
    for number, (question, options) in enumerate(s.surveys.items()):
        answered = sum(options.values())
        shares = PAUSE.join(f"{option}{pct(n, answered)}{OPEN}{n}{CLOSE}"
                            for option, n in options.items() if n)
        parts.append(f"“{question}”{shares}")
        bars += [Bar(question, option, n, f"q{number}_{i}") for i, (option, n)
                 in enumerate(options.items())]
    first_question, first = next(iter(s.surveys.items()))
    top_option, top = max(first.items(), key=lambda item: item[1])
    figures = (Figure(top_option, pct(top, sum(first.values()))),)
    return Section("surveys", "问卷", f"{_listing(parts)}{STOP}", figures, tuple(bars),
                   page="resources", extras={"first_question": first_question})


SECTIONS: tuple[Callable[[Statistics, _Links], Section], ...] = (
    basics, guardianship, distribution, family_and_study, safety, pairing,
    activities_and_contacts, needs_and_giving, care_rules, surveys)


def sections(stats: Statistics) -> list[Section]:
    """Every section of the dashboard, in DESIGN.md's order."""
    link = _Links(stats)
    return [build(stats, link) for build in SECTIONS]
