"""care_contacts by child, kind and day (live contacts only): what a save recounts, a village's
帮扶要求 and a child's latest contact of a kind, is sought child by child instead of scanning the
county's contacts of that kind

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_care_contacts_child_kind_date', 'care_contacts',
                    ['child_id', 'kind', 'contact_date'], unique=False,
                    sqlite_where=sa.text('archived_at IS NULL'),
                    postgresql_where=sa.text('archived_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_care_contacts_child_kind_date', table_name='care_contacts',
                  sqlite_where=sa.text('archived_at IS NULL'),
                  postgresql_where=sa.text('archived_at IS NULL'))
