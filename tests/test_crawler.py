"""The crawler against the local test web: recall, waste, politeness, incrementality and crash safety.

Every crawl runs the real `boligarkiv crawl` command in a subprocess against real HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from boligarkiv.app.testweb.server import TestWeb, build_test_web
from boligarkiv.crawler.middlewares import parse_retry_after
from boligarkiv.crawler.spiders.kommune import MAX_QUERY_VARIANTS
from boligarkiv.db import open_archive
from boligarkiv.models import Coverage, Document, Fetch, Run
from boligarkiv.settings import Settings

CLI = [sys.executable, "-m", "boligarkiv.app.cli"]
ENV = {**os.environ, "BOLIGARKIV_CRAWL_DELAY": "0", "PYTHONUNBUFFERED": "1"}


def crawl(data_dir: Path, seeds: Path, *extra: str, check: bool = True) -> dict[str, Any]:
    out = subprocess.run(
        [*CLI, "--data-dir", str(data_dir), "crawl", "--seeds", str(seeds), "--format", "json", *extra],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=240,
    )
    if check:
        assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def documents_json(data_dir: Path, *extra: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [*CLI, "--data-dir", str(data_dir), "documents", "--format", "json", *extra],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def web() -> Any:
    w = build_test_web(30).start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def first(web: TestWeb, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("crawl")
    seeds = web.write_seeds(tmp / "seeds.csv")
    start = len(web.log)
    result = crawl(tmp / "data", seeds)
    return {"dir": tmp / "data", "seeds": seeds, "result": result, "log": web.log[start:], "end": len(web.log)}


def archived(data_dir: Path) -> dict[str, Document]:
    arch = open_archive(Settings(data_dir=data_dir))
    with arch.session() as s:
        docs = {d.sha256: d for d in s.scalars(select(Document))}
    arch.dispose()
    return docs


def test_recall_and_waste(web: TestWeb, first: dict[str, Any]) -> None:
    plans = web.plans()
    docs = archived(first["dir"])
    found = [sha for sha in plans if sha in docs]
    recall = len(found) / len(plans)
    non_plans = [d for sha, d in docs.items() if sha not in plans]
    print(f"plans={len(plans)} found={len(found)} recall={recall:.3f} non-plan downloads={len(non_plans)}")
    assert len(web.sites) >= 30
    assert recall >= 0.95
    assert len(non_plans) <= 3 * len(found)
    # Each plan is attributed to the kommune whose site it came from.
    for sha in found:
        assert docs[sha].kommune_nummer == plans[sha][0]
    # Download attempts of documents (200s on document URLs) stay low as well.
    pdf_gets = [
        r for r in first["log"] if (r.status == 200 and r.path.endswith((".pdf", "last-ned"))) or "fil.ashx" in r.path
    ]
    assert len(pdf_gets) <= 4 * len(found)


def test_robots_rules_are_never_broken_and_nothing_leaves_loopback(web: TestWeb, first: dict[str, Any]) -> None:
    sites = {s.key: s for s in web.sites}
    for r in first["log"]:
        for prefix in sites[r.site].disallowed_prefixes:
            assert not (r.host == "main" and r.path.startswith(prefix) and r.path != "/robots.txt"), r
    docs = archived(first["dir"])
    for sha in (h for s in web.sites for h in s.forbidden_plans):
        assert sha not in docs
    arch = open_archive(Settings(data_dir=first["dir"]))
    with arch.session() as s:
        urls = list(s.scalars(select(Fetch.url)))
    arch.dispose()
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert all(r.headers.get("User-Agent", "").startswith("Boligarkiv/") for r in first["log"])


def test_endless_calendar_does_not_eat_the_budget(web: TestWeb, first: dict[str, Any]) -> None:
    calendar_sites = [s for s in web.sites if "calendar" in s.features]
    assert calendar_sites
    for site in calendar_sites:
        reqs = [r for r in first["log"] if r.site == site.key and r.host == "main"]
        paths = {r.path for r in reqs}
        assert site.real_pages <= paths, site.real_pages - paths
        assert sum(r.path.startswith("/kalender?") for r in reqs) <= MAX_QUERY_VARIANTS
    # A tiny budget still reaches the plans first, because links are taken best-first.
    tight = crawl(
        first["dir"].parent / "tight", first["seeds"], "--kommune", calendar_sites[0].kommune_nummer, "--max-pages", "8"
    )
    ledger = tight["dekning"][0]
    assert ledger["budsjett_brukt_opp"] is True
    docs = archived(first["dir"].parent / "tight")
    assert set(calendar_sites[0].plans) <= set(docs)


def test_shapes_duplicates_handlers_redirects_doc_hosts(web: TestWeb, first: dict[str, Any]) -> None:
    rows = documents_json(first["dir"])
    by_sha = {r["sha256"]: r for r in rows}
    # One PDF under several URLs is stored once, with every URL recorded.
    dup_site = next(s for s in web.sites if "duplicates" in s.features)
    dup_sha = next(iter(dup_site.plans))
    assert len(by_sha[dup_sha]["urls"]) >= 2
    # Download handlers without .pdf, some served as application/octet-stream, are recognised as PDFs.
    handler = next(s for s in web.sites if s.shape == "handler")
    for sha in handler.plans:
        assert by_sha[sha]["content_type"] == "application/pdf"
        assert any("fil.ashx" in u for u in by_sha[sha]["urls"])
    # The redirect site's seed is an alias host; its plans are found on the canonical host.
    redirect = next(s for s in web.sites if s.shape == "redirect")
    assert set(redirect.plans) <= set(by_sha)
    # A plan on a separate document host is found, and nothing else on that host is touched.
    doc_site = next(s for s in web.sites if s.doc_host)
    assert set(doc_site.plans) <= set(by_sha)
    doc_host_paths = {r.path for r in first["log"] if r.site == doc_site.key and r.host == "doc"}
    assert doc_host_paths - {"/robots.txt"} <= set(doc_site.doc_host_resources)
    # Sitemap-only sites are found through their sitemaps: at /sitemap.xml, or only named in robots.txt as an
    # index of gzipped parts.
    sitemap_sites = [s for s in web.sites if s.shape == "sitemap"]
    assert {bool(s.robots_sitemaps) for s in sitemap_sites} == {True, False}
    for sitemap in sitemap_sites:
        assert set(sitemap.plans) <= set(by_sha), (sitemap.key, sitemap.robots_sitemaps)
    # Nynorsk sites work like Bokmål ones.
    nynorsk = next(s for s in web.sites if s.shape == "nynorsk")
    assert set(nynorsk.plans) <= set(by_sha)
    for sha in nynorsk.plans:
        assert by_sha[sha]["fetches"][0]["status"] == 200


def test_errors_are_recorded_and_retry_after_is_honoured(web: TestWeb, first: dict[str, Any]) -> None:
    ledger = {r["kommune"]: r for r in first["result"]["dekning"]}
    err_site = next(s for s in web.sites if "errors" in s.features)
    errors = ledger[err_site.kommune_nummer]["feil"]
    assert errors.get("truncated") == 1
    assert errors.get("http_500") == 1
    # 429 with Retry-After: 1 → the retry comes at least a second later.
    busy = [r for r in first["log"] if r.site == err_site.key and r.path == "/tjenester/bolig/travel"]
    assert [r.status for r in busy] == [429, 200]
    assert busy[1].at - busy[0].at >= 0.9
    # Reasons when nothing is found.
    special = {s.shape: s.kommune_nummer for s in web.sites if s.shape in ("down", "robots-all", "empty")}
    assert ledger[special["down"]]["grunn"] == "site_unreachable"
    assert ledger[special["robots-all"]]["grunn"] == "robots_disallow"
    assert ledger[special["empty"]]["grunn"] == "nothing_relevant"
    assert all(ledger[s.kommune_nummer]["grunn"] is None for s in web.sites if s.plans and not s.down)


def test_second_crawl_downloads_no_unchanged_document(web: TestWeb, first: dict[str, Any]) -> None:
    before = archived(first["dir"])
    start = len(web.log)
    result = crawl(first["dir"], first["seeds"])
    second = web.log[start:]
    doc_paths = {
        (s.key, p)
        for s in web.sites
        for p, r in [*s.resources.items(), *s.doc_host_resources.items()]
        if r.body.startswith(b"%PDF-") and not r.truncate
    }
    re_downloaded = [r for r in second if r.status == 200 and (r.site, r.path) in doc_paths]
    assert any(r.status == 304 for r in second)
    assert re_downloaded == []
    assert result["kjoring"]["not_modified"] >= len([s for s in before if s in web.plans()])
    assert result["kjoring"]["new_documents"] == 0
    assert set(archived(first["dir"])) == set(before)


def test_changed_file_becomes_a_new_version(tmp_path: Path) -> None:
    web = build_test_web(6).start()
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        site = web.sites[0]
        crawl(tmp_path / "data", seeds, "--kommune", site.kommune_nummer)
        old = archived(tmp_path / "data")
        # The kommune publishes a revised plan at the same URL.
        _path, res = next(
            (p, r)
            for p, r in site.resources.items()
            if r.body and r.body[:5] == b"%PDF-" and __import__("hashlib").sha256(r.body).hexdigest() in site.plans
        )
        res.body = res.body.replace(b"%%EOF", b"% revidert\n%%EOF")
        crawl(tmp_path / "data", seeds, "--kommune", site.kommune_nummer)
        new = archived(tmp_path / "data")
        assert set(old) < set(new)
        added = [d for sha, d in new.items() if sha not in old]
        assert any(d.previous_sha256 in old for d in added)
        for sha in old:  # nothing archived is lost or overwritten
            assert new[sha].size == old[sha].size
    finally:
        web.stop()


def test_kill_9_mid_crawl_then_resume_loses_nothing(tmp_path: Path) -> None:
    web = build_test_web(8).start()
    web.stall = True
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        data = tmp_path / "data"
        proc = subprocess.Popen(
            [*CLI, "--data-dir", str(data), "crawl", "--seeds", str(seeds), "--format", "json"],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db = data / "boligarkiv.sqlite3"
        deadline = time.time() + 60
        n = 0
        while time.time() < deadline:
            time.sleep(0.3)
            if db.exists():
                import sqlite3

                try:
                    n = sqlite3.connect(db).execute("select count(*) from document").fetchone()[0]
                except sqlite3.OperationalError:
                    n = 0
                if n >= 3:
                    break
        assert n >= 3, "crawl made no progress before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        web.stall = False
        crawl(data, seeds)
        docs = archived(data)
        assert set(web.plans()) <= set(docs)
        arch = open_archive(Settings(data_dir=data))
        with arch.session() as s:
            runs = list(s.scalars(select(Run).order_by(Run.id)))
            assert [r.status for r in runs] == ["interrupted", "ok"]
            # Every fetch that names a document points at a stored, intact blob.
            for sha in s.scalars(select(Fetch.sha256).where(Fetch.sha256.is_not(None)).distinct()):
                arch.blobs.get(sha)
            assert s.scalar(select(func.count()).select_from(Coverage).where(Coverage.run_id == runs[-1].id)) == 11
        arch.dispose()
    finally:
        web.stop()


def test_husbanken_library_attributes_plans_to_kommuner(tmp_path: Path) -> None:
    from boligarkiv.app.testweb.sites import build_library

    kommuner = [
        ("1841", "Fauske", "Nordland"),
        ("4601", "Bergen", "Vestland"),
        ("3418", "Åsnes", "Innlandet"),
        ("5001", "Trondheim", "Trøndelag"),
        ("1804", "Bodø", "Nordland"),
        ("3419", "Våler", "Innlandet"),
        ("1101", "Eigersund", "Rogaland"),
    ]
    library, truth = build_library(kommuner)
    web = TestWeb([library]).start()
    try:
        data = tmp_path / "data"
        subprocess.run([*CLI, "--data-dir", str(data), "init"], env=ENV, check=True, capture_output=True)
        out = subprocess.run(
            [
                *CLI,
                "--data-dir",
                str(data),
                "crawl",
                "--husbanken-only",
                "--husbanken-url",
                web.seed_urls["library"],
                "--format",
                "json",
            ],
            env=ENV,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        docs = archived(data)
        assert set(truth) <= set(docs)
        for sha, nummer in truth.items():
            assert docs[sha].kommune_nummer == nummer, (nummer, docs[sha].kommune_nummer)
        # The coverage ledger says what came from the library, per kommune.
        ledger = {row["kommune"]: row["kilder"] for row in json.loads(out.stdout)["dekning"]}
        for nummer in set(truth.values()):
            assert ledger[nummer]["husbanken"]["dokumenter"] >= 1, ledger.get(nummer)
    finally:
        web.stop()


def test_retry_after_parsing() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_crawl_delay_in_robots_txt_is_honoured(tmp_path: Path) -> None:
    """A robots.txt group for our user agent asks for two seconds between requests: once it is read, every
    later request to the host starts at least that long after the one before (the other tests crawl with no
    delay at all, so this is the middleware's doing)."""
    from boligarkiv.app.testweb.sites import Resource, Site, links, page

    site = Site(key="slow-host", kommune_nummer="3201", kommune_navn="Bærum", shape="crawl-delay", language="nb")
    site.robots = "User-agent: Boligarkiv\nCrawl-delay: 2\n\nUser-agent: *\nDisallow:\n"
    pages = [f"/tjenester/bolig/side-{i}" for i in range(4)]
    site.resources["/"] = page("Bærum kommune", links([(p, f"Bolig {i}") for i, p in enumerate(pages)]))
    for p in pages:
        site.resources[p] = page("Bolig", "<p>Om bolig.</p>")
    site.resources["/sitemap.xml"] = Resource(b"", status=404)
    web = TestWeb([site]).start()
    try:
        crawl(tmp_path / "data", web.write_seeds(tmp_path / "seeds.csv"))
        log = [r for r in web.log if r.site == site.key]
    finally:
        web.stop()
    read = [r.at for r in log if r.path == "/robots.txt"][-1]
    # Requests already on the wire when robots.txt was read finish within moments; the rest wait.
    after = [r for r in log if r.at > read + 0.5]
    assert len(after) >= 4, [(r.path, round(r.at - read, 2)) for r in log]
    gaps = [b.at - a.at for a, b in itertools.pairwise(after)]
    assert min(gaps) >= 1.8, gaps
