"""The whole job at full scale: a test web of all 357 kommuner on loopback, `boligarkiv run` twice.

Each kommune gets a generated site (the shapes of the crawler's test web) whose plans have 15–40 pages;
red flags come from the local SSB test server. The first run does everything; the second is incremental.
Prints time per stage, peak memory (resident set of the run process), documents per second, and how much
less work the second run did. Runs on whatever cores the machine has (2 here).

Usage: python bench/full.py [--kommuner 357]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from boligarkiv.seeds import read_seeds
from boligarkiv.settings import DEFAULT_SEEDS
from boligarkiv.testweb.server import TestWeb
from boligarkiv.testweb.sites import build_site
from tests.ssbweb import SsbWeb


def run(data: Path, seeds: Path, env: dict[str, str]) -> tuple[dict, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "boligarkiv.cli",
            "--data-dir",
            str(data),
            "run",
            "--seeds",
            str(seeds),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - t0
    if out.returncode not in (0, 5):
        raise SystemExit(out.stderr[-3000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return json.loads(out.stdout), wall, max(after.ru_maxrss, before.ru_maxrss) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kommuner", type=int, default=357)
    args = ap.parse_args()
    seeds_all = read_seeds(DEFAULT_SEEDS)[: args.kommuner]
    t0 = time.perf_counter()
    web = TestWeb([build_site(i, s.nummer, s.navn, plan_pages=(15, 40)) for i, s in enumerate(seeds_all)]).start()
    ssb = SsbWeb(
        robek_html="<table><tr><td>Fauske</td><td>Nordland</td><td>c og d</td></tr>"
        "<tr><td>Træna</td><td>Nordland</td><td>f</td></tr></table>"
    ).start()
    pdf_bytes = sum(
        len(r.body)
        for s in web.sites
        for r in [*s.resources.values(), *s.doc_host_resources.values()]
        if r.body.startswith(b"%PDF")
    )
    print(
        f"test web: {len(web.sites)} sites, {len(web.plans())} plans, {pdf_bytes / 1e6:.0f} MB of PDF, "
        f"built in {time.perf_counter() - t0:.0f} s"
    )
    env = {
        **os.environ,
        "BOLIGARKIV_CRAWL_DELAY": "0",
        "BOLIGARKIV_SSB_URL": ssb.url,
        "BOLIGARKIV_KLASS_URL": ssb.klass_url,
        "BOLIGARKIV_ROBEK_URL": ssb.robek_url,
        "BOLIGARKIV_SSB_CALLS_PER_MINUTE": "10000",
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            seeds = web.write_seeds(Path(tmp) / "seeds.csv")
            first, wall1, rss1 = run(Path(tmp) / "data", seeds, env)
            second, wall2, rss2 = run(Path(tmp) / "data", seeds, env)
    finally:
        web.stop()
        ssb.stop()
    print(f"{'stage':<10}{'run 1 s':>10}{'run 2 s':>10}   work run 1 → run 2")
    work = {
        "crawl": lambda r: f"{r['pages']} pages, {r['new_documents']} new docs, {r['not_modified']} unchanged (304)",
        "extract": lambda r: f"{r['documents']} docs, {r['pages']} pages",
        "analyse": lambda r: f"{r['documents']} docs, {r['hits']} hits",
        "flags": lambda r: f"{len(r['indicators'])} indicators, {r.get('ssb_calls', 0)} SSB calls",
        "index": lambda r: f"{r['documents']} docs, {r['pages']} pages",
    }
    for stage in ("crawl", "extract", "analyse", "flags", "index"):
        a, b = first["stages"][stage], second["stages"][stage]
        print(
            f"{stage:<10}{first['seconds'][stage]:>10.1f}{second['seconds'][stage]:>10.1f}   "
            f"{work[stage](a)}  →  {work[stage](b)}"
        )
    docs = first["new_documents"]
    print(f"run 1: {wall1:.0f} s wall, {docs} documents ({docs / wall1:.2f} docs/s), peak RSS {rss1:.0f} MB")
    print(
        f"run 2: {wall2:.0f} s wall ({100 * (1 - wall2 / wall1):.0f}% less time), "
        f"{second['new_documents']} new documents, peak RSS {rss2:.0f} MB"
    )


if __name__ == "__main__":
    main()
