"""Is the web there at all? A quick check before a crawl: a TCP connection to a sample of the kommuner's
sites, in parallel, a few seconds at most. When none answers, the crawl would only collect hundreds of
connection errors; the caller stops and says why instead.

The same boundary as the crawl: a public site whose name resolves to a private address is not connected to.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from boligarkiv.crawler.scope import is_private_host, is_private_ip


@dataclass
class Reachability:
    tried: int
    reachable: int
    reasons: dict[str, int]  # why the others failed: dns, refused, timeout, …

    @property
    def none(self) -> bool:
        return self.tried > 0 and self.reachable == 0


def _probe(url: str, timeout: float) -> str | None:
    """None when the site accepts a connection, else the reason it does not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    private_seed = is_private_host(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return "dns"
    except OSError:
        return "dns"
    for family, kind, proto, _, addr in infos:
        if not private_seed and is_private_ip(addr[0]):
            return "private_address"
        try:
            with socket.socket(family, kind, proto) as s:
                s.settimeout(timeout)
                s.connect(addr)
                return None
        except TimeoutError:
            reason = "timeout"
        except ConnectionRefusedError:
            reason = "refused"
        except OSError:
            reason = "unreachable"
    return reason if infos else "dns"


def check_sites(urls: list[str], *, sample: int = 12, timeout: float = 4.0) -> Reachability:
    chosen = list(dict.fromkeys(urls))[:sample]
    if not chosen:
        return Reachability(0, 0, {})
    with ThreadPoolExecutor(max_workers=min(12, len(chosen))) as pool:
        results = list(pool.map(lambda u: _probe(u, timeout), chosen))
    reasons: dict[str, int] = {}
    for r in results:
        if r is not None:
            reasons[r] = reasons.get(r, 0) + 1
    return Reachability(len(chosen), sum(1 for r in results if r is None), reasons)
