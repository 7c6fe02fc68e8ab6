"""Web benchmark: p50/p95 of the search page and the kommune page under 20 concurrent clients.

Each page is measured twice: on the first visit of every distinct URL right after a run (which renders the
page of every kommune with archived documents — here all — into the web app's shared cache at its end, as
`boligarkiv run` does; `--cold` skips that) and then in steady state, when every URL has been served once.
Issue 17's target (p95 < 100 ms) is on both; the first-visit figures say what the first analysts after a run
wait.

Builds a fixture archive of all 357 kommuner (one generated plan each, 4 pages of Norwegian plan text,
analysed and indexed by the real stages), starts `boligarkiv serve` on 127.0.0.1 and drives it with 20
concurrent HTTP clients. The baseline in the same run is the smallest JSON endpoint of the same server
(`/api/kommuner?limit=1`): the cost of FastAPI, uvicorn and one database query.

Usage: python bench/web.py [--requests 400] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from boligarkiv.app.pipeline import warm_web_pages
from boligarkiv.app.testweb.texts import DocSpec, document_pages, plan_title
from boligarkiv.db import open_archive
from boligarkiv.index.stage import run_index
from boligarkiv.models import Document, Page
from boligarkiv.nlp.stage import run_analyse
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, Settings

QUERIES = [
    "startlån",
    '"leie til eie"',
    "utleieboliger fylke:Vestland",
    "bustad OR bolig",
    "rimelige boliger -deleie",
    "signal:tredje_boligsektor",
    "vanskeligstilte år:2020..2026",
    "kommunale utleigebustader språk:nn",
]


def build(data_dir: Path, warm: bool = True) -> list[str]:
    archive = open_archive(Settings(data_dir=data_dir))
    seeds = read_seeds(DEFAULT_SEEDS)
    with archive.session() as s:
        load_seeds(s, seeds)
    rng = random.Random(3)
    with archive.session() as s:
        for i, seed in enumerate(seeds):
            lang = "nn" if seed.fylke in ("Vestland", "Møre og Romsdal") and i % 2 else "nb"
            period = (2018 + i % 6, 2022 + i % 6)
            spec = DocSpec(
                seed.nummer,
                plan_title("boligsosial_handlingsplan", lang, seed.navn, period),
                "boligsosial_handlingsplan",
                lang,
                True,
                seed.navn,
                period,
                pages=4,
            )
            pages = ["\n".join(p) for p in document_pages(spec, rng)]
            sha = archive.blobs.put("\f".join(pages).encode())
            s.add(
                Document(
                    sha256=sha,
                    kommune_nummer=seed.nummer,
                    mime="application/pdf",
                    size=1000,
                    title=spec.title,
                    doc_type="boligsosial_handlingsplan",
                    language=lang,
                    period_start=period[0],
                    period_end=period[1],
                    extract_version="extract-1",
                    page_count=4,
                )
            )
            s.flush()
            s.add_all(Page(document_sha256=sha, number=n, text=t) for n, t in enumerate(pages, start=1))
    run_analyse(archive, workers=2)
    run_index(archive)
    if warm:
        warm_web_pages(archive)  # what the end of `boligarkiv run` does
    archive.dispose()
    return [s.nummer for s in seeds]


async def drive(base: str, paths: list[str], concurrency: int) -> list[float]:
    """`concurrency` clients with keep-alive connections, each taking the next path when its answer is read.
    aiohttp, not httpx: the load generator shares the two cores with the server, and httpx's per-request
    cost would be measured as server latency (for the baseline as much as for the pages)."""
    import aiohttp

    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    times: list[float] = []

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            path = queue.get_nowait()
            t0 = time.perf_counter()
            async with session.get(base + path, headers={"Accept-Encoding": "gzip"}) as r:
                await r.read()
                assert r.status == 200, (path, r.status)
            times.append((time.perf_counter() - t0) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--cold", action="store_true", help="skip the kommune pages `run` renders at its end (caches cold)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kommuner = build(Path(tmp), warm=not args.cold)
        print(
            f"fixture: {len(kommuner)} kommuner, {len(kommuner) * 4} pages, built in {time.perf_counter() - t0:.0f} s"
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "boligarkiv.app.cli",
                "--data-dir",
                tmp,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/api/kommuner?limit=1", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            rng = random.Random(1)
            cases = {
                "baseline /api/kommuner?limit=1": ["/api/kommuner?limit=1"] * args.requests,
                "search page /?q=…": [
                    f"/?q={httpx.QueryParams({'q': rng.choice(QUERIES)})['q']}" for _ in range(args.requests)
                ],
                "kommune page /kommune/{nr}": [f"/kommune/{rng.choice(kommuner)}" for _ in range(args.requests)],
            }
            print(f"{args.concurrency} concurrent clients, {args.requests} requests per page, {args.workers} workers")
            print(
                "first visit: every distinct URL once, right after a run "
                + ("(caches cold: --cold)" if args.cold else "(kommune pages rendered by the run)")
            )
            print("steady: the measured requests, once each URL has been served (what analysts meet all week)")
            print(f"{'page':<34}{'first p50':>10}{'first p95':>10}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
            for name, paths in cases.items():
                distinct = list(dict.fromkeys(paths))
                first = asyncio.run(drive(base, distinct * max(1, 40 // len(distinct)), args.concurrency))
                f = statistics.quantiles(first, n=100) if len(first) > 1 else [first[0]] * 99
                t0 = time.perf_counter()
                times = asyncio.run(drive(base, paths, args.concurrency))
                wall = time.perf_counter() - t0
                q = statistics.quantiles(times, n=100)
                print(f"{name:<34}{f[49]:>10.1f}{f[94]:>10.1f}{q[49]:>9.1f}{q[94]:>9.1f}{len(times) / wall:>9.1f}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
