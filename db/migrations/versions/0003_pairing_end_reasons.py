"""pairing end reasons: a coded reason plus a free note; care contacts indexed by helper and date

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 15:53:07.475439
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = ('parents_returned', 'helper_left', 'child_moved', 'reassigned', 'child_archived',
           'other')
CODES = ", ".join(f"'{code}'" for code in REASONS)


def upgrade() -> None:
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_note', sa.String(length=200), nullable=True))
    # Reasons were free text: keep the words as the note, file them under "other".
    op.execute(f"UPDATE pairings SET end_note = end_reason, end_reason = 'other' "
               f"WHERE end_reason IS NOT NULL AND end_reason NOT IN ({CODES})")
    op.execute("UPDATE pairings SET end_reason = 'other' "
               "WHERE ended_on IS NOT NULL AND end_reason IS NULL")
    op.execute("UPDATE pairings SET end_reason = NULL WHERE ended_on IS NULL")
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.alter_column('end_reason', existing_type=sa.VARCHAR(length=200),
                              type_=sa.String(length=32), existing_nullable=True)
        batch_op.create_check_constraint(op.f('ck_pairings_end_reason'),
                                         f"end_reason IN ({CODES})")
        batch_op.create_check_constraint(op.f('ck_pairings_ended_with_reason'),
                                         "(ended_on IS NULL) = (end_reason IS NULL)")
    op.drop_index(op.f('ix_care_contacts_helper_id'), table_name='care_contacts')
    op.create_index('ix_care_contacts_helper_date', 'care_contacts',
                    ['helper_id', 'contact_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_care_contacts_helper_date', table_name='care_contacts')
    op.create_index(op.f('ix_care_contacts_helper_id'), 'care_contacts', ['helper_id'],
                    unique=False)
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pairings_ended_with_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_pairings_end_reason'), type_='check')
        batch_op.alter_column('end_reason', existing_type=sa.String(length=32),
                              type_=sa.VARCHAR(length=200), existing_nullable=True)
        batch_op.drop_column('end_note')
