"""initial archive schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:36:17.383940
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "http_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("http_cache", schema=None) as batch_op:
        batch_op.create_index("ix_http_cache_key", ["key", "fetched_at"], unique=False)

    op.create_table(
        "kommune",
        sa.Column("nummer", sa.String(length=4), nullable=False),
        sa.Column("navn", sa.String(length=120), nullable=False),
        sa.Column("fylkesnummer", sa.String(length=2), nullable=True),
        sa.Column("fylke", sa.String(length=80), nullable=False),
        sa.Column("nettside", sa.String(length=500), nullable=False),
        sa.Column("ekstra_urler", sa.JSON(), nullable=False),
        sa.Column("tidligere_nummer", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nummer"),
    )
    with op.batch_alter_table("kommune", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kommune_fylke"), ["fylke"], unique=False)

    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code_version", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_kind"), ["kind"], unique=False)

    op.create_table(
        "stage_version",
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stage"),
    )
    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("previous_sha256", sa.String(length=64), nullable=True),
        sa.Column("signal", sa.String(length=60), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_event_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_event_kommune_nummer"), ["kommune_nummer"], unique=False)

    op.create_table(
        "coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages_seen", sa.Integer(), nullable=False),
        sa.Column("documents_found", sa.Integer(), nullable=False),
        sa.Column("new_documents", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("robots_blocked", sa.Integer(), nullable=False),
        sa.Column("budget_exhausted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "kommune_nummer"),
    )
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_kommune_nummer"), ["kommune_nummer"], unique=False)
        batch_op.create_index(batch_op.f("ix_coverage_run_id"), ["run_id"], unique=False)

    op.create_table(
        "document",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=True),
        sa.Column("mime", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_url", sa.String(length=2000), nullable=True),
        sa.Column("previous_sha256", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("doc_type", sa.String(length=60), nullable=True),
        sa.Column("doc_type_evidence", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("period_start", sa.Integer(), nullable=True),
        sa.Column("period_end", sa.Integer(), nullable=True),
        sa.Column("adopted_date", sa.Date(), nullable=True),
        sa.Column("adopted_by", sa.String(length=120), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("extract_version", sa.String(length=40), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extract_error", sa.Text(), nullable=True),
        sa.Column("analysis_version", sa.String(length=40), nullable=True),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("index_version", sa.String(length=40), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_doc_type"), ["doc_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_kommune_nummer"), ["kommune_nummer"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_previous_sha256"), ["previous_sha256"], unique=False)

    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=False),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=True),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index("ix_flag_kommune_indicator", ["kommune_nummer", "indicator", "year"], unique=False)

    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("normalized", sa.String(length=300), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("analysis_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_sha256"],
            ["document.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_document_sha256"), ["document_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_entity_label"), ["label"], unique=False)

    op.create_table(
        "fetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("final_url", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referrer", sa.String(length=2000), nullable=True),
        sa.Column("anchor_text", sa.String(length=500), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("not_modified", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["document.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fetch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fetch_kommune_nummer"), ["kommune_nummer"], unique=False)
        batch_op.create_index(batch_op.f("ix_fetch_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fetch_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_fetch_url_time", ["url", "fetched_at"], unique=False)

    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lemmas", sa.Text(), nullable=True),
        sa.Column("ocr", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_sha256"],
            ["document.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_sha256", "number"),
    )
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_document_sha256"), ["document_sha256"], unique=False)

    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("kommune_nummer", sa.String(length=4), nullable=True),
        sa.Column("signal", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.String(length=20), nullable=True),
        sa.Column("analysis_version", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_sha256"],
            ["document.sha256"],
        ),
        sa.ForeignKeyConstraint(
            ["kommune_nummer"],
            ["kommune.nummer"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "document_sha256", "kommune_nummer", "signal"),
    )
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_document_sha256"), ["document_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_kommune_nummer"), ["kommune_nummer"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_signal"), ["signal"], unique=False)

    op.create_table(
        "signal_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=60), nullable=False),
        sa.Column("matched", sa.String(length=300), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("negated", sa.Boolean(), nullable=False),
        sa.Column("commitment", sa.String(length=20), nullable=False),
        sa.Column("analysis_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_sha256"],
            ["document.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signal_hit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_hit_document_sha256"), ["document_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_hit_signal"), ["signal"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("signal_hit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_hit_signal"))
        batch_op.drop_index(batch_op.f("ix_signal_hit_document_sha256"))

    op.drop_table("signal_hit")
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_signal"))
        batch_op.drop_index(batch_op.f("ix_score_kommune_nummer"))
        batch_op.drop_index(batch_op.f("ix_score_document_sha256"))

    op.drop_table("score")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_document_sha256"))

    op.drop_table("page")
    with op.batch_alter_table("fetch", schema=None) as batch_op:
        batch_op.drop_index("ix_fetch_url_time")
        batch_op.drop_index(batch_op.f("ix_fetch_sha256"))
        batch_op.drop_index(batch_op.f("ix_fetch_run_id"))
        batch_op.drop_index(batch_op.f("ix_fetch_kommune_nummer"))

    op.drop_table("fetch")
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_label"))
        batch_op.drop_index(batch_op.f("ix_entity_document_sha256"))

    op.drop_table("entity")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_kommune_indicator")

    op.drop_table("flag")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_previous_sha256"))
        batch_op.drop_index(batch_op.f("ix_document_kommune_nummer"))
        batch_op.drop_index(batch_op.f("ix_document_doc_type"))

    op.drop_table("document")
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverage_run_id"))
        batch_op.drop_index(batch_op.f("ix_coverage_kommune_nummer"))

    op.drop_table("coverage")
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_event_kommune_nummer"))
        batch_op.drop_index(batch_op.f("ix_change_event_created_at"))

    op.drop_table("change_event")
    op.drop_table("stage_version")
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_kind"))

    op.drop_table("run")
    with op.batch_alter_table("kommune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kommune_fylke"))

    op.drop_table("kommune")
    with op.batch_alter_table("http_cache", schema=None) as batch_op:
        batch_op.drop_index("ix_http_cache_key")

    op.drop_table("http_cache")
