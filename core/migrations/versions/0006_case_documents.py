"""case_document: political case papers from meeting portals (body, meeting date, case number, portal URL);
coverage.sources: documents per source in a crawl run

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_sha256", sa.String(length=64), sa.ForeignKey("document.sha256"), nullable=False),
        sa.Column("kommune_nummer", sa.String(length=4), sa.ForeignKey("kommune.nummer"), nullable=True),
        sa.Column("portal", sa.String(length=40), nullable=False),
        sa.Column("portal_url", sa.String(length=2000), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("case_number", sa.String(length=60), nullable=True),
        sa.Column("case_title", sa.String(length=500), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("document_title", sa.String(length=500), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("document_sha256", "portal_url"),
    )
    op.create_index("ix_case_document_document_sha256", "case_document", ["document_sha256"])
    op.create_index("ix_case_document_kommune_nummer", "case_document", ["kommune_nummer"])
    op.create_index("ix_case_document_meeting_date", "case_document", ["meeting_date"])
    with op.batch_alter_table("coverage") as batch:
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coverage") as batch:
        batch.drop_column("sources")
    op.drop_table("case_document")
