"""The read model the CLI and the web app share: what they show about the archive, asked in one place.

Each function opens its own session and returns plain rows (dicts) or detached ORM objects; nothing here
writes. The CLI formats them for the terminal, the web app for pages, feeds and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from boligarkiv.db import Archive
from boligarkiv.models import (
    Base,
    CaseDocument,
    ChangeEvent,
    Coverage,
    Document,
    Fetch,
    Flag,
    Follow,
    Kommune,
    Page,
    Run,
    SavedSearch,
    Score,
    SignalHit,
)
from boligarkiv.vocabulary import PLAN_TYPES

# Strongest claim first: the quote shown for a signal is the one that commits the kommune most.
COMMITMENT_ORDER = {"gjennomfort": 0, "vedtatt": 1, "intensjon": 2, "vurderes": 3, "nevnt": 4}
PLAN_EVENT_KINDS = ("new_document", "changed_document", "plan_replaced")
SIGNAL_EVENT_KINDS = ("signal_appeared", "signal_disappeared")


def kommune_names(archive: Archive) -> dict[str, str]:
    with archive.session() as s:
        return {k.nummer: k.navn for k in s.scalars(select(Kommune))}


def kommune_count(archive: Archive) -> int:
    with archive.session() as s:
        return s.scalar(select(func.count()).select_from(Kommune)) or 0


def kommune_rows(archive: Archive, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    with archive.session() as s:
        q = select(Kommune).order_by(Kommune.nummer).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return [
            {
                "nummer": k.nummer,
                "navn": k.navn,
                "fylkesnummer": k.fylkesnummer,
                "fylke": k.fylke,
                "nettside": k.nettside,
                "ekstra_urler": k.ekstra_urler,
            }
            for k in s.scalars(q)
        ]


def kommuner_with_documents(archive: Archive) -> list[str]:
    with archive.session() as s:
        return list(
            s.scalars(
                select(Document.kommune_nummer)
                .where(Document.kommune_nummer.is_not(None))
                .distinct()
                .order_by(Document.kommune_nummer)
            )
        )


def table_counts(archive: Archive, tables: tuple[str, ...] | None = None) -> dict[str, int]:
    """Rows per table (all tables in schema order, or the named ones)."""
    chosen = [Base.metadata.tables[t] for t in tables] if tables else list(Base.metadata.sorted_tables)
    with archive.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in chosen}


def recent_runs(archive: Archive, limit: int) -> list[Run]:
    with archive.session() as s:
        return list(s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))


def recent_changes(archive: Archive, limit: int) -> list[ChangeEvent]:
    with archive.session() as s:
        return list(s.scalars(select(ChangeEvent).order_by(ChangeEvent.id.desc()).limit(limit)))


def overview(archive: Archive, event_text: dict[str, str], latest: int = 10) -> dict[str, Any]:
    """The archive at a glance: counts of kommuner, plans, documents, pages and cases, and the latest changes."""
    with archive.session() as s:
        plans = select(Document).where(Document.doc_type.in_(PLAN_TYPES)).subquery()
        names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
        events = list(s.scalars(select(ChangeEvent).order_by(ChangeEvent.created_at.desc()).limit(latest)))
        titles = {
            d.sha256: d.title or d.sha256[:12]
            for d in s.scalars(select(Document).where(Document.sha256.in_([e.document_sha256 for e in events])))
        }
        return {
            "kommuner": len(names),
            "planer": s.scalar(select(func.count()).select_from(plans)) or 0,
            "kommuner_med_plan": s.scalar(select(func.count(func.distinct(plans.c.kommune_nummer)))) or 0,
            "dokumenter": s.scalar(select(func.count()).select_from(Document)) or 0,
            "sider": s.scalar(select(func.count()).select_from(Page)) or 0,
            "saker": s.scalar(select(func.count(func.distinct(CaseDocument.document_sha256)))) or 0,
            "siste": [
                {
                    "når": e.created_at,
                    "hva": event_text.get(e.kind, e.kind) + (f" ({e.signal})" if e.signal else ""),
                    "tittel": titles.get(e.document_sha256 or "", e.detail or ""),
                    "sha": e.document_sha256,
                    "kommune": names.get(e.kommune_nummer or "", ""),
                }
                for e in events
            ],
        }


def archive_fingerprint(archive: Archive) -> tuple[Any, ...]:
    """Changes whenever anything a report, the screening or a search page shows changes (one query)."""
    with archive.session() as s:
        return tuple(
            s.execute(
                select(
                    select(func.max(Document.analysed_at)).scalar_subquery(),
                    select(func.max(Document.indexed_at)).scalar_subquery(),
                    select(func.count()).select_from(Document).scalar_subquery(),
                    select(func.max(Score.computed_at)).scalar_subquery(),
                    select(func.max(Flag.computed_at)).scalar_subquery(),
                    select(func.max(Coverage.id)).scalar_subquery(),
                    select(func.max(ChangeEvent.id)).scalar_subquery(),
                    select(func.max(CaseDocument.id)).scalar_subquery(),
                    select(func.count()).select_from(Kommune).scalar_subquery(),
                )
            ).one()
        )


def document_rows(archive: Archive, kommuner: list[str] | None = None) -> list[dict[str, Any]]:
    """Archived documents with every URL and fetch they came from; `kommuner` by number or name."""
    with archive.session() as session:
        q = select(Document).order_by(Document.kommune_nummer, Document.first_seen)
        if kommuner:
            nums = [k for k in kommuner if k.isdigit()]
            names = [k.casefold() for k in kommuner if not k.isdigit()]
            if names:
                nums += [k.nummer for k in session.scalars(select(Kommune)) if k.navn.casefold() in names]
            q = q.where(Document.kommune_nummer.in_(nums))
        docs = list(session.scalars(q))
        fetches: dict[str, list[dict[str, Any]]] = {}
        for f in session.scalars(
            select(Fetch).where(Fetch.sha256.in_([d.sha256 for d in docs])).order_by(Fetch.fetched_at)
        ):
            fetches.setdefault(f.sha256 or "", []).append(
                {"url": f.url, "status": f.status, "fetched_at": f.fetched_at, "not_modified": f.not_modified}
            )
        return [
            {
                "sha256": d.sha256,
                "kommune": d.kommune_nummer,
                "content_type": d.mime,
                "size": d.size,
                "first_seen": d.first_seen,
                "previous_sha256": d.previous_sha256,
                "urls": sorted({f["url"] for f in fetches.get(d.sha256, [])}),
                "fetches": fetches.get(d.sha256, []),
                "doc_type": d.doc_type,
                "title": d.title,
                "language": d.language,
                "period_start": d.period_start,
                "period_end": d.period_end,
                "adopted_date": d.adopted_date,
            }
            for d in docs
        ]


def documents_by_prefix(archive: Archive, prefix: str, limit: int = 2) -> list[dict[str, Any]]:
    """Documents whose hash starts with `prefix` (at most `limit`), each with its metadata and page texts."""
    with archive.session() as session:
        docs = list(session.scalars(select(Document).where(Document.sha256.like(f"{prefix.lower()}%")).limit(limit)))
        return [
            {
                "sha256": d.sha256,
                "kommune": d.kommune_nummer,
                "content_type": d.mime,
                "size": d.size,
                "first_url": d.first_url,
                "first_seen": d.first_seen,
                "title": d.title,
                "doc_type": d.doc_type,
                "doc_type_evidence": d.doc_type_evidence,
                "language": d.language,
                "period_start": d.period_start,
                "period_end": d.period_end,
                "adopted_date": d.adopted_date,
                "adopted_by": d.adopted_by,
                "page_count": d.page_count,
                "extract_version": d.extract_version,
                "extract_error": d.extract_error,
                "pages": [{"number": p.number, "ocr": p.ocr, "text": p.text} for p in d.pages],
            }
            for d in docs
        ]


def document_hashes(archive: Archive) -> list[str]:
    with archive.session() as s:
        return list(s.scalars(select(Document.sha256).order_by(Document.sha256)))


def document(archive: Archive, sha256: str) -> Document | None:
    with archive.session() as s:
        return s.get(Document, sha256)


def document_columns(archive: Archive, sha256: str) -> dict[str, Any] | None:
    with archive.session() as s:
        d = s.get(Document, sha256)
        return None if d is None else {c.name: getattr(d, c.name) for c in Document.__table__.columns}


@dataclass
class DocumentView:
    document: Document
    pages: list[Page]  # up to per_view + 1: one more than shown says there are more
    hits: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # page → (start, end, label)
    urls: list[str] = field(default_factory=list)
    kommune_navn: str = ""


def document_view(archive: Archive, sha256: str, first_page: int, per_view: int) -> DocumentView | None:
    with archive.session() as s:
        doc = s.get(Document, sha256)
        if doc is None:
            return None
        pages = list(
            s.scalars(
                select(Page)
                .where(Page.document_sha256 == sha256, Page.number >= first_page)
                .order_by(Page.number)
                .limit(per_view + 1)
            )
        )
        hits: dict[int, list[tuple[int, int, str]]] = {}
        for h in s.scalars(select(SignalHit).where(SignalHit.document_sha256 == sha256)):
            label = h.signal + (" (negert)" if h.negated else "")
            hits.setdefault(h.page_number, []).append((h.start, h.end, label))
        urls = sorted(set(s.scalars(select(Fetch.url).where(Fetch.sha256 == sha256))))
        k = s.get(Kommune, doc.kommune_nummer) if doc.kommune_nummer else None
        return DocumentView(doc, pages, hits, urls, k.navn if k else "")


def strongest_evidence(archive: Archive, shas: list[str], signals: list[str]) -> dict[tuple[str, str], SignalHit]:
    """Per (document, signal): the affirmed hit with the strongest commitment."""
    best: dict[tuple[str, str], SignalHit] = {}
    if not shas or not signals:
        return best
    with archive.session() as s:
        rows = s.scalars(
            select(SignalHit).where(
                SignalHit.document_sha256.in_(shas), SignalHit.signal.in_(signals), SignalHit.negated.is_(False)
            )
        )
        for h in rows:
            k = (h.document_sha256, h.signal)
            if k not in best or COMMITMENT_ORDER.get(h.commitment, 9) < COMMITMENT_ORDER.get(best[k].commitment, 9):
                best[k] = h
    return best


def first_seen(archive: Archive, shas: list[str]) -> dict[str, Any]:
    with archive.session() as s:
        return {d.sha256: d.first_seen for d in s.scalars(select(Document).where(Document.sha256.in_(shas)))}


def plan_events(archive: Archive, kommune: str | None, limit: int = 100) -> list[tuple[ChangeEvent, Document]]:
    """New, changed and replaced plans, newest first."""
    with archive.session() as s:
        q = (
            select(ChangeEvent, Document)
            .join(Document, Document.sha256 == ChangeEvent.document_sha256)
            .where(ChangeEvent.kind.in_(PLAN_EVENT_KINDS), Document.doc_type.in_(PLAN_TYPES))
            .order_by(ChangeEvent.created_at.desc())
            .limit(limit)
        )
        if kommune:
            q = q.where(ChangeEvent.kommune_nummer == kommune)
        return [(e, d) for e, d in s.execute(q)]


def case_documents(archive: Archive, kommune: str | None, limit: int = 100) -> list[CaseDocument]:
    """Political case papers from the meeting portals, newest first."""
    with archive.session() as s:
        q = select(CaseDocument).order_by(CaseDocument.first_seen.desc(), CaseDocument.id.desc()).limit(limit)
        if kommune:
            q = q.where(CaseDocument.kommune_nummer == kommune)
        return list(s.scalars(q))


def signal_events(archive: Archive, signal: str, limit: int = 100) -> list[ChangeEvent]:
    with archive.session() as s:
        q = (
            select(ChangeEvent)
            .where(ChangeEvent.signal == signal, ChangeEvent.kind.in_(SIGNAL_EVENT_KINDS))
            .order_by(ChangeEvent.created_at.desc())
            .limit(limit)
        )
        return list(s.scalars(q))


def coverage_ledger(archive: Archive, run_id: int) -> list[dict[str, Any]]:
    """One row per kommune for a crawl run: what was seen, found, new, blocked, failed, and from which source."""
    with archive.session() as session:
        return [
            {
                "kommune": c.kommune_nummer,
                "sider": c.pages_seen,
                "dokumenter": c.documents_found,
                "nye": c.new_documents,
                "uendret": c.not_modified,
                "robots": c.robots_blocked,
                "feil": c.errors,
                "budsjett_brukt_opp": c.budget_exhausted,
                "grunn": c.reason,
                "politiske_saker": sum(
                    v.get("dokumenter", 0) for k, v in (c.sources or {}).items() if k.startswith("møteportal:")
                ),
                "kilder": c.sources or {},
            }
            for c in session.scalars(
                select(Coverage).where(Coverage.run_id == run_id).order_by(Coverage.kommune_nummer)
            )
        ]


def saved_search(archive: Archive, ident: int) -> tuple[str, str] | None:
    with archive.session() as s:
        saved = s.get(SavedSearch, ident)
        return None if saved is None else (saved.name, saved.query)


def saved_searches(archive: Archive) -> list[SavedSearch]:
    with archive.session() as s:
        return list(s.scalars(select(SavedSearch).order_by(SavedSearch.id)))


def follow(archive: Archive, ident: int) -> tuple[str, str] | None:
    with archive.session() as s:
        f = s.get(Follow, ident)
        return None if f is None else (f.kind, f.value)
