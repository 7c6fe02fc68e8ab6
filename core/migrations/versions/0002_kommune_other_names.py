"""kommune.andre_navn: other official names (Sami, Kven, Norwegian)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kommune") as batch_op:
        batch_op.add_column(sa.Column("andre_navn", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("kommune") as batch_op:
        batch_op.drop_column("andre_navn")
