"""紧急查看: emergency_grants, one child opened outside one's scope for 24 hours with a reason,
kept for the administrators to acknowledge

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 11:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('emergency_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=50), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_emergency_grants_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_emergency_grants_child_id_children')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emergency_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_grants'))
    )
    with op.batch_alter_table('emergency_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_grants_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_grants_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_emergency_grants_user_expires', ['user_id', 'expires_at'], unique=False)


def downgrade() -> None:
    op.drop_table('emergency_grants')
