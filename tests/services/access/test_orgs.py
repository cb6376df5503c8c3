"""The organisation tree: which unit may sit under which, paths, names, versions, archiving."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConcurrentEdit, DomainError, ValidationFailed
from core.vocab import OrgKind, Role
from db.base import utcnow
from db.models import AuditEvent, OrgUnit
from services.access import orgs
from services.access.permissions import Actor
from tests.factories import make_child, make_org

SYSTEM = Actor.system()
K = OrgKind


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OrgUnit))


def _create(session: Session, name: str, kind: OrgKind, parent: OrgUnit | None = None,
            **kw: object) -> OrgUnit:
    return orgs.create_org_unit(session, actor=SYSTEM, name=name, kind=kind,
                                parent_id=parent.id if parent else None, **kw)


def _parent_of_kind(session: Session, kind: OrgKind) -> OrgUnit:
    """A unit of `kind` placed where it belongs, built without the service's checks."""
    county = make_org(session, "平安县", K.county)
    if kind is K.county:
        return county
    town = make_org(session, "石门镇", K.town, parent=county)
    if kind is K.town:
        return town
    if kind is K.subdistrict:
        return make_org(session, "城关街道", K.subdistrict, parent=county)
    return make_org(session, "上级单位", kind, parent=town)


def shape(kind: OrgKind, parent_kind: OrgKind | None, problem: str | None) -> object:
    verdict = "ok" if problem is None else "refused"
    return pytest.param(kind, parent_kind, problem,
                        id=f"{kind}-under-{parent_kind or 'nothing'}-{verdict}")


@pytest.mark.parametrize(("kind", "parent_kind", "problem"), [
    shape(K.county, None, None),
    shape(K.county, K.county, "县不能设在县“平安县”之下"),
    shape(K.town, K.county, None),
    shape(K.town, None, None),
    shape(K.town, K.town, "乡镇不能设在乡镇“石门镇”之下"),
    shape(K.town, K.village, "乡镇不能设在村“上级单位”之下"),
    shape(K.subdistrict, K.county, None),
    shape(K.subdistrict, K.town, "街道不能设在乡镇“石门镇”之下"),
    shape(K.village, K.town, None),
    shape(K.village, K.subdistrict, None),
    shape(K.village, K.county, "村不能设在县“平安县”之下"),
    shape(K.village, K.village, "村不能设在村“上级单位”之下"),
    shape(K.village, None, "村必须填写上级单位"),
    shape(K.community, K.subdistrict, None),
    shape(K.community, K.school, "社区不能设在学校“上级单位”之下"),
    shape(K.school, K.county, None),
    shape(K.school, K.town, None),
    shape(K.school, K.village, None),
    shape(K.school, K.community, None),
    shape(K.school, K.school, "学校不能设在学校“上级单位”之下"),
    shape(K.school, None, "学校必须填写上级单位"),
])
def test_a_unit_may_only_sit_under_the_kinds_of_its_shape(session, kind, parent_kind, problem):
    parent = _parent_of_kind(session, parent_kind) if parent_kind else None
    before = _count(session)

    if problem is None:
        unit = _create(session, "新单位", kind, parent)
        assert (unit.kind, unit.parent_id) == (kind, parent.id if parent else None)
        assert _count(session) == before + 1
    else:
        with pytest.raises(ValidationFailed) as refused:
            _create(session, "新单位", kind, parent)
        assert refused.value.problems == {"上级": problem}
        assert _count(session) == before


def test_path_lists_every_ancestor(session):
    county = _create(session, "平安县", K.county)
    town = _create(session, "石门镇", K.town, county, is_mountain_area=True)
    village = _create(session, "李家村", K.village, town)
    school = _create(session, "石门中学", K.school, town, enrolled_students=155)

    assert county.path == f"/{county.id}/"
    assert town.path == f"/{county.id}/{town.id}/"
    assert village.path == f"/{county.id}/{town.id}/{village.id}/"
    assert school.path == f"/{county.id}/{town.id}/{school.id}/"
    assert (town.is_mountain_area, school.enrolled_students) == (True, 155)
    session.commit()
    session.expire_all()
    assert session.get(OrgUnit, village.id).path == f"/{county.id}/{town.id}/{village.id}/"


def test_creating_a_unit_is_audited(session):
    town = _create(session, "石门镇", K.town)

    event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.entity, event.entity_id) == ("create", "org_unit", str(town.id))
    assert (event.after["name"], event.after["kind"], event.summary) == (
        "石门镇", "town", "新建乡镇 石门镇")


def test_same_name_is_refused_under_one_parent_and_allowed_under_another(session):
    shimen = _create(session, "石门镇", K.town)
    qingshan = _create(session, "青山乡", K.town)
    _create(session, "李家村", K.village, shimen)

    with pytest.raises(ValidationFailed) as refused:
        _create(session, " 李家村 ", K.village, shimen)
    assert refused.value.problems == {"名称": "同一上级下已有“李家村”"}

    other = _create(session, "李家村", K.village, qingshan)
    assert other.parent_id == qingshan.id


def test_same_name_is_refused_at_the_top_level(session):
    _create(session, "平安县", K.county)
    with pytest.raises(ValidationFailed) as refused:
        _create(session, "平安县", K.county)
    assert refused.value.problems == {"名称": "同一上级下已有“平安县”"}


@pytest.mark.parametrize(("name", "kw", "problems"), [
    pytest.param("  ", {}, {"名称": "名称不能为空"}, id="blank-name"),
    pytest.param("镇" * 101, {}, {"名称": "名称最多100个字"}, id="name-too-long"),
    pytest.param("石门镇", {"enrolled_students": -1}, {"在籍学生数": "不能为负数"},
                 id="negative-enrolment"),
    pytest.param("石门镇", {"parent_id": 987654}, {"上级": "上级单位不存在"}, id="missing-parent"),
])
def test_create_org_unit_refuses_bad_fields(session, name, kw, problems):
    with pytest.raises(ValidationFailed) as refused:
        orgs.create_org_unit(session, actor=SYSTEM, name=name, kind=K.town, **kw)
    assert refused.value.problems == problems
    assert _count(session) == 0


def test_update_with_a_stale_version_is_refused_and_changes_nothing(session):
    town = _create(session, "石门镇", K.town)
    seen = town.version
    orgs.update_org_unit(session, actor=SYSTEM, org_unit_id=town.id, expected_version=seen,
                         name="石门镇", is_mountain_area=True, enrolled_students=None)

    with pytest.raises(ConcurrentEdit, match="该单位已被其他人修改"):
        orgs.update_org_unit(session, actor=SYSTEM, org_unit_id=town.id, expected_version=seen,
                             name="石门乡", is_mountain_area=False, enrolled_students=3)

    session.commit()
    session.expire_all()
    assert (town.name, town.is_mountain_area, town.enrolled_students, town.version) == (
        "石门镇", True, None, seen + 1)


def test_update_refuses_a_siblings_name_but_keeps_its_own(session):
    town = _create(session, "石门镇", K.town)
    village = _create(session, "李家村", K.village, town)
    _create(session, "王家村", K.village, town)

    with pytest.raises(ValidationFailed) as refused:
        orgs.update_org_unit(session, actor=SYSTEM, org_unit_id=village.id,
                             expected_version=village.version, name="王家村",
                             is_mountain_area=False, enrolled_students=None)
    assert refused.value.problems == {"名称": "同一上级下已有“王家村”"}

    orgs.update_org_unit(session, actor=SYSTEM, org_unit_id=village.id,
                         expected_version=village.version, name="李家村",
                         is_mountain_area=True, enrolled_students=None)
    assert (village.name, village.is_mountain_area) == ("李家村", True)


def test_archive_is_refused_while_active_sub_units_remain(session):
    town = _create(session, "石门镇", K.town)
    _create(session, "李家村", K.village, town)

    with pytest.raises(DomainError) as refused:
        orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=town.id,
                              expected_version=town.version, reason="撤并")

    assert refused.value.message == "“石门镇”下还有1个下级单位、0名在册儿童，请先处理后再归档。"
    assert town.archived_at is None


@pytest.mark.parametrize("link", ["village", "school"])
def test_archive_is_refused_while_active_children_belong_to_the_unit(session, link):
    town = make_org(session, "石门镇", K.town)
    village = make_org(session, "李家村", K.village, parent=town)
    school = make_org(session, "石门中学", K.school, parent=town)
    other_village = make_org(session, "王家村", K.village, parent=town)
    if link == "village":
        make_child(session, village=village)
    else:
        make_child(session, village=other_village, school_id=school.id)
    unit = village if link == "village" else school

    with pytest.raises(DomainError) as refused:
        orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=unit.id,
                              expected_version=unit.version, reason="撤并")

    assert refused.value.message == (
        f"“{unit.name}”下还有0个下级单位、1名在册儿童，请先处理后再归档。")
    assert unit.archived_at is None


def test_archived_children_and_sub_units_do_not_block_archiving(session):
    town = make_org(session, "石门镇", K.town)
    village = make_org(session, "李家村", K.village, parent=town)
    make_child(session, village=village, archived_at=utcnow(), archive_reason="超龄")

    orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=village.id,
                          expected_version=village.version, reason="撤并")
    orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=town.id,
                          expected_version=town.version, reason="  ")

    assert (village.archive_reason, town.archive_reason) == ("撤并", "归档")
    assert village.archived_at is not None and town.archived_at is not None
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["archive", "archive"]


def test_archive_with_a_stale_version_is_refused(session):
    town = _create(session, "石门镇", K.town)
    with pytest.raises(ConcurrentEdit):
        orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=town.id,
                              expected_version=town.version - 1, reason="撤并")
    assert town.archived_at is None


def _county_tree(session: Session) -> dict[str, OrgUnit]:
    county = _create(session, "平安县", K.county)
    # Created out of name order, and with ids past 9 so "/1/10/" sorts before "/1/2/" as text.
    filler = [_create(session, f"临时{i}", K.county) for i in range(8)]
    qingshan = _create(session, "青山乡", K.town, county)
    shimen = _create(session, "石门镇", K.town, county)
    units = {
        "county": county, "qingshan": qingshan, "shimen": shimen,
        "school": _create(session, "石门中学", K.school, shimen),
        "wang": _create(session, "王家村", K.village, shimen),
        "li": _create(session, "李家村", K.village, shimen),
        "zhou": _create(session, "周家村", K.village, qingshan),
        "village_school": _create(session, "李家村小学", K.school, shimen),
    }
    units["li_school"] = _create(session, "李家村教学点", K.school, units["li"])
    for unit in filler:
        orgs.archive_org_unit(session, actor=SYSTEM, org_unit_id=unit.id,
                              expected_version=unit.version, reason="测试")
    return units


def test_org_tree_puts_each_parent_before_its_children(session):
    _county_tree(session)

    tree = [(node.name, node.depth) for node in orgs.org_tree(session, SYSTEM)]

    # Under one parent: villages before schools, then by name (code point order).
    assert tree == [
        ("平安县", 0),
        ("石门镇", 1), ("李家村", 2), ("李家村教学点", 3), ("王家村", 2),
        ("李家村小学", 2), ("石门中学", 2),
        ("青山乡", 1), ("周家村", 2),
    ]


def test_org_tree_can_include_archived_units(session):
    _county_tree(session)
    names = [node.name for node in orgs.org_tree(session, SYSTEM, include_archived=True)]
    assert len(names) == 17
    assert names.index("临时0") < names.index("临时7")


def test_org_tree_of_a_scoped_actor_starts_at_its_unit(session):
    units = _county_tree(session)
    actor = Actor(user_id=None, username="shimen", role=Role.coordinator,
                  org_unit_id=units["shimen"].id)

    tree = orgs.org_tree(session, actor)

    assert [(n.name, n.depth, n.parent_id) for n in tree] == [
        ("石门镇", 0, units["county"].id),
        ("李家村", 1, units["shimen"].id), ("李家村教学点", 2, units["li"].id),
        ("王家村", 1, units["shimen"].id), ("李家村小学", 1, units["shimen"].id),
        ("石门中学", 1, units["shimen"].id),
    ]
    assert [n.indented_name for n in tree[:3]] == ["石门镇", "  └ 李家村", "    └ 李家村教学点"]


@pytest.mark.parametrize(("kind", "lang", "label"), [
    (K.town, "zh", "石门镇\uff08乡镇\uff09"),
    (K.town, "en", "石门镇 (Township)"),
    (K.subdistrict, "zh", "石门镇\uff08街道\uff09"),
    (K.county, "zh", "石门镇\uff08县\uff09"),
])
def test_scope_label_names_the_unit_and_its_kind(session, kind, lang, label):
    unit = make_org(session, "石门镇", kind)
    assert orgs.scope_label(session, unit.id, lang) == label


def test_scope_label_is_none_for_the_whole_database_or_a_missing_unit(session):
    assert orgs.scope_label(session, None) is None
    assert orgs.scope_label(session, 987654) is None


def test_find_org_unit_ignores_archived_units(session):
    town = make_org(session, "石门镇", K.town)
    make_org(session, "石门镇", K.town, parent=make_org(session, "平安县", K.county),
             archived_at=utcnow())

    assert orgs.find_org_unit(session, " 石门镇 ") == [town]
    assert orgs.find_org_unit(session, "石门镇", kinds={K.village}) == []
