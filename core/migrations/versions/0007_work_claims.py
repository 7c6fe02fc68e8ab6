"""work_claim: leases that let several workers share a stage's stale work without doing a document twice

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_claim",
        sa.Column("stage", sa.String(length=20), primary_key=True),
        sa.Column("version", sa.String(length=80), primary_key=True),
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_work_claim_expires_at", "work_claim", ["expires_at"])


def downgrade() -> None:
    op.drop_table("work_claim")
