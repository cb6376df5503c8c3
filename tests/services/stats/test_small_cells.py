"""Small-number suppression (`services.stats.small_cells`): what is withheld, and what an
attacker with
the shown figures can still work out.

The attacker of these tests knows every figure shown: the exact cells, the total, "<5" meaning
1–4, "≥5" meaning 5 or more and "*" at least 1 (zero is shown), and that the cells add up to the
total when nobody is left out of the breakdown (a gender breakdown always does), or to no more
than the total otherwise. They enumerate every assignment of the withheld cells that fits; a
withheld cell with a single possible value has been given back.
"""

from __future__ import annotations

import itertools
import random
import re
from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.vocab import Category, Gender, GuardianType, OrgKind, RiskLevel
from services.reports.report_draft import draft_markdown
from services.stats import small_cells
from services.stats.figures import Statistics, StatsScope, compute
from services.stats.small_cells import (
    AT_LEAST,
    UNBOUNDED,
    UNDER,
    Cell,
    breakdown,
    count,
    exact,
    part,
    withheld,
)
from services.stats.stats_text import sections
from services.stats.stats_words import Section
from tests.factories import make_child, make_helper, make_org, make_pairing
from tests.pairing_factories import ADMIN

START, END = date(2026, 9, 1), date(2026, 11, 30)


# ---- the attacker -------------------------------------------------------------------------

def possible_values(shown: dict[str, str], total: int, *, complete: bool
                    ) -> dict[str, set[int]]:
    """For each withheld cell, every value it can take given what is shown (brute force).

    `complete`: the cells add up to the total; otherwise they add up to at most the total."""
    known = sum(int(v) for v in shown.values() if v.isdigit())
    hidden = [key for key, v in shown.items() if not v.isdigit()]
    domains = []
    for key in hidden:
        assert shown[key] in (UNDER, AT_LEAST, UNBOUNDED), shown[key]
        domains.append(range(1, small_cells.SMALL) if shown[key] == UNDER
                       else range(small_cells.SMALL, total + 1) if shown[key] == AT_LEAST
                       else range(1, total + 1))
    found: dict[str, set[int]] = {key: set() for key in hidden}
    for values in itertools.product(*domains):
        whole = known + sum(values)
        if whole == total if complete else whole <= total:
            for key, value in zip(hidden, values, strict=True):
                found[key].add(value)
    return found


def shown(cells: dict[str, int], total: int) -> dict[str, str]:
    return {key: str(cell) for key, cell in breakdown(cells, total, suppress=True).items()}


def given_back(cells: dict[str, int], rest: int) -> dict[str, set[int]]:
    """The withheld cells of a breakdown the attacker pins to one value."""
    total = sum(cells.values()) + rest
    found = possible_values(shown(cells, total), total, complete=rest == 0)
    for key, values in found.items():
        assert cells[key] in values, (cells, rest, key)  # the truth is always possible
    return {key: values for key, values in found.items() if len(values) < 2}


def breakdowns(max_cells: int = 3, max_value: int = 9) -> list[tuple[dict[str, int], int]]:
    """Every breakdown of 2–`max_cells` cells up to `max_value` each, with 0–2 children in no
    cell, of at least 5 children (a smaller unit shows its total only)."""
    found = []
    for n in range(2, max_cells + 1):
        for values in itertools.product(range(max_value + 1), repeat=n):
            for rest in range(3):
                if sum(values) + rest >= small_cells.SMALL:
                    found.append(({f"c{i}": v for i, v in enumerate(values)}, rest))
    return found


def random_breakdowns(count_: int = 3000, seed: int = 2026) -> list[tuple[dict[str, int], int]]:
    rng = random.Random(seed)
    found = []
    while len(found) < count_:
        cells = {f"c{i}": rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 12, 30])
                 for i in range(rng.randint(2, 6))}
        rest = rng.choice([0, 0, 0, 1, 2, 6])
        if sum(cells.values()) + rest >= small_cells.SMALL:
            found.append((cells, rest))
    return found


# ---- count, part, breakdown, withheld -----------------------------------------------------

@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_a_count_of_one_to_four_is_under_five(value):
    cell = count(value, suppress=True)
    assert (str(cell), cell.value, cell.withheld) == (UNDER, value, True)
    assert str(count(value, suppress=False)) == str(value)


@pytest.mark.parametrize("value", [0, 5, 6, 148])
def test_zero_and_five_or_more_are_shown(value):
    cell = count(value, suppress=True)
    assert (str(cell), cell.withheld) == (str(value), False)


def test_cells_say_what_they_are():
    assert exact(7) == Cell(7, "7") and not exact(7).withheld
    assert Cell(3, UNDER).withheld and str(Cell(3, UNDER)) == "<5"
    assert Cell(9, AT_LEAST).withheld and str(Cell(9, AT_LEAST)) == "\u22655"
    assert small_cells.is_small(1) and small_cells.is_small(4)
    assert not small_cells.is_small(0) and not small_cells.is_small(5)


@pytest.mark.parametrize(("cells", "rest", "hidden"), [
    ({"boys": 3, "girls": 9}, 0, {"boys", "girls"}),  # total − boys would give the girls
    ({"boys": 3, "girls": 9}, 2, {"boys"}),  # the 2 not recorded are a second unknown
    ({"a": 2, "b": 3, "c": 20}, 0, {"a", "b"}),  # two unknowns already
    ({"a": 2, "b": 7, "c": 6}, 0, {"a", "c"}),  # the next smallest is withheld with it
    ({"a": 2, "b": 0, "c": 7}, 0, {"a", "c"}),  # zero names nobody: never the partner
    ({"a": 0, "b": 6, "c": 7}, 0, set()),
    ({"a": 5, "b": 6}, 0, set()),
    ({}, 0, set()),
])
def test_withheld(cells, rest, hidden):
    assert set(withheld(cells, rest=rest)) == hidden


@pytest.mark.parametrize(("cells", "written"), [
    # 6 − "≥5" would leave the boy exactly 1: no bound is given for either
    ({"boys": 1, "girls": 5}, {"boys": UNBOUNDED, "girls": UNBOUNDED}),
    # two "<5" adding up to 2 (or 8) would both be given back: a third cell joins them
    ({"a": 1, "b": 1, "c": 10}, {"a": UNDER, "b": UNDER, "c": AT_LEAST}),
    ({"a": 4, "b": 4, "c": 10}, {"a": UNDER, "b": UNDER, "c": AT_LEAST}),
    ({"a": 1, "b": 5, "c": 9}, {"a": UNDER, "b": AT_LEAST, "c": AT_LEAST}),
])
def test_cells_are_withheld_until_none_is_pinned(cells, written):
    assert withheld(cells) == written


def test_a_breakdown_writes_withheld_cells_as_bounds():
    got = breakdown({"boys": 3, "girls": 9, "other": 0}, 12, suppress=True)
    assert {k: str(c) for k, c in got.items()} == {"boys": UNDER, "girls": AT_LEAST,
                                                    "other": "0"}
    assert {k: c.value for k, c in got.items()} == {"boys": 3, "girls": 9, "other": 0}
    plain = breakdown({"boys": 3, "girls": 9, "other": 0}, 12, suppress=False)
    assert {k: str(c) for k, c in plain.items()} == {"boys": "3", "girls": "9", "other": "0"}


@pytest.mark.parametrize(("value", "total", "written"), [
    (3, 12, UNDER), (9, 12, AT_LEAST),  # the 3 outside would give it back
    (6, 12, "6"), (0, 12, "0"), (12, 12, "12"), (2, 6, UNDER), (5, 6, AT_LEAST),
])
def test_a_part_hides_both_sides(value, total, written):
    assert str(part(value, total, suppress=True)) == written
    assert str(part(value, total, suppress=False)) == str(value)


ALL_BREAKDOWNS = breakdowns() + random_breakdowns()


def test_every_cell_of_one_to_four_is_under_five_and_zero_is_shown():
    for cells, rest in ALL_BREAKDOWNS:
        total = sum(cells.values()) + rest
        for key, cell in breakdown(cells, total, suppress=True).items():
            value = cells[key]
            if small_cells.is_small(value):
                assert str(cell) in (UNDER, UNBOUNDED), (cells, key)
            elif value == 0:
                assert str(cell) == "0", (cells, key)
            else:
                assert str(cell) in (str(value), AT_LEAST, UNBOUNDED), (cells, key)
            assert cell.value == value
        plain = breakdown(cells, total, suppress=False)
        assert {k: str(c) for k, c in plain.items()} == {k: str(v) for k, v in cells.items()}


def test_a_breakdown_never_has_exactly_one_unknown():
    """The structural rule: one withheld cell alone (with nobody unrecorded) is never left."""
    for cells, rest in ALL_BREAKDOWNS:
        hidden = withheld(cells, rest=rest)
        unknowns = len(hidden) + (rest > 0)
        assert unknowns != 1 or not hidden, (cells, rest, hidden)


def test_the_attacker_can_win():
    """The brute force finds a cell withheld alone: total minus the others."""
    assert possible_values({"boys": UNDER, "girls": "9"}, 12, complete=True) == {"boys": {3}}
    assert possible_values({"boys": UNDER, "girls": "9"}, 12, complete=False) == {
        "boys": {1, 2, 3}}


# Cases the brute force found in the first version of small_cells.withheld: two withheld cells
# whose sum is known are pinned when the bounds leave one split. Now more cells are withheld,
# or their bounds dropped, until none is.
LEAKS = [
    ({"boys": 1, "girls": 5}, 0),  # "<5" + "≥5" = 6 → 1 and 5
    ({"a": 1, "b": 1, "c": 10}, 0),  # "<5" + "<5" = 2 → 1 and 1
    ({"a": 4, "b": 4, "c": 10}, 0),  # "<5" + "<5" = 8 → 4 and 4
    ({"a": 1, "b": 5, "c": 9}, 0),  # "<5" + "≥5" = 6 (9 shown) → 1 and 5
]


@pytest.mark.parametrize(("cells", "rest"), LEAKS)
def test_these_breakdowns_give_nothing_back(cells, rest):
    assert given_back(cells, rest) == {}


def test_no_breakdown_gives_a_withheld_cell_back():
    """Brute force over every small breakdown and thousands of random ones."""
    leaks = [(cells, rest, pinned) for cells, rest in ALL_BREAKDOWNS
             if (pinned := given_back(cells, rest))]
    assert leaks == [], f"{len(leaks)} breakdowns give a cell back, e.g. {leaks[:5]}"


def test_no_breakdown_with_someone_unrecorded_gives_a_cell_back():
    """With children in no cell the attacker knows only that the cells add up to no more than
    the total: then nothing is ever given back."""
    leaks = [(cells, rest) for cells, rest in ALL_BREAKDOWNS if rest and given_back(cells, rest)]
    assert leaks == []


# ---- end to end: a unit of 3 and a unit of 12 ----------------------------------------------

SMALL_COUNT = re.compile(r"(?<![\d.])[1-4](?=人(?!次)|名)")  # 1–4 children, not 人次


@pytest.fixture
def units(session: Session) -> dict[str, object]:
    """平安县: 小镇 with 3 children, 大镇 with 12 (3 boys, 9 girls; 9 aged 7–12 and 3 aged
    13–15; 8 with grandparents, 4 with one parent). No helpers, activities or ledger: every
    number next to 人 or 名 is a count of children."""
    county = make_org(session, "平安县", OrgKind.county)
    small = make_org(session, "小镇", OrgKind.town, parent=county)
    big = make_org(session, "大镇", OrgKind.town, parent=county)
    small_village = make_org(session, "小村", OrgKind.village, parent=small)
    big_village = make_org(session, "大村", OrgKind.village, parent=big)
    for i, gender in enumerate([Gender.male, Gender.male, Gender.female]):
        make_child(session, village=small_village, name=f"小{i}", gender=gender,
                   birth_date=date(2016, 3, 1), risk_level=RiskLevel.green)
    for i in range(12):
        make_child(session, village=big_village, name=f"大{i}",
                   gender=Gender.male if i < 3 else Gender.female,
                   birth_date=date(2016, 3, 1) if i < 9 else date(2012, 3, 1),
                   guardian_type=(GuardianType.grandparents if i % 3 else
                                  GuardianType.single_parent),
                   categories=(Category.left_behind,), risk_level=RiskLevel.green)
    session.flush()
    return {"county": county, "small": small, "big": big, "big_village": big_village}


def stats_of(session: Session, unit) -> Statistics:
    return compute(session, ADMIN, StatsScope(START, END, unit.id), today=END)


def every_string(parts: list[Section]) -> list[str]:
    strings = []
    for section in parts:
        strings.append(section.text)
        strings += [f"{f.label} {f.value}" for f in section.figures]
        strings += [f"{b.group} {b.label} {b.value}人" for b in section.bars]
    return strings


def small_counts(strings: list[str]) -> list[str]:
    return [s for s in strings if SMALL_COUNT.search(s)]


def gender_sentence(text: str) -> tuple[int, str, str]:
    total = re.search(r"现有关爱对象(\d+)人", text)
    genders = re.search(r"其中男生(?P<boys>\d+|[<≥]5|\*)人(?:，占[\d.]+%)?，"
                        r"女生(?P<girls>\d+|[<≥]5|\*)人", text)
    assert total and genders, text
    return int(total[1]), genders["boys"], genders["girls"]


def age_sentence(text: str) -> dict[str, str]:
    listing = re.search(r"按年龄：(.*?)。", text)
    assert listing, text
    return {m[1]: m[2] for m in re.finditer(r"([^；]+?)(\d+|[<≥]5)人(?:，占[\d.]+%)?",
                                             listing[1])}


@pytest.mark.parametrize("who", ["county", "small", "big"])
def test_no_small_count_of_children_is_shown(session, units, who):
    parts = sections(stats_of(session, units[who]), suppress=True)
    assert small_counts(every_string(parts)) == []
    for section in parts:
        assert all(not small_cells.is_small(b.value) for b in section.bars), section.key
    draft = draft_markdown(session, ADMIN, StatsScope(START, END, units[who].id), today=END,
                           masked=True)
    assert SMALL_COUNT.findall(draft) == [], [line for line in draft.splitlines()
                                             if SMALL_COUNT.search(line)]
    assert small_cells.NOTE in draft


def test_the_unit_of_three_shows_only_its_total(session, units):
    parts = {s.key: s for s in sections(stats_of(session, units["small"]), suppress=True)}
    assert parts["basics"].text.startswith(f"小镇现有关爱对象{UNDER}人。")
    assert [(f.label, f.value) for f in parts["basics"].figures] == [("儿童总数", "<5人")]
    for key in ("basics", "guardianship", "distribution", "family", "safety", "pairing"):
        assert parts[key].bars == (), key
        assert parts[key].withheld, key
        assert not re.search(r"\d", parts[key].text.replace(UNDER, "").replace("5人", "")), (
            parts[key].text)
    draft = draft_markdown(session, ADMIN, StatsScope(START, END, units["small"].id),
                           today=END, masked=True)
    assert f"小镇现有关爱对象{UNDER}人" in draft and "3人" not in draft


def middle_town(session: Session, units: dict[str, object]) -> None:
    """中镇 with 5 children: the smallest town of 5 or more, so the county's breakdown withholds
    it beside 小镇, and 大镇's own figures may be shown (see the test after these)."""
    town = make_org(session, "中镇", OrgKind.town, parent=units["county"])
    village = make_org(session, "中村", OrgKind.village, parent=town)
    for i in range(5):
        make_child(session, village=village, name=f"中{i}")
    session.flush()


def test_the_attacker_recovers_nothing_from_the_suppressed_texts(session, units):
    middle_town(session, units)
    big = {s.key: s for s in sections(stats_of(session, units["big"]), suppress=True)}
    total, boys, girls = gender_sentence(big["basics"].text)
    assert (total, boys, girls) == (12, UNDER, AT_LEAST)  # not girls 9: 12 − 9 = 3 boys
    assert possible_values({"boys": boys, "girls": girls}, total, complete=True) == {
        "boys": {1, 2, 3, 4}, "girls": {8, 9, 10, 11}}
    ages = age_sentence(big["basics"].text)
    assert ages == {"7周岁以下": "0", "7–12岁": AT_LEAST, "13–15岁": UNDER, "16–18岁": "0"}
    for key, values in possible_values(ages, total, complete=True).items():
        assert len(values) >= 2, (key, values)
    guardians = re.search(r"监护方式：(.*?)。", big["guardianship"].text)[1]
    assert "（外）祖父母监护≥5人" in guardians and "父母单方监护<5人" in guardians
    # and in the masked draft the same sentence is written the same way
    draft = draft_markdown(session, ADMIN, StatsScope(START, END, units["big"].id), today=END,
                           masked=True)
    assert gender_sentence(draft) == (12, UNDER, AT_LEAST)


def test_without_suppression_the_exact_counts_are_shown(session, units):
    """The checks above can fail: the same texts unsuppressed show the 3."""
    small = {s.key: s for s in sections(stats_of(session, units["small"]), suppress=False)}
    assert small["basics"].text.startswith("小镇现有关爱对象3人")
    big = {s.key: s for s in sections(stats_of(session, units["big"]), suppress=False)}
    assert gender_sentence(big["basics"].text) == (12, "3", "9")
    assert "男生3人，占25.0%" in big["basics"].text
    assert small_counts(every_string(list(big.values())))
    for unit in ("small", "big"):
        draft = draft_markdown(session, ADMIN, StatsScope(START, END, units[unit].id),
                               today=END, masked=False)
        assert SMALL_COUNT.search(draft), unit
        assert small_cells.NOTE not in draft


def test_a_unit_of_six_with_one_boy(session, units):
    """The breakdown leak of the first version, end to end: 1 boy and 5 girls of 6."""
    middle_town(session, units)
    town = make_org(session, "六镇", OrgKind.town, parent=units["county"])
    village = make_org(session, "六村", OrgKind.village, parent=town)
    for i in range(6):
        make_child(session, village=village, name=f"六{i}",
                   gender=Gender.male if i == 0 else Gender.female)
    text = sections(stats_of(session, town), suppress=True)[0].text
    total, boys, girls = gender_sentence(text)
    # "<5" and "≥5" would leave the boys exactly 6 − 5 = 1: neither gets a bound
    assert (total, boys, girls) == (6, UNBOUNDED, UNBOUNDED)
    assert possible_values({"boys": boys, "girls": girls}, total, complete=True) == {
        "boys": {1, 2, 3, 4, 5}, "girls": {1, 2, 3, 4, 5}}


def _total_written(text: str) -> str:
    found = re.search(r"现有关爱对象(\d+|[<≥]5|\*)人", text)
    assert found, text
    return found[1]


def test_the_unit_of_three_cannot_be_worked_out_from_the_county(session, units):
    """County 15 = 小镇 3 + 大镇 12: 大镇's total (and its one village's, which adds up to it)
    is withheld as "≥5", so county minus 大镇 leaves 小镇 anything from 1 to 4."""
    written = {name: _total_written(sections(stats_of(session, units[key]), suppress=True)[0]
                                    .text)
               for name, key in (("county", "county"), ("小镇", "small"), ("大镇", "big"),
                                 ("大村", "big_village"))}
    assert written == {"county": "15", "小镇": UNDER, "大镇": AT_LEAST, "大村": AT_LEAST}
    assert possible_values({"小镇": UNDER, "大镇": AT_LEAST}, 15, complete=True)["小镇"] == {
        1, 2, 3, 4}
    # the county's own breakdown by township withholds the same two
    distribution = sections(stats_of(session, units["county"]), suppress=True)[2].text
    assert f"小镇{UNDER}人" in distribution and f"大镇{AT_LEAST}人" in distribution
    # exact figures for those who may see them
    assert _total_written(sections(stats_of(session, units["big"]))[0].text) == "12"


def test_a_masked_draft_does_not_count_paired_children_through_care_rules(session, units):
    middle_town(session, units)
    child = make_child(session, village=units["big_village"], name="红",
                       risk_level=RiskLevel.red)
    make_pairing(session, child, make_helper(session, org_unit=units["big"]))
    session.flush()
    draft = draft_markdown(session, ADMIN, StatsScope(START, END, units["big"].id),
                           today=END, masked=True)
    # the pairing and risk sentences withhold the one paired, red child …
    assert f"结对{UNDER}名儿童" in draft and f"红色风险儿童{UNDER}人" in draft
    # … which the care rules' counts must not give back
    assert re.findall(r"[^；，。（、]+?(?:应完成|逾期)[1-4]项|[^；，。（、]+?至少\d次[1-4]项",
                      draft) == []
