"""Every share written out divides the numerator it states by the total it states.

The demo county is seeded (as `cli.py seed --scale demo` seeds it, on a fixed day), and the
活动总结 draft and the dashboard's sections are written for the county and every unit in it.
Each "…%" in the text is parsed with the numbers it stands on and recomputed to one decimal:

- "N人，占P%" (基本情况, 监护, 分布, 家庭与学业, 安全): of the section's "现有关爱对象N人";
- "在…就读的关爱对象M人，占…在籍学生N人的P%": of the enrolment it names; M is also checked
  against the children at those schools, counted here with a query of this file's own;
- "结对N名儿童，结对率P%；尚有U名儿童未结对" and "还有U名儿童未结对，结对率为P%";
- care rules "应完成D项，已完成M项，完成率P%", needs "累计登记需求…解决率P%", campaigns
  "目标T人，已覆盖R人，覆盖率P%", villages "P%（a/b人）", surveys "P%（n）".

Every "%" in a text must be one of these (the "低于80%" threshold aside), so a new share that
nobody parses fails here instead of going unchecked. The punctuation is full-width.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.typography import full_width
from core.vocab import OrgKind
from db.models import Child, OrgUnit
from sample_data.generator import seed_database
from services.reports.report_draft import draft_markdown
from services.roster.home_unit import children_counted_in, units_under
from services.stats.figures import Statistics, StatsScope, compute
from services.stats.stats_text import sections
from tests.pairing_factories import ADMIN

TODAY = date(2026, 11, 28)
TERM = StatsScope(date(2026, 9, 1), date(2027, 1, 31))
PCT = r"(?P<p>\d+\.\d)%"
THRESHOLD = "低于80%"  # places_text's cut-off, not a share
COUNT = r"\d+|[<≥]5"  # a count, or one withheld by small_cells


def number(count: str) -> int | str:
    return int(count) if count.isdigit() else count


@dataclass(frozen=True)
class Share:
    text: str  # the words matched, for the failure message
    numerator: int
    denominator: int
    stated: str  # "50.7"

    @property
    def recomputed(self) -> str:
        return f"{self.numerator / self.denominator:.1%}"[:-1]


@dataclass
class Parsed:
    shares: list[Share]
    enrolment: list[tuple[str, int, str, int]]  # (where, M, whose, N)
    unparsed: list[str]  # "%" signs no pattern accounted for, with their context


def _total(text: str) -> int | None:
    found = re.findall(r"现有关爱对象(\d+)人", text)
    assert len(set(found)) <= 1, found
    return int(found[0]) if found else None


def parse(text: str, *, total: int | None, survey_totals: dict[str, int]) -> Parsed:
    """Every share in `text`. `total`: the children the text's sections state;
    `survey_totals`: each question's answers, for a question some of whose counts are withheld
    (the text then states no denominator)."""
    shares: list[Share] = []
    enrolment: list[tuple[str, int, str, int]] = []
    covered: set[int] = set()

    def add(match: re.Match[str], numerator: int | str, denominator: int | str) -> None:
        covered.add(match.end("p"))  # the "%" right after the number
        if isinstance(numerator, str) or isinstance(denominator, str):
            # A count withheld as "<5"/"≥5" beside a share: only "0 of them, 0.0%" gives
            # nothing back (any other share would let the withheld count be worked out).
            assert (numerator, match["p"]) == (0, "0.0"), (
                f"a share beside a withheld count gives it back: {match.group(0)}")
            return
        shares.append(Share(match.group(0), numerator, denominator, match.group("p")))

    def each(pattern: str, handle: Callable[[re.Match[str]], None]) -> None:
        for match in re.finditer(pattern, text):
            handle(match)

    def of_total(m: re.Match[str]) -> None:
        assert total is not None, f"a share of children with no total stated: {m.group(0)}"
        add(m, int(m["n"]), total)

    def enrolled(m: re.Match[str]) -> None:
        enrolment.append((m["where"], int(m["m"]), m["whose"], int(m["d"])))
        add(m, int(m["m"]), int(m["d"]))

    def paired(m: re.Match[str]) -> None:
        children = int(m["paired"]) + int(m["unpaired"])
        if total is not None:
            assert children == total, m.group(0)
        add(m, int(m["paired"]), children)

    def unpaired(m: re.Match[str]) -> None:
        assert total is not None, m.group(0)
        add(m, total - int(m["unpaired"]), total)

    def survey(m: re.Match[str]) -> None:
        if m["q"] not in survey_totals:  # a campaign's name, also in quotes
            return
        options = list(re.finditer(rf"{PCT}（(?P<n>\d+)）", m["body"]))
        withheld = re.search(r"[<≥]5", m["body"])
        answered = survey_totals[m["q"]] if withheld else sum(int(o["n"]) for o in options)
        for option in options:
            shares.append(Share(f"“{m['q']}”{option.group(0)}", int(option["n"]), answered,
                                option["p"]))
            covered.add(m.start("body") + option.end("p"))

    each(rf"(?P<n>\d+)人，占{PCT}", of_total)
    each(rf"在(?P<where>[^。；]*?)就读的关爱对象(?P<m>\d+)人，占(?P<whose>[^。；]*?)"
         rf"在籍学生(?P<d>\d+)人的{PCT}", enrolled)
    each(rf"结对(?P<paired>\d+)名儿童，结对率{PCT}；尚有(?P<unpaired>\d+)名儿童未结对", paired)
    each(rf"还有(?P<unpaired>\d+)名儿童未结对，结对率为{PCT}", unpaired)
    each(rf"应完成(?P<d>\d+)项，已完成(?P<n>\d+)项，(?:总)?完成率{PCT}",
         lambda m: add(m, int(m["n"]), int(m["d"])))
    each(rf"累计登记需求(?P<d>\d+)个，已解决(?P<n>\d+)个，解决率{PCT}",
         lambda m: add(m, int(m["n"]), int(m["d"])))
    each(rf"目标(?P<d>{COUNT})人，已覆盖(?P<n>{COUNT})人，覆盖率{PCT}",
         lambda m: add(m, number(m["n"]), number(m["d"])))
    each(rf"{PCT}（(?P<n>\d+)/(?P<d>\d+)人）", lambda m: add(m, int(m["n"]), int(m["d"])))
    each(r"“(?P<q>[^”]+)”(?P<body>[^；。]*)", survey)

    skip = {m.start() + len(THRESHOLD) - 1 for m in re.finditer(re.escape(THRESHOLD), text)}
    unparsed = [text[max(0, i - 30):i + 1] for i, ch in enumerate(text)
                if ch == "%" and i not in covered and i not in skip]
    return Parsed(shares, enrolment, unparsed)


# ---- the world ----------------------------------------------------------------------------

@pytest.fixture(params=[42, 7], ids=lambda seed: f"demo seed {seed}")
def demo(request, engine: Engine) -> Engine:
    """The demo county, as `cli.py seed --scale demo` writes it, dated on a fixed day."""
    seed_database(engine, scale="demo", seed=request.param, today=TODAY)
    return engine


def units(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.archived_at.is_(None))
                                .order_by(OrgUnit.path)))


def children_at_home(session: Session, unit: OrgUnit) -> int:
    return session.scalar(select(func.count()).select_from(Child).where(
        Child.archived_at.is_(None), children_counted_in(session, unit.id))) or 0


def enrolment_expected(session: Session, unit: OrgUnit) -> tuple[int, int, int]:
    """(children at the schools compared, their enrolment, how many schools were summed; 0
    when the unit states its own), worked out with this file's own queries: the children are
    counted at their school wherever they live."""
    schools = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.school,
                                       OrgUnit.archived_at.is_(None),
                                       OrgUnit.id.in_(units_under(unit.id)))
    summed = 0
    if unit.enrolled_students:
        enrolled = unit.enrolled_students
    else:
        schools = schools.where(OrgUnit.enrolled_students.is_not(None))
        enrolled = session.scalar(select(func.sum(OrgUnit.enrolled_students))
                                  .where(OrgUnit.id.in_(schools))) or 0
        summed = session.scalar(select(func.count()).where(OrgUnit.id.in_(schools))) or 0
    at_schools = session.scalar(select(func.count()).select_from(Child).where(
        Child.archived_at.is_(None), Child.school_id.in_(schools))) or 0
    return at_schools, enrolled, summed


def texts(session: Session, unit: OrgUnit, masked: bool) -> tuple[Statistics, list[str]]:
    """The draft, and the sections' texts (safety and surveys are not in the draft)."""
    scope = StatsScope(TERM.date_from, TERM.date_to, unit.id)
    stats = compute(session, ADMIN, scope, today=TODAY)
    draft = draft_markdown(session, ADMIN, scope, today=TODAY, stats=stats, masked=masked)
    return stats, [draft, *(s.text for s in sections(stats, suppress=masked))]


# ---- the tests ----------------------------------------------------------------------------

@pytest.mark.parametrize("masked", [False, True], ids=["plain", "masked"])
def test_every_share_is_its_numerator_over_its_stated_total(demo, masked):
    with Session(demo) as session:
        everything: list[Share] = []
        enrolment_sentences = 0
        for unit in units(session):
            stats, written = texts(session, unit, masked)
            # questions are written with Chinese punctuation (“…说？” for a stored "…说?")
            survey_totals = {full_width(q): sum(o.values()) for q, o in stats.surveys.items()}
            total = _total(written[0])
            if total is not None:  # a unit of fewer than 5, masked, states "<5人"
                assert total == stats.children.total == children_at_home(session, unit)
            for text in written:
                parsed = parse(text, total=total, survey_totals=survey_totals)
                assert parsed.unparsed == [], f"{unit.name}: shares no pattern parsed"
                for share in parsed.shares:
                    assert share.denominator > 0, (unit.name, share)
                    assert share.stated == share.recomputed, (
                        f"{unit.name}: “{share.text}” states {share.stated}% but "
                        f"{share.numerator}/{share.denominator} is {share.recomputed}%")
                    assert abs(float(share.stated) - 100 * share.numerator
                               / share.denominator) <= 0.05 + 1e-9
                everything += parsed.shares
                for where, m, whose, n in parsed.enrolment:
                    enrolment_sentences += 1
                    at_schools, enrolled, summed = enrolment_expected(session, unit)
                    assert (m, n) == (at_schools, enrolled), (unit.name, where, whose)
                    assert (where, whose) == ((f"已填报在籍人数的{summed}所学校", "这些学校")
                                              if summed else (unit.name, unit.name))
        assert len(everything) > 20, f"only {len(everything)} shares parsed"
        # the county, its towns and the schools that state their enrolment each say it
        assert enrolment_sentences >= 3


def test_the_enrolment_sentence_counts_children_at_the_schools_wherever_they_live(demo):
    """At a town, the children compared with the schools' enrolment include those who live in
    another town (counted there for every other figure), so M may exceed the town's own
    children at its schools: it is the schools' count, named as such."""
    with Session(demo) as session:
        checked = 0
        for unit in units(session):
            if unit.kind not in (OrgKind.town, OrgKind.subdistrict, OrgKind.county):
                continue
            stats, written = texts(session, unit, masked=False)
            at_schools, enrolled, _ = enrolment_expected(session, unit)
            found = parse(written[0], total=_total(written[0]),
                          survey_totals={}).enrolment
            if not enrolled:
                assert found == [], unit.name
                continue
            assert [(m, n) for _, m, _, n in found] == [(at_schools, enrolled)], unit.name
            assert (stats.children.enrolled_children,
                    stats.children.enrolled_students) == (at_schools, enrolled)
            checked += 1
        assert checked >= 2  # the county and at least one town with schools


def test_the_parser_fails_on_a_wrong_share():
    """The check can fail: a share off by a tenth, or a "%" in no known sentence."""
    parsed = parse("青溪县现有关爱对象148人（留守儿童115人）。其中男生75人，占50.8%，"
                   "女生73人，占49.3%。某项比例12.5%。", total=148, survey_totals={})
    wrong = [s for s in parsed.shares if s.stated != s.recomputed]
    assert [(s.numerator, s.denominator, s.stated, s.recomputed) for s in wrong] == [
        (75, 148, "50.8", "50.7")]
    assert len(parsed.unparsed) == 1 and parsed.unparsed[0].endswith("某项比例12.5%")
