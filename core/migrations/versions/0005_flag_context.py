"""flag.context: what an analyst needs beside a flag (table, codes, labels, updated, group and national
value, revised or not, SSB's notes, «ingen gjeldende tabell»)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flag") as batch:
        batch.add_column(sa.Column("context", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flag") as batch:
        batch.drop_column("context")
