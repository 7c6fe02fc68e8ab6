"""Per-kommune crawl state shared by the spider, the middlewares and the archive pipeline."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from boligarkiv.crawler.scope import is_private_host, netloc, site_aliases
from boligarkiv.seeds import Seed


@dataclass
class PortalTally:
    """What one meeting portal gave one kommune in a run, for the coverage ledger."""

    pages: int = 0
    meetings: int = 0
    cases: int = 0
    housing_cases: int = 0
    documents: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sider": self.pages,
            "møter": self.meetings,
            "saker": self.cases,
            "boligsaker": self.housing_cases,
            "dokumenter": self.documents,
            "feil": dict(self.errors),
        }


@dataclass
class KommuneState:
    seed: Seed
    private: bool
    allowed_hosts: set[str] = field(default_factory=set)
    doc_hosts: set[str] = field(default_factory=set)
    pages_requested: int = 0
    pages_seen: int = 0
    documents_requested: int = 0
    documents_found: int = 0
    new_documents: int = 0
    not_modified: int = 0
    skipped_documents: int = 0
    robots_blocked: int = 0
    budget_exhausted: bool = False
    start_failures: int = 0
    start_robots_blocked: int = 0
    start_ok: bool = False
    errors: Counter[str] = field(default_factory=Counter)
    trap_counts: Counter[str] = field(default_factory=Counter)
    # The kommune's own best-first frontier. Scrapy moves requests from its scheduler into per-host
    # download queues as soon as there is global capacity, which loses priority order within a site;
    # releasing at most `per_host` requests at a time keeps the order (and the politeness) ours.
    frontier: list[tuple[float, int, Any]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    in_flight: int = 0
    # HTML plans published in chapters: table-of-contents URL → the plan being assembled.
    bundles: dict[str, Any] = field(default_factory=dict)
    plan_paths: set[str] = field(default_factory=set)  # paths of plans' contents pages seen so far
    framsikt: dict[str, Any] = field(default_factory=dict)  # Framsikt plans being assembled, by base URL
    framsikt_seen: set[str] = field(default_factory=set)
    portals: set[Any] = field(default_factory=set)  # PortalRef of every portal opened this run
    portal_tallies: dict[str, PortalTally] = field(default_factory=dict)
    portal_pages_requested: int = 0
    case_documents_requested: int = 0

    @classmethod
    def from_seed(cls, seed: Seed) -> KommuneState:
        hosts: set[str] = set()
        for url in seed.start_urls:
            hosts |= site_aliases(url)
        return cls(seed=seed, private=any(is_private_host(u) for u in seed.start_urls), allowed_hosts=hosts)

    def portal_tally(self, portal: str) -> PortalTally:
        return self.portal_tallies.setdefault(portal, PortalTally())

    def sources(self) -> dict[str, Any]:
        """Documents per source for the coverage ledger: the kommune's own site and each meeting portal."""
        out: dict[str, Any] = {"nettsted": {"dokumenter": self.documents_found, "sider": self.pages_seen}}
        for portal, tally in sorted(self.portal_tallies.items()):
            out[f"møteportal:{portal}"] = tally.as_dict()
        return out

    def in_site(self, url: str) -> bool:
        return netloc(url) in self.allowed_hosts

    def may_fetch(self, url: str) -> bool:
        n = netloc(url)
        return n in self.allowed_hosts or n in self.doc_hosts

    def push(self, request: Any) -> None:
        # A GraphQL portal answers every question at one URL: a POST is the same request only with the same body.
        key = request.url if request.method == "GET" else f"{request.method} {request.url} {request.body!r}"
        # A chapter of an HTML plan is fetched for its plan even when the walk has seen the page already.
        if key in self.seen and not (request.meta.get("chapter_of") or request.meta.get("refetch")):
            return
        self.seen.add(key)
        heapq.heappush(self.frontier, (-request.priority, next(_SEQ), request))

    def release(self, limit: int) -> Iterator[Any]:
        while self.frontier and self.in_flight < limit:
            _, _, request = heapq.heappop(self.frontier)
            self.in_flight += 1
            yield request

    def done(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def reason(self) -> str | None:
        """Why no document was found, for the coverage ledger; None when documents were found."""
        if self.documents_found:
            return None
        n_starts = len(self.seed.start_urls)
        if not self.start_ok and self.start_robots_blocked >= n_starts:
            return "robots_disallow"
        if not self.start_ok and self.start_failures:
            return "site_unreachable"
        if self.budget_exhausted:
            return "budget_exhausted"
        return "nothing_relevant"


_SEQ = itertools.count()
