"""专项行动未覆盖名单: columns, masks, the audit of sensitive exports, and `cli.py export`."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import cli
from config import local_today
from core.errors import PermissionDenied
from core.vocab import Category, ContactKind, Gender, Relation, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.care.campaigns import CampaignInput, archive_campaign, create_campaign
from services.exports.campaign_export import CAMPAIGN_EXPORTS, GAPS_TITLE, export_campaign_gaps
from tests.pairing_factories import (
    ADMIN,
    TODAY,
    coordinator_of,
    make_child_in,
    make_contact,
    make_places,
    make_relative,
)

HEADERS = ["专项行动", "姓名", "性别", "年龄", "儿童类别", "乡镇", "村（社区）", "学校", "班级",
           "监护人电话"]
VISITS = CampaignInput("入户走访", date(2026, 11, 1), date(2026, 11, 30),
                       contact_kind=ContactKind.home_visit)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _csv(session, actor: Actor = ADMIN, **options) -> list[dict[str, str]]:
    return _rows(export_campaign_gaps(session, actor=actor, fmt="csv", today=TODAY, **options))


@pytest.fixture
def county(session):
    """石门镇: 林小雨 visited, 王小红 not (guardian 13812345678); 青山乡: 赵小刚 not."""
    places = make_places(session)
    lin = make_child_in(session, places.village, "林小雨", school_id=places.school.id)
    wang = make_child_in(session, places.village, "王小红", gender=Gender.female,
                         grade="三年级", class_name="2班", school_id=places.school.id,
                         categories=(Category.in_difficulty, Category.left_behind))
    make_relative(session, wang, Relation.guardian, phone="13812345678")
    make_relative(session, wang, Relation.father, name="王大山", phone="13900001111")
    zhao = make_child_in(session, places.far_village, "赵小刚")
    make_contact(session, lin, None, date(2026, 11, 5), kind=ContactKind.home_visit)
    campaign = create_campaign(session, actor=ADMIN, data=VISITS)
    return places, campaign, (lin, wang, zhao)


def test_the_gaps_list_has_the_children_not_yet_reached_masked(session, county):
    _, campaign, _ = county
    data = export_campaign_gaps(session, actor=ADMIN, fmt="csv", today=TODAY,
                                campaign_id=campaign.id)
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == HEADERS
    rows = {r["姓名"]: r for r in _rows(data)}
    assert set(rows) == {"王*红", "赵*刚"}
    assert rows["王*红"] == {
        "专项行动": "入户走访", "姓名": "王*红", "性别": "女", "年龄": "11",
        "儿童类别": "留守儿童、困境儿童", "乡镇": "石门镇", "村（社区）": "李家村",
        "学校": "石门镇中心小学", "班级": "三年级2班", "监护人电话": "138****5678"}
    assert rows["赵*刚"]["监护人电话"] == ""
    assert session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_sensitive")).all() == []


def test_a_sensitive_export_is_in_full_and_audited(session, county):
    _, campaign, _ = county
    rows = _csv(session, include_sensitive=True, campaign_id=campaign.id)
    assert {(r["姓名"], r["监护人电话"]) for r in rows} == {("王小红", "13812345678"),
                                                         ("赵小刚", "")}
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "export_sensitive"))
    assert (event.entity, event.entity_id) == ("campaign_gaps", str(campaign.id))
    assert "入户走访" in event.summary


def test_a_coordinator_exports_only_their_own_children(session, county):
    places, campaign, _ = county
    rows = _csv(session, coordinator_of(places.town), campaign_id=campaign.id)
    assert [r["姓名"] for r in rows] == ["王*红"]


@pytest.mark.parametrize(("role", "sensitive"), [
    (Role.viewer, False), (Role.helper, False),
])
def test_who_may_not_export_is_refused(session, county, role, sensitive):
    with pytest.raises(PermissionDenied):
        _csv(session, Actor(None, "x", role), include_sensitive=sensitive)


def test_without_a_campaign_every_running_one_is_listed_with_its_name(session, county):
    places, _, _ = county
    create_campaign(session, actor=ADMIN, data=replace(
        VISITS, name="青山乡谈心", contact_kind=ContactKind.talk, org_unit_id=places.other_town.id))
    create_campaign(session, actor=ADMIN, data=replace(
        VISITS, name="已结束的", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1)))
    gone = create_campaign(session, actor=ADMIN, data=replace(VISITS, name="已归档的"))
    archive_campaign(session, actor=ADMIN, campaign_id=gone.id, expected_version=1)
    rows = _csv(session)
    assert sorted((r["专项行动"], r["姓名"]) for r in rows) == [
        ("入户走访", "王*红"), ("入户走访", "赵*刚"), ("青山乡谈心", "赵*刚")]


def test_xlsx_keeps_phones_as_text_and_names_cannot_run_as_formulas(session, county):
    _, campaign, _ = county
    campaign.name = "=HYPERLINK(\"http://evil.example\")"
    session.flush()
    data = export_campaign_gaps(session, actor=ADMIN, fmt="xlsx", today=TODAY,
                                include_sensitive=True, campaign_id=campaign.id)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADERS
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert ["'=HYPERLINK(\"http://evil.example\")", "王小红"] in [v[:2] for v in values]
    assert any(v[9] == "13812345678" for v in values)


def test_the_export_is_offered_under_its_kind():
    assert CAMPAIGN_EXPORTS["campaign_gaps"].title == GAPS_TITLE == "专项行动未覆盖名单"
    assert CAMPAIGN_EXPORTS["campaign_gaps"].export.__wrapped__ is export_campaign_gaps


def test_cli_exports_the_running_campaigns_gaps(db_url, engine, monkeypatch, tmp_path, capsys):
    today = local_today()  # the CLI exports as of today
    with Session(engine) as session, session.begin():
        places = make_places(session)
        make_child_in(session, places.village, "王小红")
        create_campaign(session, actor=ADMIN, data=replace(
            VISITS, starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=10)))
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "x.csv"
    assert cli.main(["export", "campaign_gaps", "--out", str(out)]) == 0
    assert [(r["专项行动"], r["姓名"]) for r in _rows(out.read_bytes())] == [("入户走访", "王*红")]
    assert "已导出到" in capsys.readouterr().out
