"""The extract stage: every archived document not yet extracted by this version → pages + metadata.

Derived data (pages, metadata) is replaced when re-extracted; the original bytes in the blob store are
never touched. A failure is recorded on the document (`extract_error`) with the version that tried.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select

from boligarkiv.blobs import BlobNotFoundError, CorruptBlobError
from boligarkiv.claims import Claims
from boligarkiv.db import Archive, stamp_stage
from boligarkiv.extract.clean import clean_pages
from boligarkiv.extract.formats import extract_pages
from boligarkiv.extract.metadata import extract_metadata
from boligarkiv.models import CaseDocument, Document, Page, utcnow
from boligarkiv.vocabulary import CORRUPT_BLOB
from boligarkiv.workers import Job, run_pool

EXTRACT_VERSION = "extract-2"


def extract_one(job: Job) -> dict[str, Any]:
    """Runs in the worker process: bytes → cleaned pages and metadata (plain data, picklable)."""
    raw, pdf_title = extract_pages(job.data, job.mime)
    texts = clean_pages([p.text for p in raw])
    meta = extract_metadata(texts, pdf_title, job.filename)
    return {"pages": [(p.number, t, p.ocr) for p, t in zip(raw, texts, strict=True)], "meta": asdict(meta)}


def pending(archive: Archive, stale: bool) -> list[tuple[str, str, str | None]]:
    with archive.session() as session:
        q = select(Document.sha256, Document.mime, Document.first_url)
        if stale:
            q = q.where(or_(Document.extract_version.is_(None), Document.extract_version != EXTRACT_VERSION))
        else:
            q = q.where(Document.extract_version.is_(None))
        return [(sha, mime, url) for sha, mime, url in session.execute(q.order_by(Document.first_seen))]


def run_extract(
    archive: Archive,
    *,
    stale: bool = False,
    workers: int | None = None,
    timeout: float = 120.0,
    on_done: Callable[[str, str | None], None] | None = None,
    lease: float | None = None,
) -> dict[str, Any]:
    todo = pending(archive, stale)
    counts = {"documents": len(todo), "ok": 0, "errors": 0, "pages": 0, "ocr_pages": 0, "left_to_others": 0}
    errors: dict[str, int] = {}
    n_workers = workers or os.cpu_count() or 1
    # Claimed a few at a time, so other `extract` processes sharing the database share the work.
    claims = Claims(
        archive, "extract", EXTRACT_VERSION, lease=lease or archive.settings.work_lease_seconds, batch=n_workers
    )
    info: dict[str, tuple[str, str | None]] = {}

    def pending_keys() -> list[str]:
        rows = pending(archive, stale)
        info.update({sha: (mime, url) for sha, mime, url in rows})
        return [sha for sha, _, _ in rows]

    def jobs() -> Iterator[Job]:
        for sha in claims.keys(pending_keys):
            mime, url = info[sha]
            try:
                data = archive.blobs.get(sha)
            except (CorruptBlobError, BlobNotFoundError) as exc:
                # One damaged blob is this document's problem, not the stage's: record it and go on. The
                # next fetch of the same bytes repairs the blob and clears this (crawler pipeline).
                missing = isinstance(exc, BlobNotFoundError)
                detail = "filen mangler i arkivet" if missing else "innholdet stemmer ikke med hashen"
                reason = f"{CORRUPT_BLOB} – {detail}"
                with archive.session() as session:
                    if not claims.complete(session, sha):
                        continue
                    doc = session.get(Document, sha)
                    assert doc is not None
                    doc.extract_version, doc.extracted_at, doc.extract_error = EXTRACT_VERSION, utcnow(), reason
                counts["errors"] += 1
                errors["corrupt"] = errors.get("corrupt", 0) + 1
                if on_done:
                    on_done(sha, reason)
                continue
            yield Job(sha, data, mime, os.path.basename(urlsplit(url or "").path) or None)

    for outcome in run_pool(extract_one, jobs(), workers=n_workers, timeout=timeout):
        with archive.session() as session:
            if not claims.complete(session, outcome.key):
                counts["left_to_others"] += 1  # our lease ran out and another worker took the document
                continue
            doc = session.get(Document, outcome.key)
            assert doc is not None
            session.execute(delete(Page).where(Page.document_sha256 == outcome.key))
            doc.extract_version = EXTRACT_VERSION
            doc.extracted_at = utcnow()
            if outcome.error:
                doc.extract_error = outcome.error
                doc.page_count = 0
                counts["errors"] += 1
                kind = outcome.error.split(":")[0]
                errors[kind] = errors.get(kind, 0) + 1
            else:
                result = outcome.result
                meta = result["meta"]
                doc.extract_error = None
                doc.title = meta["title"]
                doc.language = meta["language"]
                doc.doc_type = meta["doc_type"]
                if _is_case_paper(session, outcome.key):
                    doc.doc_type = "saksdokument"
                doc.doc_type_evidence = meta["doc_type_evidence"]
                doc.period_start, doc.period_end = meta["period_start"], meta["period_end"]
                doc.adopted_date, doc.adopted_by = meta["adopted_date"], meta["adopted_by"]
                doc.page_count = len(result["pages"])
                session.add_all(
                    Page(document_sha256=outcome.key, number=n, text=t, ocr=o) for n, t, o in result["pages"]
                )
                counts["ok"] += 1
                counts["pages"] += len(result["pages"])
                counts["ocr_pages"] += sum(1 for _, _, o in result["pages"] if o)
        if on_done:
            on_done(outcome.key, outcome.error)
    stamp_stage(archive, "extract", EXTRACT_VERSION)
    return {**counts, "error_kinds": errors, "version": EXTRACT_VERSION}


def _is_case_paper(session: Any, sha: str) -> bool:
    """A saksframlegg, vedtak or protokoll from a meeting portal is a case document whatever its words say;
    an attachment keeps its own type (a plan draft sent to the kommunestyre is still a plan)."""
    roles = set(session.scalars(select(CaseDocument.role).where(CaseDocument.document_sha256 == sha)))
    return bool(roles - {"vedlegg"})
