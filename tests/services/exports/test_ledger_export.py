"""Exporting the ledger, the providers and the fairness view: masks, neutralising, audit."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.vocab import ProviderKind, Role
from db.models import AuditEvent
from services.access.permissions import Actor
from services.exports.ledger_export import (
    LEDGER_EXPORTS,
    export_fairness,
    export_ledger,
    export_providers,
)
from services.resources.ledger import record_given, record_received
from services.resources.providers import ProviderInput, create_provider
from tests.pairing_factories import TODAY, coordinator_of, make_child_in, make_places


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def coord(session):
    places = make_places(session)
    actor = coordinator_of(places.town)
    provider = create_provider(session, actor=actor, data=ProviderInput(
        "=HYPERLINK(1)", ProviderKind.enterprise, "陈会长", "13812345678"))
    kids = [make_child_in(session, places.village, n) for n in ("张小明", "李小红")]
    record_received(session, actor=actor, provider_id=provider.id, donated_on=date(2026, 11, 1),
                    money_yuan=300, goods="书包", goods_quantity=4, goods_unit="个",
                    today=TODAY)
    record_given(session, actor=actor, donated_on=date(2026, 11, 2), money_yuan=200,
                 goods="书包", goods_quantity=2, goods_unit="个",
                 recipients=[k.id for k in kids], today=TODAY)
    return actor


def test_the_ledger_masks_recipients_unless_sensitive(session, coord):
    masked = rows(export_ledger(session, actor=coord, fmt="csv", today=TODAY))
    assert [r["类型"] for r in masked] == ["发放", "收入"]
    assert masked[0]["受助儿童"] == "张*明、李*红" and masked[0]["受助人数"] == "2"
    assert masked[1]["资源方"].startswith("'=")
    plain = rows(export_ledger(session, actor=coord, fmt="csv", today=TODAY,
                               include_sensitive=True))
    assert plain[0]["受助儿童"] == "张小明、李小红"
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_sensitive")).all()
    assert [e.entity for e in events] == ["ledger"]


def test_a_period_limits_the_ledger(session, coord):
    data = export_ledger(session, actor=coord, fmt="csv", today=TODAY,
                         date_from=date(2026, 11, 2), date_to=date(2026, 11, 30))
    assert len(rows(data)) == 1


def test_providers_mask_contact_person_and_phone(session, coord):
    (row,) = rows(export_providers(session, actor=coord, fmt="csv", today=TODAY))
    assert row["联系人"] == "陈*长" and "1234" not in row["电话"]
    assert row["捐助金额(元)"] == "300.00" and row["捐助笔数"] == "1"


def test_fairness_lists_each_child_helped(session, coord):
    data = export_fairness(session, actor=coord, fmt="xlsx", today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("儿童姓名", "受助次数", "受助金额(元)", "受助物资")
    assert {v[0] for v in values[1:]} == {"张*明", "李*红"}
    assert values[1][3] == "书包 1个"


def test_a_viewer_cannot_export_any_list(session, coord):
    viewer = Actor(user_id=None, username="v", role=Role.viewer, org_unit_id=coord.org_unit_id)
    for export in LEDGER_EXPORTS.values():
        with pytest.raises(PermissionDenied):
            export.export(session, actor=viewer, fmt="csv", today=TODAY)
        assert export.title and export.columns


def test_every_export_runs_through_the_registry(session, coord):
    for kind, export in LEDGER_EXPORTS.items():
        data = export.export(session, actor=coord, fmt="csv", today=TODAY)
        assert data.startswith("\ufeff".encode()), kind
