"""The sections about the children themselves: 基本情况, 监护情况, 分布, 家庭与学业 and 安全,
each a `Section` written from the figures through a `SectionView`."""

from __future__ import annotations

from dataclasses import replace

from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    LeftBehindType,
    NeedKind,
    RiskLevel,
)
from services.roster.roster_filter import UNASSESSED, AgeBand
from services.stats.figures import Statistics
from services.stats.section_view import (
    SectionView,
    any_withheld,
    bars_of,
    children_empty,
    share_figure,
    vocab_bars,
    vocab_parts,
)
from services.stats.stats_words import LEVEL_KEYS, Bar, Figure, Section, org_name, pct, phrase


def basics(s: Statistics, v: SectionView) -> Section:
    c = s.children
    total = c.total
    if not total:
        return children_empty("basics", v)
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
    bars = vocab_bars(v.t("group.category"), kinds_cells, Category,
                      lambda code: v.link(categories=(Category(code),))
                      if not chosen or Category(code) in chosen else None, v)
    bars += vocab_bars(v.t("group.gender"), genders, Gender, lambda code: None, v)
    bars += bars_of(v.t("group.age"), ages, lambda code: v.label(AgeBand(code)),
                    lambda code: v.link(age_bands=(AgeBand(code),)), prefix="age_")
    return Section("basics", title, text, tuple(figures), tuple(bars),
                   withheld=any_withheld(kinds_cells, genders, ages))


def enrolment_text(s: Statistics, v: SectionView) -> str:
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


def guardianship(s: Statistics, v: SectionView) -> Section:
    c = s.children
    if not c.total:
        return children_empty("guardianship", v)
    if v.too_few:
        return v.few("guardianship")
    guardians = v.cells(c.by_guardian_type, c.total)
    away = v.cells(c.by_left_behind_type, c.total)
    listed = v.listing(vocab_parts(guardians, GuardianType, c.total, v)) or v.t("not_filled")
    text = v.t("guardianship.guardians", list=listed)
    if away_parts := vocab_parts(away, LeftBehindType, c.total, v):
        text = v.sentences(text, v.t("guardianship.away", list=v.listing(away_parts)))
    top_code, top = max(guardians.items(), key=lambda item: item[1].value)
    both = away["both_parents_away"]
    figures = (share_figure(v.label(GuardianType(top_code)), top, c.total, v),
               Figure(v.t("fig.both_away"), v.people(both)))
    bars = vocab_bars(v.t("group.guardian"), guardians, GuardianType,
                      lambda code: v.link(guardian_types=(GuardianType(code),)), v)
    bars += vocab_bars(v.t("group.left_behind"), away, LeftBehindType,
                       lambda code: v.link(left_behind_types=(LeftBehindType(code),)), v)
    return Section("guardianship", v.t("title.guardianship"), text, figures, tuple(bars),
                   withheld=any_withheld(guardians, away))


def distribution(s: Statistics, v: SectionView) -> Section:
    c = s.children
    if not c.total:
        return children_empty("distribution", v)
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
               share_figure(v.t("fig.mountain"), mountain, c.total, v),
               share_figure(v.t("fig.townships"), townships, c.total, v))
    shown = [(name, cell) for name, cell in places.items() if not cell.withheld][:15]
    group = v.t(f"level.{level}")
    bars = tuple(Bar(group, name, cell.value, f"place_{i}", None)
                 for i, (name, cell) in enumerate(shown))
    return Section("distribution", v.t("title.distribution"), text, figures, bars,
                   withheld=any_withheld(places, mountain, townships))


def elsewhere_text(s: Statistics, v: SectionView) -> str:
    """"另有在本镇学校就读、户籍在外镇的儿童12人": served here, counted where they live."""
    n = s.children.attending_from_elsewhere
    if not n or not s.level:
        return ""
    key = LEVEL_KEYS.get(s.level)
    level = v.t(f"level_word.{key}") if key and v.lang != "zh" else s.level
    return v.t("distribution.elsewhere", level=level, n=v.count(n))


def family_and_study(s: Statistics, v: SectionView) -> Section:
    c = s.children
    if not c.total:
        return children_empty("family", v)
    if v.too_few:
        return v.few("family")
    economy = v.cells(c.by_economic_status, c.total)
    study = v.cells(c.by_academic_level, c.total)
    families = v.listing(vocab_parts(economy, EconomicStatus, c.total, v)) or v.t("not_filled")
    grades = v.listing(vocab_parts(study, AcademicLevel, c.total, v)) or v.t("not_filled")
    text = v.t("family.text", families=families, grades=grades)
    hardship, excellent = economy["hardship"], study["excellent"]
    figures = (share_figure(v.t("fig.hardship"), hardship, c.total, v),
               share_figure(v.t("fig.excellent"), excellent, c.total, v))
    bars = vocab_bars(v.t("group.economy"), economy, EconomicStatus,
                      lambda code: v.link(economic_statuses=(EconomicStatus(code),)), v)
    bars += vocab_bars(v.t("group.study"), study, AcademicLevel,
                       lambda code: v.link(academic_levels=(AcademicLevel(code),)), v)
    return Section("family", v.t("title.family"), text, figures, tuple(bars),
                   withheld=any_withheld(economy, study))


def safety(s: Statistics, v: SectionView) -> Section:
    c = s.children
    if not c.total:
        return children_empty("safety", v)
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
    figures = (share_figure(v.t("fig.incident"), incident, c.total, v),
               Figure(v.t("fig.red"), v.people(risk["red"])),
               Figure(v.t("fig.psych"), v.t("unit.items", n=psych)))
    bars = bars_of(v.t("group.risk"), risk, risk_label,
                   lambda code: v.link(risk_levels=(UNASSESSED if code == UNASSESSED
                                                    else RiskLevel(code),)), prefix="risk_")
    return Section("safety", v.t("title.safety"), text, figures, tuple(bars),
                   withheld=any_withheld(risk, incident, concern, boarding, aged_out, psych))


def _risk_label(code: str, lang: str = "zh") -> str:
    if code == "unassessed":
        return phrase("risk.unassessed", lang)
    return phrase("risk.colour", lang, colour=RiskLevel(code).label(lang))
