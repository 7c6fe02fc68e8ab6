"""The Husbanken library spider: walk catalogue and search-result pages, archive plans, attribute kommuner."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from sqlalchemy import select
from twisted.python.failure import Failure

from boligarkiv.crawler import scoring
from boligarkiv.crawler.items import request_item, response_item
from boligarkiv.crawler.scope import netloc
from boligarkiv.formats import DOC_MIMES, sniff
from boligarkiv.kommunenavn import KommuneMatcher, KommuneRef
from boligarkiv.models import Kommune

PAGINATION = re.compile(r"(neste|next|»|side\s*\d+|page=\d+|\bstart=\d+|offset=\d+)", re.I)
RECORD = re.compile(r"(/record/|/post/|/dokument|/document|/katalog/|/items?/|biblionumber=|id=\d+)", re.I)


class HusbankenSpider(scrapy.Spider):
    name = "husbanken"

    def __init__(
        self, start_url: str, known: dict[str, dict[str, Any]] | None = None, max_pages: int = 500, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.host = netloc(start_url)
        self.known = known or {}
        self.max_pages = max_pages
        self.max_documents = max_pages
        self.pages = 0
        self.states: dict[str, Any] = {}
        self.library_documents: Counter[str] = Counter()  # per kommune, for the coverage ledger
        with self.archive.session() as session:
            refs = [
                KommuneRef(k.nummer, k.navn, k.fylke, tuple(k.tidligere_nummer or ()), tuple(k.andre_navn or ()))
                for k in session.scalars(select(Kommune))
            ]
        self.matcher = KommuneMatcher(refs)

    def allow_url(self, url: str) -> bool:
        return netloc(url) == self.host

    async def start(self) -> AsyncIterator[Any]:
        yield self.request(self.start_url, kind="page", score=10)

    def request(self, url: str, *, kind: str, score: float, context: str = "", anchor: str = "") -> scrapy.Request:
        headers = {}
        if kind == "doc" and url in self.known:
            if self.known[url].get("etag"):
                headers["If-None-Match"] = self.known[url]["etag"]
            if self.known[url].get("last_modified"):
                headers["If-Modified-Since"] = self.known[url]["last_modified"]
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            headers=headers,
            priority=int(score * 10),
            meta={
                "kind": kind,
                "context": context[:2000],
                "anchor": anchor[:300],
                "download_slot": netloc(url),
                "handle_httpstatus_list": [304],
            },
        )

    def parse(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self.item(response, "not_modified", sha256=self.known.get(response.request.url, {}).get("sha256"))
            return
        kind = sniff(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
        if kind in ("pdf", "docx", "doc", "odt"):
            yield self.item(response, "document", body=response.body, mime=DOC_MIMES[kind])
            return
        if kind != "html":
            return
        self.pages += 1
        yield self.item(response, "page")
        text = " ".join(response.css("title::text, h1::text, h2::text, dl ::text, table ::text").getall())
        page_score = scoring.text_score(text)
        for a in response.css("a[href]"):
            url = urljoin(response.url, a.attrib["href"]).split("#")[0]
            if netloc(url) != self.host or scoring.should_skip(url):
                continue
            anchor = " ".join(" ".join(a.css("::text").getall()).split())
            score = scoring.link_score(url, anchor, page_score)
            if scoring.looks_like_document(url):
                if score >= scoring.DOC_THRESHOLD:
                    yield self.request(url, kind="doc", score=score + 2, context=f"{text} {anchor}", anchor=anchor)
            elif self.pages < self.max_pages and (
                PAGINATION.search(anchor)
                or PAGINATION.search(url)
                or (RECORD.search(url) and score >= scoring.PLANISH_SCORE)
            ):
                yield self.request(url, kind="page", score=score, context=anchor)

    def item(self, response: Response, what: str, **extra: Any) -> dict[str, Any]:
        context = f"{response.meta.get('context', '')} {response.meta.get('anchor', '')}"
        ref = self.matcher.match(context) if what in ("document", "not_modified") else None
        if ref is not None:
            self.library_documents[ref.nummer] += 1
        return response_item(response, what, ref.nummer if ref else None, **extra)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        yield request_item(failure.request, "error", None, error=type(failure.value).__name__)
