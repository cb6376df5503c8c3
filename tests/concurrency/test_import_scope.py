"""Imports match children only within the actor's scope; an outside match reveals nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select, update

from core.validators import id_number_checksum
from core.vocab import ArchiveReason, Category, Gender, HelperKind, OrgKind, Role
from db.engine import transaction
from db.field_crypto import active_key
from db.models import AuditEvent, Child
from services.access.permissions import Actor
from services.imports import run_import
from services.roster import records as roster
from services.roster.child_input import ChildInput
from tests.factories import make_helper, make_org

TODAY = date(2026, 12, 3)
ADMIN = Actor.system()
OUT_OF_SCOPE = "可能与您管辖范围外的已有档案重复，请联系县级管理员核实。"
ROSTER_HEAD = "姓名,性别,出生日期,身份证号,儿童类别,乡镇(街道),村(社区)"
CONTACTS_HEAD = "儿童姓名,儿童出生日期,儿童身份证号,帮扶人姓名,方式,日期,时长(分钟),记录"


def valid_id(birth: date, sequence: str) -> str:
    first17 = f"110101{birth:%Y%m%d}{sequence}"
    return first17 + id_number_checksum(first17)


@dataclass(frozen=True)
class World:
    coordinator: Actor
    elsewhere_id: int
    elsewhere_number: str
    archived_number: str


@pytest.fixture
def world(engine) -> World:
    """A coordinator of 石门镇; 赵小刚 (active) and 钱小多 (archived) live in 东乡."""
    with transaction(engine) as session:
        town = make_org(session, "石门镇", OrgKind.town)
        make_org(session, "李家村", OrgKind.village, parent=town)
        make_helper(session, org_unit=town, name="陈老师", kind=HelperKind.teacher)
        other_town = make_org(session, "东乡", OrgKind.town)
        other_village = make_org(session, "新村", OrgKind.village, parent=other_town)
        numbers = valid_id(date(2015, 3, 1), "001"), valid_id(date(2014, 5, 6), "003")
        made = [roster.create_child(session, actor=ADMIN, today=TODAY, data=ChildInput(
            name=name, gender=Gender.male, birth_date=born, id_number=number,
            categories=[Category.left_behind], town_id=other_town.id,
            village_id=other_village.id))
            for name, born, number in (("赵小刚", date(2015, 3, 1), numbers[0]),
                                       ("钱小多", date(2014, 5, 6), numbers[1]))]
        roster.archive_child(session, actor=ADMIN, child_id=made[1].id,
                             expected_version=made[1].version, reason=ArchiveReason.moved_away)
        return World(Actor(None, "石门镇负责人", Role.coordinator, org_unit_id=town.id),
                     made[0].id, *numbers)


def _import(engine, actor: Actor, kind: str, lines: list[str], *, dry_run: bool = False):
    with transaction(engine) as session:
        return run_import(session, actor=actor, kind=kind, filename=f"{kind}.csv",
                          data=("\n".join(lines) + "\n").encode("utf-8"), dry_run=dry_run)


def _roster_rows(world: World) -> list[str]:
    return [ROSTER_HEAD,
            f"王小明,男,2015-03-01,{world.elsewhere_number},留守儿童,石门镇,李家村",
            f"李小花,男,2014-05-06,{world.archived_number},留守儿童,石门镇,李家村",
            "林小雨,女,2015-03-02,,留守儿童,石门镇,李家村"]


def _everything_said(report) -> str:
    return " ".join([e.reason for e in report.errors]
                    + [f"{c.record} {c.changes}" for c in report.changes])


def _counts(engine) -> tuple[int, int]:
    with transaction(engine, write=False) as session:
        return (session.scalar(select(func.count(Child.id))),
                session.scalar(select(func.count(AuditEvent.id))))


def test_a_roster_dry_run_with_numbers_from_another_town_names_nobody(engine, world):
    before = _counts(engine)
    report = _import(engine, world.coordinator, "roster", _roster_rows(world), dry_run=True)

    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (2, "姓名", OUT_OF_SCOPE), (3, "姓名", OUT_OF_SCOPE)]
    assert (report.updated, report.changes) == (0, [])
    said = _everything_said(report)
    assert not any(secret in said for secret in ("赵小刚", "钱小多", "东乡", "新村", "归档"))
    # Nothing written but the audit event of the dry run: who tried which file, how many rows.
    assert _counts(engine) == (before[0], before[1] + 1)
    with transaction(engine, write=False) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.entity, event.username) == ("import_dry_run", "roster",
                                                            "石门镇负责人")
    assert event.summary.startswith("roster.csv：试导入（未写入），共读取3行")
    assert event.summary.endswith("发现2处问题。")


def test_a_real_roster_import_is_refused_whole_and_the_refusal_audited(engine, world):
    before = _counts(engine)
    report = _import(engine, world.coordinator, "roster", _roster_rows(world))

    assert not report.ok and not report.written
    assert _counts(engine) == (before[0], before[1] + 1)
    with transaction(engine, write=False) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.summary) == (
        "import_refused", "roster.csv：共读取3行，发现2处问题，未写入任何数据。")


def test_an_admin_importing_the_same_file_updates_the_child_it_matches(engine, world):
    report = _import(engine, ADMIN, "roster", _roster_rows(world)[:2], dry_run=True)
    assert report.ok and report.updated == 1
    assert report.changes[0].record == "赵小刚"


def _contact_row(name: str, *, birth: str = "", number: str = "") -> str:
    return f"{name},{birth},{number},陈老师,家访,2026-11-20,30,上门走访"


@pytest.mark.parametrize("row", [
    _contact_row("赵小刚"),
    _contact_row("赵小刚", birth="2015-03-01"),
    "number",
], ids=["by-name", "by-name-and-birth", "by-id-number"])
def test_a_contact_for_a_child_outside_scope_reads_as_a_child_that_does_not_exist(
        engine, world, row):
    if row == "number":
        row = _contact_row("赵小刚", number=world.elsewhere_number)
    outside = _import(engine, world.coordinator, "contacts", [CONTACTS_HEAD, row])
    with transaction(engine) as session:  # now nobody has that name or number
        session.execute(update(Child).where(Child.id == world.elsewhere_id).values(
            name="赵大刚", **active_key().columns(None)))
    missing = _import(engine, world.coordinator, "contacts", [CONTACTS_HEAD, row])

    assert outside.errors == missing.errors
    assert [e.row for e in outside.errors] == [2]
    assert outside.errors[0].reason.startswith("找不到")


def test_a_pairing_for_an_archived_child_outside_scope_reads_as_not_found(engine, world):
    row = f"钱小多,,{world.archived_number},陈老师,2026-11-01"
    head = "儿童姓名,儿童出生日期,儿童身份证号,帮扶人姓名,开始日期"
    outside = _import(engine, world.coordinator, "pairings", [head, row])
    with transaction(engine) as session:
        session.execute(update(Child).where(
            Child.id_number_hash == active_key().lookup_hash(world.archived_number)).values(
            name="钱大多", **active_key().columns(None)))
    missing = _import(engine, world.coordinator, "pairings", [head, row])

    assert outside.errors == missing.errors
    assert [e.row for e in outside.errors] == [2]
    assert outside.errors[0].reason.startswith("找不到")
