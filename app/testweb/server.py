"""Serve generated sites on 127.0.0.1, one port per host, and log every request for the tests to check."""

from __future__ import annotations

import csv
import gzip
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from .sites import Site, build_site, build_special_sites

# Real kommuner (2024 numbers), so reports built on the test web read naturally.
KOMMUNER = [
    ("0301", "Oslo"),
    ("1101", "Eigersund"),
    ("1103", "Stavanger"),
    ("1106", "Haugesund"),
    ("1108", "Sandnes"),
    ("1506", "Molde"),
    ("1508", "Ålesund"),
    ("1520", "Ørsta"),
    ("1804", "Bodø"),
    ("1841", "Fauske"),
    ("3101", "Halden"),
    ("3103", "Moss"),
    ("3201", "Bærum"),
    ("3203", "Asker"),
    ("3301", "Drammen"),
    ("3401", "Kongsvinger"),
    ("3403", "Hamar"),
    ("3901", "Horten"),
    ("4001", "Porsgrunn"),
    ("4003", "Skien"),
    ("4203", "Arendal"),
    ("4204", "Kristiansand"),
    ("4601", "Bergen"),
    ("4602", "Kinn"),
    ("4621", "Voss"),
    ("4640", "Sogndal"),
    ("4647", "Sunnfjord"),
    ("5001", "Trondheim"),
    ("5006", "Steinkjer"),
    ("5501", "Tromsø"),
    ("5503", "Harstad"),
    ("5601", "Alta"),
    ("5603", "Hammerfest"),
    ("1515", "Herøy"),
    ("3405", "Lillehammer"),
    ("4213", "Tvedestrand"),
    ("1813", "Brønnøy"),
    ("5035", "Stjørdal"),
    ("3907", "Sandefjord"),
    ("4020", "Midt-Telemark"),
]


@dataclass
class LoggedRequest:
    site: str
    host: str  # "main", "alias" or "doc"
    method: str
    path: str
    status: int
    headers: dict[str, str]
    at: float
    bytes_sent: int


@dataclass
class TestWeb:
    __test__ = False  # not a pytest test class

    sites: list[Site]
    log: list[LoggedRequest] = field(default_factory=list)
    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    roots: dict[str, str] = field(default_factory=dict)  # site key -> canonical root URL
    seed_urls: dict[str, str] = field(default_factory=dict)  # site key -> URL given in the seeds
    doc_roots: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stall: bool = False  # for kill tests: make every response slow

    def start(self) -> TestWeb:
        for site in self.sites:
            main = self._serve(site, "main")
            self.roots[site.key] = f"http://127.0.0.1:{main.server_port}"
            self.seed_urls[site.key] = self.roots[site.key] + "/"
            if site.alias:
                alias = self._serve(site, "alias")
                self.seed_urls[site.key] = f"http://127.0.0.1:{alias.server_port}/"
            if site.doc_host_resources or site.doc_dynamic:
                doc = self._serve(site, "doc")
                self.doc_roots[site.key] = f"http://127.0.0.1:{doc.server_port}"
            self._bind_urls(site)
        return self

    def _bind_urls(self, site: Site) -> None:
        root = self.roots[site.key].encode()
        doc = self.doc_roots.get(site.key, "").encode()
        for res in list(site.resources.values()) + list(site.doc_host_resources.values()):
            if res.content_type.startswith(("text/html", "application/xml")):
                res.body = res.body.replace(b"SITEROOT", root).replace(b"DOCHOST", doc)
            elif res.content_type == "application/x-gzip":  # a gzipped sitemap
                res.body = gzip.compress(gzip.decompress(res.body).replace(b"SITEROOT", root), mtime=0)
        for line in site.robots_sitemaps:
            site.robots += f"Sitemap: {line.replace('SITEROOT', root.decode())}\n"

    def _serve(self, site: Site, role: str) -> ThreadingHTTPServer:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.do_GET(head=True)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.do_GET(post=self.rfile.read(length) if length else b"")

            def do_GET(self, head: bool = False, post: bytes | None = None) -> None:
                status, sent = web.respond(self, site, role, head, post)
                with web.lock:
                    web.log.append(
                        LoggedRequest(
                            site.key,
                            role,
                            self.command,
                            self.path,
                            status,
                            {k: v for k, v in self.headers.items()},
                            time.time(),
                            sent,
                        )
                    )

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return server

    def respond(
        self, h: BaseHTTPRequestHandler, site: Site, role: str, head: bool, post: bytes | None = None
    ) -> tuple[int, int]:
        if self.stall:
            time.sleep(0.3)
        path = unquote(h.path)
        if role == "alias":
            return self._send(h, 301, b"", "text/plain", {"Location": self.roots[site.key] + path}, head)
        if post is not None:
            res = None
            if role == "doc":
                headers = {k.lower(): v for k, v in h.headers.items()}
                for prefix, post_handler in site.doc_post:
                    if h.path.startswith(prefix):
                        res = post_handler(h.path, headers, post)
                        if res is not None:
                            break
            if res is None:
                return self._send(h, 405, b"Method not allowed", "text/plain", {"Allow": "GET, HEAD"}, head)
            return self._send(h, res.status, res.body, res.content_type, dict(res.headers), head)
        if path == "/robots.txt" and role == "main":
            return self._send(h, 200, site.robots.encode(), "text/plain", {}, head)
        res = site.doc_host_resources.get(path) if role == "doc" else site.lookup(path)
        if res is None and role == "doc":
            headers = {k.lower(): v for k, v in h.headers.items()}
            for prefix, handler in site.doc_dynamic:
                if h.path.startswith(prefix):
                    res = handler(h.path, headers)
                    if res is not None:
                        break
        if res is None:
            return self._send(h, 404, b"<h1>Fant ikke siden</h1>", "text/html; charset=utf-8", {}, head)
        if res.retry_after_once is not None:
            key = (site.key, path)
            with self.lock:
                first = key not in _SEEN_429
                _SEEN_429.add(key)
            if first:
                return self._send(
                    h, 429, b"Too many requests", "text/plain", {"Retry-After": str(res.retry_after_once)}, head
                )
        if res.delay:
            time.sleep(res.delay)
        headers = dict(res.headers)
        if res.status == 200 and res.conditional:
            headers.setdefault("ETag", res.etag)
            headers.setdefault("Last-Modified", formatdate(1_700_000_000, usegmt=True))
            if h.headers.get("If-None-Match") == headers["ETag"] or (
                "If-None-Match" not in h.headers and h.headers.get("If-Modified-Since") == headers["Last-Modified"]
            ):
                return self._send(h, 304, b"", None, {"ETag": headers["ETag"]}, head)
        if res.truncate:
            h.send_response(200)
            h.send_header("Content-Type", res.content_type)
            h.send_header("Content-Length", str(len(res.body)))
            h.end_headers()
            half = res.body[: len(res.body) // 2]
            h.wfile.write(half)
            h.wfile.flush()
            h.close_connection = True
            return 200, len(half)
        return self._send(h, res.status, res.body, res.content_type, headers, head)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None, headers: dict[str, str], head: bool
    ) -> tuple[int, int]:
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)) if status != 304 else "0")
        h.end_headers()
        if not head and status != 304:
            h.wfile.write(body)
            return status, len(body)
        return status, 0

    def stop(self) -> None:
        # shutdown() waits for the serve loop's 0.5 s poll; do all servers at once, not one after another.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(lambda s: s.shutdown(), self.servers))
        for s in self.servers:
            s.server_close()

    # --- what the tests need --------------------------------------------------------------------------
    def write_seeds(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["kommunenummer", "navn", "fylke", "nettside", "ekstra_urler", "moteportaler"])
            for site in self.sites:
                doc = self.doc_roots.get(site.key, "")
                portals = " ".join(u.replace("DOCHOST", doc) for u in site.seed_portals)
                w.writerow([site.kommune_nummer, site.kommune_navn, "Testfylke", self.seed_urls[site.key], "", portals])
        return path

    def plans(self) -> dict[str, tuple[str, str]]:
        """sha256 -> (kommune_nummer, title) for every plan a correct crawler can find."""
        return {sha: (s.kommune_nummer, t) for s in self.sites if not s.down for sha, t in s.plans.items()}

    def requests_for(self, site_key: str) -> list[LoggedRequest]:
        with self.lock:
            return [r for r in self.log if r.site == site_key]


_SEEN_429: set[tuple[str, str]] = set()


def build_test_web(n_sites: int = 30, seed: int = 7) -> TestWeb:
    assert n_sites + 3 <= len(KOMMUNER)
    sites = [build_site(i, *KOMMUNER[i], seed=seed) for i in range(n_sites)]
    sites += build_special_sites(n_sites, KOMMUNER[n_sites : n_sites + 3])
    return TestWeb(sites)
