"""The built-in volunteer rule's name in Chinese punctuation: 志愿者（爱心辅导员）…

Revision 0004 wrote it with ASCII brackets, which the 待办, the dashboard and the documents then
showed beside full-width text. A name an administrator has changed is left as they wrote it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE = "volunteer_twice_monthly_visit"
OLD = "志愿者(爱心辅导员)每月走访至少2次"
NEW = "志愿者\uff08爱心辅导员\uff09每月走访至少2次"
RULES = sa.table("care_rules", sa.column("code", sa.String()), sa.column("name", sa.String()))


def _rename(before: str, after: str) -> None:
    op.execute(RULES.update().where(RULES.c.code == CODE, RULES.c.name == before)
               .values(name=after))


def upgrade() -> None:
    _rename(OLD, NEW)


def downgrade() -> None:
    _rename(NEW, OLD)
