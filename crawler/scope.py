"""Which hosts a kommune's crawl may touch, and the rule against wandering into private networks."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def netloc(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{port}" if port and port != default else host


def is_private_host(host_or_url: str) -> bool:
    """True for loopback, private, link-local and reserved addresses and for localhost names."""
    host = urlsplit(host_or_url).hostname if "//" in host_or_url else host_or_url.split(":")[0]
    host = (host or "").strip("[]").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast


def site_aliases(url: str) -> set[str]:
    """The seed host and its www/non-www twin."""
    n = netloc(url)
    if n.startswith("www."):
        return {n, n[4:]}
    if is_private_host(n):
        return {n}
    return {n, "www." + n}


def may_enter(target_url: str, seed_is_private: bool) -> bool:
    """Loopback and private targets are allowed only when the kommune's own seeds point there."""
    if urlsplit(target_url).scheme not in ("http", "https"):
        return False
    return seed_is_private or not is_private_host(target_url)
