"""Exporting the roster: the filtered rows, masked unless asked for, sensitive exports audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

import cli
from core.errors import PermissionDenied
from core.vocab import Category, OrgKind, Relation, Role
from db.models import AuditEvent, Relative
from services.access.permissions import Actor
from services.access.users import actor_for
from services.exports.roster_export import export_roster
from services.roster.roster_filter import RosterFilter
from tests.factories import make_child, make_org, make_user

TODAY = date(2026, 11, 28)


@pytest.fixture
def roster(session):
    town = make_org(session, "石门镇", OrgKind.town)
    village = make_org(session, "李家村", OrgKind.village, parent=town)
    lin = make_child(session, village=village, name="林小雨", id_number="110101201503020021",
                     birth_date=date(2015, 3, 2))
    session.add(Relative(child=lin, relation=Relation.guardian, name="林奶奶",
                         phone="13812345678"))
    make_child(session, village=village, name="王小红", categories=(Category.in_difficulty,))
    session.flush()
    return town


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_names_phones_and_ids_are_masked_by_default(session, roster):
    data = export_roster(session, actor=Actor.system(), roster_filter=RosterFilter(
        categories=(Category.left_behind,)), fmt="csv", today=TODAY)
    (row,) = _rows(data)
    assert (row["姓名"], row["身份证号"]) == ("林*雨", "110101********0021")
    assert (row["监护人姓名"], row["监护人电话"]) == ("林*奶", "138****5678")
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive")) is None


def test_sensitive_export_is_in_full_and_audited(session, roster):
    data = export_roster(session, actor=Actor.system(), roster_filter=RosterFilter(), fmt="csv",
                         today=TODAY, include_sensitive=True)
    assert {r["姓名"] for r in _rows(data)} == {"林小雨", "王小红"}
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert "儿童名单" in event.summary


def test_chosen_columns_only(session, roster):
    data = export_roster(session, actor=Actor.system(), roster_filter=RosterFilter(), fmt="csv",
                         today=TODAY, column_keys=["name", "age"])
    assert list(_rows(data)[0]) == ["姓名", "年龄"]


@pytest.mark.parametrize(("role", "sensitive"), [(Role.helper, False), (Role.viewer, False)])
def test_helpers_and_viewers_cannot_export(session, roster, role, sensitive):
    actor = actor_for(session, make_user(session, "x", role))
    with pytest.raises(PermissionDenied):
        export_roster(session, actor=actor, roster_filter=RosterFilter(), fmt="csv",
                      today=TODAY, include_sensitive=sensitive)


def test_a_coordinator_exports_only_their_scope(session, roster):
    other = make_org(session, "东乡", OrgKind.town)
    make_child(session, village=make_org(session, "新村", OrgKind.village, parent=other),
               name="赵小刚")
    coordinator = actor_for(session, make_user(session, "liu", Role.coordinator, org_unit=roster))
    data = export_roster(session, actor=coordinator, roster_filter=RosterFilter(), fmt="csv",
                         today=TODAY, include_sensitive=True)
    assert {r["姓名"] for r in _rows(data)} == {"林小雨", "王小红"}


def test_cli_export_with_filters(db_url, engine, monkeypatch, tmp_path, capsys):
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        town = make_org(session, "石门镇", OrgKind.town)
        village = make_org(session, "李家村", OrgKind.village, parent=town)
        make_child(session, village=village, name="林小雨")
        make_child(session, village=village, name="王小红", categories=(Category.in_difficulty,))
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "名单.csv"
    assert cli.main(["export", "roster", "--out", str(out), "--filter", "org=石门镇",
                     "--filter", "cat=困境儿童", "--include-sensitive"]) == 0
    assert [r["姓名"] for r in _rows(out.read_bytes())] == ["王小红"]
    assert cli.main(["export", "roster", "--out", str(out), "--filter", "nonsense"]) == 1
    assert "字段=值" in capsys.readouterr().err
