"""Every disclosure leaves a trace: exports masked or not, contact cards, report files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.vocab import Role
from db.models import AuditEvent, Child
from sample_data import seed_database
from services.access.permissions import Actor
from services.care.contact_cards import cards_for_children
from services.exports.export_kinds import export_list, hub_lists
from services.exports.roster_export import export_roster
from services.exports.tables import ExportOptions
from services.reports.reporting import build_report
from services.roster.roster_filter import RosterFilter
from services.stats.figures import StatsScope

TODAY = date(2026, 11, 28)
OPERATOR = Actor.system("cli:张三")

SEEDED_UP_TO = "audit_seeded_up_to"


@pytest.fixture
def seeded(engine: Engine) -> Iterator[Session]:
    seed_database(engine, scale="school", today=TODAY)
    with Session(engine) as session:
        # The seed's own history (a roster export, a 紧急查看) is not what a test records.
        session.info[SEEDED_UP_TO] = session.scalar(select(func.max(AuditEvent.id))) or 0
        yield session


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.action == action,
                                 AuditEvent.id > session.info.get(SEEDED_UP_TO, 0))
        .order_by(AuditEvent.id)))


@pytest.mark.parametrize("kind", list(hub_lists()))
def test_every_masked_export_records_who_what_and_how_many_rows(seeded, kind):
    built = export_list(seeded, actor=OPERATOR, kind=kind, fmt="csv", today=TODAY)
    [event] = _events(seeded, "export")
    assert (event.entity, event.username) == (kind, "cli:张三")
    assert event.after["rows"] == built.rows
    assert event.after["含敏感信息"] == "否"
    assert event.after["格式"] == "csv"
    assert f"{built.rows}行" in event.summary


def test_a_sensitive_export_is_recorded_and_marked(seeded):
    export_list(seeded, actor=OPERATOR, kind="contacts", fmt="xlsx", today=TODAY,
                include_sensitive=True)
    [event] = _events(seeded, "export")
    assert event.after["含敏感信息"] == "是"
    assert [e.entity for e in _events(seeded, "export_sensitive")] == ["contacts"]


def test_the_filter_and_chosen_columns_are_recorded(seeded):
    export_list(seeded, actor=OPERATOR, kind="contacts", fmt="csv", today=TODAY,
                columns=["child_name", "date"],
                filters={"period": (date(2026, 11, 1), date(2026, 11, 28))})
    [event] = _events(seeded, "export")
    assert event.after["date_from"] == "2026-11-01"
    assert event.after["date_to"] == "2026-11-28"
    assert event.after["列"] == ["child_name", "date"]


def test_the_roster_is_recorded_once_with_its_filter(seeded):
    export_list(seeded, actor=OPERATOR, kind="roster", fmt="csv", today=TODAY)
    assert [e.entity for e in _events(seeded, "export")] == ["roster"]
    wanted = RosterFilter(text="张")
    options = ExportOptions()
    export_roster(seeded, actor=OPERATOR, roster_filter=wanted, fmt="csv", today=TODAY,
                  options=options)
    second = _events(seeded, "export")[-1]
    assert second.after["rows"] == options.rows
    assert second.after["roster_filter"] == wanted.to_query_params()


def test_an_export_refused_for_the_role_records_nothing(seeded):
    viewer = Actor(user_id=None, username="viewer", role=Role.viewer)
    with pytest.raises(PermissionDenied):
        export_list(seeded, actor=viewer, kind="roster", fmt="csv", today=TODAY)
    assert _events(seeded, "export") == []


def test_contact_cards_record_which_children(seeded):
    ids = list(seeded.scalars(select(Child.id).order_by(Child.id).limit(3)))
    cards = cards_for_children(seeded, OPERATOR, ids, today=TODAY, fmt="pdf")
    [event] = _events(seeded, "contact_cards")
    assert event.after["rows"] == len(cards) == 3
    assert event.after["儿童"] == ids
    assert event.after["格式"] == "pdf"


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_a_report_file_is_recorded(seeded, fmt):
    scope = StatsScope(date(2026, 9, 1), TODAY)
    _, name = build_report(seeded, OPERATOR, scope, fmt, today=TODAY)
    [event] = _events(seeded, "report")
    assert name in event.summary
    assert (event.after["格式"], event.after["起"], event.after["止"]) == (
        fmt, "2026-09-01", "2026-11-28")
