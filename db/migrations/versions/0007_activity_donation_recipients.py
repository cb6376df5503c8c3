"""A donation given at an activity with no recipients recorded goes to the activity's attending
children, in equal shares (no per-child amount), as the activity service now records it

Before this revision an activity's money or goods were saved without recipients unless some
were ticked, so the ledger said 受助儿童0名 while money was given. Each such donation is audited.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00.000000
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DONATIONS = sa.table('donations', sa.column('id', sa.Integer()),
                     sa.column('activity_id', sa.Integer()),
                     sa.column('archived_at', sa.DateTime()),
                     sa.column('direction', sa.String()))
ATTENDANCES = sa.table('attendances', sa.column('activity_id', sa.Integer()),
                       sa.column('child_id', sa.Integer()))
RECIPIENTS = sa.table('donation_recipients', sa.column('donation_id', sa.Integer()),
                      sa.column('child_id', sa.Integer()))
AUDIT_EVENTS = sa.table('audit_events', sa.column('at', sa.DateTime()),
                        sa.column('username', sa.String()), sa.column('action', sa.String()),
                        sa.column('entity', sa.String()), sa.column('entity_id', sa.String()),
                        sa.column('summary', sa.String()))


def _waiting() -> sa.ColumnElement[bool]:
    """Active donations given at an activity someone attended (not receipts), no recipient."""
    d, given, seen = DONATIONS.c, RECIPIENTS.alias('given'), ATTENDANCES.alias('seen')
    return sa.and_(
        d.archived_at.is_(None), d.activity_id.is_not(None), d.direction != 'received',
        ~sa.exists().where(given.c.donation_id == d.id),
        sa.exists().where(seen.c.activity_id == d.activity_id))


def backfill(conn: sa.Connection) -> None:
    """Audit, then record, the attending children as each such donation's recipients.

    INSERT … SELECT in portable SQL, the same on SQLite and PostgreSQL.
    """
    d, a = DONATIONS.c, ATTENDANCES.c
    attending = (sa.select(sa.func.count()).where(a.activity_id == d.activity_id)
                 .scalar_subquery())
    summary = (sa.literal('补记受助儿童', sa.String()) + sa.cast(attending, sa.String(20))
               + sa.literal('名（活动的全部参加儿童，平均分配）', sa.String()))
    conn.execute(AUDIT_EVENTS.insert().from_select(
        ['at', 'username', 'action', 'entity', 'entity_id', 'summary'],
        sa.select(sa.literal(datetime.now(UTC).replace(tzinfo=None), sa.DateTime()),
                  sa.literal('migration:0007', sa.String()), sa.literal('update', sa.String()),
                  sa.literal('donation', sa.String()), sa.cast(d.id, sa.String(40)), summary)
        .select_from(DONATIONS).where(_waiting())))
    conn.execute(RECIPIENTS.insert().from_select(
        ['donation_id', 'child_id'],
        sa.select(d.id, a.child_id).join_from(DONATIONS, ATTENDANCES,
                                              a.activity_id == d.activity_id)
        .where(_waiting())))


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    # Nothing to undo: after this revision the rows added here cannot be told from recipients
    # recorded on purpose (the service now records the attendees itself), and the schema is the
    # same at 0006, where recipients of an activity's donation were already allowed.
    pass
