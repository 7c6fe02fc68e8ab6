"""The kommune spider: best-first over each kommune's own site, archiving plan documents.

Requests carry `kommune` in meta; the per-kommune state decides scope, budgets and the ledger. Documents
are recognised from the bytes (magic numbers) and headers, so download handlers such as
`/handlers/fil.ashx?id=123` work; URL suffixes only decide whether a link is worth a download at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from protego import Protego
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from boligarkiv.crawler import framsikt, htmlplans, portals, scoring
from boligarkiv.crawler.items import request_item, response_item
from boligarkiv.crawler.portals.base import Case, PortalError, PortalRef, Step
from boligarkiv.crawler.scope import may_enter, netloc
from boligarkiv.crawler.state import KommuneState
from boligarkiv.formats import BUNDLE_MIME, DOC_MIMES, looks_like_document_type, sniff
from boligarkiv.seeds import Seed

MAX_QUERY_VARIANTS = 3  # pages per path that differ only in their query string (calendars, search)
MAX_PATH_VARIANTS = 8  # pages per path shape that differ only in their numbers (calendars built from paths)
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemaps protocol caps an uncompressed sitemap at 50 MB


def _error_kind(failure: Failure) -> str:
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    name = type(exc).__name__
    if "DataLoss" in name or "PotentialDataLoss" in name:
        return "truncated"
    if "Timeout" in name:
        return "timeout"
    if "DNS" in name or "Lookup" in name:
        return "dns"
    if "ConnectionRefused" in name or "Connect" in name:
        return "connection"
    return name.lower()


class KommuneSpider(scrapy.Spider):
    name = "kommune"

    def __init__(
        self,
        seeds: list[Seed],
        known: dict[str, dict[str, Any]] | None = None,
        max_pages: int = 300,
        max_depth: int = 5,
        max_documents: int = 80,
        per_host: int = 2,
        case_judge: Callable[[str, bytes | None, str | None], str] | None = None,
        portal_months: int = 24,
        max_portal_pages: int = 600,
        max_case_documents: int = 80,
        today: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.seeds = seeds
        self.states: dict[str, KommuneState] = {s.nummer: KommuneState.from_seed(s) for s in seeds}
        self.known = known or {}  # url -> {etag, last_modified, sha256} from the archive, for conditional GET
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.max_documents = max_documents
        self.per_host = per_host
        # Meeting portals are read only with a judge of housing cases (wired by the application); without
        # one, a portal link is an ordinary link.
        self.case_judge = case_judge
        self.portal_until = today or date.today()
        self.crawl_delays: dict[str, float] = {}  # host -> robots.txt Crawl-delay (CrawlDelayMiddleware)
        self.portal_since = self.portal_until - timedelta(days=round(portal_months * 30.44))
        self.max_portal_pages = max_portal_pages
        self.max_case_documents = max_case_documents

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> KommuneSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # --- requests -------------------------------------------------------------------------------------
    def make(
        self,
        url: str,
        nummer: str,
        *,
        kind: str,
        depth: int,
        score: float,
        anchor: str = "",
        referrer: str | None = None,
        start: bool = False,
        headers: dict[str, str] | None = None,
        method: str = "GET",
        body: bytes | None = None,
        **meta: Any,
    ) -> scrapy.Request:
        headers = dict(headers or {})
        handle = [304] if kind in ("doc", "case_doc") else []
        if kind in ("doc", "case_doc") and url in self.known:
            k = self.known[url]
            if k.get("etag"):
                headers["If-None-Match"] = k["etag"]
            if k.get("last_modified"):
                headers["If-Modified-Since"] = k["last_modified"]
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            method=method,
            body=body,
            headers=headers,
            dont_filter=True,
            priority=int(score * 10) - depth * 5 + (1000 if start else 0),
            meta={
                "kommune": nummer,
                "kind": kind,
                "link_depth": depth,
                "score": score,
                "anchor": anchor[:300],
                "referrer": referrer,
                "start": start,
                "download_slot": netloc(url),
                "handle_httpstatus_list": handle,
                **meta,
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        for seed in self.seeds:
            state = self.states[seed.nummer]
            for url in seed.start_urls:
                state.push(self.make(url, seed.nummer, kind="page", depth=0, score=10, start=True))
                root = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                state.push(self.sitemap_request(root + "/sitemap.xml", seed.nummer))
                # Sites name their sitemaps in robots.txt, often at other paths than /sitemap.xml (an index,
                # gzipped parts); the same URL named twice is fetched once.
                state.push(self.sitemap_request(root + "/robots.txt", seed.nummer, kind="robots_sitemaps"))
            for url in seed.moteportaler:
                ref = portals.detect(url)
                if ref is None:
                    state.errors["unknown_portal"] += 1
                    continue
                for request in self.open_portal(ref, state, referrer=None):
                    state.push(request)
            for request in state.release(self.per_host):
                yield request

    def on_idle(self) -> None:
        """When Scrapy has nothing left in flight, no kommune can have requests in flight either.

        A request that ends without reaching its callback or errback (a middleware dropping it) would
        otherwise leave its kommune's frontier waiting for ever.
        """
        released = []
        for nummer, state in self.states.items():
            if state.frontier:
                if state.in_flight:
                    self.logger.debug("kommune %s: %d requests vanished in flight", nummer, state.in_flight)
                state.in_flight = 0
                released += list(state.release(self.per_host))
        if released:
            engine = self.crawler.engine
            for request in released:
                engine.crawl(request)
            raise DontCloseSpider

    def settle(self, nummer: str, outputs: Iterator[Any]) -> Iterator[Any]:
        """Run a callback's work: links go to the kommune's frontier, items out; then release the next links."""
        state = self.states[nummer]
        try:
            for out in outputs:
                if isinstance(out, scrapy.Request):
                    state.push(out)
                else:
                    yield out
        except Exception as exc:
            self.logger.exception("callback failed for kommune %s", nummer)
            state.errors[f"parser:{type(exc).__name__}"] += 1
        finally:
            state.done()
        yield from state.release(self.per_host)

    # --- early stop: a page link that turns out to be an irrelevant document ---------------------------
    def on_headers(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        if request.meta.get("kind") != "page" or request.meta.get("start"):
            return
        ctype = (headers.get(b"Content-Type") or b"").decode("latin-1")
        if looks_like_document_type(ctype) and request.meta.get("score", 0) < scoring.DOC_THRESHOLD:
            raise StopDownload(fail=False)

    # --- responses ------------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Any]:
        return self.settle(response.meta["kommune"], self._parse(response))

    def _parse(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        nummer = meta["kommune"]
        state = self.states[nummer]
        if meta.get("start"):
            state.start_ok = True
            # A start URL that redirected to another host makes that host the kommune's site too.
            state.allowed_hosts.add(netloc(response.url))
        if meta["kind"] == "sitemap":
            yield from self.parse_sitemap(response, state)
            return
        if meta["kind"] == "robots_sitemaps":
            yield from self.robots_sitemaps(response, state)
            return
        if response.status == 304:
            state.not_modified += 1
            sha = self.known.get(response.request.url, {}).get("sha256")
            if meta["kind"] == "case_doc":
                state.portal_tally(meta["case"]["portal"]).documents += 1
                yield self.record(response, "not_modified", sha256=sha, case=self.case_record(meta))
                return
            state.documents_found += 1
            yield self.record(response, "not_modified", sha256=sha)
            return
        if "download_stopped" in response.flags:
            state.skipped_documents += 1
            yield self.record(response, "skipped", error="irrelevant_document_type")
            return
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        kind = sniff(response.body, ctype)
        if meta["kind"] == "chapter":
            yield from self.chapter(response, state, kind == "html")
            return
        if meta["kind"] in ("framsikt", "framsikt_text"):
            yield from self.framsikt_response(response, state)
            return
        if meta["kind"] == "portal":
            yield from self.portal_response(response, state)
            return
        if meta["kind"] == "case_doc":
            yield from self.case_document(response, state, kind)
            return
        if kind in ("pdf", "docx", "doc", "odt"):
            if meta["kind"] == "page" and meta.get("score", 0) < scoring.DOC_THRESHOLD and not meta.get("start"):
                state.skipped_documents += 1
                yield self.record(response, "skipped", error="irrelevant_document")
                return
            state.documents_found += 1
            yield self.record(response, "document", body=response.body, mime=DOC_MIMES[kind])
            return
        if kind != "html":
            yield self.record(response, "skipped", error=f"unsupported_type:{ctype.split(';')[0] or 'unknown'}")
            return
        state.pages_seen += 1
        yield from self.parse_page(response, state)

    def robots_sitemaps(self, response: Response, state: KommuneState) -> Iterator[Any]:
        if response.status != 200:
            return
        text = response.body.decode("utf-8", "replace")
        try:
            delay = Protego.parse(text).crawl_delay(self.settings.get("USER_AGENT") or "*")
        except Exception:
            delay = None
        if delay:
            # Honoured by CrawlDelayMiddleware for every later request to this host.
            cap = self.settings.getfloat("CRAWL_DELAY_MAX", 30.0)
            self.crawl_delays[netloc(response.url)] = min(float(delay), cap)
        for url in sitemap_urls_from_robots(text, base_url=response.url):
            if state.in_site(url):
                yield self.sitemap_request(url, state.seed.nummer)

    def sitemap_request(self, url: str, nummer: str, kind: str = "sitemap") -> scrapy.Request:
        """A sitemap, or the robots.txt that names sitemaps (which robots rules never forbid reading)."""
        return self.make(
            url,
            nummer,
            kind=kind,
            depth=1,
            score=5,
            handle_httpstatus_list=[404, 410, 403],
            dont_obey_robotstxt=kind == "robots_sitemaps",
        )

    def parse_sitemap(self, response: Response, state: KommuneState) -> Iterator[Any]:
        if response.status != 200:
            return
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":  # «sitemap.xml.gz»: gzip as the file, not as a transfer encoding
                body = gunzip(body, max_size=SITEMAP_MAX_BYTES)
            sitemap = Sitemap(body)
        except Exception:
            state.errors["bad_sitemap"] += 1
            return
        yield self.record(response, "page")
        for entry in sitemap:
            loc = entry.get("loc", "")
            if not loc or not state.in_site(loc):
                continue
            if sitemap.type == "sitemapindex":
                yield self.sitemap_request(loc, state.seed.nummer)
                continue
            score = scoring.link_score(loc, "")
            yield from self.follow(loc, "", state, depth=1, score=score, referrer=response.url)

    def parse_page(self, response: Response, state: KommuneState) -> Iterator[Any]:
        depth = response.meta["link_depth"]
        title = " ".join(response.css("title::text, h1::text").getall())
        page_score = scoring.text_score(title)
        yield self.record(response, "page", title=title.strip()[:300])
        h1 = " ".join(" ".join(response.css("h1 ::text").getall()).split())
        if htmlplans.is_planish(title) and not htmlplans.inside_known_plan(response.url, state.plan_paths):
            # A plan published as web pages rather than a file: in chapters behind a contents page, or as one
            # long article. A chapter reached first sends the walk to its contents page instead.
            chapters = htmlplans.chapter_links(response.selector, response.url, state.in_site, get_base_url(response))
            parent = htmlplans.parent_url(response.url)
            if not chapters and parent and htmlplans.chapter_title(" ".join(title.split()), h1):
                yield from self.follow(
                    parent, title.strip(), state, depth=max(0, depth - 1), score=page_score + 5, referrer=response.url
                )
                chapters = []
                parent = "chapter"
            if chapters and response.url not in state.bundles:
                state.plan_paths.add(urlsplit(response.url).path.rstrip("/"))
                state.bundles[response.url] = htmlplans.Bundle(
                    response.url, (h1 or title.strip())[:300], htmlplans.main_html(response.selector), len(chapters)
                )
                for i, url in enumerate(chapters):
                    yield self.make(
                        url,
                        state.seed.nummer,
                        kind="chapter",
                        depth=depth + 1,
                        score=page_score + 5,
                        anchor=title.strip(),
                        referrer=response.url,
                        chapter_of=response.url,
                        chapter_index=i,
                    )
            elif (
                parent != "chapter"
                and not chapters
                and htmlplans.main_text_length(response.selector) >= htmlplans.MIN_ARTICLE_CHARS
            ):
                state.documents_found += 1
                # Keep the charset the response was read with (HTTP header, BOM or <meta>): the bytes alone do
                # not say that «B\xe6rum» is windows-1252.
                charset = getattr(response, "encoding", None) or "utf-8"
                yield self.record(response, "document", body=response.body, mime=f"text/html; charset={charset}")
        if depth >= self.max_depth + 1:
            return
        seen: set[str] = set()
        # Relative links resolve against <base href> where a page sets one (older EPiServer templates do).
        base_url = get_base_url(response)
        for a in response.css("a[href], area[href], iframe[src], embed[src], object[data], frame[src]"):
            embedded = a.root.tag in ("iframe", "embed", "object", "frame")
            href = (a.attrib.get("data" if a.root.tag == "object" else "src" if embedded else "href") or "").strip()
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:", "about:")):
                continue
            url = urljoin(base_url, href).split("#")[0]
            if url in seen:
                continue
            seen.add(url)
            if embedded:
                # A plan shown in a PDF viewer on the page: named by its title attribute, or by the heading above.
                anchor = " ".join((a.attrib.get("title") or a.attrib.get("aria-label") or "").split())
            else:
                anchor = " ".join(" ".join(a.css("::text").getall()).split()) or a.attrib.get("alt", "")
            if not anchor or scoring.GENERIC_ANCHOR.match(anchor):
                # «Last ned» beside a heading, or an icon link: the list item, paragraph or table row around
                # the link names the document (Bergen's /api/rest/filer/V… has nothing else to go by).
                around = a.xpath("ancestor::*[self::li or self::p or self::tr or self::dd or self::figure][1]")
                context = " ".join(" ".join(around[0].css("::text").getall()).split()) if around else ""
                if not context:
                    heading = a.xpath("preceding::*[self::h2 or self::h3 or self::h4][1]//text()").getall()
                    context = " ".join(" ".join(heading).split())
                anchor = f"{context[:200]} {anchor}".strip() if context else anchor
            score = scoring.link_score(url, anchor, page_score)
            yield from self.follow(url, anchor, state, depth=depth + 1, score=score, referrer=response.url)

    def chapter(self, response: Response, state: KommuneState, is_html: bool) -> Iterator[Any]:
        meta = response.meta
        bundle = state.bundles.get(meta["chapter_of"])
        if bundle is None:
            return
        if is_html:
            state.pages_seen += 1
            yield self.record(response, "page", title=" ".join(response.css("title::text").getall()).strip()[:300])
            bundle.parts[meta["chapter_index"]] = (response.url, htmlplans.main_html(response.selector))
        else:
            bundle.failed.add(meta["chapter_index"])
        yield from self.finish_bundle(state, bundle)

    def framsikt_response(self, response: Response, state: KommuneState) -> Iterator[Any]:
        meta = response.meta
        base = meta["framsikt_base"]
        if meta["kind"] == "framsikt":
            yield self.record(response, "page", title=meta.get("anchor") or "")
            skeleton = framsikt.parse_summary(response.text) if response.status == 200 else []
            plan = framsikt.FramsiktPlan(base, (meta.get("anchor") or base)[:300], skeleton)
            if not plan.data_ids:
                state.errors["framsikt_empty"] += 1
                return
            state.framsikt[base] = plan
            for data_id in plan.data_ids:
                yield self.make(
                    framsikt.text_url(base, data_id),
                    state.seed.nummer,
                    kind="framsikt_text",
                    depth=meta["link_depth"],
                    score=meta.get("score", 0),
                    referrer=response.url,
                    framsikt_base=base,
                    data_id=data_id,
                    chapter_of=base,  # fetched for the plan even if seen before
                )
            return
        plan = state.framsikt.get(base)
        if plan is None:
            return
        html = framsikt.parse_description(response.body) if response.status == 200 else None
        if html is None:
            plan.failed.add(meta["data_id"])
        else:
            plan.blocks[meta["data_id"]] = html
        yield from self.finish_framsikt(state, plan)

    def finish_framsikt(self, state: KommuneState, plan: framsikt.FramsiktPlan) -> Iterator[Any]:
        if not plan.complete or plan.base not in state.framsikt:
            return
        del state.framsikt[plan.base]
        if plan.blocks:
            yield self.assembled_plan(state, plan.base, plan.body(), plan.title)

    def finish_bundle(self, state: KommuneState, bundle: htmlplans.Bundle) -> Iterator[Any]:
        """When every chapter has arrived or failed: the plan as one document, at its contents page's URL."""
        if not bundle.complete or bundle.toc_url not in state.bundles:
            return
        del state.bundles[bundle.toc_url]
        if bundle.parts:
            yield self.assembled_plan(state, bundle.toc_url, bundle.body(), bundle.title)

    def assembled_plan(self, state: KommuneState, url: str, body: bytes, title: str) -> dict[str, Any]:
        """A plan put together from several responses (chapters, Framsikt blocks), archived at its own URL."""
        state.documents_found += 1
        return {
            **request_item(scrapy.Request(url), "document", state.seed.nummer),
            "status": 200,
            "body": body,
            "mime": BUNDLE_MIME,
            "anchor": title,
        }

    def follow(
        self,
        url: str,
        anchor: str,
        state: KommuneState,
        *,
        depth: int,
        score: float,
        referrer: str,
        as_portal: bool = True,
    ) -> Iterator[scrapy.Request]:
        if not may_enter(url, state.private):
            return
        if self.case_judge is not None and as_portal:
            ref = portals.detect(url)
            if ref is not None:
                # Should the portal not answer as one (a CMS page that merely looks like a portal's address),
                # the link is followed as an ordinary link after all.
                fallback = {"url": url, "anchor": anchor, "depth": depth, "score": score, "referrer": referrer}
                yield from self.open_portal(ref, state, referrer=referrer, fallback=fallback)
                return
        if scoring.should_skip(url):
            return
        base = framsikt.plan_base(url)
        if base is not None:
            # A plan published through Framsikt: read its static text files, not the app.
            if score >= scoring.DOC_THRESHOLD and base not in state.framsikt_seen:
                state.framsikt_seen.add(base)
                state.doc_hosts.add(netloc(url))
                yield self.make(
                    framsikt.summary_url(base),
                    state.seed.nummer,
                    kind="framsikt",
                    depth=depth,
                    score=score + 2,
                    anchor=anchor,
                    referrer=referrer,
                    framsikt_base=base,
                )
            return
        is_doc = scoring.looks_like_document(url)
        if is_doc:
            if score < scoring.DOC_THRESHOLD:
                return
            if not state.in_site(url):
                # A document host the kommune's own pages link to for downloads (custompublish, innsyn...).
                state.doc_hosts.add(netloc(url))
            yield self.make(
                url, state.seed.nummer, kind="doc", depth=depth, score=score + 2, anchor=anchor, referrer=referrer
            )
            return
        if not state.in_site(url) or depth > self.max_depth:
            return
        key = scoring.trap_key(url)
        if urlsplit(url).query:
            state.trap_counts[key] += 1
            if state.trap_counts[key] > MAX_QUERY_VARIANTS:
                return
        shape = scoring.path_shape(url)
        if shape is not None:
            state.trap_counts["shape:" + shape] += 1
            if state.trap_counts["shape:" + shape] > MAX_PATH_VARIANTS:
                return
        yield self.make(url, state.seed.nummer, kind="page", depth=depth, score=score, anchor=anchor, referrer=referrer)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        return self.settle(failure.request.meta["kommune"], self._on_error(failure))

    def _on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        meta = request.meta
        state = self.states.get(meta.get("kommune", ""))
        if state is None:
            return
        exc = failure.value
        if meta.get("kind") == "framsikt_text" and meta.get("framsikt_base") in state.framsikt:
            plan = state.framsikt[meta["framsikt_base"]]
            plan.failed.add(meta["data_id"])
            yield from self.finish_framsikt(state, plan)
        if meta.get("kind") == "chapter" and meta.get("chapter_of") in state.bundles:
            bundle = state.bundles[meta["chapter_of"]]
            bundle.failed.add(meta["chapter_index"])
            yield from self.finish_bundle(state, bundle)
        if isinstance(exc, IgnoreRequest) and not isinstance(exc, HttpError):
            message = str(exc)
            if "robots.txt" in message:
                state.robots_blocked += 1
                if meta.get("start"):
                    state.start_robots_blocked += 1
                kind = "robots_disallow"
            elif "budget" in message:
                kind = "budget"
            else:
                kind = "ignored"
            if kind != "budget":
                yield self.record_request(request, "error", error=kind)
            return
        if meta.get("kind") in ("sitemap", "robots_sitemaps"):
            return
        kind = _error_kind(failure)
        if meta.get("kind") in ("portal", "case_doc"):
            portal = meta["portal_ref"].portal if meta.get("kind") == "portal" else meta["case"]["portal"]
            state.portal_tally(portal).errors[kind] += 1
            if meta.get("kind") == "portal":
                yield from self.portal_unanswered(meta, state)
        state.errors[kind] += 1
        if meta.get("start"):
            state.start_failures += 1
        status = exc.response.status if isinstance(exc, HttpError) else None
        yield self.record_request(request, "error", error=kind, status=status)

    # --- meeting portals ------------------------------------------------------------------------------
    def open_portal(
        self, ref: PortalRef, state: KommuneState, referrer: str | None, fallback: dict[str, Any] | None = None
    ) -> Iterator[scrapy.Request]:
        """Start reading a kommune's meeting portal, once per run, over the configured period."""
        if self.case_judge is None or ref in state.portals:
            return
        state.portals.add(ref)
        state.portal_tally(ref.portal)
        state.doc_hosts.add(netloc(ref.base))
        adapter = portals.BY_NAME[ref.portal]
        for step in adapter.start(ref, self.portal_since, self.portal_until):
            request = self.portal_request(ref, step, state, referrer)
            request.meta["portal_fallback"] = fallback
            yield request

    def portal_unanswered(self, meta: dict[str, Any], state: KommuneState) -> Iterator[scrapy.Request]:
        """A portal's first call failed and the portal has answered nothing yet: follow the link that led
        there as an ordinary link (at most once; the frontier drops a repeat)."""
        fallback = meta.get("portal_fallback")
        if not fallback or meta.get("portal_level", 0) != 0 or state.portal_tally(meta["portal_ref"].portal).pages:
            return
        yield from self.follow(
            fallback["url"],
            fallback["anchor"],
            state,
            depth=fallback["depth"],
            score=fallback["score"],
            referrer=fallback["referrer"],
            as_portal=False,
        )

    def portal_request(
        self, ref: PortalRef, step: Step, state: KommuneState, referrer: str | None, level: int = 0
    ) -> scrapy.Request:
        # Deeper steps go first, so a meeting's cases are read before the next year's listing.
        return self.make(
            step.url,
            state.seed.nummer,
            kind="portal",
            depth=1,
            score=8.0 + level,
            portal_level=level,
            referrer=referrer,
            headers=step.headers,
            method=step.method,
            body=step.body,
            portal_ref=ref,
            portal_step=step,
            handle_httpstatus_list=[404, 500],
        )

    def in_period(self, when: date | None) -> bool:
        return when is None or self.portal_since <= when <= self.portal_until

    def portal_response(self, response: Response, state: KommuneState) -> Iterator[Any]:
        meta = response.meta
        ref: PortalRef = meta["portal_ref"]
        step: Step = meta["portal_step"]
        tally = state.portal_tally(ref.portal)
        yield self.record(response, "page", title=f"{portals.BY_NAME[ref.portal].label}: {step.step}")
        if response.status != 200:
            tally.errors[f"http_{response.status}"] += 1
            yield from self.portal_unanswered(meta, state)
            return
        adapter = portals.BY_NAME[ref.portal]
        try:
            outputs = list(adapter.parse(ref, step, response))
        except PortalError as exc:
            tally.errors[exc.kind] += 1
            yield from self.portal_unanswered(meta, state)
            return
        tally.pages += 1
        for out in outputs:
            if isinstance(out, Step):
                when = out.data.get("date")
                if when and not self.in_period(date.fromisoformat(when)):
                    continue
                if out.step in ("mote", "meeting", "agenda"):
                    tally.meetings += 1
                yield self.portal_request(ref, out, state, response.url, level=meta.get("portal_level", 0) + 1)
            elif isinstance(out, Case):
                if "case" in step.data:
                    yield from self.case_files(out, step.data.get("verdict", "ja"), state, response.url)
                else:
                    yield from self.consider_case(ref, out, state, response.url, meta.get("portal_level", 0) + 1)

    def consider_case(
        self, ref: PortalRef, case: Case, state: KommuneState, referrer: str, level: int
    ) -> Iterator[Any]:
        if not self.in_period(case.meeting_date):
            return
        tally = state.portal_tally(ref.portal)
        tally.cases += 1
        assert self.case_judge is not None
        verdict = self.case_judge(case.title, None, None) if case.title else "kanskje"
        if verdict == "nei":
            return
        if verdict == "ja":
            tally.housing_cases += 1
        if case.detail is not None:
            detail = case.detail.with_data(case=case, verdict=verdict)
            yield self.portal_request(ref, detail, state, referrer, level=level)
            return
        yield from self.case_files(case, verdict, state, referrer)

    def case_files(self, case: Case, verdict: str, state: KommuneState, referrer: str) -> Iterator[Any]:
        """Request a housing case's papers; when the title left it open, only the main paper, to be judged."""
        files = case.files
        if verdict != "ja":
            main = [f for f in files if f.role == "saksframlegg"][:1] or files[:1]
            rest = [f for f in files if f not in main]
            files = main
        else:
            rest = []
        for f in files:
            yield self.case_request(case, f, state, referrer, check=verdict != "ja", rest=rest)

    def case_request(
        self, case: Case, f: Any, state: KommuneState, referrer: str, *, check: bool, rest: list[Any]
    ) -> scrapy.Request:
        state.doc_hosts.add(netloc(f.url))
        request = self.make(
            f.url,
            state.seed.nummer,
            kind="case_doc",
            depth=2,
            score=14.0,
            anchor=f.title,
            referrer=referrer,
            headers=f.headers,
            case={**case.meta(), "role": f.role, "document_title": f.title[:500]},
            case_obj=case,
            check=check,
            rest=rest,
        )
        # The same paper in two meetings (formannskap, then kommunestyre) is recorded for both.
        request.meta["refetch"] = True
        return request

    def case_document(self, response: Response, state: KommuneState, kind: str) -> Iterator[Any]:
        meta = response.meta
        case_meta = meta["case"]
        tally = state.portal_tally(case_meta["portal"])
        if kind not in ("pdf", "docx", "doc", "odt"):
            tally.errors["case_not_document"] += 1
            yield self.record(response, "skipped", error=f"unsupported_type:{kind}")
            return
        mime = DOC_MIMES[kind]
        if meta.get("check"):
            assert self.case_judge is not None
            if self.case_judge(case_meta["case_title"], response.body, mime) != "ja":
                yield self.record(response, "skipped", error="not_housing_case")
                return
            tally.housing_cases += 1
            for f in meta.get("rest") or []:
                yield self.case_request(meta["case_obj"], f, state, response.url, check=False, rest=[])
        tally.documents += 1
        yield self.record(response, "document", body=response.body, mime=mime, case=self.case_record(meta))

    @staticmethod
    def case_record(meta: dict[str, Any]) -> dict[str, Any]:
        return dict(meta["case"])

    # --- items ----------------------------------------------------------------------------------------
    def record(self, response: Response, what: str, **extra: Any) -> dict[str, Any]:
        return response_item(response, what, response.meta["kommune"], **extra)

    def record_request(self, request: scrapy.Request, what: str, **extra: Any) -> dict[str, Any]:
        return request_item(request, what, request.meta["kommune"], **extra)
