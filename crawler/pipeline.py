"""The archive pipeline: every crawler item becomes a fetch row, documents go to the blob store.

Each item is committed on its own, so a crawl killed with SIGKILL loses at most the item in flight; the
blob is written (atomic rename) before the row that names it, so no row ever points at a missing blob.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import CaseDocument, ChangeEvent, Coverage, Document, Fetch, Kommune, Run, utcnow
from boligarkiv.vocabulary import CORRUPT_BLOB
from boligarkiv.workers import pid_alive


class ArchivePipeline:
    """The archive, run id and progress callback come from the spider (Scrapy deep-copies settings)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.archive: Archive = spider.archive
        self.run_id: int = spider.run_id
        self.on_item = getattr(spider, "on_item", None)
        self.counts = spider.counts

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.crawler.spider
        what = item["what"]
        body: bytes | None = item.pop("body", None)
        sha = item.get("sha256")
        with self.archive.session() as session:
            if what == "document" and body is not None:
                sha = self.archive.blobs.put(body)
                self._document(session, item, sha, len(body), spider)
            fetch = Fetch(
                run_id=self.run_id,
                kommune_nummer=item["kommune"],
                url=item["url"][:2000],
                final_url=(item.get("final_url") or None),
                status=item.get("status"),
                content_type=item.get("content_type"),
                etag=item.get("etag"),
                last_modified=item.get("last_modified"),
                referrer=item.get("referrer"),
                anchor_text=(item.get("anchor") or None),
                sha256=sha if what in ("document", "not_modified") else None,
                size=len(body) if body is not None else None,
                not_modified=what == "not_modified",
                error=item.get("error"),
            )
            if fetch.sha256 and session.get(Document, fetch.sha256) is None:
                fetch.sha256 = None  # a 304 for a document we never stored: keep the record, not a dangling link
            session.add(fetch)
            if item.get("case") and fetch.sha256:
                self._case(session, item, fetch.sha256)
        key = {"page": "pages", "document": "documents", "not_modified": "not_modified", "error": "errors"}.get(what)
        if key:
            self.counts[key] += 1
        if self.on_item:
            self.on_item(what, item)
        item["sha256"] = sha
        return item

    def _document(self, session: Any, item: dict[str, Any], sha: str, size: int, spider: Any) -> None:
        state = spider.states.get(item["kommune"]) if spider is not None else None
        known = session.get(Document, sha)
        if known is not None:
            if (known.extract_error or "").startswith(CORRUPT_BLOB):
                # put() has just replaced the damaged copy with these bytes: extract it again.
                known.extract_version = None
                known.extract_error = None
            return
        # The last document fetched from this URL, if different, is the previous version of this one.
        previous = session.scalar(
            select(Fetch.sha256)
            .where(Fetch.url == item["url"][:2000], Fetch.sha256.is_not(None), Fetch.sha256 != sha)
            .order_by(Fetch.fetched_at.desc())
            .limit(1)
        )
        session.add(
            Document(
                sha256=sha,
                kommune_nummer=item["kommune"],
                mime=item.get("mime") or "application/octet-stream",
                size=size,
                first_url=item["url"][:2000],
                previous_sha256=previous,
            )
        )
        session.add(
            ChangeEvent(
                kommune_nummer=item["kommune"],
                kind="new_case" if item.get("case") else ("changed_document" if previous else "new_document"),
                document_sha256=sha,
                previous_sha256=previous,
                detail=item["url"][:1000],
            )
        )
        session.flush()
        self.counts["new_documents"] += 1
        if state is not None:
            state.new_documents += 1

    def _case(self, session: Any, item: dict[str, Any], sha: str) -> None:
        case = item["case"]
        url = case["portal_url"][:2000]
        exists = session.scalar(
            select(CaseDocument.id).where(CaseDocument.document_sha256 == sha, CaseDocument.portal_url == url)
        )
        if exists is not None:
            return
        session.add(
            CaseDocument(
                document_sha256=sha,
                kommune_nummer=item["kommune"],
                portal=case["portal"],
                portal_url=url,
                body=case.get("body"),
                meeting_date=date.fromisoformat(case["meeting_date"]) if case.get("meeting_date") else None,
                case_number=(case.get("case_number") or None),
                case_title=case.get("case_title"),
                role=case.get("role"),
                document_title=case.get("document_title"),
            )
        )

    def close_spider(self) -> None:
        """One ledger row per kommune and run, shared by the spiders of the run: the kommune spider writes what
        the site and the meeting portals gave, the Husbanken spider adds what the library gave."""
        spider = self.crawler.spider
        with self.archive.session() as session:

            def row(nummer: str) -> Coverage:
                found = session.scalar(
                    select(Coverage).where(Coverage.run_id == self.run_id, Coverage.kommune_nummer == nummer)
                )
                if found is None:
                    found = Coverage(run_id=self.run_id, kommune_nummer=nummer, errors={}, sources={})
                    session.add(found)
                return found

            for nummer, state in spider.states.items():
                c = row(nummer)
                c.finished_at = utcnow()
                c.pages_seen = state.pages_seen
                c.documents_found = state.documents_found
                c.new_documents = state.new_documents
                c.not_modified = state.not_modified
                c.errors = dict(state.errors)
                c.robots_blocked = state.robots_blocked
                c.budget_exhausted = state.budget_exhausted
                c.reason = state.reason()
                c.sources = {**(c.sources or {}), **state.sources()}
            for nummer, n in getattr(spider, "library_documents", {}).items():
                if session.get(Kommune, nummer) is None:
                    continue
                c = row(nummer)
                c.finished_at = c.finished_at or utcnow()
                c.sources = {**(c.sources or {}), "husbanken": {"dokumenter": n}}


def start_run(archive: Archive, kind: str, version: str, params: dict[str, Any]) -> int:
    """Open a run row; runs left 'running' by a process that no longer exists are marked interrupted."""
    with archive.session() as session:
        for run in session.scalars(select(Run).where(Run.status == "running")):
            pid = (run.params or {}).get("pid")
            if not pid or not pid_alive(int(pid)):
                run.status = "interrupted"
                run.finished_at = run.finished_at or utcnow()
        run = Run(kind=kind, code_version=version, params={**params, "pid": os.getpid()})
        session.add(run)
        session.flush()
        return run.id


def finish_run(archive: Archive, run_id: int, status: str, stats: dict[str, Any], error: str | None = None) -> None:
    with archive.session() as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.status = status
        run.finished_at = utcnow()
        run.stats = stats
        run.error = error
