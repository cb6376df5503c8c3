"""Suggested helpers: ranked by closeness to the child and by load, with reasons in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied
from core.vocab import Gender, HelperKind, RiskLevel, Role
from db.base import utcnow
from db.models import Child, Helper
from services.access.permissions import Actor
from services.pairing import suggestions
from tests.factories import make_pairing
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    Places,
    coordinator_of,
    make_child_in,
    make_places,
)

CLASS = "三年级2班"
CT, T, PEER = HelperKind.class_teacher, HelperKind.teacher, HelperKind.peer_student
CP, CD, VOL = HelperKind.caring_parent, HelperKind.child_director, HelperKind.volunteer
SW = HelperKind.social_worker


@dataclass(frozen=True)
class Spec:
    """One helper of the table: who, where they stand, how many children they have now."""

    name: str
    kind: HelperKind
    where: str
    load: int = 0
    capacity: int = 2
    extra: dict[str, Any] = field(default_factory=dict)


def h(name: str, kind: HelperKind, where: str, load: int = 0, capacity: int = 2,
      **extra: Any) -> Spec:
    return Spec(name, kind, where, load, capacity, extra)


def place_of(places: Places, where: str) -> dict[str, Any]:
    """Where a helper is registered: "class" and "school" are the child's school."""
    school, other_school = places.school.id, places.other_school.id
    return {
        "class": {"org_unit_id": school, "school_id": school, "class_name": CLASS},
        "school": {"org_unit_id": school, "school_id": school, "class_name": "五年级1班"},
        "other_school": {"org_unit_id": other_school, "school_id": other_school,
                         "class_name": CLASS},
        "village": {"org_unit_id": places.village.id},
        "other_village": {"org_unit_id": places.other_village.id},
        "town": {"org_unit_id": places.town.id},
        "other_town": {"org_unit_id": places.far_village.id},
    }[where]


def build(session: Session, places: Places, specs: list[Spec]) -> dict[str, Helper]:
    """Register the helpers and give each their load with children elsewhere."""
    made = {}
    for spec in specs:
        values = {"capacity": spec.capacity, **place_of(places, spec.where)}
        if spec.kind is PEER:
            values |= {"gender": Gender.male, "birth_date": date(2013, 5, 1)}
        values |= spec.extra
        helper = Helper(name=spec.name, kind=spec.kind, **values)
        session.add(helper)
        session.flush()
        for n in range(spec.load):
            other = make_child_in(session, places.far_village, f"{spec.name}的孩子{n}")
            make_pairing(session, other, helper)
        made[spec.name] = helper
    return made


@pytest.fixture
def places(session) -> Places:
    return make_places(session)


@pytest.fixture
def child(session, places) -> Child:
    """张小明, a boy of 11 in 三年级2班 of 石门镇中心小学, living in 李家村 of 石门镇."""
    return make_child_in(session, places.village, "张小明", school_id=places.school.id,
                         grade="三年级", class_name="2班")


def names(session: Session, child: Child, actor: Actor = ADMIN, limit: int = 20) -> list[str]:
    found = suggestions.suggest_helpers(session, actor, child.id, today=TODAY, limit=limit)
    return [s.helper_name for s in found]


# Points: class teacher of the class 60, teacher or peer of the class 45, teacher of the
# school 35, class teacher 30, peer 25; in the village caring parent 45, child director 40,
# volunteer 35, anyone else 30; elsewhere in the town 15. Idle +10, each child now −5.
RANKING = [
    pytest.param(
        [h("王班主任", CT, "class"), h("刘爱心妈妈", CP, "village"),
         h("陈老师", T, "school"), h("赵志愿者", VOL, "town")],
        ["王班主任", "刘爱心妈妈", "陈老师", "赵志愿者"],
        id="class-then-village-then-school-then-town"),
    pytest.param(
        [h("孙同学", PEER, "school"), h("吴班主任", CT, "school"), h("陈老师", T, "school"),
         h("赵同学", PEER, "class"), h("王班主任", CT, "class")],
        ["王班主任", "赵同学", "陈老师", "吴班主任", "孙同学"],
        id="within-the-school-the-class-comes-first"),
    pytest.param(
        [h("周志愿者", VOL, "village"), h("吴儿童主任", CD, "village"),
         h("刘爱心妈妈", CP, "village"), h("郑社工", SW, "village")],
        ["刘爱心妈妈", "吴儿童主任", "周志愿者", "郑社工"],
        id="within-the-village-caring-parent-child-director-volunteer"),
    pytest.param(
        [h("村志愿者", VOL, "other_village"), h("镇志愿者", VOL, "town"),
         h("外校老师", T, "other_school"), h("外乡志愿者", VOL, "other_town"),
         h("外乡爱心妈妈", CP, "other_town")],
        ["外校老师", "村志愿者", "镇志愿者"],  # 25 each: the tie goes by name
        id="the-rest-of-the-town-counts-another-town-does-not"),
    pytest.param(
        [h("外校班主任", CT, "other_school"), h("外校同学", PEER, "other_school"),
         h("村里的班主任", CT, "village"), h("镇志愿者", VOL, "town")],
        ["镇志愿者"],
        id="class-teachers-and-peers-only-help-their-own-school"),
    pytest.param(
        [h("王班主任", CT, "class", load=3, capacity=5), h("刘爱心妈妈", CP, "village")],
        ["刘爱心妈妈", "王班主任"],
        id="three-children-pull-the-class-teacher-below-an-idle-caring-parent"),
    pytest.param(
        [h("忙志愿者", VOL, "village", load=1), h("闲志愿者", VOL, "village")],
        ["闲志愿者", "忙志愿者"],
        id="idle-before-loaded-at-the-same-closeness"),
    pytest.param(
        [h("王班主任", CT, "class", load=2, capacity=3), h("李老师", T, "school", load=0)],
        ["王班主任", "李老师"],
        id="a-class-teacher-with-room-stays-ahead-of-the-school"),
    pytest.param(
        [h("满员班主任", CT, "class", load=2), h("零名额老师", T, "class", capacity=0),
         h("李老师", T, "school")],
        ["李老师"],
        id="never-over-capacity"),
    pytest.param(
        [h("小同学", PEER, "class", birth_date=date(2016, 1, 1)),
         h("同岁同学", PEER, "class", birth_date=date(2015, 3, 1)),
         h("女同学", PEER, "class", gender=Gender.female),
         h("没生日同学", PEER, "class", birth_date=None),
         h("大同学", PEER, "class")],
        ["大同学"],
        id="a-peer-must-be-older-and-of-the-same-gender"),
    pytest.param(
        [h("停用老师", T, "class", archived_at=utcnow(), archive_reason="调走"),
         h("李老师", T, "school")],
        ["李老师"],
        id="inactive-helpers-are-left-out"),
]


@pytest.mark.parametrize(("specs", "expected"), RANKING)
def test_suggestions_rank_by_closeness_then_load(session, places, child, specs, expected):
    build(session, places, specs)
    assert names(session, child) == expected


def test_a_helper_already_paired_with_the_child_is_not_suggested_again(session, places, child):
    helpers = build(session, places, [h("王班主任", CT, "class", capacity=3),
                                      h("李老师", T, "school")])
    make_pairing(session, child, helpers["王班主任"])
    assert names(session, child) == ["李老师"]


def test_each_suggestion_says_why_in_words(session, places, child):
    build(session, places, [h("王班主任", CT, "class"), h("赵同学", PEER, "class", load=1),
                            h("刘爱心妈妈", CP, "village"), h("陈老师", T, "school"),
                            h("镇志愿者", VOL, "town")])
    why = {s.helper_name: s.why for s in suggestions.suggest_helpers(
        session, ADMIN, child.id, today=TODAY, limit=10)}
    assert why == {
        "王班主任": "本班班主任（三年级2班）；尚未结对，可结对2人",
        "赵同学": "同班同学（三年级2班）；比孩子大2岁，同为男生；已结对1人，还可结对1人",
        "刘爱心妈妈": "同村爱心家长；尚未结对，可结对2人",
        "陈老师": "同校教师；尚未结对，可结对2人",
        "镇志愿者": "同乡镇志愿者；尚未结对，可结对2人",
    }


def test_a_peer_less_than_a_year_older_is_called_slightly_older(session, places, child):
    build(session, places, [h("赵同学", PEER, "class", birth_date=date(2014, 12, 1))])
    [only] = suggestions.suggest_helpers(session, ADMIN, child.id, today=TODAY)
    assert "比孩子年龄稍长，同为男生" in only.reasons


@pytest.mark.parametrize(("risk", "expected"), [
    (None, ["刘爱心妈妈", "郑社工"]),
    (RiskLevel.green, ["刘爱心妈妈", "郑社工"]),
    (RiskLevel.yellow, ["郑社工", "刘爱心妈妈"]),
    (RiskLevel.red, ["郑社工", "刘爱心妈妈"]),
])
def test_a_child_at_red_or_yellow_risk_is_offered_a_social_worker_first(
        session, places, child, risk, expected):
    child.risk_level = risk
    build(session, places, [h("刘爱心妈妈", CP, "village"), h("郑社工", SW, "village")])
    found = suggestions.suggest_helpers(session, ADMIN, child.id, today=TODAY)
    assert [s.helper_name for s in found] == expected
    if risk in (RiskLevel.red, RiskLevel.yellow):
        assert f"社工适合{risk.zh}色风险儿童" in found[0].reasons


def test_a_tie_goes_to_the_helper_with_fewer_children(session, places, child):
    # 55 each: a class teacher with one child (60 − 5) and an idle caring parent (45 + 10).
    build(session, places, [h("王班主任", CT, "class", load=1), h("刘爱心妈妈", CP, "village")])
    found = suggestions.suggest_helpers(session, ADMIN, child.id, today=TODAY)
    assert [(s.helper_name, s.score) for s in found] == [("刘爱心妈妈", 55), ("王班主任", 55)]


def test_only_the_best_five_are_offered_unless_asked_for_more(session, places, child):
    build(session, places, [h(f"志愿者{n}", VOL, "village") for n in range(7)])
    assert len(suggestions.suggest_helpers(session, ADMIN, child.id, today=TODAY)) == 5
    assert len(names(session, child, limit=10)) == 7


def test_a_suggestion_shows_the_work_unit_as_written_or_else_the_org_unit(session, places,
                                                                         child):
    build(session, places, [h("王班主任", CT, "class"),
                            h("刘爱心妈妈", CP, "village", work_unit="县妇联")])
    units = {s.helper_name: s.unit for s in suggestions.suggest_helpers(
        session, ADMIN, child.id, today=TODAY)}
    assert units == {"王班主任": "石门镇中心小学", "刘爱心妈妈": "县妇联"}


def test_a_child_without_a_school_is_offered_village_and_town_helpers(session, places):
    child = make_child_in(session, places.village, "李小花")
    build(session, places, [h("王班主任", CT, "class"), h("陈老师", T, "school"),
                            h("刘爱心妈妈", CP, "village"), h("外乡志愿者", VOL, "other_town")])
    # The school's teacher is still in the town; the class teacher looks after their own school.
    assert names(session, child) == ["刘爱心妈妈", "陈老师"]


def test_a_teacher_at_the_childs_school_counts_even_when_the_school_is_in_another_town(
        session, places):
    # 陈小华 lives in 王家村 of 青山乡 but goes to school in 石门镇.
    child = make_child_in(session, places.far_village, "陈小华", school_id=places.school.id,
                          grade="三年级", class_name="2班")
    build(session, places, [h("王班主任", CT, "class"),
                            h("陈老师", T, "school", school_id=None)])
    assert names(session, child) == ["王班主任", "陈老师"]


def test_a_coordinator_is_offered_only_helpers_in_their_scope(session, places, child):
    build(session, places, [h("刘爱心妈妈", CP, "village"), h("镇志愿者", VOL, "town")])
    village_coordinator = coordinator_of(places.village)
    assert names(session, child, actor=village_coordinator) == ["刘爱心妈妈"]


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_only_those_who_manage_pairings_get_suggestions(session, child, role):
    actor = Actor(user_id=None, username="x", role=role)
    with pytest.raises(PermissionDenied):
        suggestions.suggest_helpers(session, actor, child.id, today=TODAY)


def test_suggestions_for_a_child_out_of_scope_are_refused(session, places, child):
    with pytest.raises(NotFound, match="儿童档案"):
        suggestions.suggest_helpers(session, coordinator_of(places.other_town), child.id,
                                    today=TODAY)


def test_class_label_joins_grade_and_class():
    assert suggestions.class_label("三年级", "2班") == CLASS
    assert suggestions.class_label(None, "2班") == "2班"
    assert suggestions.class_label(None, None) is None


def test_a_helper_in_the_childs_village_is_not_a_helper_in_the_class(session, places, child):
    # A teacher registered in the village (not at the school) is a neighbour, not a colleague.
    build(session, places, [h("李老师", T, "village", class_name=CLASS)])
    [only] = suggestions.suggest_helpers(session, ADMIN, child.id, today=TODAY)
    assert (only.score, only.reasons[0]) == (40, "同村教师")
