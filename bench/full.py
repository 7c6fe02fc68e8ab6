"""The whole job at full scale: a test web of all 357 kommuner on loopback, `boligarkiv run` twice.

Each kommune gets a generated site (the shapes of the crawler's test web) whose plans have 15–40 pages;
every 10th kommune instead publishes through one of the newer shapes — a meeting portal (ACOS WebSak,
360 OpenGov, Elements Publikum, eInnsyn in turn), an HTML plan (article, chapters, Framsikt) or a CMS family's
document URLs. Red flags come from the local SSB test server. The first run does everything; the second is
incremental. Prints time per stage, peak memory (resident set of the run process), documents per second, and
how much less work the second run did, next to the previous recorded run (`bench/results/full.json`, written
at the end of each run with `--record`). Runs on whatever cores the machine has (2 here).

Usage: python bench/full.py [--kommuner 357] [--no-new-shapes] [--record]
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

from boligarkiv.app.testweb.portals import acos_site, einnsyn_site, elements_site, opengov_site
from boligarkiv.app.testweb.server import TestWeb
from boligarkiv.app.testweb.sites import Site, build_cms_sites, build_html_plan_sites, build_site
from boligarkiv.seeds import read_seeds
from boligarkiv.settings import DEFAULT_SEEDS
from tests.ssbweb import SsbWeb

RESULTS = Path(__file__).resolve().parent / "results" / "full.json"
STAGES = ("crawl", "extract", "analyse", "flags", "index")


def build_web(seeds: list, new_shapes: bool) -> list[Site]:
    """The generated web: ordinary sites, and (with new shapes) every 10th kommune on a newer shape."""
    from datetime import date

    portal_makers = (acos_site, opengov_site, elements_site, einnsyn_site)
    sites: list[Site] = []
    newer = 0
    for i, s in enumerate(seeds):
        if not new_shapes or i % 10 != 5:
            sites.append(build_site(i, s.nummer, s.navn, plan_pages=(15, 40)))
            continue
        kind = newer % 3
        if kind == 0:
            site = portal_makers[(newer // 3) % 4](s.nummer, s.navn, date.today())
        elif kind == 1:
            site = build_html_plan_sites([(s.nummer, s.navn)] * 4)[(newer // 3) % 4]
        else:
            site = build_cms_sites([(s.nummer, s.navn)] * 6)[(newer // 3) % 6]
        site.key = f"{site.key}-{i}"
        sites.append(site)
        newer += 1
    return sites


def run(data: Path, seeds: Path, env: dict[str, str]) -> tuple[dict, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "boligarkiv.app.cli",
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
    ap.add_argument("--no-new-shapes", action="store_true", help="only the old generated sites")
    ap.add_argument("--record", action="store_true", help=f"save this run's figures in {RESULTS}")
    args = ap.parse_args()
    seeds_all = read_seeds(DEFAULT_SEEDS)[: args.kommuner]
    t0 = time.perf_counter()
    web = TestWeb(build_web(seeds_all, not args.no_new_shapes)).start()
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
    shapes = sorted(
        {
            s.shape
            for s in web.sites
            if s.shape not in ("listing", "nested", "handler", "redirect", "sitemap", "nynorsk")
        }
    )
    print(
        f"test web: {len(web.sites)} sites, {len(web.plans())} plans, {pdf_bytes / 1e6:.0f} MB of PDF, "
        f"built in {time.perf_counter() - t0:.0f} s; newer shapes: {', '.join(shapes) or 'none'}"
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
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else None
    label = f"prev ({previous['label']})" if previous else "prev"
    print(f"previous recorded run: {previous['label'] if previous else 'none'}")
    print(f"{'stage':<10}{'run 1 s':>10}{'run 2 s':>10}{label[:22]:>24}   work run 1 → run 2")
    work = {
        "crawl": lambda r: f"{r['pages']} pages, {r['new_documents']} new docs, {r['not_modified']} unchanged (304)",
        "extract": lambda r: f"{r['documents']} docs, {r['pages']} pages",
        "analyse": lambda r: f"{r['documents']} docs, {r['hits']} hits",
        "flags": lambda r: f"{len(r['indicators'])} indicators, {r.get('ssb_calls', 0)} SSB calls",
        "index": lambda r: f"{r['documents']} docs, {r['pages']} pages",
    }
    for stage in STAGES:
        a, b = first["stages"][stage], second["stages"][stage]
        prev = previous["run1"].get(stage) if previous else None
        before = f"{prev:.1f}" if prev is not None else "–"
        print(
            f"{stage:<10}{first['seconds'][stage]:>10.1f}{second['seconds'][stage]:>10.1f}{before:>24}   "
            f"{work[stage](a)}  →  {work[stage](b)}"
        )
    if previous:
        print(f"previous totals: run 1 {previous['wall1']:.0f} s, run 2 {previous['wall2']:.0f} s")
    docs = first["new_documents"]
    print(f"run 1: {wall1:.0f} s wall, {docs} documents ({docs / wall1:.2f} docs/s), peak RSS {rss1:.0f} MB")
    print(
        f"run 2: {wall2:.0f} s wall ({100 * (1 - wall2 / wall1):.0f}% less time), "
        f"{second['new_documents']} new documents, peak RSS {rss2:.0f} MB"
    )
    if args.record:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "label": time.strftime("%Y-%m-%d") + (" old shapes" if args.no_new_shapes else " with new shapes"),
                    "kommuner": len(seeds_all),
                    "run1": {k: round(first["seconds"][k], 1) for k in STAGES},
                    "run2": {k: round(second["seconds"][k], 1) for k in STAGES},
                    "wall1": round(wall1, 1),
                    "wall2": round(wall2, 1),
                    "documents": docs,
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
