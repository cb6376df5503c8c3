"""The data version moves with every committed change to what the figures count, in the same
transaction, and with nothing else: not a read, a rollback, a view or an audit event."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from core.vocab import ContactKind, ViewKind
from db import data_version
from db.engine import make_engine, transaction
from db.models import AuditEvent, CareContact, Child, DataVersion, ViewEvent
from tests.factories import make_child, make_helper, make_org


def _stamp(engine: Engine) -> data_version.Stamp:
    with engine.connect() as conn:
        return data_version.current(conn)


@pytest.fixture
def child_id(engine: Engine) -> int:
    with transaction(engine) as session:
        return make_child(session, name="王小红").id


def test_a_committed_write_counts_one_change(engine: Engine, child_id: int) -> None:
    before = _stamp(engine)
    with transaction(engine) as session:
        session.get(Child, child_id).boarding = True  # type: ignore[union-attr]
        make_child(session, name="李小兰")  # a second write in the same transaction
    after = _stamp(engine)
    assert after.version == before.version + 1
    assert after.changed_at > before.changed_at


def test_reads_rollbacks_views_and_audit_events_change_nothing(engine: Engine,
                                                               child_id: int) -> None:
    before = _stamp(engine)
    with transaction(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 1
    with pytest.raises(RuntimeError, match="取消"):
        _change_then_fail(engine, child_id)
    with transaction(engine) as session:  # opening a child's page writes these, and only these
        session.add(ViewEvent(username="liu", role="coordinator", kind=ViewKind.child_page,
                              page="roster", rows=1))
        session.add(AuditEvent(username="liu", action="view", entity="child",
                               entity_id=str(child_id), summary="查看档案"))
    assert _stamp(engine) == before
    with Session(engine) as session:
        assert session.get(Child, child_id).boarding is not True  # type: ignore[union-attr]


def _change_then_fail(engine: Engine, child_id: int) -> None:
    with transaction(engine) as session:
        session.get(Child, child_id).boarding = True  # type: ignore[union-attr]
        session.flush()
        raise RuntimeError("the person pressed 取消")


def test_statements_run_through_the_session_count(engine: Engine, child_id: int) -> None:
    with transaction(engine) as session:
        helper_id = make_helper(session, org_unit=make_org(session, "石门镇")).id
    before = _stamp(engine)
    with transaction(engine) as session:  # the contact import's bulk insert
        session.execute(insert(CareContact), [
            {"child_id": child_id, "helper_id": helper_id, "kind": ContactKind.home_visit,
             "contact_date": date(2026, 11, 2)}])
    middle = _stamp(engine)
    with transaction(engine) as session:
        session.execute(update(Child).where(Child.id == child_id).values(boarding=True))
    assert (middle.version, _stamp(engine).version) == (before.version + 1, before.version + 2)


def test_the_change_and_its_number_become_visible_together(engine: Engine, db_url: str,
                                                           child_id: int) -> None:
    """Another process (here a second engine) never sees the new number before the change."""
    other = make_engine(db_url)
    try:
        before = _stamp(other)
        with transaction(engine) as session:
            session.get(Child, child_id).boarding = True  # type: ignore[union-attr]
            session.flush()
            assert _stamp(other) == before  # not committed yet: neither is visible
        assert _stamp(other).version == before.version + 1
        with other.connect() as conn:
            assert conn.scalar(select(Child.boarding).where(Child.id == child_id)) is True
    finally:
        other.dispose()


def test_a_database_without_the_row_makes_it_on_the_first_change(engine: Engine) -> None:
    with transaction(engine) as session:
        session.execute(delete(DataVersion))
    assert _stamp(engine) == data_version.Stamp(0, "")
    with transaction(engine) as session:
        make_child(session)
    assert _stamp(engine).version == 1
