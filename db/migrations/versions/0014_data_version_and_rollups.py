"""data_version and the rollups: one row counting the transactions that changed what the
figures count (so every app process knows when its cached figures are stale), and the counts
kept per unit, day and month that the figures are read from

A database that already holds records gets empty rollups marked stale: its figures are computed
from the records until `cli.py rollups --rebuild` (which `cli.py init` runs) fills them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00.000000
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    version = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('rollups_stale', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.create_table('rollup_counts',
    sa.Column('field', sa.String(length=24), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=220), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('field', 'unit_id', 'code', name=op.f('pk_rollup_counts'))
    )
    op.create_index('ix_rollup_counts_unit', 'rollup_counts', ['unit_id', 'field'], unique=False)
    for name, day in (('rollup_days', 'day'), ('rollup_months', 'month')):
        op.create_table(name,
        sa.Column('field', sa.String(length=24), nullable=False),
        sa.Column(day, sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=220), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('extra', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('field', day, 'unit_id', 'code', name=op.f(f'pk_{name}'))
        )
        op.create_index(f'ix_{name}_unit', name, ['field', 'unit_id', day], unique=False)
    op.create_table('rollup_rule_clocks',
    sa.Column('clock', sa.String(length=64), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('current_end', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('clock', name=op.f('pk_rollup_rule_clocks'))
    )
    op.create_table('rollup_rules',
    sa.Column('clock', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('clock', 'unit_id', name=op.f('pk_rollup_rules'))
    )
    held = op.get_bind().execute(sa.text(
        "SELECT EXISTS (SELECT 1 FROM children) OR EXISTS (SELECT 1 FROM helpers) "
        "OR EXISTS (SELECT 1 FROM activities)")).scalar()
    op.bulk_insert(version, [{"id": 1, "version": 1, "rollups_stale": bool(held),
                              "changed_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade() -> None:
    op.drop_table('rollup_rules')
    op.drop_table('rollup_rule_clocks')
    op.drop_table('rollup_months')
    op.drop_table('rollup_days')
    op.drop_table('rollup_counts')
    op.drop_table('data_version')
