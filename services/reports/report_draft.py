"""活动总结 draft: the statistics written out as the seeds' five-part summary, in Markdown.

Every figure comes from `services.stats.figures` (worded by `services.stats.stats_text` where a
section fits),
plus two small aggregates the statistics object does not carry: the campaigns running in the
period and the villages whose pairing coverage is low. Only aggregates and place names appear,
never a child's name, phone or ID number. The coordinator edits the draft before export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from core.vocab import NeedKind, NeedStatus
from db.models import Child, OrgUnit
from services.access.permissions import Actor, Capability
from services.care.campaign_queries import CampaignSummary, list_campaigns
from services.care.terms import Period, as_of_words, month_of, school_year_of, term_of, year_of
from services.pairing.pairings import child_is_paired
from services.stats import small_cells
from services.stats.figures import Statistics, StatsScope, children_in, compute, scoped_actor
from services.stats.section_view import shown_total
from services.stats.stats_text import sections
from services.stats.stats_words import CLOSE, COLON, COMMA, OPEN, PAUSE, SEMI, STOP, Section, pct
from services.stats.work_sections import donations_text

HEADINGS = ("一、基本情况", "二、主要工作措施", "三、工作成效", "四、存在问题", "五、下一步打算")
LOW_COVERAGE = 0.8  # villages paired below this share are listed under 四、存在问题
LOW_COMPLETION = 0.6  # care rules completed below this share are listed there too
MAX_PLACES = 10
NEXT_STEPS_PLACEHOLDER = f"{OPEN}请在此填写下一步打算{CLOSE}"
NUMBERS = "一二三四五六七八九十"
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# Not ? and !: they end survey questions, which the sections quote exactly as entered.
ASCII_BESIDE_CJK = re.compile(f"(?<=[{CJK}])[,:;()]|[,:;()](?=[{CJK}])")
FULL_WIDTH = dict(zip(",:;()", "\uff0c\uff1a\uff1b\uff08\uff09", strict=True))


@dataclass(frozen=True)
class PlaceCoverage:
    """One village (with its town): active children in scope and how many of them are paired."""

    town: str
    village: str
    children: int
    paired: int

    @property
    def coverage(self) -> float:
        return self.paired / self.children if self.children else 0.0

    @property
    def label(self) -> str:
        return f"{self.town}{self.village}"


def period_label(scope: StatsScope) -> str:
    """"2026年秋季学期" when the scope is exactly a term, year, school year or month, else the
    dates: "2026-09-01至2026-11-28"."""
    start, end = scope.date_from, scope.date_to
    month = month_of(start)
    named: list[Period] = [term_of(start), year_of(start), school_year_of(start),
                           Period(month.start, month.end, f"{start.year}年{start.month}月")]
    for period in named:
        if (period.start, period.end) == (start, end):
            return period.name
    return f"{start.isoformat()}至{end.isoformat()}"


def low_coverage_places(session: Session, actor: Actor, scope: StatsScope, *,
                        below: float = LOW_COVERAGE) -> list[PlaceCoverage]:
    """Villages whose share of paired children is under `below`, lowest first (grouped SQL)."""
    narrowed = scoped_actor(session, actor, scope.org_unit_id)
    town, village = aliased(OrgUnit), aliased(OrgUnit)
    total, paired = func.count(), func.count(case((child_is_paired(), 1)))
    rows = session.execute(
        select(town.name, village.name, total, paired).select_from(Child)
        .join(village, village.id == Child.village_id).join(town, town.id == Child.town_id)
        .where(Child.archived_at.is_(None), children_in(session, narrowed, scope))
        .group_by(town.id, town.name, village.id, village.name)
        .having(paired * 1000 < total * round(below * 1000)))
    found = [PlaceCoverage(t, v, n, p) for t, v, n, p in rows]
    return sorted(found, key=lambda c: (c.coverage, -c.children, c.label))


def campaigns_in_period(session: Session, actor: Actor, scope: StatsScope, *,
                        today: date) -> list[CampaignSummary]:
    """Campaigns the actor sees in the scope's unit that overlap the period."""
    if not actor.can(Capability.VIEW_AGGREGATES):
        return []
    narrowed = scoped_actor(session, actor, scope.org_unit_id)
    return [c for c in list_campaigns(session, narrowed, today=today)
            if c.starts_on <= scope.date_to and c.ends_on >= scope.date_from]


def draft_markdown(session: Session, actor: Actor, scope: StatsScope, *, today: date,
                   stats: Statistics | None = None, masked: bool = False) -> str:
    """The 活动总结 draft for the scope, as Markdown with the seeds' five headings.

    `masked` (脱敏): counts of children below 5 are withheld as on meeting screens, for a draft
    that will be read out or passed on."""
    if stats is None:
        stats = compute(session, actor, scope, today=today)
    parts = sections(stats, suppress=masked)
    by_key = {section.key: section for section in parts}
    period = period_label(scope)
    tell = _Teller(masked)
    places = [] if shown_total(stats, suppress=masked).withheld else (
        low_coverage_places(session, actor, scope))
    bodies = (
        basics_paragraphs(stats, by_key),
        measures_paragraphs(stats, by_key, campaigns_in_period(session, actor, scope,
                                                               today=today), tell),
        results_paragraphs(stats, by_key, tell),
        problem_paragraphs(stats, places, tell),
        [NEXT_STEPS_PLACEHOLDER],
    )
    running = f"{OPEN}{as_of_words(stats.as_of)}{CLOSE}" if stats.as_of < scope.date_to else ""
    lines = [f"# {stats.org}{period}关爱服务工作总结", "", intro(stats.org, period + running), ""]
    for heading, paragraphs in zip(HEADINGS, bodies, strict=True):
        lines += [f"## {heading}", ""]
        for paragraph in paragraphs:
            lines += [paragraph, ""]
    lines += signature(stats.org, today)
    if any(part.withheld for part in parts) or tell.withheld:
        lines += [f"注{COLON}{small_cells.NOTE}", ""]
    return full_width("\n".join(lines))


def full_width(text: str) -> str:
    """ASCII , : ; ( ) beside a Chinese character written full-width, as Chinese text is
    ("(外)祖父母" from a label → "（外）祖父母"); "1,500.00元" and dates stay as they are."""
    return ASCII_BESIDE_CJK.sub(lambda m: FULL_WIDTH[m.group(0)], text)


def signature(org: str, today: date) -> list[str]:
    """The 落款: the unit, then the date written as 公文 write it (2026年11月28日)."""
    return [org or "守望", f"{today.year}年{today.month}月{today.day}日", ""]


class _Teller:
    """Counts of children in the draft's own sentences, withheld like the sections' when masked,
    remembering whether it withheld any (the draft then explains "<5")."""

    def __init__(self, masked: bool) -> None:
        self.masked, self.withheld = masked, False

    def count(self, value: int) -> str:
        return self._seen(small_cells.count(value, suppress=self.masked))

    def part(self, value: int, total: int) -> str:
        return self._seen(small_cells.part(value, total, suppress=self.masked))

    def share(self, value: int, total: int) -> str:
        """"87.5%", or "" when the count behind it is withheld."""
        hidden = small_cells.part(value, total, suppress=self.masked).withheld
        return "" if hidden else pct(value, total)

    def _seen(self, cell: small_cells.Cell) -> str:
        self.withheld = self.withheld or cell.withheld
        return str(cell)


def intro(org: str, period: str) -> str:
    return (f"为切实做好留守儿童和困境儿童关爱服务工作{COMMA}{org}坚持建档立卡、动态管理"
            f"{COMMA}落实结对帮扶和定期走访制度{STOP}现将{period}工作情况总结如下{STOP}")


def _sub(number: int, title: str, text: str) -> str:
    """"(一)结对帮扶。" followed by the paragraph."""
    return f"{OPEN}{NUMBERS[number - 1]}{CLOSE}{title}{STOP}{text}"


def basics_paragraphs(s: Statistics, by_key: dict[str, Section]) -> list[str]:
    """一、基本情况: totals, shares, gender and ages; guardians; places; family and study."""
    basics = by_key["basics"]
    if basics.is_empty or not basics.bars:  # no children, or too few to break down
        return [basics.text]
    return [by_key["basics"].text,
            f"从监护情况看{COMMA}{by_key['guardianship'].text}",
            f"从分布情况看{COMMA}关爱对象{by_key['distribution'].text}",
            f"从家庭和学业情况看{COMMA}{by_key['family'].text}"]


def measures_paragraphs(s: Statistics, by_key: dict[str, Section],
                        campaigns: list[CampaignSummary], tell: _Teller | None = None
                        ) -> list[str]:
    """二、主要工作措施: pairings, contacts and activities, campaigns, resources."""
    tell = tell or _Teller(False)
    pairing = by_key["pairing"]
    return [_sub(1, "落实结对帮扶", pairing.text if not pairing.figures
                 else f"共有{pairing.text}"),
            _sub(2, "开展走访和关爱活动", by_key["activities"].text),
            _sub(3, "推进专项行动", campaigns_text(campaigns, s.period_name, tell)),
            _sub(4, "链接爱心资源", resources_text(s, tell))]


def campaigns_text(campaigns: list[CampaignSummary], when: str = "本期",
                   tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    if not campaigns:
        return f"{when}未开展专项行动{STOP}"
    parts = []
    for c in campaigns:
        share = tell.share(c.reached, c.target)
        parts.append(f"“{c.name}”{OPEN}{c.reach_label.replace(':', COLON)}{CLOSE}"
                     f"目标{tell.count(c.target)}人{COMMA}已覆盖{tell.part(c.reached, c.target)}人"
                     + (f"{COMMA}覆盖率{share}" if share else ""))
    return f"{when}开展专项行动{len(campaigns)}项{COLON}{SEMI.join(parts)}{STOP}"


def resources_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    linked = s.needs.by_status[NeedStatus.linked.value]
    given = donations_text(s, suppress=tell.masked)
    return f"{given[:-1]}{SEMI}已对接资源方、正在落实的需求{tell.count(linked)}个{STOP}"


def results_paragraphs(s: Statistics, by_key: dict[str, Section],
                       tell: _Teller | None = None) -> list[str]:
    """三、工作成效: care-rule compliance, needs resolved, wishes fulfilled."""
    tell = tell or _Teller(False)
    return [_sub(1, "帮扶要求落实情况", compliance_text(s, by_key["compliance"], tell)),
            _sub(2, "需求解决情况", needs_text(s, tell)),
            _sub(3, "心愿实现情况", f"{s.period_name}收集心愿{s.wishes['collected']}个{COMMA}"
                                   f"实现心愿{s.wishes['fulfilled']}个{STOP}")]


def compliance_text(s: Statistics, section: Section, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    rules = [r for r in s.compliance if r.due]
    if not rules or not section.figures:  # none due, or too few children to say
        return section.text
    due, met = sum(r.due for r in rules), sum(r.met for r in rules)
    share = tell.share(met, due)
    return (f"{section.text}各项帮扶要求合计应完成{tell.count(due)}项{COMMA}"
            f"已完成{tell.part(met, due)}项" + (f"{COMMA}总完成率{share}" if share else "")
            + STOP)


def needs_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    status = s.needs.by_status
    total = sum(status.values())
    if not total:
        return f"暂无登记的需求{STOP}"
    resolved = status[NeedStatus.resolved.value]
    waiting = status[NeedStatus.open.value] + status[NeedStatus.linked.value]
    # resolved + waiting + closed = total: withheld together, or closed would give one back
    cells = small_cells.breakdown({"resolved": resolved, "waiting": waiting,
                                   "closed": status[NeedStatus.closed.value]}, total,
                                  suppress=tell.masked)
    tell.withheld = tell.withheld or any(c.withheld for c in cells.values())
    share = "" if cells["resolved"].withheld else f"{COMMA}解决率{pct(resolved, total)}"
    return (f"累计登记需求{total}个{COMMA}已解决{cells['resolved']}个{share}"
            f"{SEMI}尚在对接或待对接的{cells['waiting']}个{STOP}")


def problem_paragraphs(s: Statistics, places: list[PlaceCoverage],
                       tell: _Teller | None = None) -> list[str]:
    """四、存在问题: what the figures show still undone, numbered as the seeds number them."""
    tell = tell or _Teller(False)
    if shown_total(s, suppress=tell.masked).withheld:
        found = []  # a unit this small shows its total only
    else:
        found = [unpaired_text(s, tell), low_completion_text(s, tell), overdue_text(s, tell),
                 places_text(places, tell), open_needs_text(s, tell), risk_text(s, tell)]
    found = [text for text in found if text]
    if not found:
        return [f"从{s.period_name}数据看{COMMA}暂未发现突出问题{STOP}"]
    return [f"{i}、{text}" for i, text in enumerate(found, start=1)]


def unpaired_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    p = s.pairing
    if not p.unpaired:
        return ""
    share = tell.share(p.unpaired, p.children)
    rate = f"{COMMA}结对率为{pct(p.children_paired, p.children)}" if share else ""
    return (f"结对帮扶尚未全覆盖{COMMA}还有{tell.part(p.unpaired, p.children)}名儿童未结对"
            f"{rate}{STOP}")


def low_completion_text(s: Statistics, tell: _Teller | None = None) -> str:
    """Care rules done below LOW_COMPLETION ("不足六成"), lowest first, worded as under 三;
    a rule whose counts would be withheld is left out, as the sections leave them out."""
    tell = tell or _Teller(False)
    low = [r for r in s.compliance if r.due and r.met < r.due * LOW_COMPLETION
           and not small_cells.count(r.due, suppress=tell.masked).withheld
           and not small_cells.part(r.met, r.due, suppress=tell.masked).withheld]
    if not low:
        return ""
    listed = SEMI.join(f"{r.name}应完成{r.due}项{COMMA}已完成{r.met}项{COMMA}"
                       f"完成率{pct(r.met, r.due)}"
                       for r in sorted(low, key=lambda r: (r.met / r.due, r.name)))
    tenths = NUMBERS[round(LOW_COMPLETION * 10) - 1]
    return f"部分帮扶要求完成率不足{tenths}成{OPEN}{len(low)}项{CLOSE}{COLON}{listed}{STOP}"


def overdue_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    if not s.overdue:
        return ""
    parts = PAUSE.join(f"{r.name}{tell.count(r.overdue)}项" for r in s.compliance if r.overdue)
    return (f"部分帮扶要求未按期落实{COMMA}逾期待办{tell.count(s.overdue)}项"
            f"{OPEN}{parts}{CLOSE}{STOP}")


def places_text(places: list[PlaceCoverage], tell: _Teller | None = None) -> str:
    if not places:
        return ""
    tell = tell or _Teller(False)
    shown = PAUSE.join(_place(c, tell) for c in places[:MAX_PLACES])
    more = f"等{len(places)}个" if len(places) > MAX_PLACES else ""
    return (f"部分村{OPEN}社区{CLOSE}结对覆盖率偏低{COMMA}低于{LOW_COVERAGE:.0%}的有"
            f"{len(places)}个{COLON}{shown}{more}{STOP}")


def _place(c: PlaceCoverage, tell: _Teller) -> str:
    """"柳寨村62.5%（10/16人）"; a village of fewer than 5 children, or one whose share would
    give away a small count, is named with its counts withheld."""
    paired = small_cells.part(c.paired, c.children, suppress=tell.masked)
    if tell.masked and small_cells.is_small(c.children):
        tell.withheld = True
        return c.label
    if paired.withheld:
        tell.withheld = True
        return f"{c.label}{OPEN}结对{paired}人{CLOSE}"
    return f"{c.label}{pct(c.paired, c.children)}{OPEN}{c.paired}/{c.children}人{CLOSE}"


def open_needs_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    waiting = {code: n for code, n in s.open_needs_by_kind.items() if n}
    if not waiting:
        return ""
    kinds = PAUSE.join(f"{NeedKind(code).label()}{tell.count(n)}个" for code, n in waiting.items())
    return f"尚有{tell.count(sum(waiting.values()))}个需求未解决{OPEN}{kinds}{CLOSE}{STOP}"


def risk_text(s: Statistics, tell: _Teller | None = None) -> str:
    tell = tell or _Teller(False)
    c = s.children
    red = c.by_risk_level.get("red", 0)
    parts = ([f"红色风险儿童{tell.part(red, c.total)}人需重点跟进"] if red else []) + (
        [f"已满16周岁待复核{tell.part(c.aged_out_review, c.total)}人"]
        if c.aged_out_review else [])
    return f"{COMMA.join(parts)}{STOP}" if parts else ""
