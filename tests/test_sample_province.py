"""`seed --scale province`: several counties side by side, written with COPY on PostgreSQL.

The real province (14 counties, a million children) is measured in bench/province.py; here a
province of the same shape is small enough to check row by row.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from core.errors import DomainError
from core.vocab import OrgKind
from db import schema
from db.engine import make_engine, transaction
from db.models import Base, CareContact, Child, Helper, OrgUnit, Pairing, User
from sample_data import names, places, scales, seed_database
from services.stats.rollups.refresh import differences

TODAY = date(2026, 11, 30)
SMALL = "small-province"


@pytest.fixture
def small_province(monkeypatch: pytest.MonkeyPatch) -> str:
    """The province's knobs with three counties of 250 children and two towns each."""
    shape = dataclasses.replace(
        scales.SCALES["province"], children=250, counties=3, towns=2, central_schools=2,
        middle_schools=1, donations=15)
    monkeypatch.setitem(scales.SCALES, SMALL, shape)
    return SMALL


def _on_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a province is written with COPY to PostgreSQL; the PostgreSQL pass runs it")


def _secondary_indexes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'care_contacts' AND indexdef NOT LIKE 'CREATE UNIQUE%'")))


def _foreign_keys(engine: Engine) -> set[tuple[str, str, str]]:
    """(table, key, definition) of every foreign key, and whether PostgreSQL holds it valid."""
    with engine.connect() as conn:
        return {(table, key, f"{definition} valid={valid}") for table, key, definition, valid in
                conn.execute(text(
                    "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), k.convalidated "
                    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                    "WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"))}


def test_sqlite_is_refused_a_province_before_anything_is_written(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(DomainError, match="PostgreSQL"):
        seed_database(engine, scale="province", today=TODAY)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Child)) == 0
        assert conn.scalar(select(func.count()).select_from(User)) == 0


def test_a_province_is_counties_side_by_side_with_their_own_records(
        engine: Engine, small_province: str) -> None:
    _on_postgres(engine)
    indexes, keys = _secondary_indexes(engine), _foreign_keys(engine)
    assert any(table == "care_contacts" for table, _key, _definition in keys)
    summary = seed_database(engine, scale=small_province, today=TODAY)
    with transaction(engine, write=False) as session:
        counties = session.execute(select(OrgUnit.id, OrgUnit.name).where(
            OrgUnit.kind == OrgKind.county).order_by(OrgUnit.id)).all()
        assert [name for _id, name in counties] == list(places.COUNTIES[:3])
        for county_id, name in counties:
            under = select(OrgUnit.id).where(OrgUnit.path.like(f"/{county_id}/%"))
            kids = session.scalar(select(func.count()).select_from(Child)
                                  .where(Child.village_id.in_(under)))
            assert kids == 250, name
            # A county's contacts are logged by its own helpers, for its own children.
            strays = session.scalar(
                select(func.count()).select_from(CareContact)
                .join(Child, Child.id == CareContact.child_id)
                .join(Helper, Helper.id == CareContact.helper_id)
                .where(Child.village_id.in_(under), Helper.org_unit_id.not_in(under)))
            assert strays == 0, name
        # Pairings reach back three years and every contact lies inside its pairing.
        first = session.scalar(select(func.min(CareContact.contact_date)))
        assert first is not None and first < TODAY - timedelta(days=2 * 365)
        outside = session.scalar(
            select(func.count()).select_from(CareContact).join(Pairing, (
                Pairing.child_id == CareContact.child_id)
                & (Pairing.helper_id == CareContact.helper_id))
            .where((CareContact.contact_date < Pairing.started_on)
                   | (CareContact.contact_date > func.coalesce(Pairing.ended_on, TODAY))))
        assert outside == 0
        # One set of demo accounts, for the first county.
        assert session.scalar(select(func.count()).select_from(User)) == 4
        # Every county's 身份证号 carry its own region code.
        for index, (county_id, _name) in enumerate(counties):
            child = session.scalar(select(Child).where(
                Child.id_number_cipher.is_not(None),
                Child.village_id.in_(select(OrgUnit.id).where(
                    OrgUnit.path.like(f"/{county_id}/%")))).limit(1))
            assert child is not None and child.id_number is not None
            assert child.id_number[:6] == names.region_code(index)
        assert differences(session) == []
    assert summary.counts["children"] == 750
    assert summary.counts["care_contacts"] > 750 * 10
    # The indexes and foreign keys dropped for the load are all made again, the keys checked.
    assert _secondary_indexes(engine) == indexes
    assert _foreign_keys(engine) == keys


# Values that differ on every run: a fresh salt or nonce each time.
RANDOM_COLUMNS = {"password_hash", "id_number_cipher"}


def test_copy_stores_what_insert_stores(engine: Engine, tmp_path: Path) -> None:
    """The school scale through COPY on PostgreSQL and through INSERT on SQLite: the same rows,
    enumerations as their codes, JSON as JSON."""
    _on_postgres(engine)
    seed_database(engine, scale="school", today=TODAY)
    inserted = make_engine(f"sqlite:///{tmp_path / 'school.db'}")
    schema.upgrade(inserted)
    summary = seed_database(inserted, scale="school", today=TODAY)
    for name in summary.counts:
        table = Base.metadata.tables[name]
        order = list(table.primary_key.columns) or list(table.columns)
        shown = [c for c in table.columns if c.name not in RANDOM_COLUMNS]
        query = select(*shown).order_by(*order)
        with engine.connect() as copied, inserted.connect() as plain:
            assert copied.execute(query).all() == plain.execute(query).all(), name
    inserted.dispose()
    with transaction(engine, write=False) as session:
        assert differences(session) == []
