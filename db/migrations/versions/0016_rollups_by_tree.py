"""Rollups by day and month summed over each top unit's tree (rollup_tree_days,
rollup_tree_months): a county's and a province's figures read a few rows a day instead of one
per village

A database that already holds records has its rollups marked stale: the figures come from the
records until `cli.py init` (run by every start script) or `cli.py rollups --rebuild` fills them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name, day in (('rollup_tree_days', 'day'), ('rollup_tree_months', 'month')):
        op.create_table(name,
        sa.Column('field', sa.String(length=24), nullable=False),
        sa.Column(day, sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=220), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('extra', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('field', day, 'unit_id', 'code', name=op.f(f'pk_{name}'))
        )
    held = op.get_bind().execute(sa.text(
        "SELECT EXISTS (SELECT 1 FROM children) OR EXISTS (SELECT 1 FROM helpers) "
        "OR EXISTS (SELECT 1 FROM activities)")).scalar()
    if held:
        op.execute("UPDATE data_version SET rollups_stale = TRUE")


def downgrade() -> None:
    op.drop_table('rollup_tree_months')
    op.drop_table('rollup_tree_days')
