"""Crawl benchmark: the full Boligarkiv crawl over the local test web on loopback, next to baselines.

Prints pages/s, documents/s and CPU time per page for
  1. `boligarkiv crawl` (archive pipeline, scoring, frontier, robots, conditional GET) on N generated sites;
  2. a plain Scrapy spider that follows every in-site link of the same test web and stores nothing
     (the `scrapy bench` idea on our sites: the cost of Scrapy itself);
  3. `scrapy bench` itself, run for a few seconds on its own local server.
All three run in this process's session on this machine, so the figures compare.

Usage: python bench/crawl.py [--sites 60]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from boligarkiv.app.testweb.server import KOMMUNER, TestWeb, build_test_web
from boligarkiv.app.testweb.sites import build_site, build_special_sites

BASELINE_SPIDER = r"""
import sys, scrapy
from scrapy.crawler import CrawlerProcess
from urllib.parse import urlsplit
starts = sys.argv[1:]
hosts = {urlsplit(u).netloc for u in starts}
class Follow(scrapy.Spider):
    name = "follow"
    start_urls = starts
    def parse(self, response):
        if b"<html" not in response.body[:2000].lower():
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc in hosts and "kalender" not in url and "sok" not in url:
                yield scrapy.Request(url)
p = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
                    "CONCURRENT_REQUESTS": 32, "TELNETCONSOLE_ENABLED": False})
crawler = p.create_crawler(Follow)
p.crawl(crawler)
p.start()
print("RESPONSES", crawler.stats.get_value("response_received_count"))
"""


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build(n: int) -> TestWeb:
    kommuner = (KOMMUNER * ((n // len(KOMMUNER)) + 2))[: n + 3]
    kommuner = [(f"{9000 + i:04d}" if i >= len(KOMMUNER) else k[0], k[1]) for i, k in enumerate(kommuner)]
    sites = [build_site(i, *kommuner[i]) for i in range(n)] + build_special_sites(n, kommuner[n : n + 3])
    return TestWeb(sites).start()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=60)
    args = ap.parse_args()
    web = build(args.sites) if args.sites > 37 else build_test_web(min(args.sites, 37))
    env = {**os.environ, "BOLIGARKIV_CRAWL_DELAY": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = web.write_seeds(Path(tmp) / "seeds.csv")
        cpu0, t0 = child_cpu(), time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "boligarkiv.app.cli",
                "-d",
                f"{tmp}/data",
                "crawl",
                "--seeds",
                str(seeds),
                "--format",
                "json",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        wall, cpu = time.perf_counter() - t0, child_cpu() - cpu0
        import sqlite3

        con = sqlite3.connect(f"{tmp}/data/boligarkiv.sqlite3")
        pages = con.execute("select count(*) from fetch where sha256 is null and error is null").fetchone()[0]
        docs = con.execute("select count(*) from document").fetchone()[0]
        plans = web.plans()
        found = sum(1 for (s,) in con.execute("select sha256 from document") if s in plans)
        con.close()

        cpu0, t0 = child_cpu(), time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", BASELINE_SPIDER, *web.seed_urls.values()], capture_output=True, text=True, check=True
        )
        b_wall, b_cpu = time.perf_counter() - t0, child_cpu() - cpu0
        b_pages = int(re.search(r"RESPONSES (\d+)", out.stdout).group(1))

        bench = subprocess.run(
            ["scrapy", "bench", "-s", "CLOSESPIDER_TIMEOUT=6", "-s", "LOG_LEVEL=INFO"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        rates = [int(m) for m in re.findall(r"at (\d+) pages/min", bench.stderr)]
        sb = max(rates) / 60 if rates else float("nan")
    web.stop()

    print(
        f"test web: {len(web.sites)} sites, {len(plans)} plans; found {found} (recall {found / len(plans):.3f}), "
        f"{docs - found} non-plan documents"
    )
    print(f"{'crawler':<34}{'wall s':>8}{'pages':>8}{'pages/s':>10}{'docs/s':>9}{'CPU ms/page':>13}")
    print(
        f"{'boligarkiv crawl (full pipeline)':<34}{wall:>8.2f}{pages:>8}{pages / wall:>10.1f}{docs / wall:>9.2f}"
        f"{1000 * cpu / max(pages + docs, 1):>13.2f}"
    )
    print(
        f"{'plain Scrapy follow-all (baseline)':<34}{b_wall:>8.2f}{b_pages:>8}{b_pages / b_wall:>10.1f}{'-':>9}"
        f"{1000 * b_cpu / max(b_pages, 1):>13.2f}"
    )
    print(f"{'scrapy bench (own local server)':<34}{'6':>8}{'-':>8}{sb:>10.1f}{'-':>9}{'-':>13}")


if __name__ == "__main__":
    main()
