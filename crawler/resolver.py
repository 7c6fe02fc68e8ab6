"""DNS answers checked at connect time: a public-looking name that resolves to loopback, a private range,
link-local or CGNAT (localtest.me, nip.io, DNS rebinding) fails like an unknown host.

Installed as Scrapy's DNS_RESOLVER, so every connection — links, redirects, robots.txt — goes through it
and the address checked is the address connected to. Private answers are allowed only when the crawl's own
seeds point at private addresses (the local test web), set by the runner as BOLIGARKIV_ALLOW_PRIVATE_DNS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from boligarkiv.crawler.scope import is_private_ip


class GuardedResolver(CachingThreadedResolver):
    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("BOLIGARKIV_ALLOW_PRIVATE_DNS")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Any:
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(self._check, name)
        return d

    @staticmethod
    def _check(address: str, name: str) -> str:
        if is_private_ip(address):
            raise DNSLookupError(
                f"{name} peker på en privat adresse ({address}); ikke tillatt fra et offentlig nettsted"
            )
        return address
