"""The statistics written out as the seeds write them, one section per heading of DESIGN.md.

Each `Section` carries the sentence ("其中男生8人,占47.1%…"), the headline figures for meeting
mode and the deck, and the bars its chart draws, each bar with the roster filter it stands for.
The dashboard, the CLI, the written 活动总结 and the deck all read these, so a figure is worded
once. Shares have one decimal with the count beside them, and divide by the total the sentence
has just given; a share of another population names it ("占…在籍学生888人的10.1%").

With `suppress` (viewers, meeting mode, the deck, a 脱敏 draft) counts of children go through
`services.stats.small_cells`: small cells become "<5", the cells that would give them back
"≥5", their
shares and bars are left out, and a unit with fewer than 5 children shows only its total.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from core.i18n import t
from core.typography import full_width
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
    RiskLevel,
    Vocabulary,
)
from services.roster.roster_search import AgeBand, PairingState, RosterFilter
from services.stats import small_cells
from services.stats.figures import Statistics
from services.stats.small_cells import Cell, exact

# Full-width punctuation, written as escapes so no tool along the way turns it into ASCII.
COMMA, SEMI, COLON, PAUSE = "\uff0c", "\uff1b", "\uff1a", "\u3001"
OPEN, CLOSE, STOP = "\uff08", "\uff09", "\u3002"


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


def _t(key: str, lang: str, **values: object) -> str:
    return t(f"stats.{key}", lang, **values)


def counted(count: int | Cell, total: int, lang: str = "zh") -> str:
    """"17人，占10.0%"; a withheld count has no share: "<5人" (English: "17 (10.0%)", "<5")."""
    cell = count if isinstance(count, Cell) else exact(count)
    if cell.withheld:
        return _t("unit.people", lang, n=cell)
    return _t("counted", lang, n=cell.value, share=pct(cell.value, total))


# A stored period name (services.care.terms.relative_name) and a unit's kind in words
# (services.stats.figures.LEVEL_WORDS), by the catalogue key that words them in every language.
PERIOD_KEYS = {"本月": "month", "本学期": "term", "本学年": "school_year", "今年": "year",
               "本期": "other"}
LEVEL_KEYS = {"县": "county", "镇": "town", "街道": "subdistrict", "村": "village",
              "社区": "community", "校": "school"}
WHOLE_DATABASE = "全部"  # services.stats.figures._org_name for several counties


def period_name(stats: Statistics, lang: str = "zh") -> str:
    """"本学期" / "this term": the period the figures cover, in words."""
    key = PERIOD_KEYS.get(stats.period_name)
    return _t(f"period.{key}", lang) if key and lang != "zh" else stats.period_name


def org_name(stats: Statistics, lang: str = "zh") -> str:
    """The unit the figures are about: its stored name, or the words for a helper's own
    children or the whole database."""
    if lang == "zh":
        return stats.org
    if stats.for_helper:
        return _t("my_children", lang)
    if stats.unit_id is None and stats.org == WHOLE_DATABASE:
        return _t("whole_database", lang)
    return stats.org


def as_of_text(day: date, lang: str = "zh") -> str:
    """"截至2026年12月3日" / "as of 3/12/2026"."""
    return _t("as_of", lang, year=day.year, month=day.month, day=day.day)


def activity_label(stats: Statistics, code: str, lang: str = "zh") -> str:
    """An activity kind's label: a built-in kind's in the language, an added kind's as stored."""
    if lang != "zh" and code in ActivityKind.codes():
        return ActivityKind(code).label(lang)
    return stats.activity_labels.get(code, code)


# Pages the empty hints send people to, by the page file navigation knows them by.
ROSTER, PAIRING, ACTIVITIES, CONTACTS, RESOURCES, ADMIN = (
    "pages/roster.py", "pages/pairing.py", "pages/activities.py", "pages/contacts.py",
    "pages/resources.py", "pages/admin.py")


class _View:
    """What every section needs besides the figures: how counts are shown, which pages the
    reader may open, roster links inside the statistics' own scope, and the language."""

    def __init__(self, stats: Statistics, *, suppress: bool,
                 pages: frozenset[str] | None, lang: str = "zh") -> None:
        self.suppress = suppress
        self.pages = pages
        self.lang = lang
        self.gap = "" if lang == "zh" else " "  # between sentences: none in Chinese
        # The list behind a bar holds the children the bar counts: those living in the unit.
        self.base = RosterFilter(org_unit_id=stats.unit_id, counted_only=stats.unit_id is not None,
                                 categories=stats.scope.categories)
        self.total = shown_total(stats, suppress=suppress)
        self.too_few = self.total.withheld  # only the total is shown

    def t(self, key: str, **values: object) -> str:
        return _t(key, self.lang, **values)

    def label(self, code: Vocabulary | AgeBand) -> str:
        return code.label(self.lang)

    def counted(self, count: int | Cell, total: int) -> str:
        return counted(count, total, lang=self.lang)

    def item(self, label: str, value: object) -> str:
        """"男生3人，占60.0%" / "Boys: 3 (60.0%)": a label and what is counted of it."""
        return self.t("item", label=label, value=value)

    def people(self, n: object) -> str:
        return self.t("unit.people", n=n)

    def listing(self, parts: list[str]) -> str:
        return self.t("sep.list").join(p for p in parts if p)

    def pause(self, parts: list[str]) -> str:
        return self.t("sep.pause").join(parts)

    def sentences(self, *parts: str) -> str:
        return self.gap.join(p for p in parts if p)

    def link(self, **narrowing: object) -> dict[str, str | list[str]] | None:
        if self.suppress:
            return None
        return replace(self.base, **narrowing).to_query_params()

    def hint(self, key: str, *needs: str) -> str:
        """The empty state's advice, or a plain one when it names a page the reader lacks."""
        if self.pages is not None and any(page not in self.pages for page in needs):
            return self.t("ask_coordinator")
        return self.t(f"hint.{key}")

    def cells(self, counts: Mapping[str, int], total: int) -> dict[str, Cell]:
        return small_cells.breakdown(counts, total, suppress=self.suppress)

    def part(self, value: int, total: int) -> Cell:
        return small_cells.part(value, total, suppress=self.suppress)

    def count(self, value: int) -> Cell:
        return small_cells.count(value, suppress=self.suppress)

    def few(self, key: str) -> Section:
        """A unit of fewer than 5 children, or one whose figures would give such a unit back:
        its total only."""
        return Section(key, self.t(f"title.{key}"), self.why_total_only(), withheld=True)

    def why_total_only(self) -> str:
        which = "under" if self.total.shown == small_cells.UNDER else "derivable"
        return self.t(f"few.{which}", small=small_cells.SMALL)


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
                 v: _View) -> list[str]:
    return [v.item(v.label(vocab(code)), v.counted(c, total)) for code, c in cells.items()
            if c.value]


def _bars(group: str, cells: Mapping[str, Cell], label: Callable[[str], str],
          link: Callable[[str], Mapping[str, str | list[str]] | None], prefix: str = ""
          ) -> list[Bar]:
    """A chart's bars; a withheld count draws no bar (its length would give it back)."""
    return [Bar(group, label(code), c.value, f"{prefix}{code}", link(code))
            for code, c in cells.items() if not c.withheld]


def _vocab_bars(group: str, cells: Mapping[str, Cell], vocab: type[Vocabulary],
                link: Callable[[str], Mapping[str, str | list[str]] | None], v: _View
                ) -> list[Bar]:
    return _bars(group, cells, lambda code: v.label(vocab(code)), link)


def _share_figure(label: str, cell: Cell, total: int, v: _View) -> Figure:
    """A headline share, or the withheld count in its place (its share would give it back)."""
    return Figure(label, v.people(cell) if cell.withheld else pct(cell.value, total))


def _any_withheld(*groups: Mapping[str, Cell] | Cell) -> bool:
    return any(g.withheld if isinstance(g, Cell) else any(c.withheld for c in g.values())
               for g in groups)


def _children_empty(key: str, v: _View) -> Section:
    return Section(key, v.t(f"title.{key}"), v.t("no_children"),
                   empty_hint=v.hint(key, ROSTER))


def basics(s: Statistics, v: _View) -> Section:
    c = s.children
    total = c.total
    if not total:
        return _children_empty("basics", v)
    title, org = v.t("title.basics"), org_name(s, v.lang)
    whose = "helper" if s.for_helper else "unit"
    if v.too_few:
        return Section("basics", title, v.sentences(
                           v.t(f"basics.total_only_{whose}", org=org, total=v.total),
                           v.why_total_only()),
                       (Figure(v.t("fig.total"), v.people(v.total)),), withheld=True)
    kinds_cells = {code: v.part(n, total) for code, n in c.by_category.items()}
    kinds = v.pause([v.item(v.label(Category(code)), v.people(cell))
                     for code, cell in kinds_cells.items() if cell.value])
    genders = v.cells(c.by_gender, total)
    ages = v.cells(c.by_age_band, total)
    boys, girls = genders[Gender.male.value], genders[Gender.female.value]
    age_parts = [v.item(v.label(AgeBand(code)), v.counted(n, total)) for code, n in ages.items()]
    text = v.sentences(
        v.t(f"basics.total_{whose}", org=org, total=total, kinds=kinds),
        v.t("basics.gender", boys=v.counted(boys, total), girls=v.counted(girls, total)),
        v.t("basics.ages", ages=v.listing(age_parts)),
        enrolment_text(s, v))
    figures = [Figure(v.t("fig.total"), v.people(total))]
    figures += [Figure(v.label(Category(code)), v.people(cell))
                for code, cell in kinds_cells.items() if cell.value]
    if c.share_of_enrolled is not None and not v.part(c.enrolled_children,
                                                      c.enrolled_students).withheld:
        figures.append(Figure(v.t("fig.enrolled"),
                              pct(c.enrolled_children, c.enrolled_students)))
    chosen = set(s.scope.categories)
    # The roster's category filter means "any of": a bar inside a category filter can only be
    # listed when it is one of the chosen categories.
    bars = _vocab_bars(v.t("group.category"), kinds_cells, Category,
                       lambda code: v.link(categories=(Category(code),))
                       if not chosen or Category(code) in chosen else None, v)
    bars += _vocab_bars(v.t("group.gender"), genders, Gender, lambda code: None, v)
    bars += _bars(v.t("group.age"), ages, lambda code: v.label(AgeBand(code)),
                  lambda code: v.link(age_bands=(AgeBand(code),)), prefix="age_")
    return Section("basics", title, text, tuple(figures), tuple(bars),
                   withheld=_any_withheld(kinds_cells, genders, ages))


def enrolment_text(s: Statistics, v: _View) -> str:
    """The share of enrolled students, naming both populations: the children counted here live
    in the unit, but the schools' enrolment counts whoever studies there."""
    c = s.children
    if c.share_of_enrolled is None:
        return ""
    at = v.part(c.enrolled_children, c.enrolled_students)
    where = "schools" if c.enrolled_schools else "org"
    withheld = "_withheld" if at.withheld else ""
    return v.t(f"enrol.{where}{withheld}", at=at if at.withheld else at.value,
               schools=c.enrolled_schools, org=org_name(s, v.lang),
               students=c.enrolled_students, share=pct(at.value, c.enrolled_students))


def guardianship(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("guardianship", v)
    if v.too_few:
        return v.few("guardianship")
    guardians = v.cells(c.by_guardian_type, c.total)
    away = v.cells(c.by_left_behind_type, c.total)
    listed = v.listing(_vocab_parts(guardians, GuardianType, c.total, v)) or v.t("not_filled")
    text = v.t("guardianship.guardians", list=listed)
    if away_parts := _vocab_parts(away, LeftBehindType, c.total, v):
        text = v.sentences(text, v.t("guardianship.away", list=v.listing(away_parts)))
    top_code, top = max(guardians.items(), key=lambda item: item[1].value)
    both = away["both_parents_away"]
    figures = (_share_figure(v.label(GuardianType(top_code)), top, c.total, v),
               Figure(v.t("fig.both_away"), v.people(both)))
    bars = _vocab_bars(v.t("group.guardian"), guardians, GuardianType,
                       lambda code: v.link(guardian_types=(GuardianType(code),)), v)
    bars += _vocab_bars(v.t("group.left_behind"), away, LeftBehindType,
                        lambda code: v.link(left_behind_types=(LeftBehindType(code),)), v)
    return Section("guardianship", v.t("title.guardianship"), text, figures, tuple(bars),
                   withheld=_any_withheld(guardians, away))


def distribution(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("distribution", v)
    elsewhere = elsewhere_text(s, v)
    if v.too_few:
        few = v.few("distribution")
        return replace(few, text=v.sentences(few.text, elsewhere))
    places_raw = c.by_town if s.by_towns else c.by_village
    places = v.cells(places_raw, c.total)
    level = "towns" if s.by_towns else "villages"
    top = v.pause([v.item(name, v.people(cell)) for name, cell in list(places.items())[:5]])
    mountain = v.part(c.in_mountain_area, c.total)
    townships = v.part(c.in_townships, c.total)
    text = v.sentences(
        v.t("distribution.places", n=len(places), level=v.t(f"level.{level}_in_text"), top=top),
        v.t("distribution.areas", mountain=v.counted(mountain, c.total),
            townships=v.counted(townships, c.total)),
        elsewhere)
    figures = (Figure(v.t(f"fig.places_{level}"), v.t("unit.places", n=len(places))),
               _share_figure(v.t("fig.mountain"), mountain, c.total, v),
               _share_figure(v.t("fig.townships"), townships, c.total, v))
    shown = [(name, cell) for name, cell in places.items() if not cell.withheld][:15]
    group = v.t(f"level.{level}")
    bars = tuple(Bar(group, name, cell.value, f"place_{i}", None)
                 for i, (name, cell) in enumerate(shown))
    return Section("distribution", v.t("title.distribution"), text, figures, bars,
                   withheld=_any_withheld(places, mountain, townships))


def elsewhere_text(s: Statistics, v: _View) -> str:
    """"另有在本镇学校就读、户籍在外镇的儿童12人": served here, counted where they live."""
    n = s.children.attending_from_elsewhere
    if not n or not s.level:
        return ""
    key = LEVEL_KEYS.get(s.level)
    level = v.t(f"level_word.{key}") if key and v.lang != "zh" else s.level
    return v.t("distribution.elsewhere", level=level, n=v.count(n))


def family_and_study(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("family", v)
    if v.too_few:
        return v.few("family")
    economy = v.cells(c.by_economic_status, c.total)
    study = v.cells(c.by_academic_level, c.total)
    families = v.listing(_vocab_parts(economy, EconomicStatus, c.total, v)) or v.t("not_filled")
    grades = v.listing(_vocab_parts(study, AcademicLevel, c.total, v)) or v.t("not_filled")
    text = v.t("family.text", families=families, grades=grades)
    hardship, excellent = economy["hardship"], study["excellent"]
    figures = (_share_figure(v.t("fig.hardship"), hardship, c.total, v),
               _share_figure(v.t("fig.excellent"), excellent, c.total, v))
    bars = _vocab_bars(v.t("group.economy"), economy, EconomicStatus,
                       lambda code: v.link(economic_statuses=(EconomicStatus(code),)), v)
    bars += _vocab_bars(v.t("group.study"), study, AcademicLevel,
                        lambda code: v.link(academic_levels=(AcademicLevel(code),)), v)
    return Section("family", v.t("title.family"), text, figures, tuple(bars),
                   withheld=_any_withheld(economy, study))


def safety(s: Statistics, v: _View) -> Section:
    c = s.children
    if not c.total:
        return _children_empty("safety", v)
    if v.too_few:
        return v.few("safety")
    psych = v.count(s.open_needs_by_kind.get(NeedKind.psychological.value, 0))
    incident = v.part(c.safety_incident, c.total)
    concern, boarding = v.part(c.key_concern, c.total), v.part(c.boarding, c.total)
    aged_out = v.part(c.aged_out_review, c.total)
    risk = v.cells(c.by_risk_level, c.total)

    def risk_label(code: str) -> str:
        return _risk_label(code, v.lang)

    risks = [v.item(risk_label(code), v.people(cell)) for code, cell in risk.items()
             if cell.value]
    text = v.t("safety.text", incident=v.counted(incident, c.total), concern=concern,
               boarding=boarding, risks=v.pause(risks), psych=psych, aged_out=aged_out)
    figures = (_share_figure(v.t("fig.incident"), incident, c.total, v),
               Figure(v.t("fig.red"), v.people(risk["red"])),
               Figure(v.t("fig.psych"), v.t("unit.items", n=psych)))
    bars = _bars(v.t("group.risk"), risk, risk_label,
                 lambda code: v.link(risk_levels=(code if code == "unassessed"
                                                  else RiskLevel(code),)), prefix="risk_")
    return Section("safety", v.t("title.safety"), text, figures, tuple(bars),
                   withheld=_any_withheld(risk, incident, concern, boarding, aged_out, psych))


def _risk_label(code: str, lang: str = "zh") -> str:
    if code == "unassessed":
        return _t("risk.unassessed", lang)
    return _t("risk.colour", lang, colour=RiskLevel(code).label(lang))


def pairing(s: Statistics, v: _View) -> Section:
    p = s.pairing
    if not p.children:
        return Section("pairing", v.t("title.pairing"), v.t("no_children"),
                       empty_hint=v.hint("pairing", ROSTER, PAIRING))
    if v.too_few:
        return v.few("pairing")
    kinds = v.pause([v.item(v.label(HelperKind(code)), v.t("unit.helpers", n=n))
                     for code, n in p.helpers_by_kind.items() if n])
    state = v.cells({"paired": p.children_paired, "unpaired": p.unpaired}, p.children)
    paired, unpaired = state["paired"], state["unpaired"]
    rate = "" if paired.withheld else v.t("pairing.rate", share=pct(paired.value, p.children))
    text = v.t("pairing.text", helpers=p.helpers, kinds=kinds or v.t("none_yet"),
               paired=paired, rate=rate, unpaired=unpaired)
    figures = [Figure(v.t("fig.helpers"), v.t("unit.helpers", n=p.helpers)),
               Figure(v.t("fig.paired"), v.people(paired))]
    if not paired.withheld:
        figures.append(Figure(v.t("fig.pairing_rate"), pct(paired.value, p.children)))
    figures.append(Figure(v.t("fig.unpaired"), v.people(unpaired)))
    bars = _bars(v.t("group.pairing"), state, lambda code: v.t(f"fig.{code}"),
                 lambda code: v.link(pairing=PairingState(code)))
    bars += [Bar(v.t("group.helper_kind"), v.label(HelperKind(code)), n, code, None)
             for code, n in p.helpers_by_kind.items() if n]
    return Section("pairing", v.t("title.pairing"), text, tuple(figures), tuple(bars),
                   withheld=_any_withheld(state))


def activities_and_contacts(s: Statistics, v: _View) -> Section:
    total, contacts = s.activities_total, s.contacts_total
    when = period_name(s, v.lang)
    title = v.t("title.activities")
    if not total.sessions and not contacts:
        return Section("activities", title, v.t("activities.none", when=when),
                       empty_hint=v.hint("activities", ACTIVITIES, CONTACTS))
    kinds = [v.t("activities.kind", label=activity_label(s, code, v.lang),
                 sessions=a.sessions, attendances=a.person_times)
             for code, a in s.activities_by_kind.items() if a.sessions]
    reached = {code: v.count(tally.children) for code, tally in s.contacts_by_kind.items()}
    visits = [v.t("activities.visit", label=v.label(ContactKind(code)), count=tally.count,
                  reached=reached[code])
              for code, tally in s.contacts_by_kind.items() if tally.count]
    text = (v.t("activities.total", when=when, sessions=total.sessions,
                attendances=total.person_times)
            + (v.t("activities.of_which", kinds=v.pause(kinds)) if kinds else "")
            + v.t("stop") + v.gap
            + v.t("activities.contacts", contacts=contacts)
            + (v.t("activities.visits", visits=v.t("sep.visits").join(visits)) if visits
               else "")
            + v.t("stop"))
    figures = (Figure(v.t("fig.activities", when=when), v.t("unit.sessions", n=total.sessions)),
               Figure(v.t("fig.attendances", when=when),
                      v.t("unit.attendances", n=total.person_times)),
               Figure(v.t("fig.contacts", when=when), v.t("unit.attendances", n=contacts)))
    bars = [Bar(v.t("group.activities"), activity_label(s, code, v.lang), a.person_times,
                f"act_{code}")
            for code, a in s.activities_by_kind.items() if a.sessions]
    bars += [Bar(v.t("group.contacts"), v.label(ContactKind(code)), tally.count,
                 f"contact_{code}")
             for code, tally in s.contacts_by_kind.items() if tally.count]
    return Section("activities", title, text, figures, tuple(bars), page=ACTIVITIES,
                   withheld=_any_withheld(reached))


def donations_text(s: Statistics, *, suppress: bool, lang: str = "zh") -> str:
    """"发放捐助资金10,000.00元，受助儿童61名": money is never paired with children helped
    without saying when the help was in goods, nor with none when it went to no one child."""
    d, when = s.donations, period_name(s, lang)
    money, helped = d["money_yuan"], int(d["children_helped"])
    goods = int(d.get("goods_entries", 0))
    children = (_t("donations.helped", lang, n=small_cells.count(helped, suppress=suppress))
                if helped else _t("donations.collective", lang))
    given = [_t("donations.money", lang, yuan=f"{money:,.2f}")] if money else []
    if goods:
        given.append(_t("donations.goods_also" if money else "donations.goods_only", lang,
                        n=goods))
    if not given:
        return (_t("donations.only_children", lang, when=when, children=children) if helped
                else _t("donations.none", lang, when=when))
    return _t("donations.given", lang, when=when, given=_t("sep.comma", lang).join(given),
              children=children)


def _given(s: Statistics) -> bool:
    d = s.donations
    return bool(d["money_yuan"] or d.get("goods_entries") or d["children_helped"])


def needs_and_giving(s: Statistics, v: _View) -> Section:
    needs = s.needs.by_status
    n_needs = sum(needs.values())
    w, d = s.wishes, s.donations
    when = period_name(s, v.lang)
    title = v.t("title.needs")
    if not n_needs and not w["collected"] and not w["fulfilled"] and not _given(s):
        return Section("needs", title, v.t("needs.none"),
                       empty_hint=v.hint("needs", RESOURCES))
    if v.too_few:
        return replace(v.few("needs"), page=RESOURCES)
    status = v.cells(needs, n_needs)
    kinds = v.cells(s.needs.by_kind, n_needs)
    statuses = v.pause([v.item(v.label(NeedStatus(code)), v.t("unit.items", n=n))
                        for code, n in status.items() if n.value])
    text = v.sentences(
        v.t("needs.registered", n=n_needs)
        + (v.t("needs.statuses", statuses=statuses) if statuses else "") + v.t("stop"),
        v.t("needs.wishes", when=when, collected=w["collected"], fulfilled=w["fulfilled"]),
        donations_text(s, suppress=v.suppress, lang=v.lang))
    helped = v.count(int(d["children_helped"]))
    figures = (Figure(v.t("fig.needs_resolved"),
                      v.t("unit.fraction", part=status["resolved"], whole=n_needs)),
               Figure(v.t("fig.wishes_fulfilled"), v.t("unit.items", n=w["fulfilled"])),
               Figure(v.t("fig.money"), v.t("unit.yuan", n=f"{d['money_yuan']:,.0f}"))
               if d["money_yuan"] or not d.get("goods_entries")
               else Figure(v.t("fig.goods"), v.t("unit.times", n=d["goods_entries"])),
               Figure(v.t("fig.helped"), v.t("unit.helpers", n=helped)))
    bars = _bars(v.t("group.need_kind"), kinds, lambda code: v.label(NeedKind(code)),
                 lambda code: None, prefix="need_")
    bars += _bars(v.t("group.need_status"), status, lambda code: v.label(NeedStatus(code)),
                  lambda code: None, prefix="status_")
    return Section("needs", title, text, figures,
                   tuple(b for b in bars if b.value), page=RESOURCES,
                   withheld=_any_withheld(status, kinds, helped))


def care_rules(s: Statistics, v: _View) -> Section:
    rules = [r for r in s.compliance if r.due]
    title = v.t("title.compliance")
    if not rules:
        return Section("compliance", title, v.t("rules.none"),
                       empty_hint=v.hint("compliance", ADMIN, PAIRING))
    if v.too_few:
        return replace(v.few("compliance"), page=CONTACTS)
    # Items are pairings × rules: a rule for red-risk children due 1 item names one such child,
    # so with suppression these counts are withheld like counts of children.
    parts, withheld = [], False
    for r in rules:
        due, met, overdue = v.count(r.due), v.part(r.met, r.due), v.count(r.overdue)
        rate = ("" if due.withheld or met.withheld
                else v.t("rules.rate", share=pct(r.met, r.due)))
        parts.append(v.t("rules.item", name=r.name, due=due, met=met, rate=rate,
                         overdue=v.t("rules.overdue", n=overdue) if r.overdue else ""))
        withheld = withheld or _any_withheld(due, met, overdue)
    due_total, met_total = sum(r.due for r in rules), sum(r.met for r in rules)
    overall = v.part(met_total, due_total)
    overdue_all = v.count(s.overdue)
    figures = (Figure(v.t("fig.completion"), v.t("unit.tasks", n=overall) if overall.withheld
                      else pct(met_total, due_total)),
               Figure(v.t("fig.overdue"), v.t("unit.tasks", n=overdue_all)))
    group = v.t("group.completion")
    bars = tuple(Bar(group, r.name, round(100 * r.met / r.due), f"rule_{r.code}")
                 for r in rules if not (v.count(r.due).withheld or v.part(r.met, r.due).withheld))
    return Section("compliance", title, v.t("sentence", text=v.listing(parts)), figures, bars,
                   page=CONTACTS, withheld=withheld or _any_withheld(overall, overdue_all))


def surveys(s: Statistics, v: _View) -> Section:
    title = v.t("title.surveys")
    if not any(sum(options.values()) for options in s.surveys.values()):
        return Section("surveys", title, v.t("surveys.none"),
                       empty_hint=v.hint("surveys", RESOURCES))
    if v.too_few:
        return replace(v.few("surveys"), page=RESOURCES)
    parts, bars, withheld = [], [], False
    for number, (question, options) in enumerate(s.surveys.items()):
        answered = sum(options.values())
        cells = v.cells(options, answered)
        withheld = withheld or _any_withheld(cells)
        shares = v.pause([v.t("surveys.option_withheld", option=option, n=cell)
                          if cell.withheld else
                          v.t("surveys.option", option=option, share=pct(cell.value, answered),
                              n=cell.value)
                          for option, cell in cells.items() if cell.value])
        parts.append(v.t("surveys.question", question=question, shares=shares))
        bars += [Bar(question, option, cell.value, f"q{number}_{i}") for i, (option, cell)
                 in enumerate(cells.items()) if not cell.withheld]
    first_question, first = next(iter(s.surveys.items()))
    top_option, top = max(first.items(), key=lambda item: item[1])
    first_cells = v.cells(first, sum(first.values()))
    figures = () if first_cells[top_option].withheld else (
        Figure(top_option, pct(top, sum(first.values()))),)
    return Section("surveys", title, v.t("sentence", text=v.listing(parts)), figures,
                   tuple(bars), page=RESOURCES, extras={"first_question": first_question},
                   withheld=withheld)


SECTIONS: tuple[Callable[[Statistics, _View], Section], ...] = (
    basics, guardianship, distribution, family_and_study, safety, pairing,
    activities_and_contacts, needs_and_giving, care_rules, surveys)


def sections(stats: Statistics, *, suppress: bool = False,
             pages: frozenset[str] | None = None, lang: str = "zh") -> list[Section]:
    """Every section of the dashboard, in DESIGN.md's order.

    `suppress`: write counts of children for readers who may not see people (small_cells).
    `pages`: the pages the reader may open; empty states name no other page (None: any).
    `lang`: the language of the words ("zh" or "en").
    """
    view = _View(stats, suppress=suppress, pages=pages, lang=lang)
    built = [build(stats, view) for build in SECTIONS]
    return [_typeset(section) for section in built] if lang == "zh" else built


def _typeset(s: Section) -> Section:
    """Full-width punctuation in the words, including labels that come from stored data."""
    return replace(
        s, title=full_width(s.title), text=full_width(s.text),
        empty_hint=full_width(s.empty_hint) if s.empty_hint else s.empty_hint,
        extras={k: full_width(v) for k, v in s.extras.items()},
        figures=tuple(replace(f, label=full_width(f.label)) for f in s.figures),
        bars=tuple(replace(b, label=full_width(b.label)) for b in s.bars))


def period_span(stats: Statistics, lang: str = "zh") -> str:
    """"2026-09-01 至 2026-11-30", or for a period still running "2026-09-01 起，截至2026年12月3日"
    (figures cannot run into the future)."""
    start = f"{stats.scope.date_from:%Y-%m-%d}"
    if stats.as_of < stats.scope.date_to:
        return _t("span.running", lang, start=start, as_of=as_of_text(stats.as_of, lang))
    return _t("span.closed", lang, start=start, end=f"{stats.scope.date_to:%Y-%m-%d}")


def withheld_note(lang: str = "zh") -> str:
    """`small_cells.NOTE` in the language: why some counts read "<5" or "≥5"."""
    return _t("withheld_note", lang, small=small_cells.SMALL, under=small_cells.UNDER,
              at_least=small_cells.AT_LEAST, unbounded=small_cells.UNBOUNDED)
