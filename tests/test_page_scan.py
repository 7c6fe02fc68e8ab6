"""The page scan: scanning a document's pages together gives exactly what scanning each page alone gives, and
its lookup tables return what a plain dictionary would."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import pytest

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES, NN_PLAN_SENTENCES
from boligarkiv.nlp.analysis import PAGE_CHUNK, analyse_pages
from boligarkiv.nlp.page_scan import _PairTable, _Ragged
from boligarkiv.nlp.signal_model import SignalModel


def _pages(sentences: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pages = []
    for i in range(n):
        if i % 17 == 5:
            pages.append("")  # an empty page (a scanned figure with no text)
        elif i % 17 == 9:
            pages.append(" … – ; \n\n ")  # a page of punctuation and space only
        else:
            pages.append("\n\n".join(rng.choice(sentences) for _ in range(rng.randint(1, 12))))
    return pages


def _hits(pages: list[str], lang: str, model: object = True) -> list[dict]:
    return [asdict(h) for h in analyse_pages(pages, lang, model).hits]  # type: ignore[arg-type]


def test_pages_scanned_together_give_what_each_gives_alone() -> None:
    """More pages than one chunk: words, hits, probabilities and explanations do not depend on which
    pages share a scan."""
    for lang, pool in (("nb", NB_PLAN_SENTENCES), ("nn", NN_PLAN_SENTENCES)):
        pages = _pages(pool, PAGE_CHUNK + 9, seed=3)
        whole = analyse_pages(pages, lang)
        alone = []
        words = 0
        for number, page in enumerate(pages, start=1):
            single = analyse_pages([page], lang)
            words += single.words
            alone.extend({**asdict(h), "page": number} for h in single.hits)
        assert whole.words == words
        assert [asdict(h) for h in whole.hits] == alone
        assert whole.hits, "the plan sentences must give hits"


def test_context_does_not_cross_a_page_break() -> None:
    """A sentence sees its neighbours on its own page only (training reads each passage alone)."""
    model = SignalModel(
        ("boligbehov",),
        {"l:bolig": 0, "n:l:venteliste": 1},
        np.array([[3.0], [3.0]], dtype=np.float32),
        np.array([-4.0], dtype=np.float32),
        {"boligbehov": "model"},
        {"boligbehov": 0.5},
        {},
    )
    same_page = _hits(["Venteliste. Boliger i sentrum."], "nb", model)
    assert [h["sentence"] for h in same_page if h["signal"] == "boligbehov"] == ["Boliger i sentrum."]
    next_page = _hits(["Venteliste.", "Boliger i sentrum."], "nb", model)
    assert [h for h in next_page if h["signal"] == "boligbehov"] == []


def test_the_pair_table_answers_as_a_dictionary_would() -> None:
    rng = np.random.default_rng(7)
    table = _PairTable()
    truth: dict[tuple[int, int], int] = {}
    computed = 0

    def compute_for(a: np.ndarray, b: np.ndarray) -> Callable[[int], int]:
        def compute(i: int) -> int:
            nonlocal computed
            computed += 1
            pair = (int(a[i]), int(b[i]))
            return truth.setdefault(pair, len(truth) if len(truth) % 3 else -1)

        return compute

    for _ in range(6):  # enough rounds for the newest pairs to be merged into the sorted array
        a = rng.integers(0, 2**64, size=3000, dtype=np.uint64, endpoint=False)
        b = rng.integers(0, 2**64, size=3000, dtype=np.uint64, endpoint=False)
        a[:1000], b[:1000] = a[0], b[0]  # repeats within a chunk
        if truth:
            seen = list(truth)[:500]  # pairs met in earlier chunks
            a[1000:1500] = [p[0] for p in seen]
            b[1000:1500] = [p[1] for p in seen]
        got = table.lookup(a, b, compute_for(a, b))
        assert got.tolist() == [truth[(int(x), int(y))] for x, y in zip(a, b, strict=True)]
    assert computed == len(truth)  # each pair computed once
    assert len(table.keys) > 0  # merged into the searchable array


def test_a_mixed_key_collision_is_not_taken_for_a_hit() -> None:
    """Two pairs with the same mixed key: the second is still answered by its own id."""
    table = _PairTable()
    a = np.array([5], dtype=np.uint64)
    b = np.array([9], dtype=np.uint64)
    table.recent[(5, 9)] = 1
    table._merge()
    # Forge a pair that shares the stored key but not the hashes.
    table.first[0] = np.uint64(6)
    got = table.lookup(a, b, lambda i: 42)
    assert got.tolist() == [42]


def test_ragged_rows_gather_in_order() -> None:
    ragged = _Ragged()
    rows = [[1, 2, 3], [], [4], [5, 6], list(range(100, 3000))]
    for r in rows:
        ragged.add(r)
    lengths, ids = ragged.gather(np.array([3, 0, 1, 4, 3, 2]))
    assert lengths.tolist() == [2, 3, 0, len(rows[4]), 2, 1]
    assert ids.tolist() == [5, 6, 1, 2, 3, *rows[4], 5, 6, 4]
    ragged.add([7])
    assert ragged.gather(np.array([5]))[1].tolist() == [7]


def test_a_full_word_table_starts_afresh_with_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded in a long-running analyse stage: a table past its size clears itself between
    chunks, and what it answers does not change."""
    from boligarkiv.nlp import page_scan
    from boligarkiv.nlp.signal_model import load_signal_model

    pages = _pages(NB_PLAN_SENTENCES, PAGE_CHUNK * 2 + 3, seed=11)
    expected = _hits(pages, "nb")
    model = load_signal_model()
    table = page_scan.word_table(model)
    filled = table.index
    assert len(filled) > 40
    monkeypatch.setattr(page_scan, "MAX_WORDS", 40)
    assert _hits(pages, "nb") == expected
    assert table.index is not filled  # it started afresh


def test_threads_sharing_a_model_get_what_one_thread_gets() -> None:
    """The word table is shared per model: analyses in several threads at once (a web request beside a
    crawl's case judge) answer as they do one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from boligarkiv.nlp.signal_model import MODEL_PATH

    texts = [_pages(NB_PLAN_SENTENCES + NN_PLAN_SENTENCES, 12, seed=s) for s in range(8)]
    alone = [_hits(pages, "nb", SignalModel.load(MODEL_PATH)) for pages in texts]
    shared = SignalModel.load(MODEL_PATH)  # a fresh table, filled by the threads at once
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between almost every bytecode: races show
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(lambda pages: _hits(pages, "nb", shared), texts))
    finally:
        sys.setswitchinterval(interval)
    assert together == alone
