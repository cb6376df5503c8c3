"""The settings every PostgreSQL connection of `db.engine.make_engine` carries."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.engine import make_engine


@pytest.fixture
def postgres(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's session settings; the PostgreSQL pass runs this")
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_statements_are_planned_for_their_values_and_never_jit_compiled(postgres):
    # A prepared statement's generic plan made a save's 帮扶要求 recount six times slower at
    # a province's size; JIT compiling cost more than the queries it compiled.
    with postgres.connect() as conn:
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert conn.execute(text("SHOW jit")).scalar() == "off"
