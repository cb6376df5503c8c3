"""`stats --json` by hand: small worlds whose every figure is worked out in the test.

Every expected dict starts from `blank()` (every key of CONTRACTS.md, all zero) and sets the
figures the data should produce; the whole of `as_json()` is compared, so a missing or an extra
key fails as surely as a wrong count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import DomainError, PermissionDenied
from core.vocab import (
    AcademicLevel,
    Category,
    ContactKind,
    DonationDirection,
    EconomicStatus,
    Gender,
    GuardianType,
    HelperKind,
    LeftBehindType,
    NeedKind,
    NeedStatus,
    OrgKind,
    RiskLevel,
    WishStatus,
)
from db.base import utcnow
from db.models import (
    Activity,
    Attendance,
    CareRule,
    Child,
    Donation,
    Helper,
    Need,
    OrgUnit,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    Wish,
)
from services.stats.figures import StatsScope, compute
from tests.factories import make_child, make_helper, make_org, make_pairing
from tests.pairing_factories import ADMIN, coordinator_of, helper_actor, make_contact

START, END = date(2026, 9, 1), date(2026, 11, 30)
BEFORE, AFTER = date(2026, 8, 31), date(2026, 12, 1)
QUESTION = "你每周和父母通话几次?"
OPTIONS = ["0次", "1-2次", "3次以上"]

# The codes of CONTRACTS.md, written out here rather than read from the vocabularies.
CATEGORIES = ["left_behind", "in_difficulty", "de_facto_unsupported", "scattered_orphan",
              "disabled"]
HELPER_KINDS = ["class_teacher", "teacher", "volunteer", "caring_parent", "peer_student",
                "social_worker", "child_director", "other"]
CONTACT_KINDS = ["home_visit", "phone_visit", "talk", "parent_call", "letter", "tutoring",
                 "counselling", "health_check", "delivery"]
ACTIVITY_KINDS = ["safety_education", "mental_health", "tutoring", "capacity_building",
                  "care_visit", "festival_visit", "sports_arts", "family_link",
                  "wish_fulfilment", "meeting", "volunteer_service", "other"]
NEED_KINDS = ["economic", "schooling_transfer", "assistive_device", "medical", "psychological",
              "study", "guardianship", "safety"]
NEED_STATUSES = ["open", "linked", "resolved", "closed"]


def blank(org: str, start: date = START, end: date = END) -> dict[str, Any]:
    """Every key of CONTRACTS.md `stats --json`, every figure zero."""
    return {
        "scope": {"org": org, "from": start.isoformat(), "to": end.isoformat(),
                  "as_of": end.isoformat()},
        "children": {
            "total": 0, "enrolled_students": 0, "share_of_enrolled": None,
            "by_category": dict.fromkeys(CATEGORIES, 0),
            "by_gender": {"male": 0, "female": 0},
            "by_age_band": {"0-6": 0, "7-12": 0, "13-15": 0, "16-18": 0},
            "by_guardian_type": {"grandparents": 0, "single_parent": 0,
                                 "relatives_friends": 0, "other": 0},
            "by_left_behind_type": {"both_parents_away": 0, "father_away": 0,
                                    "mother_away": 0},
            "by_economic_status": {"hardship": 0, "average": 0, "comfortable": 0},
            "by_academic_level": {"excellent": 0, "good": 0, "average": 0, "poor": 0},
            "by_town": {}, "in_mountain_area": 0, "in_townships": 0, "safety_incident": 0,
            "by_risk_level": {"red": 0, "yellow": 0, "blue": 0, "green": 0, "unassessed": 0},
            "key_concern": 0, "boarding": 0, "aged_out_review": 0,
        },
        "pairing": {"helpers": 0, "helpers_by_kind": dict.fromkeys(HELPER_KINDS, 0),
                    "children_paired": 0, "coverage": 0.0, "unpaired": 0},
        "contacts": {"by_kind": {k: {"count": 0, "children": 0} for k in CONTACT_KINDS}},
        "activities": {"by_kind": {k: {"sessions": 0, "person_times": 0}
                                   for k in ACTIVITY_KINDS},
                       "total": {"sessions": 0, "person_times": 0}},
        "needs": {"by_kind": dict.fromkeys(NEED_KINDS, 0),
                  "by_status": dict.fromkeys(NEED_STATUSES, 0)},
        "wishes": {"collected": 0, "fulfilled": 0},
        "donations": {"money_yuan": 0.0, "children_helped": 0},
        "compliance": {},
        "surveys": {},
    }


def put(expected: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """put(e, children__by_gender__male=3): set nested figures, path parts joined by "__"."""
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = expected
        for part in parents:
            node = node[part]
        node[last] = value
    return expected


def sessions(expected: dict[str, Any], **by_kind: tuple[int, int]) -> dict[str, Any]:
    """Set activities by kind (场次, 人次) and the total that follows from them."""
    for kind, (n, times) in by_kind.items():
        expected["activities"]["by_kind"][kind] = {"sessions": n, "person_times": times}
    expected["activities"]["total"] = {
        "sessions": sum(v["sessions"] for v in expected["activities"]["by_kind"].values()),
        "person_times": sum(v["person_times"]
                            for v in expected["activities"]["by_kind"].values())}
    return expected


def stats_json(session: Session, actor=ADMIN, *, org: OrgUnit | None = None,
               start: date = START, end: date = END, categories=(), today: date = END
               ) -> dict[str, Any]:
    scope = StatsScope(start, end, org.id if org else None, tuple(categories))
    return compute(session, actor, scope, today=today).as_json()


@pytest.fixture(autouse=True)
def no_rules(session: Session) -> None:
    """The built-in care rules are switched off; the compliance test turns one back on."""
    session.execute(update(CareRule).values(is_active=False))
    session.flush()


# ---- a small county ---------------------------------------------------------------------

@dataclass
class World:
    county: OrgUnit
    town: OrgUnit  # 石门镇
    other_town: OrgUnit  # 青山乡
    subdistrict: OrgUnit  # 城关街道
    school: OrgUnit  # enrolment known (40)
    other_school: OrgUnit  # enrolment unknown
    children: dict[str, Child]
    helpers: dict[str, Helper]


def activity(session: Session, kind: str, on: date, unit: OrgUnit | None, *,
             attending: tuple[Child, ...] = (), n_sessions: int = 1, extra: int = 0,
             **overrides: Any) -> Activity:
    row = Activity(kind=kind, title=f"{kind} {on}", held_on=on,
                   org_unit_id=unit.id if unit else None, sessions=n_sessions,
                   extra_person_times=extra, **overrides)
    session.add(row)
    session.flush()
    for child in attending:
        session.add(Attendance(activity_id=row.id, child_id=child.id))
    session.flush()
    return row


def donation(session: Session, on: date, money: str, unit: OrgUnit, recipients=(),
             direction: DonationDirection = DonationDirection.given, **overrides) -> Donation:
    row = Donation(direction=direction, donated_on=on, money_yuan=Decimal(money),
                   org_unit_id=unit.id, **overrides)
    row.recipients = list(recipients)
    session.add(row)
    session.flush()
    return row


def need(session: Session, child: Child, kind: NeedKind, status: NeedStatus = NeedStatus.open,
         **overrides) -> Need:
    row = Need(child_id=child.id, kind=kind, status=status, found_on=date(2026, 9, 10),
               **overrides)
    session.add(row)
    session.flush()
    return row


def wish(session: Session, child: Child, collected: date, fulfilled: date | None = None,
         **overrides) -> Wish:
    row = Wish(child_id=child.id, content="书包", collected_on=collected, fulfilled_on=fulfilled,
               status=WishStatus.fulfilled if fulfilled else WishStatus.collected, **overrides)
    session.add(row)
    session.flush()
    return row


def survey(session: Session, answers: dict[Child, str]) -> Survey:
    row = Survey(title="亲情调查", held_on=date(2026, 10, 1))
    row.questions = [SurveyQuestion(text=QUESTION, options=OPTIONS)]
    session.add(row)
    session.flush()
    for child, answer in answers.items():
        session.add(SurveyAnswer(question_id=row.questions[0].id, child_id=child.id,
                                 answer=answer))
    session.flush()
    return row


def build_world(session: Session) -> World:
    county = make_org(session, "平安县", OrgKind.county)
    town = make_org(session, "石门镇", OrgKind.town, parent=county)
    other_town = make_org(session, "青山乡", OrgKind.town, parent=county)
    sub = make_org(session, "城关街道", OrgKind.subdistrict, parent=county)
    hill = make_org(session, "李家村", OrgKind.village, parent=town, is_mountain_area=True)
    plain = make_org(session, "张家村", OrgKind.village, parent=town)
    school = make_org(session, "石门镇中心小学", OrgKind.school, parent=town,
                      enrolled_students=40)
    other_school = make_org(session, "石门镇第二小学", OrgKind.school, parent=town)
    far = make_org(session, "王家村", OrgKind.village, parent=other_town, is_mountain_area=True)
    street = make_org(session, "东街社区", OrgKind.community, parent=sub)

    c = {
        # 7 on the period's last day: 7-12
        "jia": make_child(session, village=hill, name="甲", birth_date=date(2019, 11, 30),
                          guardian_type=GuardianType.grandparents,
                          left_behind_type=LeftBehindType.both_parents_away,
                          economic_status=EconomicStatus.hardship,
                          academic_level=AcademicLevel.good, risk_level=RiskLevel.red,
                          school_id=school.id, safety_incident=True),
        # 7 the day after: still 0-6; the child's own mountain flag beats the village's
        "yi": make_child(session, village=plain, name="乙", gender=Gender.female,
                         birth_date=date(2019, 12, 1),
                         categories=(Category.left_behind, Category.in_difficulty),
                         guardian_type=GuardianType.single_parent,
                         left_behind_type=LeftBehindType.father_away,
                         economic_status=EconomicStatus.average,
                         academic_level=AcademicLevel.excellent, in_mountain_area=True,
                         key_concern=True, boarding=True, school_id=other_school.id),
        # 16 on the last day: 16-18 and due for review; not in the mountains though the
        # village is
        "bing": make_child(session, village=hill, name="丙", birth_date=date(2010, 11, 30),
                           categories=(Category.in_difficulty,),
                           guardian_type=GuardianType.other,
                           economic_status=EconomicStatus.hardship,
                           academic_level=AcademicLevel.poor, risk_level=RiskLevel.yellow,
                           in_mountain_area=False, school_id=school.id),
        "ding": make_child(session, village=hill, name="丁", birth_date=date(2015, 1, 1),
                           guardian_type=GuardianType.grandparents, risk_level=RiskLevel.red,
                           school_id=school.id, safety_incident=True, key_concern=True,
                           archived_at=utcnow(), archive_reason="moved_away"),
        "wu": make_child(session, village=far, name="戊", birth_date=date(2012, 11, 30),
                         categories=(Category.disabled,),
                         guardian_type=GuardianType.relatives_friends,
                         left_behind_type=LeftBehindType.mother_away,
                         economic_status=EconomicStatus.comfortable,
                         academic_level=AcademicLevel.average, risk_level=RiskLevel.green,
                         boarding=True),
        "ji": make_child(session, village=street, name="己", gender=Gender.female,
                         birth_date=date(2015, 3, 1), guardian_type=GuardianType.grandparents,
                         left_behind_type=LeftBehindType.both_parents_away,
                         risk_level=RiskLevel.blue),
    }
    h = {
        "li": make_helper(session, org_unit=town, name="李老师"),
        "liu": make_helper(session, org_unit=town, name="刘志愿者", kind=HelperKind.volunteer),
        "wang": make_helper(session, org_unit=other_town, name="王老师"),
        "zhou": make_helper(session, org_unit=town, name="周老师", archived_at=utcnow(),
                            archive_reason="调走"),
        "chen": make_helper(session, org_unit=sub, name="陈社工",
                            kind=HelperKind.social_worker),
    }
    make_pairing(session, c["jia"], h["li"])
    make_pairing(session, c["ding"], h["li"])  # an archived child
    make_pairing(session, c["yi"], h["zhou"])  # an archived helper: 乙 is not paired
    make_pairing(session, c["bing"], h["liu"], ended_on=date(2026, 10, 1))
    make_pairing(session, c["wu"], h["wang"])

    make_contact(session, c["jia"], h["li"], START, kind=ContactKind.home_visit)
    make_contact(session, c["jia"], h["li"], END, kind=ContactKind.home_visit)
    make_contact(session, c["jia"], h["li"], BEFORE)
    make_contact(session, c["jia"], h["li"], AFTER)
    make_contact(session, c["yi"], None, date(2026, 10, 10), kind=ContactKind.phone_visit)
    make_contact(session, c["yi"], None, date(2026, 10, 11), kind=ContactKind.home_visit,
                 archived_at=utcnow())
    make_contact(session, c["wu"], h["wang"], date(2026, 10, 5))
    make_contact(session, c["ji"], h["chen"], date(2026, 11, 1), kind=ContactKind.parent_call)

    activity(session, "safety_education", START, town, attending=(c["jia"], c["yi"]), extra=5)
    activity(session, "tutoring", END, town, attending=(c["bing"],), n_sessions=2)
    activity(session, "mental_health", date(2026, 10, 1), other_town,
             attending=(c["wu"], c["jia"]), extra=3)
    activity(session, "tutoring", BEFORE, town, attending=(c["jia"],))
    activity(session, "tutoring", AFTER, town, attending=(c["jia"],))
    activity(session, "sports_arts", date(2026, 10, 1), town, attending=(c["jia"],),
             extra=10, archived_at=utcnow())
    activity(session, "festival_visit", date(2026, 10, 15), sub, attending=(c["ji"],))

    need(session, c["jia"], NeedKind.economic)
    need(session, c["jia"], NeedKind.schooling_transfer, archived_at=utcnow())
    need(session, c["yi"], NeedKind.psychological, NeedStatus.linked)
    need(session, c["bing"], NeedKind.study, NeedStatus.resolved)
    need(session, c["wu"], NeedKind.safety, NeedStatus.closed)

    wish(session, c["jia"], START, END)
    wish(session, c["yi"], BEFORE, date(2026, 9, 5))
    wish(session, c["bing"], END)
    wish(session, c["wu"], AFTER)
    wish(session, c["ji"], date(2026, 10, 1), archived_at=utcnow())

    donation(session, START, "500.00", town, (c["jia"], c["yi"]))
    donation(session, END, "300.50", other_town, (c["wu"],), DonationDirection.direct)
    donation(session, date(2026, 10, 1), "1000", town, direction=DonationDirection.received)
    donation(session, BEFORE, "200", town, (c["bing"],))
    donation(session, AFTER, "100", town, (c["bing"],))

    survey(session, {c["jia"]: "1-2次", c["yi"]: "0次", c["wu"]: "1-2次", c["ji"]: "3次以上"})
    return World(county, town, other_town, sub, school, other_school, c, h)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def county_expected() -> dict[str, Any]:
    """The whole county (甲 乙 丙 戊 己; 丁 is archived), worked out from build_world."""
    e = blank("平安县")
    put(e, children__total=5, children__enrolled_students=40,
        children__share_of_enrolled=0.05,  # 甲 and 丙 of the school that gives a number
        children__in_mountain_area=3,  # 甲 (village), 乙 (own flag), 戊 (village)
        children__in_townships=4,  # all but 己 of 城关街道
        children__safety_incident=1, children__key_concern=1, children__boarding=2,
        children__aged_out_review=1,
        children__by_town={"石门镇": 3, "青山乡": 1, "城关街道": 1})
    c = e["children"]
    c["by_category"].update(left_behind=3, in_difficulty=2, disabled=1)
    c["by_gender"].update(male=3, female=2)
    c["by_age_band"].update({"0-6": 1, "7-12": 2, "13-15": 1, "16-18": 1})
    c["by_guardian_type"].update(grandparents=2, single_parent=1, relatives_friends=1,
                                 other=1)
    c["by_left_behind_type"].update(both_parents_away=2, father_away=1, mother_away=1)
    c["by_economic_status"].update(hardship=2, average=1, comfortable=1)
    c["by_academic_level"].update(excellent=1, good=1, average=1, poor=1)
    c["by_risk_level"].update(red=1, yellow=1, blue=1, green=1, unassessed=1)
    put(e, pairing__helpers=4, pairing__children_paired=2, pairing__coverage=0.4,
        pairing__unpaired=3)
    e["pairing"]["helpers_by_kind"].update(teacher=2, volunteer=1, social_worker=1)
    e["contacts"]["by_kind"].update(home_visit={"count": 2, "children": 1},
                                    phone_visit={"count": 1, "children": 1},
                                    talk={"count": 1, "children": 1},
                                    parent_call={"count": 1, "children": 1})
    sessions(e, safety_education=(1, 7), tutoring=(2, 1), mental_health=(1, 5),
             festival_visit=(1, 1))
    e["needs"]["by_kind"].update(economic=1, psychological=1, study=1, safety=1)
    e["needs"]["by_status"].update(open=1, linked=1, resolved=1, closed=1)
    put(e, wishes={"collected": 2, "fulfilled": 2},
        donations={"money_yuan": 800.5, "children_helped": 3},
        surveys={QUESTION: {"0次": 1, "1-2次": 2, "3次以上": 1}})
    return e


def town_expected() -> dict[str, Any]:
    """石门镇 alone: 甲 乙 丙, its own helpers, activities and ledger entries."""
    e = blank("石门镇")
    put(e, children__total=3, children__enrolled_students=40,
        children__share_of_enrolled=0.05, children__in_mountain_area=2,
        children__in_townships=3, children__safety_incident=1, children__key_concern=1,
        children__boarding=1, children__aged_out_review=1, children__by_town={"石门镇": 3})
    c = e["children"]
    c["by_category"].update(left_behind=2, in_difficulty=2)
    c["by_gender"].update(male=2, female=1)
    c["by_age_band"].update({"0-6": 1, "7-12": 1, "16-18": 1})
    c["by_guardian_type"].update(grandparents=1, single_parent=1, other=1)
    c["by_left_behind_type"].update(both_parents_away=1, father_away=1)
    c["by_economic_status"].update(hardship=2, average=1)
    c["by_academic_level"].update(excellent=1, good=1, poor=1)
    c["by_risk_level"].update(red=1, yellow=1, unassessed=1)
    put(e, pairing__helpers=2, pairing__children_paired=1, pairing__coverage=0.3333,
        pairing__unpaired=2)
    e["pairing"]["helpers_by_kind"].update(teacher=1, volunteer=1)
    e["contacts"]["by_kind"].update(home_visit={"count": 2, "children": 1},
                                    phone_visit={"count": 1, "children": 1})
    # 青山乡's mental-health activity is not 石门镇's, though 甲 attended it
    sessions(e, safety_education=(1, 7), tutoring=(2, 1))
    e["needs"]["by_kind"].update(economic=1, psychological=1, study=1)
    e["needs"]["by_status"].update(open=1, linked=1, resolved=1)
    put(e, wishes={"collected": 2, "fulfilled": 2},
        donations={"money_yuan": 500.0, "children_helped": 2},
        surveys={QUESTION: {"0次": 1, "1-2次": 1, "3次以上": 0}})
    return e


def test_the_whole_county(session, world):
    assert stats_json(session) == county_expected()


@pytest.mark.parametrize("who", ["coordinator of the county", "coordinator of the town",
                                 "admin"])
def test_a_township_leaves_out_its_neighbours(session, world, who):
    actor = {"coordinator of the county": coordinator_of(world.county),
             "coordinator of the town": coordinator_of(world.town), "admin": ADMIN}[who]
    org = None if who == "coordinator of the town" else world.town
    assert stats_json(session, actor, org=org) == town_expected()


def test_a_county_coordinator_without_a_unit_sees_the_county(session, world):
    assert stats_json(session, coordinator_of(world.county)) == county_expected()


def test_a_unit_outside_the_coordinators_scope_is_refused(session, world):
    with pytest.raises(PermissionDenied):
        stats_json(session, coordinator_of(world.town), org=world.other_town)
    with pytest.raises(PermissionDenied):
        stats_json(session, coordinator_of(world.town), org=world.county)


def test_from_after_to_is_refused():
    with pytest.raises(DomainError):
        StatsScope(date(2026, 9, 2), date(2026, 9, 1))
    assert StatsScope(END, END).date_from == END  # a single day is a period


def test_a_category_counts_only_its_children(session, world):
    e = blank("平安县")
    put(e, children__total=2, children__enrolled_students=40,
        children__share_of_enrolled=0.025,  # 丙 of the 40 (乙's school gives no number)
        children__in_mountain_area=1, children__in_townships=2, children__key_concern=1,
        children__boarding=1, children__aged_out_review=1, children__by_town={"石门镇": 2})
    c = e["children"]
    c["by_category"].update(left_behind=1, in_difficulty=2)
    c["by_gender"].update(male=1, female=1)
    c["by_age_band"].update({"0-6": 1, "16-18": 1})
    c["by_guardian_type"].update(single_parent=1, other=1)
    c["by_left_behind_type"].update(father_away=1)
    c["by_economic_status"].update(hardship=1, average=1)
    c["by_academic_level"].update(excellent=1, poor=1)
    c["by_risk_level"].update(yellow=1, unassessed=1)
    # helpers are not narrowed by the children's category
    put(e, pairing__helpers=4, pairing__children_paired=0, pairing__coverage=0.0,
        pairing__unpaired=2)
    e["pairing"]["helpers_by_kind"].update(teacher=2, volunteer=1, social_worker=1)
    e["contacts"]["by_kind"].update(phone_visit={"count": 1, "children": 1})
    # 人次 are the attending 困境 children only (no extra 人次); the mental-health activity
    # had none of them and does not count
    sessions(e, safety_education=(1, 1), tutoring=(2, 1))
    e["needs"]["by_kind"].update(psychological=1, study=1)
    e["needs"]["by_status"].update(linked=1, resolved=1)
    put(e, wishes={"collected": 1, "fulfilled": 1},
        # through a category the money is its children's shares: 乙's half of the 500
        donations={"money_yuan": 250.0, "children_helped": 1},
        surveys={QUESTION: {"0次": 1, "1-2次": 0, "3次以上": 0}})
    assert stats_json(session, categories=(Category.in_difficulty,)) == e


def test_a_helper_sees_their_own_childrens_figures(session, world):
    e = blank("我结对的儿童")  # a helper's figures are their own children's
    put(e, children__total=1, children__in_mountain_area=1, children__in_townships=1,
        children__safety_incident=1, children__by_town={"石门镇": 1})
    c = e["children"]
    c["by_category"]["left_behind"] = 1
    c["by_gender"]["male"] = 1
    c["by_age_band"]["7-12"] = 1
    c["by_guardian_type"]["grandparents"] = 1
    c["by_left_behind_type"]["both_parents_away"] = 1
    c["by_economic_status"]["hardship"] = 1
    c["by_academic_level"]["good"] = 1
    c["by_risk_level"]["red"] = 1
    put(e, pairing__helpers=1, pairing__children_paired=1, pairing__coverage=1.0,
        pairing__unpaired=0)
    e["pairing"]["helpers_by_kind"]["teacher"] = 1
    e["contacts"]["by_kind"]["home_visit"] = {"count": 2, "children": 1}
    # the activities 甲 attended, wherever held, counting 甲 alone
    sessions(e, safety_education=(1, 1), mental_health=(1, 1))
    e["needs"]["by_kind"]["economic"] = 1
    e["needs"]["by_status"]["open"] = 1
    put(e, wishes={"collected": 1, "fulfilled": 1},
        surveys={QUESTION: {"0次": 0, "1-2次": 1, "3次以上": 0}})
    # a helper's money is their own children's shares: 甲's half of the 500, not the ledger
    e["donations"] = {"money_yuan": 250.0, "children_helped": 1}
    assert stats_json(session, helper_actor(world.helpers["li"])) == e


def test_a_helper_ignores_an_org_unit(session, world):
    """A helper asking for a unit is not refused: their own children in it are counted."""
    got = stats_json(session, helper_actor(world.helpers["wang"]), org=world.other_town)
    assert got["children"]["total"] == 1  # 戊
    assert got["pairing"]["helpers"] == 1


# ---- enrolment --------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "own", "enrolled", "share"), [
    ("school", None, 40, 0.05),  # the school's own number, 甲 and 丙
    ("town", None, 40, 0.05),  # the schools that give a number, summed
    ("other_school", None, 0, None),  # unknown
    ("other_town", None, 0, None),  # no school at all
    # a unit that states its own is compared with the children at its schools: 戊 lives there
    # but studies at none of them, so counts against no enrolment
    ("other_town", 10, 10, 0.0),
    ("county", None, 40, 0.05),
])
def test_share_of_enrolled_students(session, world, unit, own, enrolled, share):
    org = getattr(world, unit)
    if own is not None:
        org.enrolled_students = own
        session.flush()
    children = stats_json(session, org=org)["children"]
    assert (children["enrolled_students"], children["share_of_enrolled"]) == (enrolled, share)


def test_a_township_sums_its_schools_enrolment(session, world):
    world.other_school.enrolled_students = 60
    session.flush()
    children = stats_json(session, org=world.town)["children"]
    # 甲 丙 at the first school, 乙 at the second: 3 of 100
    assert (children["enrolled_students"], children["share_of_enrolled"]) == (100, 0.03)


# ---- one child: ages, period boundaries, archived records --------------------------------

@dataclass
class Lone:
    town: OrgUnit
    village: OrgUnit
    child: Child


@pytest.fixture
def lone(session: Session) -> Lone:
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    child = make_child(session, village=village, name="甲")
    return Lone(town, village, child)


def one_child(org: str = "石门镇", band: str = "7-12", aged_out: int = 0) -> dict[str, Any]:
    """make_child's defaults: a boy, 留守, born 2015-03-01, no risk level, not paired."""
    e = blank(org)
    put(e, children__total=1, children__in_townships=1, children__by_town={"石门镇": 1},
        children__aged_out_review=aged_out, pairing__unpaired=1)
    e["children"]["by_category"]["left_behind"] = 1
    e["children"]["by_gender"]["male"] = 1
    e["children"]["by_age_band"][band] = 1
    e["children"]["by_risk_level"]["unassessed"] = 1
    return e


@pytest.mark.parametrize(("born", "band", "aged_out"), [
    (date(2019, 11, 30), "7-12", 0),  # 7th birthday on the end date
    (date(2019, 12, 1), "0-6", 0),  # the day after
    (date(2013, 11, 30), "13-15", 0),
    (date(2013, 12, 1), "7-12", 0),
    (date(2010, 11, 30), "16-18", 1),
    (date(2010, 12, 1), "13-15", 0),
    (date(2008, 12, 1), "16-18", 1),  # 17
    (date(2026, 11, 30), "0-6", 0),  # born on the last day
])
def test_ages_are_whole_years_on_the_periods_end(session, lone, born, band, aged_out):
    lone.child.birth_date = born
    session.flush()
    expected = one_child("全部", band, aged_out)
    assert stats_json(session) == expected


def test_ages_move_with_the_end_date(session, lone):
    lone.child.birth_date = date(2019, 12, 1)
    session.flush()
    got = stats_json(session, end=date(2026, 12, 1), today=date(2026, 12, 2))
    assert got["children"]["by_age_band"] == {"0-6": 0, "7-12": 1, "13-15": 0, "16-18": 0}


def test_a_period_still_running_is_counted_up_to_today(session, lone):
    """Nothing is dated in the future: the figures, and the ages, stop at today."""
    lone.child.birth_date = date(2019, 12, 1)
    make_contact(session, lone.child, None, date(2026, 11, 1), kind=ContactKind.home_visit)
    session.flush()
    got = stats_json(session, end=date(2026, 12, 1), today=date(2026, 11, 1))
    assert got["scope"]["to"] == "2026-12-01" and got["scope"]["as_of"] == "2026-11-01"
    assert got["children"]["by_age_band"] == {"0-6": 1, "7-12": 0, "13-15": 0, "16-18": 0}
    assert got["contacts"]["by_kind"]["home_visit"]["count"] == 1


def _dated(session: Session, lone: Lone, what: str, on: date) -> None:
    child = lone.child
    if what == "contact":
        make_contact(session, child, None, on, kind=ContactKind.home_visit)
    elif what == "activity":
        activity(session, "care_visit", on, lone.town, attending=(child,), extra=2)
    elif what == "donation":
        donation(session, on, "10", lone.town, (child,))
    elif what == "wish collected":
        wish(session, child, on)
    elif what == "wish fulfilled":
        wish(session, child, date(2026, 1, 5), on)


def _counted(e: dict[str, Any], what: str) -> None:
    if what == "contact":
        e["contacts"]["by_kind"]["home_visit"] = {"count": 1, "children": 1}
    elif what == "activity":
        sessions(e, care_visit=(1, 3))
    elif what == "donation":
        e["donations"] = {"money_yuan": 10.0, "children_helped": 1}
    elif what == "wish collected":
        e["wishes"]["collected"] = 1
    elif what == "wish fulfilled":
        e["wishes"]["fulfilled"] = 1


@pytest.mark.parametrize("what", ["contact", "activity", "donation", "wish collected",
                                  "wish fulfilled"])
@pytest.mark.parametrize(("on", "counted"), [(BEFORE, False), (START, True),
                                             (date(2026, 10, 15), True), (END, True),
                                             (AFTER, False)])
def test_the_period_includes_its_first_and_last_day(session, lone, what, on, counted):
    _dated(session, lone, what, on)
    expected = one_child("全部")
    if counted:
        _counted(expected, what)
    assert stats_json(session) == expected


def _archived_record(session: Session, child: Child, helper: Helper, town: OrgUnit,
                     what: str) -> None:
    if what == "pairing":
        make_pairing(session, child, helper)
    elif what == "contact":
        make_contact(session, child, helper, date(2026, 10, 1), kind=ContactKind.home_visit)
    elif what == "need":
        need(session, child, NeedKind.medical)
    elif what == "wish":
        wish(session, child, date(2026, 10, 1), date(2026, 10, 20))
    elif what == "donation":
        donation(session, date(2026, 10, 1), "100", town, (child,))
    elif what == "survey answer":
        survey(session, {child: "0次"})


@pytest.mark.parametrize("what", ["pairing", "contact", "need", "wish", "donation",
                                  "survey answer"])
def test_archived_children_are_left_out_everywhere(session, lone, what):
    helper = make_helper(session, org_unit=lone.town)
    gone = make_child(session, village=lone.village, name="乙", archived_at=utcnow(),
                      archive_reason="moved_away", risk_level=RiskLevel.red,
                      categories=(Category.in_difficulty,))
    _archived_record(session, gone, helper, lone.town, what)
    expected = one_child("全部")
    put(expected, pairing__helpers=1)
    expected["pairing"]["helpers_by_kind"]["teacher"] = 1
    if what == "donation":
        expected["donations"]["money_yuan"] = 100.0  # the unit gave it; no child is counted
    if what == "survey answer":
        expected["surveys"] = {QUESTION: dict.fromkeys(OPTIONS, 0)}
    assert stats_json(session) == expected, (
        f"the archived child's {what} was counted: stats.children_in() has no "
        "Child.archived_at IS NULL, and need_counts/wish_counts/donation_summary/"
        "survey_summary rely on it as `among`")


def test_archived_activities_are_left_out(session, lone):
    activity(session, "care_visit", date(2026, 10, 1), lone.town, attending=(lone.child,),
             extra=4, archived_at=utcnow())
    activity(session, "care_visit", date(2026, 10, 2), lone.town, attending=(lone.child,),
             extra=4)
    expected = sessions(one_child("全部"), care_visit=(1, 5))
    assert stats_json(session) == expected


def test_an_activity_with_none_of_the_category_does_not_count(session, lone):
    other = make_child(session, village=lone.village, name="乙",
                       categories=(Category.disabled,))
    activity(session, "care_visit", date(2026, 10, 1), lone.town, attending=(other,), extra=9)
    activity(session, "meeting", date(2026, 10, 2), lone.town,
             attending=(other, lone.child), extra=9, n_sessions=3)
    got = stats_json(session, categories=(Category.left_behind,))
    expected = sessions(one_child("全部"), meeting=(3, 1))
    assert got["activities"] == expected["activities"]
    whole = stats_json(session)["activities"]
    assert whole["by_kind"]["care_visit"] == {"sessions": 1, "person_times": 10}
    assert whole["by_kind"]["meeting"] == {"sessions": 3, "person_times": 11}
    assert whole["total"] == {"sessions": 4, "person_times": 21}


def test_a_category_filter_keeps_to_the_units_own_activities(session, world):
    """Narrowing 石门镇's figures to 留守 children cannot add 青山乡's activity (which 甲, a
    石门镇 留守 child, attended): the filtered count may not exceed the unfiltered one."""
    whole = stats_json(session, org=world.town)["activities"]
    narrowed = stats_json(session, org=world.town,
                          categories=(Category.left_behind,))["activities"]
    assert whole["by_kind"]["mental_health"] == {"sessions": 0, "person_times": 0}
    assert narrowed["by_kind"]["mental_health"] == {"sessions": 0, "person_times": 0}, (
        "scope 石门镇 + category 留守: 青山乡's mental_health activity is counted through its "
        "attending 石门镇 child although the unfiltered 石门镇 figures leave it out")
    # 甲 and 乙 attended the safety talk: 2 人次 of 留守 children
    assert narrowed["by_kind"]["safety_education"] == {"sessions": 1, "person_times": 2}


# ---- compliance -------------------------------------------------------------------------

def test_compliance_counts_open_pairings_of_active_children_and_helpers(session, world):
    session.execute(update(CareRule).where(CareRule.code == "term_home_visit")
                    .values(is_active=True))
    session.flush()
    # 甲–李 visited on 09-01 (met); 戊–王 never (due, unmet); 丁 archived, 周 archived,
    # 丙's pairing ended
    got = stats_json(session, today=date(2026, 12, 5))
    assert got["compliance"] == {"term_home_visit": {"due": 2, "met": 1, "rate": 0.5}}
    got = stats_json(session, org=world.town)
    assert got["compliance"] == {"term_home_visit": {"due": 1, "met": 1, "rate": 1.0}}
    got = stats_json(session, org=world.other_town)
    assert got["compliance"] == {"term_home_visit": {"due": 1, "met": 0, "rate": 0.0}}


def test_empty_database(session):
    assert stats_json(session) == blank("全部")
