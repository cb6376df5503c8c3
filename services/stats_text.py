"""The statistics written out as the seeds write them, one section per heading of DESIGN.md.

Each `Section` carries the sentence ("其中男生8人,占47.1%…"), the headline figures for meeting
mode and the deck, and the bars its chart draws, each bar with the roster filter it stands for.
The dashboard, the CLI, the written 活动总结 and the deck all read these, so a figure is worded
once. Shares have one decimal with the count beside them, and divide by the total the sentence
has just given; a share of another population names it ("占…在籍学生888人的10.1%").

With `suppress` (viewers, meeting mode, the deck, a 脱敏 draft) counts of children go through
`services.small_cells`: small cells become "<5", the cells that would give them back "≥5", their
shares and bars are left out, and a unit with fewer than 5 children shows only its total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from services import small_cells
from services.roster_search import AgeBand, PairingState, RosterFilter
from services.small_cells import Cell, exact
from services.stats import Statistics
from services.terms import as_of_words
from services.typography import full_width
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
    withheld: bool = False  # some counts are shown as "<5" / "≥5" (small_cells.NOTE says why)

    @property
    def is_empty(self) -> bool:
        return self.empty_hint is not None


def pct(count: float, total: float) -> str:
    """"30.4%": one decimal, as the summaries print shares; "—" when there is no total."""
    return f"{count / total:.1%}" if total else "—"


def counted(count: int | Cell, total: int, unit: str = "人") -> str:
    """"17人，占10.0%"; a withheld count has no share: "<5人"."""
    cell = count if isinstance(count, Cell) else exact(count)
    if cell.withheld:
        return f"{cell}{unit}"
    return f"{cell.value}{unit}{COMMA}占{pct(cell.value, total)}"


def _listing(parts: list[str]) -> str:
    return SEMI.join(p for p in parts if p)


# Pages the empty hints send people to, by the page file navigation knows them by.
ROSTER, PAIRING, ACTIVITIES, CONTACTS, RESOURCES, ADMIN = (
    "pages/roster.py", "pages/pairing.py", "pages/activities.py", "pages/contacts.py",
    "pages/resources.py", "pages/admin.py")
ASK_COORDINATOR = "相关数据由负责人录入后即可统计。"


class _View:
    """What every section needs besides the figures: how counts are shown, which pages the
    reader may open, and roster links inside the statistics' own scope."""

    def __init__(self, stats: Statistics, *, suppress: bool,
                 pages: frozenset[str] | None) -> None:
        self.suppress = suppress
        self.pages = pages
        # The list behind a bar holds the children the bar counts: those living in the unit.
        self.base = RosterFilter(org_unit_id=stats.unit_id, counted_only=stats.unit_id is not None,
                                 categories=stats.scope.categories)
        self.total = shown_total(stats, suppress=suppress)
        self.too_few = self.total.withheld  # only the total is shown

    def link(self, **narrowing: object) -> dict[str, str | list[str]] | None:
        if self.suppress:
            return None
        return replace(self.base, **narrowing).to_query_params()

    def hint(self, text: str, *needs: str) -> str:
        """The empty state's advice, or a plain one when it names a page the reader lacks."""
        if self.pages is not None and any(page not in self.pages for page in needs):
            return ASK_COORDINATOR
        return text

    def cells(self, counts: Mapping[str, int], total: int) -> dict[str, Cell]:
        return small_cells.breakdown(counts, total, suppress=self.suppress)

    def part(self, value: int, total: int) -> Cell:
        return small_cells.part(value, total, suppress=self.suppress)

    def count(self, value: int) -> Cell:
        return small_cells.count(value, suppress=self.suppress)

    def few(self, key: str, title: str) -> Section:
        """A unit of fewer than 5 children, or one whose figures would give such a unit back:
        its total only."""
        return Section(key, title, self.why_total_only(), withheld=True)

    def why_total_only(self) -> str:
        if self.total.shown == small_cells.UNDER:
            return f"人数少于{small_cells.SMALL}人{COMMA}为保护儿童隐私{COMMA}不显示分项数字{STOP}"
        return (f"与同级单位的数字相减可得出人数少于{small_cells.SMALL}人的单位{COMMA}"
                f"为保护儿童隐私{COMMA}不显示分项数字{STOP}")


def shown_total(stats: Statistics, *, suppress: bool) -> Cell:
    """The children's total as a reader may see it: "<5" for a small unit, a bound when the
    totals around it would give a small unit back (`Statistics.total_withheld_as`)."""
    total = stats.children.total
    if suppress and small_cells.is_small(total):
        return Cell(total, small_cells.UNDER)
    if suppress and stats.total_withheld_as and total:
        return Cell(total, stats.total_withheld_as)
    return exact(total)


def _vocab_parts(cells: Mapping[str, Cell], vocab: type[Vocabulary], total: int,
                 unit: str = "人") -> list[str]:
    return [f"{vocab(code).label()}{counted(c, total, unit)}" for code, c in cells.items()
            if c.value]


def _bars(group: str, cells: Mapping[str, Cell], label: Callable[[str], str],
          link: Callable[[str], Mapping[str, str | list[str]] | None], prefix: str = ""
          ) -> list[Bar]:
    """A chart's bars; a withheld count draws no bar (its length would give it back)."""
    return [Bar(group, label(code), c.value, f"{prefix}{code}", link(code))
            for code, c in cells.items() if not c.withheld]


def _vocab_bars(group: str, cells: Mapping[str, Cell], vocab: type[Vocabulary],
                link: Callable[[str], Mapping[str, str | list[str]] | None]) -> list[Bar]:
    return _bars(group, cells, lambda code: vocab(code).label(), link)


def _share_figure(label: str, cell: Cell, total: int) -> Figure:
    """A headline share, or the withheld count in its place (its share would give it back)."""
    return Figure(label, f"{cell}人" if cell.withheld else pct(cell.value, total))


def _any_withheld(*groups: Mapping[str, Cell] | Cell) -> bool:
    return any(g.withheld if isinstance(g, Cell) else any(c.withheld for c in g.values())
               for g in groups)


def _children_empty(key: str, title: str, hint: str, v: _View) -> Section:
    return Section(key, title, "暂无儿童档案。", empty_hint=v.hint(hint, ROSTER))


def basics(s: Statistics, v: _View) -> Section:
    c = s.children
    total = c.total
    if not total:
        return _children_empty("basics", "基本情况", "请先在“儿童档案”导入或登记儿童名单。", v)
    who = f"{s.org}共" if s.for_helper else f"{s.org}现有关爱对象"
    if v.too_few:
        return Section("basics", "基本情况", f"{who}{v.total}人{STOP}{v.why_total_only()}",
                       (Figure("儿童总数", f"{v.total}人"),), withheld=True)
    kinds_cells = {code: v.part(n, total) for code, n in c.by_category.items()}
    kinds = PAUSE.join(f"{Category(code).label()}{cell}人" for code, cell in kinds_cells.items()
                       if cell.value)
    genders = v.cells(c.by_gender, total)
    ages = v.cells(c.by_age_band, total)
    boys, girls = genders[Gender.male.value], genders[Gender.female.value]
    age_parts = [f"{AgeBand(code).label()}{counted(n, total)}" for code, n in ages.items()]
    text = (f"{who}{total}人{OPEN}{kinds}{CLOSE}{STOP}"
            f"其中男生{counted(boys, total)}{COMMA}女生{counted(girls, total)}{STOP}"
            f"按年龄{COLON}{_listing(age_parts)}{STOP}")
    text += enrolment_text(s, v)
    figures = [Figure("儿童总数", f"{total}人")]
    figures += [Figure(Category(code).label(), f"{cell}人")
                for code, cell in kinds_cells.items() if cell.value]
    if c.share_of_enrolled is not None and not v.part(c.enrolled_children,
                                                      c.enrolled_students).withheld:
        figures.append(Figure("占在籍学生", pct(c.enrolled_children, c.enrolled_students)))
    chosen = set(s.scope.categories)
    # The roster's category filter means "any of": a bar inside a category filter can only be
    # listed when it is one of the chosen categories.
    bars = _vocab_bars("儿童类别", kinds_cells, Category,
                       lambda code: v.link(categories=(Category(code),))
                       if not chosen or Category(code) in chosen else None)
    bars += _vocab_bars("性别", genders, Gender, lambda code: None)
    bars += _bars("年龄", ages, lambda code: AgeBand(code).label(),
                  lambda code: v.link(age_bands=(AgeBand(code),)), prefix="age_")
    return Section("basics", "基本情况", text, tuple(figures), tuple(bars),
                   withheld=_any_withheld(kinds_cells, genders, ages))


def enrolment_text(s: Statistics, v: _View) -> str:
    """The share of enrolled students, naming both populations: the children counted here live
    in the unit, but the schools' enrolment counts whoever studies there."""
    c = s.children
    if c.share_of_enrolled is None:
        return ""
    at = v.part(c.enrolled_children, c.enrolled_students)
    if c.enrolled_schools:
        where = f"已填报在籍人数的{c.enrolled_schools}所学校"
        whole = f"这些学校在籍学生{c.enrolled_students}人"
    else:
        where, whole = s.org, f"{s.org}在籍学生{c.enrolled_students}人"
    if at.withheld:
        return f"在{where}就读的关爱对象{at}人{STOP}"
    return (f"在{where}就读的关爱对象{at.value}人{COMMA}"
            f"占{whole}的{pct(at.value, c.enrolled_students)}{STOP}")


def guardianship(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("guardianship", "监护与留守",
                               "导入名单时填写“监护类型”“留守类型”即可统计。", v)
    if v.too_few:
        return v.few("guardianship", "监护与留守")
    guardians = v.cells(c.by_guardian_type, c.total)
    away = v.cells(c.by_left_behind_type, c.total)
    listed = _listing(_vocab_parts(guardians, GuardianType, c.total)) or "未填写"
    text = f"监护方式{COLON}{listed}{STOP}"
    if away_parts := _vocab_parts(away, LeftBehindType, c.total):
        text += f"留守类型{COLON}{_listing(away_parts)}{STOP}"
    top_code, top = max(guardians.items(), key=lambda item: item[1].value)
    both = away["both_parents_away"]
    figures = (_share_figure(GuardianType(top_code).label(), top, c.total),
               Figure("父母双方外出", f"{both}人"))
    bars = _vocab_bars("监护类型", guardians, GuardianType,
                       lambda code: v.link(guardian_types=(GuardianType(code),)))
    bars += _vocab_bars("留守类型", away, LeftBehindType,
                        lambda code: v.link(left_behind_types=(LeftBehindType(code),)))
    return Section("guardianship", "监护与留守", text, figures, tuple(bars),
                   withheld=_any_withheld(guardians, away))


def distribution(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("distribution", "分布", "请先导入儿童名单（含乡镇、村、学校）。", v)
    elsewhere = elsewhere_text(s, v)
    if v.too_few:
        few = v.few("distribution", "分布")
        return replace(few, text=few.text + elsewhere)
    places_raw = c.by_town if s.by_towns else c.by_village
    places = v.cells(places_raw, c.total)
    level = "乡镇（街道）" if s.by_towns else "村（社区）"
    top = PAUSE.join(f"{name}{cell}人" for name, cell in list(places.items())[:5])
    mountain = v.part(c.in_mountain_area, c.total)
    townships = v.part(c.in_townships, c.total)
    text = (f"分布在{len(places)}个{level}{COMMA}人数较多的是{top}{STOP}"
            f"居住在山区的{counted(mountain, c.total)}{SEMI}"
            f"在乡镇的{counted(townships, c.total)}{STOP}{elsewhere}")
    figures = (Figure(f"{level}数", f"{len(places)}个"),
               _share_figure("山区", mountain, c.total),
               _share_figure("在乡镇", townships, c.total))
    shown = [(name, cell) for name, cell in places.items() if not cell.withheld][:15]
    bars = tuple(Bar(level, name, cell.value, f"place_{i}", None)
                 for i, (name, cell) in enumerate(shown))
    return Section("distribution", "分布", text, figures, bars,
                   withheld=_any_withheld(places, mountain, townships))


def elsewhere_text(s: Statistics, v: _View) -> str:
    """"另有在本镇学校就读、户籍在外镇的儿童12人": served here, counted where they live."""
    n = s.children.attending_from_elsewhere
    if not n or not s.level:
        return ""
    return (f"另有在本{s.level}学校就读、户籍在外{s.level}的儿童{v.count(n)}人"
            f"{OPEN}计入其户籍所在地{COMMA}不计入以上数字{CLOSE}{STOP}")


def family_and_study(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("family", "家庭与学业",
                               "导入名单时填写“家庭经济状况”“学业成绩”即可统计。", v)
    if v.too_few:
        return v.few("family", "家庭与学业")
    economy = v.cells(c.by_economic_status, c.total)
    study = v.cells(c.by_academic_level, c.total)
    families = _listing(_vocab_parts(economy, EconomicStatus, c.total)) or "未填写"
    grades = _listing(_vocab_parts(study, AcademicLevel, c.total)) or "未填写"
    text = f"家庭经济状况{COLON}{families}{STOP}学习成绩{COLON}{grades}{STOP}"
    hardship, excellent = economy["hardship"], study["excellent"]
    figures = (_share_figure("家庭经济困难", hardship, c.total),
               _share_figure("成绩优秀", excellent, c.total))
    bars = _vocab_bars("家庭经济", economy, EconomicStatus,
                       lambda code: v.link(economic_statuses=(EconomicStatus(code),)))
    bars += _vocab_bars("学业成绩", study, AcademicLevel,
                        lambda code: v.link(academic_levels=(AcademicLevel(code),)))
    return Section("family", "家庭与学业", text, figures, tuple(bars),
                   withheld=_any_withheld(economy, study))


def safety(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("safety", "安全与心理", "导入名单并做四色风险评估后即可统计。", v)
    if v.too_few:
        return v.few("safety", "安全与心理")
    psych = v.count(s.open_needs_by_kind.get(NeedKind.psychological.value, 0))
    incident = v.part(c.safety_incident, c.total)
    concern, boarding = v.part(c.key_concern, c.total), v.part(c.boarding, c.total)
    aged_out = v.part(c.aged_out_review, c.total)
    risk = v.cells(c.by_risk_level, c.total)
    risks = [f"{_risk_label(code)}{cell}人" for code, cell in risk.items() if cell.value]
    text = (f"曾发生安全事故的{counted(incident, c.total)}{SEMI}"
            f"重点关注{concern}人{SEMI}寄宿{boarding}人{STOP}"
            f"风险等级{COLON}{PAUSE.join(risks)}{STOP}"
            f"尚未解决的心理方面需求{psych}个{SEMI}已满16周岁待复核{aged_out}人{STOP}")
    figures = (_share_figure("曾发生安全事故", incident, c.total),
               Figure("红色风险", f"{risk['red']}人"),
               Figure("待解决心理需求", f"{psych}个"))
    bars = _bars("风险等级", risk, _risk_label,
                 lambda code: v.link(risk_levels=(code if code == "unassessed"
                                                  else RiskLevel(code),)), prefix="risk_")
    return Section("safety", "安全与心理", text, figures, tuple(bars),
                   withheld=_any_withheld(risk, incident, concern, boarding, aged_out, psych))


def _risk_label(code: str) -> str:
    return UNASSESSED_LABEL if code == "unassessed" else f"{RiskLevel(code).label()}色"


def pairing(s: Statistics, v: _View) -> Section:
    p = s.pairing
    if not p.children:
        return Section("pairing", "结对帮扶", "暂无儿童档案。", empty_hint=v.hint(
            "导入儿童和帮扶人后，在“结对帮扶”为儿童结对。", ROSTER, PAIRING))
    if v.too_few:
        return v.few("pairing", "结对帮扶")
    kinds = PAUSE.join(f"{HelperKind(code).label()}{n}名" for code, n in p.helpers_by_kind.items()
                       if n)
    state = v.cells({"paired": p.children_paired, "unpaired": p.unpaired}, p.children)
    paired, unpaired = state["paired"], state["unpaired"]
    rate = "" if paired.withheld else f"{COMMA}结对率{pct(paired.value, p.children)}"
    text = (f"{p.helpers}名帮扶人{OPEN}{kinds or '暂无'}{CLOSE}结对{paired}名儿童"
            f"{rate}{SEMI}尚有{unpaired}名儿童未结对{STOP}")
    figures = [Figure("帮扶人", f"{p.helpers}名"), Figure("已结对", f"{paired}人")]
    if not paired.withheld:
        figures.append(Figure("结对率", pct(paired.value, p.children)))
    figures.append(Figure("未结对", f"{unpaired}人"))
    bars = _bars("结对情况", state, {"paired": "已结对", "unpaired": "未结对"}.__getitem__,
                 lambda code: v.link(pairing=PairingState(code)))
    bars += [Bar("帮扶人类型", HelperKind(code).label(), n, code, None)
             for code, n in p.helpers_by_kind.items() if n]
    return Section("pairing", "结对帮扶", text, tuple(figures), tuple(bars),
                   withheld=_any_withheld(state))


def activities_and_contacts(s: Statistics, v: _View) -> Section:
    total, contacts = s.activities_total, s.contacts_total
    when = s.period_name
    if not total.sessions and not contacts:
        return Section("activities", "活动与走访", f"{when}暂无活动和帮扶记录。",
                       empty_hint=v.hint("在“活动”登记活动、在“帮扶记录”记录家访和电访后即可统计。",
                                         ACTIVITIES, CONTACTS))
    kinds = [f"{s.activity_labels.get(code, code)}{a.sessions}场{a.person_times}人次"
             for code, a in s.activities_by_kind.items() if a.sessions]
    reached = {code: v.count(t.children) for code, t in s.contacts_by_kind.items()}
    visits = [f"{ContactKind(code).label()}{t.count}人次{OPEN}{reached[code]}名儿童{CLOSE}"
              for code, t in s.contacts_by_kind.items() if t.count]
    text = (f"{when}共开展活动{total.sessions}场{COMMA}服务{total.person_times}人次"
            + (f"{COMMA}其中{PAUSE.join(kinds)}" if kinds else "") + STOP
            + f"帮扶人开展帮扶{contacts}人次" + (f"{COLON}{PAUSE.join(visits)}" if visits else "")
            + STOP)
    figures = (Figure(f"{when}活动", f"{total.sessions}场"),
               Figure(f"{when}服务", f"{total.person_times}人次"),
               Figure(f"{when}帮扶记录", f"{contacts}人次"))
    bars = [Bar("活动（人次）", s.activity_labels.get(code, code), a.person_times, f"act_{code}")
            for code, a in s.activities_by_kind.items() if a.sessions]
    bars += [Bar("帮扶记录（人次）", ContactKind(code).label(), t.count, f"contact_{code}")
             for code, t in s.contacts_by_kind.items() if t.count]
    return Section("activities", "活动与走访", text, figures, tuple(bars), page=ACTIVITIES,
                   withheld=_any_withheld(reached))


def donations_text(s: Statistics, *, suppress: bool) -> str:
    """"发放捐助资金10,000.00元，受助儿童61名": money is never paired with children helped
    without saying when the help was in goods, nor with none when it went to no one child."""
    d, when = s.donations, s.period_name
    money, helped = d["money_yuan"], int(d["children_helped"])
    goods = int(d.get("goods_entries", 0))
    children = (f"受助儿童{small_cells.count(helped, suppress=suppress)}名" if helped
                else f"集体发放{COMMA}未记到具体儿童")
    given = [f"发放捐助资金{money:,.2f}元"] if money else []
    if goods:
        given.append(f"{'另有' if money else '以'}物资形式捐助{goods}次")
    if not given:
        return f"{when}{children}{STOP}" if helped else f"{when}暂无捐助记录{STOP}"
    return f"{when}{COMMA.join(given)}{COMMA}{children}{STOP}"


def _given(s: Statistics) -> bool:
    d = s.donations
    return bool(d["money_yuan"] or d.get("goods_entries") or d["children_helped"])


def needs_and_giving(s: Statistics, v: _View) -> Section:
    needs = s.needs.by_status
    n_needs = sum(needs.values())
    w, d = s.wishes, s.donations
    when = s.period_name
    if not n_needs and not w["collected"] and not w["fulfilled"] and not _given(s):
        return Section("needs", "需求、心愿与捐助", "暂无需求、心愿和捐助记录。",
                       empty_hint=v.hint("在“需求与资源”登记需求、收集心愿、记录捐助后即可统计。",
                                         RESOURCES))
    if v.too_few:
        return replace(v.few("needs", "需求、心愿与捐助"), page=RESOURCES)
    status = v.cells(needs, n_needs)
    kinds = v.cells(s.needs.by_kind, n_needs)
    statuses = PAUSE.join(f"{NeedStatus(code).label()}{n}个" for code, n in status.items()
                          if n.value)
    text = (f"登记需求{n_needs}个" + (f"{OPEN}{statuses}{CLOSE}" if statuses else "") + STOP
            + f"{when}收集心愿{w['collected']}个{COMMA}实现心愿{w['fulfilled']}个{STOP}"
            + donations_text(s, suppress=v.suppress))
    helped = v.count(int(d["children_helped"]))
    figures = (Figure("需求已解决", f"{status['resolved']}/{n_needs}个"),
               Figure("心愿实现", f"{w['fulfilled']}个"),
               Figure("捐助资金", f"{d['money_yuan']:,.0f}元") if d["money_yuan"]
               or not d.get("goods_entries") else Figure("物资捐助", f"{d['goods_entries']}次"),
               Figure("受助儿童", f"{helped}名"))
    bars = _bars("需求类型", kinds, lambda code: NeedKind(code).label(), lambda code: None,
                 prefix="need_")
    bars += _bars("需求状态", status, lambda code: NeedStatus(code).label(), lambda code: None,
                  prefix="status_")
    return Section("needs", "需求、心愿与捐助", text, figures,
                   tuple(b for b in bars if b.value), page=RESOURCES,
                   withheld=_any_withheld(status, kinds, helped))


def care_rules(s: Statistics, v: _View) -> Section:
    rules = [r for r in s.compliance if r.due]
    if not rules:
        return Section("compliance", "帮扶要求", "当前没有需要完成的帮扶要求。",
                       empty_hint=v.hint("在“管理 › 帮扶要求”设定要求，并为儿童结对后即可统计。",
                                         ADMIN, PAIRING))
    if v.too_few:
        return replace(v.few("compliance", "帮扶要求"), page=CONTACTS)
    # Items are pairings × rules: a rule for red-risk children due 1 item names one such child,
    # so with suppression these counts are withheld like counts of children.
    parts, withheld = [], False
    for r in rules:
        due, met, overdue = v.count(r.due), v.part(r.met, r.due), v.count(r.overdue)
        rate = "" if due.withheld or met.withheld else f"{COMMA}完成率{pct(r.met, r.due)}"
        parts.append(f"{r.name}应完成{due}项{COMMA}已完成{met}项{rate}"
                     + (f"{COMMA}逾期{overdue}项" if r.overdue else ""))
        withheld = withheld or _any_withheld(due, met, overdue)
    due_total, met_total = sum(r.due for r in rules), sum(r.met for r in rules)
    overall = v.part(met_total, due_total)
    overdue_all = v.count(s.overdue)
    figures = (Figure("总完成率", f"{overall}项" if overall.withheld
                      else pct(met_total, due_total)),
               Figure("逾期待办", f"{overdue_all}项"))
    bars = tuple(Bar("完成率（%）", r.name, round(100 * r.met / r.due), f"rule_{r.code}")
                 for r in rules if not (v.count(r.due).withheld or v.part(r.met, r.due).withheld))
    return Section("compliance", "帮扶要求", f"{_listing(parts)}{STOP}", figures, bars,
                   page=CONTACTS, withheld=withheld or _any_withheld(overall, overdue_all))


def surveys(s: Statistics, v: _View) -> Section:
    if not any(sum(options.values()) for options in s.surveys.values()):
        return Section("surveys", "问卷", "暂无问卷结果。", empty_hint=v.hint(
            "在“需求与资源 › 问卷”建立问卷并录入答案后即可统计。", RESOURCES))
    if v.too_few:
        return replace(v.few("surveys", "问卷"), page=RESOURCES)
    parts, bars, withheld = [], [], False
    for number, (question, options) in enumerate(s.surveys.items()):
        answered = sum(options.values())
        cells = v.cells(options, answered)
        withheld = withheld or _any_withheld(cells)
        shares = PAUSE.join(f"{option}{cell}" if cell.withheld else
                            f"{option}{pct(cell.value, answered)}{OPEN}{cell.value}{CLOSE}"
                            for option, cell in cells.items() if cell.value)
        parts.append(f"“{question}”{shares}")
        bars += [Bar(question, option, cell.value, f"q{number}_{i}") for i, (option, cell)
                 in enumerate(cells.items()) if not cell.withheld]
    first_question, first = next(iter(s.surveys.items()))
    top_option, top = max(first.items(), key=lambda item: item[1])
    first_cells = v.cells(first, sum(first.values()))
    figures = () if first_cells[top_option].withheld else (
        Figure(top_option, pct(top, sum(first.values()))),)
    return Section("surveys", "问卷", f"{_listing(parts)}{STOP}", figures, tuple(bars),
                   page=RESOURCES, extras={"first_question": first_question},
                   withheld=withheld)


SECTIONS: tuple[Callable[[Statistics, _View], Section], ...] = (
    basics, guardianship, distribution, family_and_study, safety, pairing,
    activities_and_contacts, needs_and_giving, care_rules, surveys)


def sections(stats: Statistics, *, suppress: bool = False,
             pages: frozenset[str] | None = None) -> list[Section]:
    """Every section of the dashboard, in DESIGN.md's order.

    `suppress`: write counts of children for readers who may not see people (small_cells).
    `pages`: the pages the reader may open; empty states name no other page (None: any).
    """
    view = _View(stats, suppress=suppress, pages=pages)
    return [_typeset(build(stats, view)) for build in SECTIONS]


def _typeset(s: Section) -> Section:
    """Full-width punctuation in the words, including labels that come from stored data."""
    return replace(
        s, title=full_width(s.title), text=full_width(s.text),
        empty_hint=full_width(s.empty_hint) if s.empty_hint else s.empty_hint,
        extras={k: full_width(v) for k, v in s.extras.items()},
        figures=tuple(replace(f, label=full_width(f.label)) for f in s.figures),
        bars=tuple(replace(b, label=full_width(b.label)) for b in s.bars))


def period_span(stats: Statistics) -> str:
    """"2026-09-01 至 2026-11-30", or for a period still running "2026-09-01 起，截至2026年12月3日"
    (figures cannot run into the future)."""
    start = f"{stats.scope.date_from:%Y-%m-%d}"
    if stats.as_of < stats.scope.date_to:
        return f"{start} 起{COMMA}{as_of_words(stats.as_of)}"
    return f"{start} 至 {stats.scope.date_to:%Y-%m-%d}"
