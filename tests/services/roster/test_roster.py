"""The roster: adding, changing, archiving and restoring children, and the rules on the way in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import ConcurrentEdit, PermissionDenied
from core.validators import id_number_checksum
from core.vocab import ArchiveReason, Category, Gender, GuardianType, OrgKind, Relation, Role
from db.models import AuditEvent, Child, Relative
from services.access.permissions import Actor
from services.access.users import actor_for
from services.roster import records as roster
from services.roster.child_input import ChildInput, RelativeInput, child_problems
from tests.factories import make_org, make_user

TODAY = date(2026, 11, 28)
ADMIN = Actor.system()


def valid_id(birth: date, sequence: str = "001") -> str:
    """A checksum-valid 身份证号; an odd last sequence digit is a boy."""
    first17 = f"110101{birth:%Y%m%d}{sequence}"
    return first17 + id_number_checksum(first17)


@pytest.fixture
def places(session):
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    school = make_org(session, "石门镇中心小学", OrgKind.school, parent=town)
    other_town = make_org(session, "东乡", OrgKind.town)
    other_village = make_org(session, "新村", OrgKind.village, parent=other_town)
    return {"town": town, "village": village, "school": school, "other_town": other_town,
            "other_village": other_village}


def child_input(places, **overrides) -> ChildInput:
    values = {
        "name": "林小雨", "gender": Gender.female, "birth_date": date(2015, 3, 2),
        "categories": [Category.left_behind], "town_id": places["town"].id,
        "village_id": places["village"].id, "school_id": places["school"].id,
        "guardian_type": GuardianType.grandparents,
        "relatives": [RelativeInput(Relation.father, "林大山", "13812345678", "广东东莞")],
    }
    values.update(overrides)
    return ChildInput(**values)


def test_a_valid_child_is_saved_with_pinyin_relatives_and_an_audit_event(session, places):
    child = roster.create_child(session, actor=ADMIN, data=child_input(places), today=TODAY)
    assert (child.name_pinyin, child.name_initials) == ("linxiaoyu", "lxy")
    assert child.category_codes == [Category.left_behind]
    assert [(r.relation, r.name, r.work_place) for r in child.relatives] == [
        (Relation.father, "林大山", "广东东莞")]
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "child"))
    assert event.action == "create"
    assert event.after["categories"] == ["left_behind"]


@pytest.mark.parametrize(("overrides", "column", "reason"), [
    ({"name": "  "}, "姓名", "必填"),
    ({"gender": None}, "性别", "必填"),
    ({"birth_date": None}, "出生日期", "必填"),
    ({"birth_date": date(2027, 1, 1)}, "出生日期", "不能晚于今天"),
    ({"birth_date": date(2005, 1, 1)}, "出生日期", "超过18周岁"),
    ({"categories": []}, "儿童类别", "至少选择"),
    ({"id_number": "110101201503020012"}, "身份证号", "校验位"),
    ({"id_number": valid_id(date(2015, 3, 3), "002")}, "身份证号", "出生日期"),
    ({"id_number": valid_id(date(2015, 3, 2), "001")}, "身份证号", "性别为男"),
    ({"village_id": None}, "村(社区)", "必填"),
    ({"town_id": None}, "乡镇(街道)", "必填"),
    ({"relatives": [RelativeInput(Relation.mother, "王芳", "1381234")]}, "母亲电话", "11位手机号"),
])
def test_each_rule_names_its_field(session, places, overrides, column, reason):
    problems = child_problems(session, child_input(places, **overrides).normalised(), today=TODAY)
    assert column in problems
    assert reason in problems[column]


def test_a_village_of_another_town_is_refused(session, places):
    data = child_input(places, village_id=places["other_village"].id)
    assert "不属于" in child_problems(session, data, today=TODAY)["村(社区)"]


def test_a_matching_id_number_with_x_is_accepted_in_lower_case(session, places):
    first17 = "11010120150302002"
    number = first17 + id_number_checksum(first17)
    data = child_input(places, id_number=number.lower())
    assert child_problems(session, data.normalised(), today=TODAY) == {}


@pytest.mark.parametrize("same", ["id_number", "name_birth_village"])
def test_a_duplicate_is_refused_with_a_pointer_to_the_existing_record(session, places, same):
    first = roster.create_child(session, actor=ADMIN, today=TODAY, data=child_input(
        places, id_number=valid_id(date(2015, 3, 2), "002")))
    second = (child_input(places, name="林小雪", id_number=valid_id(date(2015, 3, 2), "002"))
              if same == "id_number" else child_input(places))
    with pytest.raises(roster.DuplicateChild) as refused:
        roster.create_child(session, actor=ADMIN, data=second, today=TODAY)
    assert refused.value.duplicates[0].child_id == first.id
    assert "疑似重复" in refused.value.message
    assert session.scalar(select(func.count()).select_from(Child)) == 1


def test_a_coordinator_cannot_add_a_child_outside_their_scope(session, places):
    user = make_user(session, "liu", Role.coordinator, org_unit=places["town"])
    coordinator = actor_for(session, user)
    data = child_input(places, town_id=places["other_town"].id,
                       village_id=places["other_village"].id, school_id=None)
    with pytest.raises(PermissionDenied):
        roster.create_child(session, actor=coordinator, data=data, today=TODAY)
    assert roster.create_child(session, actor=coordinator, data=child_input(places), today=TODAY)


@pytest.mark.parametrize("role", [Role.helper, Role.viewer])
def test_helpers_and_viewers_cannot_add_children(session, places, role):
    actor = actor_for(session, make_user(session, "x", role))
    with pytest.raises(PermissionDenied):
        roster.create_child(session, actor=actor, data=child_input(places), today=TODAY)


def test_an_edit_based_on_an_old_version_is_refused_and_changes_nothing(session, places):
    child = roster.create_child(session, actor=ADMIN, data=child_input(places), today=TODAY)
    opened = child.version
    roster.update_child(session, actor=ADMIN, child_id=child.id, expected_version=opened,
                        data=child_input(places, hobbies="画画"), today=TODAY)
    with pytest.raises(ConcurrentEdit, match="已被其他人修改"):
        roster.update_child(session, actor=ADMIN, child_id=child.id, expected_version=opened,
                            data=child_input(places, hobbies="唱歌"), today=TODAY)
    assert session.get(Child, child.id).hobbies == "画画"


def test_an_edit_updates_relatives_in_place_and_archives_the_removed_one(session, places):
    child = roster.create_child(session, actor=ADMIN, data=child_input(places), today=TODAY)
    father_id = child.relatives[0].id
    data = child_input(places, relatives=[
        RelativeInput(Relation.father, "林大山", "13900001111", "浙江义乌"),
        RelativeInput(Relation.guardian, "林奶奶", None, None, relation_detail="祖母")])
    roster.update_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version,
                        data=data, today=TODAY)
    father = session.get(Relative, father_id)
    assert (father.phone, father.work_place) == ("13900001111", "浙江义乌")
    roster.update_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version,
                        data=child_input(places, relatives=[]), today=TODAY)
    assert session.get(Relative, father_id).archived_at is not None
    assert session.scalar(select(func.count()).select_from(Relative)) == 2  # nothing deleted


def test_an_update_may_keep_its_own_id_number(session, places):
    number = valid_id(date(2015, 3, 2), "002")
    child = roster.create_child(session, actor=ADMIN, today=TODAY,
                                data=child_input(places, id_number=number))
    roster.update_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version,
                        data=child_input(places, id_number=number, grade="四年级"), today=TODAY)
    assert child.grade == "四年级"


def test_archive_and_restore_keep_the_record_and_say_why(session, places):
    child = roster.create_child(session, actor=ADMIN, data=child_input(places), today=TODAY)
    roster.archive_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version,
                         reason=ArchiveReason.parents_returned, note="父亲回乡务农")
    assert child.archive_reason == "parents_returned"
    assert "父母返乡:父亲回乡务农" in child.notes
    roster.restore_child(session, actor=ADMIN, child_id=child.id, expected_version=child.version)
    assert child.archived_at is None
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "child").order_by(AuditEvent.id)).all()
    assert actions == ["create", "archive", "restore"]


def test_a_helper_cannot_open_a_child_not_paired_with_them(session, places):
    from core.errors import NotFound

    child = roster.create_child(session, actor=ADMIN, data=child_input(places), today=TODAY)
    helper = actor_for(session, make_user(session, "h", Role.helper))
    with pytest.raises(NotFound):
        roster.get_child(session, helper, child.id)
