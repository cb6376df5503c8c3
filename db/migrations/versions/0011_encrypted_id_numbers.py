"""身份证号 encrypted at rest: children.id_number becomes id_number_cipher (Fernet), id_number_hash
(keyed HMAC for exact lookups) and id_number_last4 (the suffix search); the audit log keeps only
the last 4 of numbers it had copied

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00.000000
"""
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.field_crypto import active_key

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILDREN = sa.table('children', sa.column('id', sa.Integer()), sa.column('id_number', sa.String()),
                    sa.column('id_number_cipher', sa.Text()),
                    sa.column('id_number_hash', sa.String()),
                    sa.column('id_number_last4', sa.String()))
AUDIT = sa.table('audit_events', sa.column('id', sa.Integer()), sa.column('entity', sa.String()),
                 sa.column('before', sa.JSON()), sa.column('after', sa.JSON()))
PARTS = ("(id_number_cipher IS NULL) = (id_number_hash IS NULL) AND "
         "(id_number_hash IS NULL) = (id_number_last4 IS NULL)")


def upgrade() -> None:
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_cipher', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number_last4', sa.String(length=4), nullable=True))
    _encrypt_numbers()
    _mask_audited_numbers()
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_children_id_number_length'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_children_id_number'), type_='unique')
        batch_op.drop_column('id_number')
        batch_op.create_unique_constraint(batch_op.f('uq_children_id_number_hash'),
                                          ['id_number_hash'])
        batch_op.create_index(batch_op.f('ix_children_id_number_last4'), ['id_number_last4'])
        batch_op.create_check_constraint(batch_op.f('ck_children_id_number_parts'), PARTS)


def _encrypt_numbers() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(CHILDREN.c.id, CHILDREN.c.id_number)
                        .where(CHILDREN.c.id_number.is_not(None))).all()
    if not rows:
        return  # a database without numbers needs no key yet
    key = active_key()
    updates = [{'child_id': child_id, **key.columns(number)} for child_id, number in rows]
    conn.execute(CHILDREN.update().where(CHILDREN.c.id == sa.bindparam('child_id'))
                 .values(id_number_cipher=sa.bindparam('id_number_cipher'),
                         id_number_hash=sa.bindparam('id_number_hash'),
                         id_number_last4=sa.bindparam('id_number_last4')), updates)


def _masked(values: Any) -> Any:
    if not isinstance(values, dict) or not values.get('id_number'):
        return values
    number = str(values['id_number'])
    return {**values, 'id_number': '*' * (len(number) - 4) + number[-4:]}


def _mask_audited_numbers() -> None:
    conn = op.get_bind()
    changed = []
    for event_id, before, after in conn.execute(
            sa.select(AUDIT.c.id, AUDIT.c.before, AUDIT.c.after).where(AUDIT.c.entity == 'child')):
        if _masked(before) is not before or _masked(after) is not after:
            changed.append({'event_id': event_id, 'b': _masked(before), 'a': _masked(after)})
    if changed:
        conn.execute(AUDIT.update().where(AUDIT.c.id == sa.bindparam('event_id'))
                     .values(before=sa.bindparam('b'), after=sa.bindparam('a')), changed)


def downgrade() -> None:
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(CHILDREN.c.id, CHILDREN.c.id_number_cipher)
                        .where(CHILDREN.c.id_number_cipher.is_not(None))).all()
    if rows:
        key = active_key()
        conn.execute(CHILDREN.update().where(CHILDREN.c.id == sa.bindparam('child_id'))
                     .values(id_number=sa.bindparam('number')),
                     [{'child_id': i, 'number': key.decrypt(token)} for i, token in rows])
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_children_id_number_parts'), type_='check')
        batch_op.drop_index(batch_op.f('ix_children_id_number_last4'))
        batch_op.drop_constraint(batch_op.f('uq_children_id_number_hash'), type_='unique')
        batch_op.drop_column('id_number_last4')
        batch_op.drop_column('id_number_hash')
        batch_op.drop_column('id_number_cipher')
        batch_op.create_unique_constraint(batch_op.f('uq_children_id_number'), ['id_number'])
        batch_op.create_check_constraint(batch_op.f('ck_children_id_number_length'),
                                         'id_number IS NULL OR length(id_number) = 18')
