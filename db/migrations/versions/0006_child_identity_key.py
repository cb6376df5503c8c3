"""children.identity_key: a unique normalised name + birth date + village key, so two saves of
the same child without an ID number cannot both land

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00.000000
"""
import hashlib
import unicodedata
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILDREN = sa.table('children', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                    sa.column('birth_date', sa.Date()), sa.column('village_id', sa.Integer()),
                    sa.column('identity_key', sa.String()))


def _key(name: str, birth_date: date, village_id: int) -> str:
    """The rule of db.models.children.identity_key as it stood at this revision."""
    folded = "".join(unicodedata.normalize("NFKC", name).casefold().split())
    text = f"{folded}|{birth_date.isoformat()}|{village_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_key', sa.String(length=64), nullable=True))
    _fill_keys()
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_children_identity_key'), ['identity_key'],
                              unique=True)


def _fill_keys() -> None:
    """Key every child; where records already collide the oldest keeps it, the others NULL."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(CHILDREN.c.id, CHILDREN.c.name, CHILDREN.c.birth_date,
                                  CHILDREN.c.village_id).order_by(CHILDREN.c.id))
    seen: set[str] = set()
    updates = []
    for child_id, name, birth_date, village_id in rows:
        key = _key(name, birth_date, village_id)
        if key not in seen:
            seen.add(key)
            updates.append({'child_id': child_id, 'key': key})
    if updates:
        conn.execute(CHILDREN.update().where(CHILDREN.c.id == sa.bindparam('child_id'))
                     .values(identity_key=sa.bindparam('key')), updates)


def downgrade() -> None:
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_identity_key'))
        batch_op.drop_column('identity_key')
