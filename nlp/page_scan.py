"""One pass over a page's tokens: its sentences, their lexicon slot keys and the model's binary feature matrix.

What a word contributes (content or not, slot keys, word-feature ids, the context ids it lends its
neighbouring sentences) is computed once per (form, lemma) and kept in a `WordTable` as flat arrays. A page
then costs a few numpy operations over its token hashes: look up each distinct word once, gather the
feature ids of the content words, and assemble the sentence × feature matrix in one sparse construction —
rather than a Python loop step per token. The features are the ones training builds from Token objects
(nlp/features.py, nlp/train.py: parse_passages); tests/test_nlp_detector.py checks the two agree.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, LOWER, NORM, ORTH, SENT_START
from spacy.tokens import Doc

from boligarkiv.nlp.features import context_features, word_features
from boligarkiv.nlp.hash_rows import HashRows, TokenRange
from boligarkiv.nlp.pipeline import heads_at
from boligarkiv.nlp.signal_model import SignalModel
from boligarkiv.nlp.slot_matcher import norm_slots, slot_mask

MAX_WORDS = 500_000  # a table past this size starts afresh (memory stays bounded in a long-running process)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    return array if size <= len(array) else np.resize(array, max(size, 2 * len(array)))


class _Ragged:
    """A growing list of integer lists, stored flat (ids) with offsets (ptr), gatherable in one numpy step.
    New rows wait in Python lists and are written to the arrays in one step before the next gather."""

    def __init__(self) -> None:
        self._ptr = np.zeros(1024, dtype=np.int64)
        self._ids = np.zeros(4096, dtype=np.int32)
        self.rows = 0
        self._new_ids: list[int] = []
        self._new_lengths: list[int] = []

    def add(self, ids: list[int] | tuple[int, ...]) -> None:
        self._new_ids.extend(ids)
        self._new_lengths.append(len(ids))

    def flush(self) -> None:
        if not self._new_lengths:
            return
        end = int(self._ptr[self.rows])
        rows = len(self._new_lengths)
        self._ptr = _grown(self._ptr, self.rows + rows + 1)
        self._ids = _grown(self._ids, end + len(self._new_ids))
        self._ptr[self.rows + 1 : self.rows + rows + 1] = end + np.cumsum(self._new_lengths)
        self._ids[end : end + len(self._new_ids)] = self._new_ids
        self.rows += rows
        self._new_ids, self._new_lengths = [], []

    @property
    def ptr(self) -> np.ndarray:
        self.flush()
        return self._ptr

    @property
    def ids(self) -> np.ndarray:
        self.flush()
        return self._ids

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(length per row, the rows' ids concatenated)."""
        ptr, ids = self.ptr, self.ids
        starts = ptr[rows]
        lengths = ptr[rows + 1] - starts
        begin = np.cumsum(lengths) - lengths  # where each row's ids begin in the output
        index = np.repeat(starts - begin, lengths) + np.arange(int(lengths.sum()))
        return lengths, ids[index]


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a ^ (b * _MIX)


class _PairTable:
    """Lemma-bigram feature ids by the two lemma hashes: a sorted array searched for a whole chunk of pages in
    one step, with the newest pairs in a dict until they are merged in. A hit is checked against both hashes,
    so the mixed sort key never decides alone."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)
        self.first = np.zeros(0, dtype=np.uint64)
        self.second = np.zeros(0, dtype=np.uint64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.recent: dict[tuple[int, int], int] = {}

    @property
    def size(self) -> int:
        return len(self.keys) + len(self.recent)

    def lookup(self, a: np.ndarray, b: np.ndarray, compute: Callable[[int], int]) -> np.ndarray:
        """Ids for the pairs (a[i], b[i]); `compute(i)` gives a pair's id the first time it is met."""
        out = np.full(len(a), -1, dtype=np.int64)
        found = np.zeros(len(a), dtype=bool)
        if len(self.keys) and len(a):
            key = _mix(a, b)
            pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            found = (self.keys[pos] == key) & (self.first[pos] == a) & (self.second[pos] == b)
            out[found] = self.ids[pos[found]]
        rest = np.flatnonzero(~found)
        if rest.size:
            recent = self.recent
            values = []
            for i, pair in zip(rest.tolist(), zip(a[rest].tolist(), b[rest].tolist(), strict=True), strict=True):
                j = recent.get(pair)
                if j is None:
                    j = compute(i)
                    recent[pair] = j
                values.append(j)
            out[rest] = values
            if len(recent) > max(1000, len(self.keys) // 8):
                self._merge()
        return out

    def _merge(self) -> None:
        pairs = np.array(list(self.recent), dtype=np.uint64).reshape(-1, 2)
        ids = np.fromiter(self.recent.values(), dtype=np.int64, count=len(self.recent))
        keys = _mix(pairs[:, 0], pairs[:, 1])
        if len(self.keys):
            # A pair whose mixed key is taken (a collision) stays out and is computed each time it is met.
            pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            free = self.keys[pos] != keys
            pairs, ids, keys = pairs[free], ids[free], keys[free]
        keys, first_of = np.unique(keys, return_index=True)
        pairs, ids = pairs[first_of], ids[first_of]
        all_keys = np.concatenate([self.keys, keys])
        order = np.argsort(all_keys, kind="stable")
        self.keys = all_keys[order]
        self.first = np.concatenate([self.first, pairs[:, 0]])[order]
        self.second = np.concatenate([self.second, pairs[:, 1]])[order]
        self.ids = np.concatenate([self.ids, ids])[order]
        self.recent = {}


class WordTable:
    """Per (form, lemma): content word or not, slot keys, lemma, word-feature ids and context ids (the
    model's ids; empty without a model)."""

    def __init__(self, model: SignalModel | None) -> None:
        self.model = model
        self.lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self.index: dict[tuple[int, int], int] = {}
        self.content: list[bool] = []
        self.slots: list[tuple[str, ...]] = []
        self.masks: list[int] = []  # the slots as a mask
        self.lemmas: list[str] = []
        self.words = _Ragged()
        self.context = _Ragged()
        self.pairs = _PairTable()
        self._content_arr = np.zeros(1024, dtype=bool)
        self._content_filled = 0

    def entries(self, docs: list[Doc], hashes: np.ndarray, at: list[int]) -> list[int]:
        """Table rows for the given token hash rows (`_COLUMNS`; `docs[k]`, `at[k]`: where row k was seen)."""
        if len(self.index) >= MAX_WORDS or self.pairs.size >= 4 * MAX_WORDS:
            self._clear()  # before any row of this call is handed out
        out = []
        index = self.index
        for k, key in enumerate(zip(hashes[:, 0].tolist(), hashes[:, 1].tolist(), strict=True)):
            e = index.get(key)
            if e is None:
                _, lemma, lower, norm, punct, space = hashes[k, :6].tolist()
                strings = docs[k].vocab.strings
                heads = heads_at(docs[k], at[k])
                e = index[key] = self._add(strings[lower], strings[lemma], strings[norm], bool(punct or space), heads)
            out.append(e)
        return out

    def _add(self, lower: str, lemma: str, norm: str, punct_or_space: bool, heads: tuple[str, ...]) -> int:
        """A new word, from its strings (no Token object is built)."""
        e = len(self.content)
        if punct_or_space:
            self.content.append(False)
            # Punctuation keeps the slots the lexicon names it in («og|,», «eie / dele / leie»).
            self.slots.append(norm_slots(norm))
            self.masks.append(slot_mask(self.slots[-1]))
            self.lemmas.append("")
            self.words.add(())
            self.context.add(())
            return e
        lemma = lemma.lower()
        self.content.append(True)
        self.slots.append(norm_slots(norm))
        self.masks.append(slot_mask(self.slots[-1]))
        self.lemmas.append(lemma)
        vocab = self.model.vocab if self.model is not None else {}
        self.words.add([j for j in (vocab.get(f) for f in word_features(lower, lemma, heads)) if j is not None])
        self.context.add([j for j in (vocab.get(f) for f in context_features(lemma, heads)) if j is not None])
        return e

    def content_array(self) -> np.ndarray:
        """`content` as an array (only the words added since the last call are copied)."""
        n = len(self.content)
        if self._content_filled < n:
            self._content_arr = _grown(self._content_arr, n)
            self._content_arr[self._content_filled : n] = self.content[self._content_filled : n]
            self._content_filled = n
        return self._content_arr

    def bigram_ids(self, lemma_a: np.ndarray, lemma_b: np.ndarray, ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
        """Feature ids of lemma bigrams (-1 where the model has none), by the lemma hashes: no string is
        built for a pair seen before."""
        assert self.model is not None
        vocab, lemmas = self.model.vocab, self.lemmas
        ea_list, eb_list = ea.tolist(), eb.tolist()
        return self.pairs.lookup(
            lemma_a, lemma_b, lambda i: vocab.get(f"b:{lemmas[ea_list[i]]}|{lemmas[eb_list[i]]}", -1)
        )


_tables: dict[int, WordTable] = {}
_tables_lock = threading.Lock()


def word_table(model: SignalModel | None) -> WordTable:
    """The table for a model (one per loaded model object; cross-validation loads one per fold)."""
    key = id(model)
    with _tables_lock:
        table = _tables.get(key)
        if table is None or table.model is not model:
            if len(_tables) > 16:
                _tables.clear()
            table = _tables[key] = WordTable(model)
        return table


@dataclass
class PagesScan:
    """Pages' sentences with content (in page order), their slot keys, and per page its hash rows and every
    token's slot keys (for the pattern matching); plus the model's binary features as (sentence row,
    feature id) pairs — words, lemma bigrams and what the neighbouring sentences lend (empty without a
    model) — and what an explanation needs to name them."""

    spans: list[TokenRange]
    page_of: list[int]  # page index (in the scanned list) of each sentence
    present: list[int]  # slot keys as a mask (slot_matcher.slot_mask)
    hash_rows: list[HashRows]
    token_slots: list[list[tuple[str, ...]]]
    rows: np.ndarray
    cols: np.ndarray
    context_rows: np.ndarray  # the part of (rows, cols) the neighbouring sentences lent
    context_cols: np.ndarray
    # Per content word (in token order): its sentence row, table entry and the id of the lemma bigram it
    # closes (-1: none).
    word_rows: np.ndarray
    word_entries: np.ndarray
    word_pairs: np.ndarray
    word_tokens: np.ndarray  # the word's token index in its page
    words: list[int]  # content words (not punctuation or space) per page

    def matrix(self, extra_rows: list[int], extra_cols: list[int], width: int) -> sparse.csr_matrix:
        """The sentence × feature matrix with extra (row, id) pairs (the lexicon's own features), binary."""
        rows = np.concatenate([self.rows, np.asarray(extra_rows, dtype=np.int64)])
        cols = np.concatenate([self.cols, np.asarray(extra_cols, dtype=np.int64)])
        x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(self.spans), width))
        x.data[:] = 1.0  # duplicates were summed: features are binary, as trained
        return x

    @cached_property
    def _context_by_row(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows sorted, the cols in that order): a sentence's context ids are then one searchsorted away."""
        order = np.argsort(self.context_rows, kind="stable")
        return self.context_rows[order], self.context_cols[order]

    def context_ids(self, k: int) -> list[int]:
        """The ids sentence k's neighbours lent it."""
        rows, cols = self._context_by_row
        lo, hi = np.searchsorted(rows, [k, k + 1]).tolist()
        return np.unique(cols[lo:hi]).tolist()

    def word_ids(self, k: int, table: WordTable) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Sentence k's content words: their token indices in the page, and their feature ids (each word's
        own, then the bigram it closes — the order training lists them, nlp/features.py) with the position
        of the word each id belongs to."""
        lo, hi = np.searchsorted(self.word_rows, [k, k + 1]).tolist()
        with table.lock:  # the gather writes the table's newest rows into its arrays first
            lengths, ids = table.words.gather(self.word_entries[lo:hi])
        owner = np.repeat(np.arange(hi - lo), lengths)
        pairs = self.word_pairs[lo:hi]
        closes = np.flatnonzero(pairs >= 0)
        owner = np.concatenate([owner, closes])
        order = np.argsort(owner, kind="stable")  # a word's bigram right after its own ids
        ids = np.concatenate([ids.astype(np.int64), pairs[closes]])[order]
        return self.word_tokens[lo:hi].tolist(), ids, owner[order]


_EMPTY = np.zeros(0, dtype=np.int64)
_COLUMNS = [ORTH, LEMMA, LOWER, NORM, IS_PUNCT, IS_SPACE, SENT_START]


def scan_pages(docs: list[Doc], model: SignalModel | None) -> PagesScan:
    """Scan several pages at once: words recurring across a document's pages are looked up once, and the
    numpy steps run once for all of them. The word table is shared per model, so threads take turns."""
    table = word_table(model)
    with table.lock:
        return _scan(docs, model, table)


def _scan(docs: list[Doc], model: SignalModel | None, table: WordTable) -> PagesScan:
    arrays = [d.to_array(_COLUMNS).reshape(-1, len(_COLUMNS)).astype(np.uint64, copy=False) for d in docs]
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    hashes = np.concatenate(arrays) if arrays else np.zeros((0, len(_COLUMNS)), dtype=np.uint64)
    hash_rows = [HashRows.from_array(a[:, :3]) for a in arrays]  # ORTH, LEMMA, LOWER
    n = len(hashes)
    if not n:
        return PagesScan([], [], [], hash_rows, [[] for _ in docs], *([_EMPTY] * 8), [0] * len(docs))
    orth, lemma = hashes[:, 0], hashes[:, 1]
    page_of_token = np.repeat(np.arange(len(docs)), sizes)
    # Each distinct (form, lemma) is looked up once; the mixed key only groups tokens, the table is keyed
    # by the exact pair.
    _, first, inverse = np.unique(orth ^ (lemma * _MIX), return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    first_page = page_of_token[first]
    distinct = np.asarray(
        table.entries([docs[p] for p in first_page.tolist()], hashes[first], (first - offsets[first_page]).tolist()),
        dtype=np.int64,
    )
    entry = distinct[inverse]

    starts_flag = hashes[:, 6] == 1
    starts_flag[offsets[:-1][sizes > 0]] = True  # a page opens a sentence
    sent_of = np.cumsum(starts_flag) - 1
    sent_starts = np.flatnonzero(starts_flag)
    sent_ends = np.append(sent_starts[1:], n)

    content = np.flatnonzero(table.content_array()[entry])
    kept = np.unique(sent_of[content])  # sentences with a content word
    row_of = np.searchsorted(kept, sent_of[content])
    kept_pages = page_of_token[sent_starts[kept]]
    kept_from = sent_starts[kept] - offsets[kept_pages]
    kept_to = sent_ends[kept] - offsets[kept_pages]
    spans = [
        TokenRange(docs[p], a, b)
        for p, a, b in zip(kept_pages.tolist(), kept_from.tolist(), kept_to.tolist(), strict=True)
    ]

    slot_list = table.slots
    distinct_slots = [slot_list[e] for e in distinct.tolist()]
    all_slots = [distinct_slots[u] for u in inverse.tolist()]
    token_slots = [all_slots[a:b] for a, b in itertools.pairwise(offsets.tolist())]
    present = [0] * len(spans)
    content_entries = entry[content]
    # Every token that fills a slot — a word, or punctuation a pattern names («og|,») — marks its sentence.
    masks = table.masks
    slotted = [u for u, e in enumerate(distinct.tolist()) if masks[e]]
    if slotted and len(kept):
        tokens = np.flatnonzero(np.isin(inverse, slotted))
        rows = np.minimum(np.searchsorted(kept, sent_of[tokens]), len(kept) - 1)
        in_kept = kept[rows] == sent_of[tokens]  # a mark in a sentence with no word belongs to none
        for r, e in zip(rows[in_kept].tolist(), entry[tokens[in_kept]].tolist(), strict=True):
            present[r] |= masks[e]
    page_list = kept_pages.tolist()
    word_tokens = content - offsets[page_of_token[content]]
    words = np.bincount(page_of_token[content], minlength=len(docs)).tolist()
    if model is None:
        return PagesScan(
            spans, page_list, present, hash_rows, token_slots, _EMPTY, _EMPTY, _EMPTY, _EMPTY,
            row_of, content_entries, np.full(len(content), -1, dtype=np.int64), word_tokens, words,
        )  # fmt: skip

    lengths, word_cols = table.words.gather(content_entries)
    word_rows = np.repeat(row_of, lengths)
    # Lemma bigrams of consecutive content words in one sentence, attached to the second word.
    same = row_of[:-1] == row_of[1:]
    a, b = content[:-1][same], content[1:][same]
    pair_ids = table.bigram_ids(lemma[a], lemma[b], entry[a], entry[b])
    word_pairs = np.full(len(content), -1, dtype=np.int64)
    word_pairs[1:][same] = pair_ids
    known = pair_ids >= 0
    pair_rows, pair_cols = row_of[:-1][same][known], pair_ids[known]
    # Each sentence sees the context ids of the sentences before and after it — on the same page only.
    lengths, ctx_cols = table.context.gather(content_entries)
    ctx_rows = np.repeat(row_of, lengths)
    last = len(spans) - 1
    down = ctx_rows < last
    down[down] = kept_pages[ctx_rows[down] + 1] == kept_pages[ctx_rows[down]]
    up = ctx_rows > 0
    up[up] = kept_pages[ctx_rows[up] - 1] == kept_pages[ctx_rows[up]]
    n_rows = np.concatenate([ctx_rows[down] + 1, ctx_rows[up] - 1])
    n_cols = np.concatenate([ctx_cols[down], ctx_cols[up]]).astype(np.int64)
    rows = np.concatenate([word_rows, pair_rows, n_rows])
    cols = np.concatenate([word_cols.astype(np.int64), pair_cols, n_cols])
    return PagesScan(
        spans, page_list, present, hash_rows, token_slots, rows, cols, n_rows, n_cols,
        row_of, content_entries, word_pairs, word_tokens, words,
    )  # fmt: skip
