"""SQLAlchemy 2.0 typed models: the archive's tables.

The schema is created and changed only by Alembic migrations (core/migrations); these classes are
the typed view of it. Raw bytes never live here: `document.sha256` names a file in the blob store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Kommune(Base):
    __tablename__ = "kommune"

    nummer: Mapped[str] = mapped_column(String(4), primary_key=True)
    navn: Mapped[str] = mapped_column(String(120))
    fylkesnummer: Mapped[str | None] = mapped_column(String(2))
    fylke: Mapped[str] = mapped_column(String(80), index=True)
    nettside: Mapped[str] = mapped_column(String(500))
    ekstra_urler: Mapped[list[Any]] = mapped_column(default=list)
    tidligere_nummer: Mapped[list[Any]] = mapped_column(default=list)
    andre_navn: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Run(Base):
    """One invocation of a stage or of the whole job (crawl, extract, run, schedule tick...)."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    code_version: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Fetch(Base):
    """Every HTTP fetch the crawler made, successful or not. Many fetches may point to one document."""

    __tablename__ = "fetch"
    __table_args__ = (Index("ix_fetch_url_time", "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)
    kommune_nummer: Mapped[str | None] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    final_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    referrer: Mapped[str | None] = mapped_column(String(2000))
    anchor_text: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("document.sha256"), index=True)
    size: Mapped[int | None]
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """One document = one content hash. A changed file at the same URL is a new row linked by `previous_sha256`."""

    __tablename__ = "document"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kommune_nummer: Mapped[str | None] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    first_url: Mapped[str | None] = mapped_column(String(2000))
    previous_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    doc_type: Mapped[str | None] = mapped_column(String(60), index=True)
    doc_type_evidence: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(5))
    period_start: Mapped[int | None]
    period_end: Mapped[int | None]
    adopted_date: Mapped[date | None] = mapped_column(Date)
    adopted_by: Mapped[str | None] = mapped_column(String(120))
    page_count: Mapped[int | None]
    extract_version: Mapped[str | None] = mapped_column(String(40))
    extracted_at: Mapped[datetime | None]
    extract_error: Mapped[str | None] = mapped_column(Text)
    analysis_version: Mapped[str | None] = mapped_column(String(80))
    analysed_at: Mapped[datetime | None]
    index_version: Mapped[str | None] = mapped_column(String(40))
    indexed_at: Mapped[datetime | None]
    # Learned from title and first page by the analyse stage (nlp/doc_kind.py), beside the extract stage's rules.
    doc_kind: Mapped[str | None] = mapped_column(String(40))
    is_housing_plan: Mapped[bool | None] = mapped_column(Boolean)

    pages: Mapped[list[Page]] = relationship(back_populates="document", order_by="Page.number")


class Page(Base):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("document_sha256", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    lemmas: Mapped[str | None] = mapped_column(Text)
    ocr: Mapped[bool] = mapped_column(Boolean, default=False)

    document: Mapped[Document] = relationship(back_populates="pages")


class SignalHit(Base):
    __tablename__ = "signal_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    page_number: Mapped[int]
    signal: Mapped[str] = mapped_column(String(60), index=True)
    matched: Mapped[str] = mapped_column(String(300))
    sentence: Mapped[str] = mapped_column(Text)
    start: Mapped[int]
    end: Mapped[int]
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    commitment: Mapped[str] = mapped_column(String(20))
    analysis_version: Mapped[str] = mapped_column(String(80))
    # Why the hit fired: «lexicon», «model» or «lexicon+model»; pattern id, probability, strongest features.
    source: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Entity(Base):
    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    page_number: Mapped[int]
    label: Mapped[str] = mapped_column(String(30), index=True)
    text: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str | None] = mapped_column(String(300))
    value: Mapped[float | None] = mapped_column(Float)
    start: Mapped[int]
    end: Mapped[int]
    analysis_version: Mapped[str] = mapped_column(String(80))


class Score(Base):
    """A signal score for a document (scope='document') or a kommune (scope='kommune')."""

    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("scope", "document_sha256", "kommune_nummer", "signal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    document_sha256: Mapped[str | None] = mapped_column(ForeignKey("document.sha256"), index=True)
    kommune_nummer: Mapped[str | None] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    signal: Mapped[str] = mapped_column(String(60), index=True)
    value: Mapped[float] = mapped_column(Float)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    commitment: Mapped[str | None] = mapped_column(String(20))
    analysis_version: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(Base):
    """One indicator value for a kommune and year. Old values stay as history (one row per fetch)."""

    __tablename__ = "flag"
    __table_args__ = (Index("ix_flag_kommune_indicator", "kommune_nummer", "indicator", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_nummer: Mapped[str] = mapped_column(ForeignKey("kommune.nummer"))
    indicator: Mapped[str] = mapped_column(String(60))
    year: Mapped[int | None]
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    flagged: Mapped[bool | None] = mapped_column(Boolean)
    missing: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    # Table, codes, labels, `updated`, KOSTRA group and national value, revised or not, SSB's notes.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Coverage(Base):
    """The coverage ledger: what one crawl run did for one kommune, and why no plan was found if so."""

    __tablename__ = "coverage"
    __table_args__ = (UniqueConstraint("run_id", "kommune_nummer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    kommune_nummer: Mapped[str] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages_seen: Mapped[int] = mapped_column(Integer, default=0)
    documents_found: Mapped[int] = mapped_column(Integer, default=0)
    new_documents: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    robots_blocked: Mapped[int] = mapped_column(Integer, default=0)
    budget_exhausted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    # Documents per source this run: {"nettsted": n, "moteportal:acos_websak": n, …} with the portals tried.
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CaseDocument(Base):
    """A political case paper (saksframlegg, vedtak, protokoll) fetched from a meeting portal.

    Written by the crawler beside the document row: which body treated which case when, and where in the
    portal an analyst finds it. One document can sit in several meetings (formannskap, then kommunestyre).
    """

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("document_sha256", "portal_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    kommune_nummer: Mapped[str | None] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    portal: Mapped[str] = mapped_column(String(40))
    portal_url: Mapped[str] = mapped_column(String(2000))
    body: Mapped[str | None] = mapped_column(String(200))
    meeting_date: Mapped[date | None] = mapped_column(Date, index=True)
    case_number: Mapped[str | None] = mapped_column(String(60))
    case_title: Mapped[str | None] = mapped_column(String(500))
    role: Mapped[str | None] = mapped_column(String(40))  # saksframlegg, vedtak, protokoll, vedlegg
    document_title: Mapped[str | None] = mapped_column(String(500))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeEvent(Base):
    """A new or changed plan, or a signal that appeared or disappeared between versions."""

    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kommune_nummer: Mapped[str | None] = mapped_column(ForeignKey("kommune.nummer"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    previous_sha256: Mapped[str | None] = mapped_column(String(64))
    signal: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StageVersion(Base):
    """The version of code or lexicon each stage last ran with; a mismatch makes work stale."""

    __tablename__ = "stage_version"

    stage: Mapped[str] = mapped_column(String(30), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HttpCache(Base):
    """Raw answers from external APIs (SSB...) with their fetch time, so flags can be recomputed offline."""

    __tablename__ = "http_cache"
    __table_args__ = (Index("ix_http_cache_key", "key", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(Base):
    """A query an analyst follows; its Atom feed lists matching documents, newest first."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkClaim(Base):
    """A worker's claim on one document for one stage and version: processes on one machine or several,
    sharing the database, divide the stale work through these rows. A claim is a lease; a worker that dies
    leaves it to expire, and another takes the document over. A done claim is the record that the stage's
    result for that version was written once, by that worker."""

    __tablename__ = "work_claim"

    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None]


class Follow(Base):
    """An analyst follows a kommune, a signal or a search: an Atom feed, and items in the weekly digest."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("email", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # kommune, signal, sok
    value: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]
