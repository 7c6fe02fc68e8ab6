"""Search benchmark, FTS5 and Elasticsearch/OpenSearch side by side on the same N generated pages and the
same 200 queries.

Pages are built from real Norwegian sentences (UD Bokmål dev/test when ../shared/data is present) mixed
with plan sentences, about 120 words each, spread over the 357 kommuner, document types, languages, years
and signals. Prints index build pages/s and query latency p50/p95 for the full search (parse, FTS5 match,
filters, grouping by document, facets, snippets) on each backend, and, as the baseline in the same run, a
bare FTS5 MATCH ... LIMIT 10 on the same queries. The search engine is the real OpenSearch 2.19 node of
tools/search-node (started here, 1 GB heap) unless --es-url names one; --no-es for FTS5 alone.

Usage: python bench/search.py [--pages 200000] [--queries 200] [--es-url URL | --no-es]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES, NN_PLAN_SENTENCES
from boligarkiv.db import make_engine, upgrade
from boligarkiv.index.fts import FtsBackend
from boligarkiv.index.query import parse_query
from boligarkiv.index.records import PageRecord
from boligarkiv.lemmas import lemma_text
from boligarkiv.lexicon import load_lexicon
from boligarkiv.seeds import read_seeds
from boligarkiv.settings import DEFAULT_SEEDS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud_nb"
TYPES = ["boligsosial_handlingsplan", "boligplan", "kommuneplan_samfunnsdel", "temaplan", "saksdokument", "annet"]


def sentences() -> list[str]:
    out = []
    for name in ("no_bokmaal-ud-dev.conllu", "no_bokmaal-ud-test.conllu"):
        path = SHARED / name
        if path.exists():
            out += [ln[9:] for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("# text = ")]
    return out or NB_PLAN_SENTENCES * 50


def generate(n_pages: int, rng: random.Random) -> tuple[list[tuple[str, list[PageRecord]]], list[str]]:
    pool = sentences()
    seeds = read_seeds(DEFAULT_SEEDS)
    docs: list[tuple[str, list[PageRecord]]] = []
    signals = [s.id for s in load_lexicon().signals]
    pages_per_doc = 20
    for d in range(n_pages // pages_per_doc):
        seed = seeds[d % len(seeds)]
        lang = "nn" if d % 6 == 0 else "nb"
        y = rng.randint(2010, 2026)
        sha = f"{d:064x}"
        sigs = rng.sample(signals, k=rng.randint(0, 6))
        records = []
        for p in range(1, pages_per_doc + 1):
            parts = [rng.choice(pool) for _ in range(6)]
            parts.append(rng.choice(NN_PLAN_SENTENCES if lang == "nn" else NB_PLAN_SENTENCES))
            body = " ".join(parts)
            records.append(
                PageRecord(
                    sha,
                    p,
                    body,
                    lemma_text(body, lang),
                    seed.nummer,
                    seed.navn,
                    seed.fylke,
                    seed.fylkesnummer,
                    TYPES[d % len(TYPES)],
                    lang,
                    y,
                    y + 4,
                    f"Dokument {d}",
                    None,
                    sigs,
                    [],
                )
            )
        docs.append((sha, records))
    return docs, pool


def build(backend: Any, docs: list[tuple[str, list[PageRecord]]]) -> float:
    t0 = time.perf_counter()
    for sha, records in docs:
        backend.replace_document(sha, records)
    backend.flush()
    return time.perf_counter() - t0


def timed(backend: Any, qs: list[str]) -> list[float]:
    for q in qs[:10]:
        backend.search(parse_query(q))  # warm caches
    out = []
    for q in qs:
        t0 = time.perf_counter()
        backend.search(parse_query(q), limit=10)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def queries(pool: list[str], rng: random.Random, n: int) -> list[str]:
    words = [w.lower() for s in pool for w in s.split() if w.isalpha() and len(w) > 4]
    seeds = read_seeds(DEFAULT_SEEDS)
    out = []
    for i in range(n):
        kind = i % 10
        w1, w2 = rng.choice(words), rng.choice(words)
        s = rng.choice(pool).split()
        k = rng.randrange(max(1, len(s) - 2))
        phrase = " ".join(x.strip('.,;:!?"()') for x in s[k : k + 2])
        out.append(
            [
                w1,
                f"{w1} {w2}",
                f'"{phrase}"',
                f"{w1} OR {w2}",
                f"{w1[:4]}*",
                f"{w1} kommune:{rng.choice(seeds).navn}",
                f'{w1} fylke:"{rng.choice(seeds).fylke}"',
                f"{w1} signal:startlan år:2018..2022",
                f"{w1} -{w2} språk:nb",
                f"type:boligplan {w1} OR utleieboliger",
            ][kind]
        )
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--es-url", help="an Elasticsearch/OpenSearch to use instead of starting the test node")
    ap.add_argument("--no-es", action="store_true", help="FTS5 only")
    args = ap.parse_args()
    rng = random.Random(42)
    t0 = time.perf_counter()
    docs, pool = generate(args.pages, rng)
    n = sum(len(r) for _, r in docs)
    print(f"corpus: {n:,} pages in {len(docs):,} documents, generated in {time.perf_counter() - t0:.0f} s", flush=True)
    qs = queries(pool, rng, args.queries)
    rows: list[tuple[str, float, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        fts = FtsBackend(engine, write=True)
        rows.append(("SQLite FTS5 (embedded)", build(fts, docs), timed(fts, qs)))
        bare = []
        for q in qs:
            match = FtsBackend.match_expression(parse_query(q))
            if match:
                t1 = time.perf_counter()
                with engine.connect() as conn:
                    conn.execute(
                        text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m ORDER BY rank LIMIT 10"),
                        {"m": match},
                    ).all()
                bare.append((time.perf_counter() - t1) * 1000)
        engine.dispose()
        if not args.no_es:
            from boligarkiv.index.es import EsBackend

            node = None
            url = args.es_url
            if not url:
                from tools.search_node import SearchNode

                node = SearchNode(heap="1g")
                url = node.start()
            try:
                es = EsBackend(url, alias=f"boligarkiv-bench-{int(time.time())}")
                label = "OpenSearch 2.19 (tools/search-node)" if node else f"Elasticsearch at {url}"
                rows.append((label, build(es, docs), timed(es, qs)))
                es.es.indices.delete(index=f"{es.alias}-*")
            finally:
                if node:
                    node.stop()
    print(f"{'backend':<40}{'build pages/s':>15}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, seconds, lat in rows:
        print(f"{label:<40}{n / seconds:>15,.0f}{pct(lat, 50):>9.1f}{pct(lat, 95):>9.1f}{max(lat):>9.1f}")
    base = f"{pct(bare, 50):>9.1f}{pct(bare, 95):>9.1f}{max(bare):>9.1f}"
    print(f"{'bare FTS5 MATCH … LIMIT 10 (baseline)':<40}{'':>15}{base}")
    print("(full search on each backend: parse, match, filters, grouping by document, facets, snippets)")


if __name__ == "__main__":
    main()
