"""Downloader middlewares: the egress guard, per-kommune budgets and Retry-After on 429/503."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

from boligarkiv.crawler.scope import is_private_host, may_enter, netloc


def _states(spider: Spider) -> dict[str, Any]:
    return getattr(spider, "states", {})


class ScopeGuardMiddleware:
    """The last word on where traffic may go, checked for every request including redirects and robots.txt.

    Link filtering in the spider is the first line; this one also sees redirect targets, so a public page
    redirecting into a private address, or a page wandering to another site, is stopped before any byte
    is sent.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ScopeGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        states = _states(spider)
        nummer = request.meta.get("kommune")
        url = request.url
        if nummer is None:
            # robots.txt and other framework requests: only to hosts some kommune may already use.
            if any(s.may_fetch(url) for s in states.values()):
                return None
            if getattr(spider, "allow_url", None) and spider.allow_url(url):
                return None
            raise IgnoreRequest(f"out of scope: {url}")
        state = states[nummer]
        if not may_enter(url, state.private):
            raise IgnoreRequest(f"private address not allowed from a public site: {url}")
        if state.may_fetch(url):
            return None
        redirected = bool(request.meta.get("redirect_urls"))
        if redirected and (request.meta.get("start") or request.meta.get("kind") == "doc"):
            if is_private_host(url) and not state.private:
                raise IgnoreRequest(f"redirect into private address: {url}")
            # A start URL moving to its canonical host, or a download handler handing off to a file host.
            (state.allowed_hosts if request.meta.get("start") else state.doc_hosts).add(netloc(url))
            return None
        raise IgnoreRequest(f"out of scope: {url}")


class BudgetMiddleware:
    """Per-kommune page and document budgets, counted when a request reaches the downloader.

    Counting here rather than when links are found means the best-scored requests spend the budget: an
    endless calendar found early still waits behind the real pages.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> BudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        state = _states(spider).get(request.meta.get("kommune", ""))
        if state is None or request.meta.get("budget_counted"):
            return None
        kind = request.meta.get("kind")
        if kind in ("page", "chapter", "framsikt", "framsikt_text"):
            if state.pages_requested >= spider.max_pages:
                state.budget_exhausted = True
                raise IgnoreRequest("page budget exhausted")
            state.pages_requested += 1
        elif kind == "portal":
            if state.portal_pages_requested >= spider.max_portal_pages:
                state.portal_tally(request.meta["portal_ref"].portal).errors["budget"] += 1
                raise IgnoreRequest("portal page budget exhausted")
            state.portal_pages_requested += 1
        elif kind == "case_doc":
            if state.case_documents_requested >= spider.max_case_documents:
                state.portal_tally(request.meta["case"]["portal"]).errors["budget"] += 1
                raise IgnoreRequest("case document budget exhausted")
            state.case_documents_requested += 1
        elif kind == "doc":
            if state.documents_requested >= spider.max_documents:
                state.budget_exhausted = True
                raise IgnoreRequest("document budget exhausted")
            state.documents_requested += 1
        request.meta["budget_counted"] = True
        return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now or time.time()))


class RetryAfterMiddleware:
    """Honour Retry-After on 429 and 503: hold the whole host until then, then retry the request.

    Scrapy's RetryMiddleware retries at once; a server that says «come back in 30 s» deserves to be
    believed, and not only for the request it answered. Raising the slot's delay is not enough on its own,
    because AutoThrottle lowers it again on the next 200 from that host; so every request to a held host
    waits here until the time the server named.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX", 120.0)
        self.hold_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        until = self.hold_until.get(request.meta.get("download_slot") or netloc(request.url), 0.0)
        wait = until - time.time()
        if wait > 0:
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        spider = self.crawler.spider
        slot_key = request.meta.get("download_slot") or netloc(request.url)
        if response.status not in (429, 503):
            return response
        wait = parse_retry_after(response.headers.get(b"Retry-After", b"").decode("latin-1") or None)
        if wait is None:
            wait = 5.0 if response.status == 429 else None
        if wait is None or wait > self.max_wait:
            return response
        new = get_retry_request(request, spider=spider, reason=f"http_{response.status}_retry_after")
        if new is None:
            return response
        self.hold_until[slot_key] = max(self.hold_until.get(slot_key, 0.0), time.time() + wait)
        slot = self.crawler.engine.downloader.slots.get(slot_key)
        if slot is not None:
            # Slow the host down afterwards as well; AutoThrottle brings it back as answers come quickly again.
            slot.delay = max(slot.delay, min(wait, 10.0))
        return new


class CrawlDelayMiddleware:
    """Honour a robots.txt `Crawl-delay` for our user agent: requests to that host start at least that many
    seconds apart (capped at `CRAWL_DELAY_MAX`, so a site asking for an hour is read slowly, not never).

    Scrapy obeys robots.txt rules but not Crawl-delay, and AutoThrottle would lower a raised slot delay
    again; so, like Retry-After, the wait is enforced here. The kommune spider reads the delay from the
    robots.txt it fetches for sitemaps (`spider.crawl_delays`, by host).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.next_start: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        delays: dict[str, float] = getattr(self.crawler.spider, "crawl_delays", {})
        host = netloc(request.url)
        delay = delays.get(host)
        if not delay:
            return None
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        # The spacing counts from when a request actually leaves, not from when it was due: a busy reactor
        # that wakes one waiter late must not let the next one follow it closely. Check and reservation sit
        # between awaits, so two waiters cannot both take the same turn.
        while (wait := self.next_start.get(host, 0.0) - time.time()) > 0:
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        self.next_start[host] = time.time() + delay
        return None
