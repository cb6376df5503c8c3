"""Roster search: every filter alone and combined, text, age bands, scope, pages, order, URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.validators import age_on, id_number_checksum
from core.vocab import (
    AcademicLevel,
    Category,
    EconomicStatus,
    Gender,
    GuardianType,
    LeftBehindType,
    OrgKind,
    PairingEndReason,
    RiskLevel,
    Role,
)
from db.base import utcnow
from db.models import Child, Helper, OrgUnit
from services.access.permissions import Actor
from services.roster.roster_filter import (
    AgeBand,
    PairingState,
    RecordStatus,
    RosterFilter,
    years_before,
)
from services.roster.roster_search import filtered_child_ids, search_children
from tests.factories import (
    make_child,
    make_helper,
    make_org,
    make_pairing,
    make_town_with_village,
)

TODAY = date(2026, 11, 30)
ADMIN = Actor.system()
C, LBT, GT, AB, RL = Category, LeftBehindType, GuardianType, AgeBand, RiskLevel
PAIRED, UNPAIRED = PairingState.paired, PairingState.unpaired
ACTIVE = {"林小雨", "林晓", "王小红", "张伟", "赵丽", "周杰"}


def id_number(birth: date, suffix: str) -> str:
    """A valid 身份证号 born on `birth` whose last four characters are `suffix`."""
    for region in range(110101, 659999):
        first17 = f"{region}{birth:%Y%m%d}{suffix[:3]}"
        if id_number_checksum(first17) == suffix[3]:
            return first17 + suffix[3]
    raise AssertionError(suffix)


@dataclass
class World:
    orgs: dict[str, OrgUnit]
    children: dict[str, Child]
    helpers: dict[str, Helper]

    def ids(self, names: set[str]) -> set[int]:
        return {self.children[n].id for n in names}

    def names(self, ids: list[int]) -> list[str]:
        by_id = {c.id: name for name, c in self.children.items()}
        return [by_id[i] for i in ids]

    def filter(self, **kwargs: Any) -> RosterFilter:
        """A RosterFilter whose `org` is given by its key in `orgs`."""
        if "org" in kwargs:
            kwargs["org_unit_id"] = self.orgs[kwargs.pop("org")].id
        return RosterFilter(**kwargs)

    def actor(self, role: Role, scope: str | None = None, helper: str | None = None) -> Actor:
        return Actor(user_id=None, username=str(role), role=role,
                     org_unit_id=self.orgs[scope].id if scope else None,
                     helper_id=self.helpers[helper].id if helper else None)


@pytest.fixture
def world(session: Session) -> World:
    """Two towns; children who differ in every filtered field; open and ended pairings."""
    county = make_org(session, "平安县", OrgKind.county)
    town_a = make_org(session, "石门镇", OrgKind.town, parent=county)
    village_a1 = make_org(session, "李家村", OrgKind.village, parent=town_a)
    village_a2 = make_org(session, "河口村", OrgKind.village, parent=town_a)
    school_a = make_org(session, "石门中学", OrgKind.school, parent=town_a)
    school_v = make_org(session, "李家村小学", OrgKind.school, parent=village_a1)
    town_b = make_org(session, "青山乡", OrgKind.town, parent=county)
    village_b1 = make_org(session, "王家村", OrgKind.village, parent=town_b)
    orgs = {"county": county, "town_a": town_a, "village_a1": village_a1,
            "village_a2": village_a2, "school_a": school_a, "school_v": school_v,
            "town_b": town_b, "village_b1": village_b1}
    specs: list[dict[str, Any]] = [
        dict(name="林小雨", village=village_a1, school_id=school_v.id, gender=Gender.female,
             birth_date=date(2016, 5, 10), categories=(C.left_behind,),
             left_behind_type=LBT.both_parents_away, guardian_type=GT.grandparents,
             economic_status=EconomicStatus.hardship, academic_level=AcademicLevel.good,
             risk_level=RL.red, key_concern=True, grade="四年级", class_name="2班",
             id_number=id_number(date(2016, 5, 10), "0011")),
        dict(name="林晓", village=village_a2, birth_date=date(2020, 1, 1),
             categories=(C.in_difficulty,), guardian_type=GT.single_parent,
             economic_status=EconomicStatus.average),
        dict(name="王小红", village=village_b1, gender=Gender.female,
             birth_date=date(2012, 3, 15), categories=(C.disabled, C.left_behind),
             left_behind_type=LBT.father_away, guardian_type=GT.relatives_friends,
             economic_status=EconomicStatus.comfortable, academic_level=AcademicLevel.poor,
             risk_level=RL.yellow),
        dict(name="张伟", village=village_a1, school_id=school_a.id, birth_date=date(2009, 6, 30),
             categories=(C.scattered_orphan,), left_behind_type=LBT.mother_away,
             guardian_type=GT.other, risk_level=RL.green,
             id_number=id_number(date(2009, 6, 30), "123X")),
        # "0011" sits in the middle of her ID number (…20100110…), never at the end.
        dict(name="赵丽", village=village_a2, gender=Gender.female, birth_date=date(2010, 1, 10),
             categories=(C.de_facto_unsupported,), risk_level=RL.blue, key_concern=True,
             id_number=id_number(date(2010, 1, 10), "5678")),
        # Lives in town B, goes to school in town A.
        dict(name="周杰", village=village_b1, school_id=school_a.id, birth_date=date(2013, 7, 1),
             categories=(C.in_difficulty,)),
        dict(name="李小芳", village=village_a1, gender=Gender.female,
             birth_date=date(2015, 9, 1), categories=(C.left_behind,), risk_level=RL.red,
             archived_at=utcnow(), archive_reason="迁出"),
    ]
    children = {spec["name"]: make_child(session, **spec,
                                         updated_at=datetime(2026, 11, 1 + i, 9, 0))
                for i, spec in enumerate(specs)}
    helpers = {
        "li": make_helper(session, org_unit=school_v, name="李老师"),
        "wang": make_helper(session, org_unit=village_b1, name="王老师"),
        "chen": make_helper(session, org_unit=village_b1, name="陈志愿"),
        "former": make_helper(session, org_unit=school_a, name="孙老师"),
    }
    make_pairing(session, children["林小雨"], helpers["li"])
    make_pairing(session, children["王小红"], helpers["wang"], started_on=date(2026, 2, 1))
    make_pairing(session, children["王小红"], helpers["chen"])
    make_pairing(session, children["张伟"], helpers["former"], started_on=date(2025, 9, 1),
                 ended_on=date(2026, 7, 1), end_reason=PairingEndReason.other, end_note="毕业")
    session.commit()
    return World(orgs, children, helpers)


def found(session: Session, world: World, roster_filter: RosterFilter,
          actor: Actor = ADMIN) -> set[str]:
    page = search_children(session, actor, roster_filter, today=TODAY, page_size=100)
    assert page.total == len(page.rows)
    ids = [row.id for row in page.rows]
    assert len(ids) == len(set(ids)), "a child is listed twice"
    return set(world.names(ids))


FILTER_CASES = [
    pytest.param({}, ACTIVE, id="no-filter-is-every-active-child"),
    pytest.param({"categories": (C.left_behind,)}, {"林小雨", "王小红"}, id="category"),
    pytest.param({"categories": (C.disabled, C.left_behind)}, {"林小雨", "王小红"},
                 id="two-categories-of-one-child-list-it-once"),
    pytest.param({"categories": (C.disabled, C.de_facto_unsupported)}, {"王小红", "赵丽"},
                 id="categories-any-of"),
    pytest.param({"left_behind_types": (LBT.father_away, LBT.mother_away)}, {"王小红", "张伟"},
                 id="left-behind-type"),
    pytest.param({"guardian_types": (GT.grandparents,)}, {"林小雨"}, id="guardian-type"),
    pytest.param({"age_bands": (AB.under_7,)}, {"林晓"}, id="age-under-7"),
    pytest.param({"age_bands": (AB.primary,)}, {"林小雨"}, id="age-7-12"),
    pytest.param({"age_bands": (AB.junior, AB.senior)}, {"王小红", "张伟", "赵丽", "周杰"},
                 id="two-age-bands"),
    pytest.param({"economic_statuses": (EconomicStatus.hardship,)}, {"林小雨"}, id="economic"),
    pytest.param({"academic_levels": (AcademicLevel.poor,)}, {"王小红"}, id="academic"),
    pytest.param({"risk_levels": (RL.red,)}, {"林小雨"}, id="risk-red"),
    pytest.param({"risk_levels": ("unassessed",)}, {"林晓", "周杰"}, id="risk-unassessed"),
    pytest.param({"risk_levels": (RL.green, "unassessed")}, {"张伟", "林晓", "周杰"},
                 id="risk-green-or-unassessed"),
    pytest.param({"pairing": PAIRED}, {"林小雨", "王小红"}, id="paired"),
    pytest.param({"pairing": UNPAIRED}, {"林晓", "张伟", "赵丽", "周杰"},
                 id="unpaired-includes-ended-pairings"),
    pytest.param({"key_concern": True}, {"林小雨", "赵丽"}, id="key-concern"),
    pytest.param({"key_concern": False}, {"林晓", "王小红", "张伟", "周杰"}, id="not-key-concern"),
    pytest.param({"status": RecordStatus.archived}, {"李小芳"}, id="archived"),
    pytest.param({"status": RecordStatus.all}, {*ACTIVE, "李小芳"}, id="active-and-archived"),
    pytest.param({"org": "county"}, ACTIVE, id="org-county"),
    pytest.param({"org": "town_a"}, {"林小雨", "林晓", "张伟", "赵丽", "周杰"},
                 id="org-town-includes-its-schools-pupils"),
    pytest.param({"org": "town_b"}, {"王小红", "周杰"}, id="org-other-town"),
    pytest.param({"org": "village_a1"}, {"林小雨", "张伟"}, id="org-village"),
    pytest.param({"org": "school_a"}, {"张伟", "周杰"}, id="org-school"),
    pytest.param({"org": "school_v"}, {"林小雨"}, id="org-village-school"),
    pytest.param({"org_unit_id": 999_999}, set(), id="org-unknown-is-empty"),
    pytest.param({"org": "town_a", "categories": (C.left_behind,)}, {"林小雨"},
                 id="town-and-category"),
    pytest.param({"org": "town_a", "pairing": UNPAIRED, "age_bands": (AB.junior, AB.senior)},
                 {"张伟", "赵丽", "周杰"}, id="town-unpaired-teenagers"),
    pytest.param({"categories": (C.left_behind,), "risk_levels": (RL.red,),
                  "status": RecordStatus.all}, {"林小雨", "李小芳"}, id="category-risk-all"),
    pytest.param({"org": "village_a1", "status": RecordStatus.archived}, {"李小芳"},
                 id="village-archived"),
    pytest.param({"text": "林", "age_bands": (AB.under_7,)}, {"林晓"}, id="text-and-age"),
    pytest.param({"text": "xiao", "pairing": PAIRED}, {"林小雨", "王小红"},
                 id="pinyin-and-paired"),
    pytest.param({"key_concern": True, "risk_levels": (RL.blue,)}, {"赵丽"},
                 id="key-concern-and-risk"),
    pytest.param({"guardian_types": (GT.grandparents,), "economic_statuses":
                  (EconomicStatus.comfortable,)}, set(), id="contradictory-is-empty"),
]


@pytest.mark.parametrize(("spec", "expected"), FILTER_CASES)
def test_filter_finds_exactly(session: Session, world: World, spec: dict[str, Any],
                              expected: set[str]) -> None:
    roster_filter = world.filter(**spec)
    assert found(session, world, roster_filter) == expected
    ids = session.scalars(filtered_child_ids(ADMIN, roster_filter, today=TODAY))
    assert set(ids) == world.ids(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("林小雨", {"林小雨"}),
    (" 林小雨 ", {"林小雨"}),
    ("小", {"林小雨", "王小红"}),
    ("lxy", {"林小雨"}),
    ("LXY", {"林小雨"}),
    ("linxiaoyu", {"林小雨"}),
    ("lin xiao yu", {"林小雨"}),
    ("lin", {"林小雨", "林晓"}),
    ("xiao", {"林小雨", "林晓", "王小红"}),
    ("zj", {"周杰"}),
    ("0011", {"林小雨"}),
    ("123x", {"张伟"}),
    ("123X", {"张伟"}),
    ("011", set()),           # fewer than four digits is not an ID search
    ("5678", {"赵丽"}),
    ("0110", set()),          # inside 赵丽's birth date, not at the end
    (id_number(date(2016, 5, 10), "0011"), {"林小雨"}),   # the whole number: its keyed hash
    (id_number(date(2016, 5, 11), "0011"), set()),      # same last 4, another number
    ("99990011", {"林小雨"}),  # a longer suffix matches on its last 4: only those are in the clear
    ("%", set()),
    ("_", set()),
    ("林_", set()),
    ("林%", set()),
    ("l_y", set()),
    ("l%", set()),
    ("芳", set()),            # 李小芳 is archived
    ("", ACTIVE),
    ("   ", ACTIVE),
])
def test_text_search(session: Session, world: World, text: str, expected: set[str]) -> None:
    assert found(session, world, RosterFilter(text=text)) == expected


def band_case(born: date, today: date, band: AgeBand | None) -> Any:
    return pytest.param(born, today, band, id=f"{born}-on-{today}-{band or 'none'}")


@pytest.mark.parametrize(("born", "today", "band"), [
    band_case(date(2019, 11, 30), TODAY, AB.primary),   # seventh birthday today
    band_case(date(2019, 12, 1), TODAY, AB.under_7),    # seventh birthday tomorrow
    band_case(date(2026, 11, 30), TODAY, AB.under_7),   # born today
    band_case(date(2013, 12, 1), TODAY, AB.primary),    # 12 until tomorrow
    band_case(date(2013, 11, 30), TODAY, AB.junior),
    band_case(date(2010, 12, 1), TODAY, AB.junior),
    band_case(date(2010, 11, 30), TODAY, AB.senior),
    band_case(date(2007, 12, 1), TODAY, AB.senior),     # 18 until tomorrow
    band_case(date(2007, 11, 30), TODAY, None),         # 19 today: no band
    # A 29 February child turns a year older on 1 March in a common year.
    band_case(date(2016, 2, 29), date(2023, 2, 28), AB.under_7),
    band_case(date(2016, 2, 29), date(2023, 3, 1), AB.primary),
    band_case(date(2012, 2, 29), date(2024, 2, 29), AB.primary),
    band_case(date(2012, 2, 29), date(2025, 2, 28), AB.primary),
    band_case(date(2012, 2, 29), date(2025, 3, 1), AB.junior),
    # On 29 February, a band's bound in a common year is the 28th.
    band_case(date(2021, 2, 28), date(2028, 2, 29), AB.primary),
    band_case(date(2021, 3, 1), date(2028, 2, 29), AB.under_7),
    band_case(date(2012, 2, 29), date(2028, 2, 29), AB.senior),
    band_case(date(2012, 3, 1), date(2028, 2, 29), AB.junior),
])
def test_age_band_boundaries(session: Session, born: date, today: date,
                             band: AgeBand | None) -> None:
    child = make_child(session, birth_date=born)
    session.commit()
    for candidate in AgeBand:
        page = search_children(session, ADMIN, RosterFilter(age_bands=(candidate,)), today=today)
        assert [r.id for r in page.rows] == ([child.id] if candidate is band else []), candidate
    row = search_children(session, ADMIN, RosterFilter(), today=today).rows[0]
    assert row.age == age_on(born, today)
    if band is not None:
        low, high = band.years
        assert low <= row.age <= high


@pytest.mark.parametrize(("day", "years", "expected"), [
    (date(2026, 11, 30), 7, date(2019, 11, 30)),
    (date(2028, 2, 29), 4, date(2024, 2, 29)),
    (date(2028, 2, 29), 7, date(2021, 2, 28)),
])
def test_years_before(day: date, years: int, expected: date) -> None:
    assert years_before(day, years) == expected


@pytest.mark.parametrize(("role", "scope", "helper", "spec", "expected"), [
    (Role.coordinator, "town_a", None, {}, {"林小雨", "林晓", "张伟", "赵丽", "周杰"}),
    # Town B's own children stay hidden; only the town-B pupil of town A's school shows.
    (Role.coordinator, "town_a", None, {"org": "town_b"}, {"周杰"}),
    (Role.coordinator, "town_a", None, {"org": "village_b1", "text": "王"}, set()),
    (Role.coordinator, "village_a2", None, {"org": "town_b"}, set()),
    (Role.coordinator, "village_a2", None, {}, {"林晓", "赵丽"}),
    (Role.coordinator, "town_b", None, {"status": RecordStatus.all}, {"王小红", "周杰"}),
    (Role.admin, None, None, {"org": "town_b"}, {"王小红", "周杰"}),
    (Role.helper, "school_v", "li", {}, {"林小雨"}),
    (Role.helper, "school_v", "li", {"org": "town_b"}, set()),
    (Role.helper, "village_b1", "wang", {"pairing": PAIRED}, {"王小红"}),
    (Role.helper, "school_a", "former", {"status": RecordStatus.all}, set()),
    (Role.helper, None, None, {}, set()),
])
def test_scope_is_applied_in_the_query(session: Session, world: World, role: Role,
                                       scope: str | None, helper: str | None,
                                       spec: dict[str, Any], expected: set[str]) -> None:
    actor = world.actor(role, scope, helper)
    roster_filter = world.filter(**spec)
    assert found(session, world, roster_filter, actor) == expected
    ids = session.scalars(filtered_child_ids(actor, roster_filter, today=TODAY))
    assert set(ids) == world.ids(expected)


def test_viewer_is_refused(session: Session, world: World) -> None:
    viewer = world.actor(Role.viewer, "county")
    with pytest.raises(PermissionDenied):
        search_children(session, viewer, RosterFilter(), today=TODAY)
    with pytest.raises(PermissionDenied):
        filtered_child_ids(viewer, RosterFilter(), today=TODAY)


def test_row_carries_what_the_list_shows(session: Session, world: World) -> None:
    rows = {r.name: r for r in search_children(session, ADMIN, RosterFilter(), today=TODAY).rows}
    lin = rows["林小雨"]
    assert (lin.town, lin.village, lin.school, lin.grade, lin.class_name) == (
        "石门镇", "李家村", "李家村小学", "四年级", "2班")
    assert (lin.gender, lin.birth_date, lin.age) == (Gender.female, date(2016, 5, 10), 10)
    assert (lin.guardian_type, lin.left_behind_type) == (GT.grandparents, LBT.both_parents_away)
    assert (lin.economic_status, lin.academic_level) == (EconomicStatus.hardship,
                                                         AcademicLevel.good)
    assert (lin.risk_level, lin.key_concern, lin.archived, lin.version) == (RL.red, True,
                                                                           False, 1)
    assert lin.id_number_last4 == "0011"
    assert lin.helpers == ("李老师",)
    assert rows["王小红"].categories == (C.left_behind, C.disabled)
    assert rows["王小红"].helpers == ("王老师", "陈志愿")
    assert rows["张伟"].helpers == ()       # the pairing ended
    assert rows["林晓"].school is None
    assert rows["林晓"].risk_level is None


@pytest.mark.parametrize(("order", "expected"), [
    ("name", ["林晓", "林小雨", "王小红", "张伟", "赵丽", "周杰"]),
    # 未评估 (林晓, 周杰) beside red and yellow, not below green
    ("risk", ["林小雨", "王小红", "林晓", "周杰", "赵丽", "张伟"]),
    ("age", ["林晓", "林小雨", "周杰", "王小红", "赵丽", "张伟"]),
    ("recent", ["周杰", "赵丽", "张伟", "王小红", "林晓", "林小雨"]),
])
def test_order(session: Session, world: World, order: str, expected: list[str]) -> None:
    page = search_children(session, ADMIN, RosterFilter(), today=TODAY, order=order)
    assert [r.name for r in page.rows] == expected


def test_unknown_order_is_a_programming_error(session: Session, world: World) -> None:
    with pytest.raises(ValueError, match="bogus"):
        search_children(session, ADMIN, RosterFilter(), today=TODAY, order="bogus")


@pytest.mark.parametrize(("page", "page_size", "expected", "pages"), [
    (1, 4, ["林晓", "林小雨", "王小红", "张伟"], 2),
    (2, 4, ["赵丽", "周杰"], 2),
    (3, 4, [], 2),
    (0, 4, ["林晓", "林小雨", "王小红", "张伟"], 2),
    (2, 5, ["周杰"], 2),
    (1, 6, ["林晓", "林小雨", "王小红", "张伟", "赵丽", "周杰"], 1),
    (2, 3, ["张伟", "赵丽", "周杰"], 2),
])
def test_pagination(session: Session, world: World, page: int, page_size: int,
                    expected: list[str], pages: int) -> None:
    result = search_children(session, ADMIN, RosterFilter(), today=TODAY, page=page,
                             page_size=page_size, order="name")
    assert [r.name for r in result.rows] == expected
    assert (result.total, result.pages) == (6, pages)


def test_an_empty_result_is_page_one_of_one(session: Session, world: World) -> None:
    result = search_children(session, ADMIN, RosterFilter(text="nobody"), today=TODAY)
    assert (result.rows, result.total, result.pages) == ([], 0, 1)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the test runs."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def test_statements_per_search_do_not_grow_with_the_page(session: Session,
                                                         statements: list[str]) -> None:
    village = make_org(session, "李家村", OrgKind.village, parent=make_org(session, "石门镇"))
    helper = make_helper(session, org_unit=village)
    for i in range(60):
        child = make_child(session, village=village, name=f"林小{chr(0x4e00 + i)}",
                           categories=(C.left_behind, C.disabled))
        make_pairing(session, child, helper)
    session.commit()
    counts = {}
    for page_size in (5, 50):
        statements.clear()
        page = search_children(session, ADMIN, RosterFilter(text="lx"), today=TODAY,
                               page_size=page_size)
        assert len(page.rows) == page_size
        assert all(r.helpers == ("李老师",) and len(r.categories) == 2 for r in page.rows)
        counts[page_size] = len(statements)
    assert counts[5] == counts[50] <= 4


FILTERS_FOR_URLS = [
    RosterFilter(),
    RosterFilter(text="lxy"),
    RosterFilter(text="林 小雨"),
    RosterFilter(org_unit_id=12, status=RecordStatus.archived),
    RosterFilter(categories=(C.left_behind, C.disabled), age_bands=(AB.under_7, AB.senior)),
    RosterFilter(left_behind_types=tuple(LBT), guardian_types=(GT.other,)),
    RosterFilter(economic_statuses=(EconomicStatus.hardship,),
                 academic_levels=(AcademicLevel.poor, AcademicLevel.average)),
    RosterFilter(risk_levels=(RL.red, "unassessed"), pairing=UNPAIRED, key_concern=False),
    RosterFilter(pairing=PAIRED, key_concern=True, status=RecordStatus.all),
    RosterFilter(text="0011", org_unit_id=3, categories=tuple(C),
                 left_behind_types=(LBT.father_away,), guardian_types=tuple(GT),
                 age_bands=tuple(AB),
                 economic_statuses=tuple(EconomicStatus), academic_levels=tuple(AcademicLevel),
                 risk_levels=(*RL, "unassessed"), pairing=PAIRED, key_concern=True,
                 status=RecordStatus.archived),
]


@pytest.mark.parametrize("roster_filter", FILTERS_FOR_URLS)
def test_query_params_round_trip(roster_filter: RosterFilter) -> None:
    params = roster_filter.to_query_params()
    assert RosterFilter.from_query_params(params) == roster_filter
    assert all(isinstance(v, str) or all(isinstance(s, str) for s in v) for v in params.values())


def test_query_params_are_short_codes_for_non_defaults_only() -> None:
    roster_filter = RosterFilter(text="lxy", org_unit_id=12, categories=(C.left_behind,),
                                 age_bands=(AB.primary,), risk_levels=("unassessed", RL.red),
                                 pairing=UNPAIRED, key_concern=False, status=RecordStatus.all)
    assert roster_filter.to_query_params() == {
        "q": "lxy", "org": "12", "cat": ["left_behind"], "age": ["7-12"],
        "risk": ["red", "unassessed"], "pair": "unpaired", "kc": "0", "status": "all"}
    assert RosterFilter().to_query_params() == {}


@pytest.mark.parametrize(("params", "expected"), [
    ({"cat": ["nonsense"], "age": "x", "org": "abc"}, RosterFilter()),
    ({"org": "-3", "pair": "both", "kc": "maybe", "status": "deleted"}, RosterFilter()),
    ({"org": "1.5", "risk": ["purple", ""], "eco": [], "acad": None}, RosterFilter()),
    ({"org": "１２", "lbt": 7, "gt": {"a": 1}, "q": ["", ""]}, RosterFilter()),
    ({"unknown": "x", "page": "3"}, RosterFilter()),
    ({"cat": ["nonsense", "disabled"]}, RosterFilter(categories=(C.disabled,))),
    ({"cat": "留守,残疾"}, RosterFilter(categories=(C.left_behind, C.disabled))),
    ({"cat": ["disabled", "disabled", "left_behind"]},
     RosterFilter(categories=(C.left_behind, C.disabled))),
    ({"age": "primary"}, RosterFilter(age_bands=(AB.primary,))),
    ({"risk": "红,unassessed"}, RosterFilter(risk_levels=(RL.red, "unassessed"))),
    ({"kc": "是"}, RosterFilter(key_concern=True)),
    ({"pair": ["paired", "unpaired"]}, RosterFilter(pairing=UNPAIRED)),
    ({"q": "x" * 500}, RosterFilter(text="x" * 100)),
])
def test_hand_edited_urls_never_raise(params: dict[str, Any], expected: RosterFilter) -> None:
    assert RosterFilter.from_query_params(params) == expected


def test_filters_compare_equal_whatever_the_order_given() -> None:
    assert RosterFilter(categories=(C.disabled, C.left_behind)) == RosterFilter(
        categories=(C.left_behind, C.disabled, C.left_behind))
    with pytest.raises(ValueError, match="nonsense"):
        RosterFilter(categories=("nonsense",))  # type: ignore[arg-type]


def test_filtered_ids_feed_a_count(session: Session, world: World) -> None:
    ids = filtered_child_ids(ADMIN, world.filter(org="town_a"), today=TODAY)
    assert session.scalar(select(func.count()).select_from(ids.subquery())) == 5


def test_grade_and_class_narrow_to_one_class(session):
    from services.access.permissions import Actor
    from services.roster.roster_filter import RosterFilter
    from services.roster.roster_search import search_children

    village = make_town_with_village(session, "石门镇", "李家村")[1]
    make_child(session, village=village, name="甲", grade="三年级", class_name="2班")
    make_child(session, village=village, name="乙", grade="三年级", class_name="1班")
    make_child(session, village=village, name="丙", grade="四年级", class_name="2班")
    wanted = RosterFilter(grade="三年级", class_name="2班")
    page = search_children(session, Actor.system(), wanted, today=date(2026, 11, 28))
    assert [r.name for r in page.rows] == ["甲"]
    assert RosterFilter.from_query_params(wanted.to_query_params()) == wanted
    assert wanted.to_query_params() == {"grade": "三年级", "cls": "2班"}
