"""analysis_version up to 80 characters: it now also names the document-kind model

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("document", "signal_hit", "entity", "score")


def _retype(old: int, new: int) -> None:
    # batch mode: a plain ALTER on PostgreSQL, a table copy on SQLite (which cannot change a column's type).
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("analysis_version", type_=sa.String(length=new), existing_type=sa.String(length=old))


def upgrade() -> None:
    _retype(40, 80)


def downgrade() -> None:
    _retype(80, 40)
