"""Migration 0006 keys the children of a populated database, and never fails on old duplicates."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from db import schema
from db.models.children import identity_key

CHILDREN = [  # id, name, birth date: 2 is 1 written with spaces, 4 a second copy of 3
    (1, "王小红", date(2015, 3, 1)), (2, "王 小红", date(2015, 3, 1)),
    (3, "李明", date(2014, 5, 6)), (4, "李明", date(2014, 5, 6)), (5, "李明", date(2014, 5, 7)),
]


def _migrate(engine, revision: str, *, down: bool = False) -> None:
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_0006_keys_the_oldest_of_each_child_and_leaves_old_duplicates_unkeyed(engine):
    _migrate(engine, "0005", down=True)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO org_units (id, name, kind, path, is_mountain_area, version, "
                "created_at, updated_at) VALUES (1, '石门镇', 'town', '/1/', false, 1, "
                "'2026-01-01', '2026-01-01'), (2, '李家村', 'village', '/1/2/', false, 1, "
                "'2026-01-01', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO children (id, name, name_pinyin, name_initials, gender, birth_date, "
                "town_id, village_id, safety_incident, boarding, guardianship_agreement, "
                "key_concern, version, created_at, updated_at) VALUES (:id, :name, '', '', "
                "'female', :born, 1, 2, false, false, false, false, 1, '2026-01-01', "
                "'2026-01-01')"), [{"id": i, "name": n, "born": b} for i, n, b in CHILDREN])
    finally:
        assert schema.upgrade(engine) == schema.head_revision()
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, identity_key FROM children ORDER BY id")).all())
    assert keys == {1: identity_key("王小红", date(2015, 3, 1), 2), 2: None,
                    3: identity_key("李明", date(2014, 5, 6), 2), 4: None,
                    5: identity_key("李明", date(2014, 5, 7), 2)}
