"""Extract benchmark: pages/s per core of the full extractor against a pdfplumber-only baseline.

Generates a corpus of born-digital plan PDFs (default 200 PDFs x 25 pages = 5,000 pages) with Norwegian
plan text, then measures in this one process, on one core:
  - the full extractor (pypdfium2 text, table probe, clean-up, metadata) over every PDF;
  - the baseline, pdfplumber's `extract_text()` per page, over a sample of the same PDFs (it is ~100x
    slower, so the whole corpus would take many minutes; the sample's pages/s is the figure compared);
and the worker pool (one forked process per document, two at a time) for wall-clock pages/s.

Usage: python bench/extract.py [--pdfs 200] [--pages 25] [--baseline-pdfs 12] [--table-pages 50 100 200 400]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES, NN_PLAN_SENTENCES, make_pdf, make_table_pdf
from boligarkiv.extract.stage import extract_one
from boligarkiv.workers import Job, run_pool


def make_corpus_pdf(args: tuple[int, int]) -> bytes:
    i, pages = args
    rng = random.Random(i)
    pool = NN_PLAN_SENTENCES if i % 5 == 0 else NB_PLAN_SENTENCES
    title = f"Boligsosial handlingsplan {2015 + i % 10}–{2019 + i % 10} for kommune {i}"
    body = [[title] if p == 0 else [] for p in range(pages)]
    for paras in body:
        for _ in range(6):
            paras.append(" ".join(rng.choices(pool, k=4)))
    return make_pdf(body, title)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdfs", type=int, default=200)
    ap.add_argument("--pages", type=int, default=25)
    ap.add_argument("--baseline-pdfs", type=int, default=12)
    ap.add_argument("--table-pages", type=int, nargs="*", default=[50, 100, 200, 400])
    args = ap.parse_args()

    t0 = time.perf_counter()
    with Pool(2) as pool:
        corpus = pool.map(make_corpus_pdf, [(i, args.pages) for i in range(args.pdfs)])
    total_pages = args.pdfs * args.pages
    print(
        f"corpus: {args.pdfs} PDFs, {total_pages} pages, {sum(map(len, corpus)) / 1e6:.1f} MB "
        f"(generated in {time.perf_counter() - t0:.1f} s)"
    )

    t0 = time.process_time()
    pages = 0
    for n, data in enumerate(corpus):
        pages += len(extract_one(Job(str(n), data, "application/pdf"))["pages"])
    full_cpu = time.process_time() - t0
    assert pages == total_pages

    import pdfplumber

    sample = corpus[: args.baseline_pdfs]
    t0 = time.process_time()
    base_pages = 0
    for data in sample:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_text()
                base_pages += 1
    base_cpu = time.process_time() - t0

    t0 = time.perf_counter()
    outcomes = list(
        run_pool(extract_one, (Job(str(n), d, "application/pdf") for n, d in enumerate(corpus)), workers=2, timeout=120)
    )
    pool_wall = time.perf_counter() - t0
    assert all(o.error is None for o in outcomes)

    full_rate, base_rate = pages / full_cpu, base_pages / base_cpu
    print(f"{'extractor':<44}{'pages':>7}{'CPU s':>9}{'pages/s/core':>14}")
    print(f"{'boligarkiv extract (pypdfium2 + clean-up)':<44}{pages:>7}{full_cpu:>9.2f}{full_rate:>14.1f}")
    print(f"{'pdfplumber extract_text (baseline)':<44}{base_pages:>7}{base_cpu:>9.2f}{base_rate:>14.1f}")
    print(f"speed-up per core: {full_rate / base_rate:.1f}x (target >= 40x)")
    print(
        f"worker pool, 2 processes, fork per document: {pages / pool_wall:.1f} pages/s wall "
        f"({pool_wall:.1f} s for {pages} pages)"
    )
    table_plans(args.table_pages)


def table_plans(sizes: list[int]) -> None:
    """A plan whose every page is a ruled table: time must grow linearly (issue 13: 400 pages < 10 s)."""
    print(f"\n{'table PDF pages':<20}{'wall s':>8}{'s per 100 pages':>18}")
    for n in sizes:
        data = make_table_pdf(n)
        t0 = time.perf_counter()
        raw = extract_one(Job("table", data, "application/pdf"))["pages"]
        wall = time.perf_counter() - t0
        assert len(raw) == n
        print(f"{n:<20}{wall:>8.2f}{wall / n * 100:>18.2f}")


if __name__ == "__main__":
    main()
