"""Which hosts a kommune's crawl may touch, and the rule against wandering into private networks."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def netloc(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{port}" if port and port != default else host


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host name denotes when it is numeric, read the way the operating system reads it:
    «127.1», «0x7f000001», «2130706433» and «0177.0.0.1» are all 127.0.0.1 to inet_aton and so to the socket
    layer, whatever ipaddress thinks of them."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if all(c in "0123456789abcdefx." for c in host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_private_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | str) -> bool:
    """Anything that is not a global unicast address: loopback, private, link-local, CGNAT (100.64/10),
    reserved, multicast, unspecified — and IPv6 forms that wrap one of those."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return is_private_ip(inner)
    return not ip.is_global or ip.is_multicast


def is_private_host(host_or_url: str) -> bool:
    """True for hosts that name or spell a non-global address, and for localhost names (trailing dots and
    every numeric spelling included). Names that merely resolve to one are caught at connect time by
    crawler.resolver.GuardedResolver."""
    host = urlsplit(host_or_url).hostname if "//" in host_or_url else host_or_url.rsplit(":", 1)[0]
    if host_or_url.startswith("[") and "//" not in host_or_url:
        host = host_or_url[1:].split("]")[0]
    host = (host or "").strip("[]").rstrip(".").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal", ".home.arpa")):
        return True
    ip = parse_ip(host)
    return ip is not None and is_private_ip(ip)


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
