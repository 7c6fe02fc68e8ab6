"""signal_hit explanations (source, pattern, probability, features) and the learned document kind

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signal_hit") as batch:
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("explanation", sa.JSON(), nullable=True))
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("doc_kind", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("is_housing_plan", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("is_housing_plan")
        batch.drop_column("doc_kind")
    with op.batch_alter_table("signal_hit") as batch:
        batch.drop_column("explanation")
        batch.drop_column("source")
