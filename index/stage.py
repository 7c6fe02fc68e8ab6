"""Bring the search index up to date from the archive, incrementally.

A document is (re)indexed when its index stamp differs from what it would be now: the index code version,
its extract and analysis versions, and the kommune's current red flags (the flags travel with each page).
`--rebuild` starts from an empty index (on Elasticsearch: a fresh index swapped in atomically by alias).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from boligarkiv.db import Archive, stamp_stage
from boligarkiv.index.records import PageRecord, SearchBackend
from boligarkiv.lemmas import lemma_text
from boligarkiv.models import Document, Fetch, Flag, Kommune, Page, SignalHit, utcnow

INDEX_VERSION = "index-1"


def get_backend(archive: Archive, *, write: bool = False) -> SearchBackend:
    """The search backend; `write=True` only for the index stage (search never changes the index)."""
    if archive.settings.es_url:
        from boligarkiv.index.es import EsBackend

        return EsBackend(archive.settings.es_url)
    from boligarkiv.index.fts import FtsBackend

    return FtsBackend(archive.engine, write=write)


def kommune_flags(archive: Archive) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with archive.session() as session:
        for nummer, indicator in session.execute(
            select(Flag.kommune_nummer, Flag.indicator).where(Flag.current.is_(True), Flag.flagged.is_(True))
        ):
            out.setdefault(nummer, []).append(indicator)
    return {k: sorted(set(v)) for k, v in out.items()}


def stamp(doc: Document, flags: list[str]) -> str:
    flag_sig = hashlib.sha256(" ".join(flags).encode()).hexdigest()[:8]
    return f"{INDEX_VERSION}:{doc.extract_version}:{doc.analysis_version}:{flag_sig}"


def page_records(archive: Archive, doc: Document, kommune: Kommune | None, flags: list[str]) -> list[PageRecord]:
    with archive.session() as session:
        pages = list(session.scalars(select(Page).where(Page.document_sha256 == doc.sha256).order_by(Page.number)))
        signals = sorted(
            set(
                session.scalars(
                    select(SignalHit.signal).where(
                        SignalHit.document_sha256 == doc.sha256, SignalHit.negated.is_(False)
                    )
                )
            )
        )
        url = session.scalar(select(Fetch.url).where(Fetch.sha256 == doc.sha256).order_by(Fetch.fetched_at).limit(1))
        year_start = doc.period_start or (doc.adopted_date.year if doc.adopted_date else None) or doc.first_seen.year
        year_end = doc.period_end or year_start
        records = []
        for p in pages:
            # The analyse stage writes page.lemmas; a page it has not reached is lemmatised here for the
            # record only (the index never writes to the archive's pages).
            lemmas = p.lemmas if p.lemmas is not None else lemma_text(p.text, doc.language)
            records.append(
                PageRecord(
                    sha256=doc.sha256,
                    page=p.number,
                    text=p.text,
                    lemmas=lemmas,
                    kommune_nummer=doc.kommune_nummer,
                    kommune_navn=kommune.navn if kommune else None,
                    fylke=kommune.fylke if kommune else None,
                    fylkesnummer=kommune.fylkesnummer if kommune else None,
                    doc_type=doc.doc_type,
                    language=doc.language,
                    year_start=year_start,
                    year_end=year_end,
                    title=doc.title,
                    url=url or doc.first_url,
                    signals=signals,
                    flags=flags,
                )
            )
        return records


def run_index(
    archive: Archive,
    *,
    rebuild: bool = False,
    on_done: Callable[[str], None] | None = None,
    backend: SearchBackend | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    backend = backend or get_backend(archive, write=True)
    rebuild = rebuild or getattr(backend, "needs_full_reindex", False)
    if rebuild:
        # The rebuild's progress lives in the archive: every stamp is cleared before the index is emptied, so
        # a rebuild killed half-way is finished by the next `index` (stale stamps), never left half-empty.
        with archive.session() as session:
            session.execute(update(Document).values(index_version=None, indexed_at=None))
        backend.reset()
        if hasattr(backend, "needs_full_reindex"):
            backend.needs_full_reindex = False
    flags = kommune_flags(archive)
    with archive.session() as session:
        docs = list(
            session.scalars(
                select(Document).where(Document.extract_version.is_not(None), Document.extract_error.is_(None))
            )
        )
        kommuner = {k.nummer: k for k in session.scalars(select(Kommune))}
    todo = [d for d in docs if rebuild or d.index_version != stamp(d, flags.get(d.kommune_nummer or "", []))]
    if on_total:
        on_total(len(todo))
    pages = 0
    for doc in todo:
        kflags = flags.get(doc.kommune_nummer or "", [])
        records = page_records(archive, doc, kommuner.get(doc.kommune_nummer or ""), kflags)
        backend.replace_document(doc.sha256, records)
        pages += len(records)
        with archive.session() as session:
            row = session.get(Document, doc.sha256)
            assert row is not None
            row.index_version = stamp(doc, kflags)
            row.indexed_at = utcnow()
        if on_done:
            on_done(doc.sha256)
    if todo:
        backend.flush()
    stamp_stage(archive, "index", INDEX_VERSION)
    return {"documents": len(todo), "pages": pages, "backend": backend.name, "total_pages": backend.count_pages()}
