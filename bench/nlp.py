"""Signal analysis throughput: tokens per second per core for the full offline analysis.

The corpus mixes generated plan pages (Bokmål and Nynorsk, dense in signals) with real running text from
UD Norwegian Bokmål test (when ../shared/data is present), in pages of about 400 words. Measured on one
core: tokenisation, sentences, lemmas with compound analysis, lexicon patterns, model, negation, commitment,
entities and scores. The baseline in the same run is spaCy's blank Norwegian tokenizer alone (the floor
any spaCy pipeline pays); nb_core_news_sm publishes about 10,800 words/s on CPU.

Usage: python bench/nlp.py [--pages 400]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import spacy

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES, NN_PLAN_SENTENCES
from boligarkiv.nlp.analysis import analyse_pages
from boligarkiv.nlp.pipeline import get_pipeline

UD = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud_nb" / "no_bokmaal-ud-test.conllu"


def corpus(pages: int) -> tuple[list[str], list[str]]:
    rng = random.Random(1)
    ud = (
        [ln[9:] for ln in UD.read_text(encoding="utf-8").splitlines() if ln.startswith("# text = ")]
        if UD.exists()
        else []
    )
    nb, nn = [], []
    for i in range(pages):
        target = nn if i % 5 == 0 else nb
        pool = NN_PLAN_SENTENCES if target is nn else NB_PLAN_SENTENCES
        words, parts = 0, []
        while words < 400:
            s = rng.choice(ud) if ud and target is nb and rng.random() < 0.6 else rng.choice(pool)
            parts.append(s)
            words += len(s.split())
        target.append(" ".join(parts))
    return nb, nn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=400)
    args = ap.parse_args()
    nb, nn = corpus(args.pages)
    for lang, pages in (("nb", nb[:5]), ("nn", nn[:5])):
        analyse_pages(pages, lang)  # warm up: build pipelines and matchers

    blank = spacy.blank("nb")
    t0 = time.process_time()
    tokens = sum(len(doc) for doc in blank.pipe(nb + nn))
    base = time.process_time() - t0

    t0 = time.process_time()
    hits = 0
    for lang, pages in (("nb", nb), ("nn", nn)):
        hits += len(analyse_pages(pages, lang).hits)
    full = time.process_time() - t0

    tok_nb = sum(len(d) for d in get_pipeline("nb").tokenizer.pipe(nb))
    print(f"corpus: {len(nb)} nb + {len(nn)} nn pages, {tokens:,} tokens, {hits:,} signal hits ({tok_nb:,} nb tokens)")
    print(f"{'stage':<46}{'CPU s':>8}{'tokens/s/core':>16}")
    print(f"{'spaCy blank nb tokenizer only (baseline)':<46}{base:>8.2f}{tokens / base:>16,.0f}")
    print(f"{'full offline signal analysis':<46}{full:>8.2f}{tokens / full:>16,.0f}")
    print(f"target >= 100,000 tokens/s per core (issue 12): {'met' if tokens / full >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
