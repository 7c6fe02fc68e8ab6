"""One pass over a page's tokens: its sentences, their lexicon slot keys and the model's binary feature matrix.

What a word contributes (content or not, slot keys, word-feature ids, the context ids it lends its
neighbouring sentences) is computed once per (form, lemma) and kept in a `WordTable` as flat arrays. A page
then costs a few numpy operations over its token hashes: look up each distinct word once, gather the
feature ids of the content words, and assemble the sentence × feature matrix in one sparse construction —
rather than a Python loop step per token. The features are the ones training builds from Token objects
(nlp/features.py, nlp/train.py: parse_passages); tests/test_nlp_detector.py checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from spacy.attrs import LEMMA, ORTH, SENT_START
from spacy.tokens import Doc, Span

from boligarkiv.nlp.features import context_features, word_features
from boligarkiv.nlp.signal_model import SignalModel

MAX_WORDS = 500_000  # a table past this size stops learning new words (they are computed per page instead)
_MIX = np.uint64(0x9E3779B97F4A7C15)


class _Ragged:
    """A growing list of integer lists, stored flat (ids) with offsets (ptr), gatherable in one numpy step."""

    def __init__(self) -> None:
        self.ptr = np.zeros(1024, dtype=np.int64)
        self.ids = np.zeros(4096, dtype=np.int32)
        self.rows = 0

    def add(self, ids: list[int] | tuple[int, ...]) -> None:
        end = int(self.ptr[self.rows])
        if self.rows + 2 > len(self.ptr):
            self.ptr = np.resize(self.ptr, 2 * len(self.ptr))
        while end + len(ids) > len(self.ids):
            self.ids = np.resize(self.ids, 2 * len(self.ids))
        self.ids[end : end + len(ids)] = ids
        self.rows += 1
        self.ptr[self.rows] = end + len(ids)

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(length per row, the rows' ids concatenated)."""
        starts = self.ptr[rows]
        lengths = self.ptr[rows + 1] - starts
        begin = np.cumsum(lengths) - lengths  # where each row's ids begin in the output
        index = np.repeat(starts - begin, lengths) + np.arange(int(lengths.sum()))
        return lengths, self.ids[index]


class WordTable:
    """Per (form, lemma): content word or not, slot keys, lemma, word-feature ids and context ids (the
    model's ids; empty without a model)."""

    def __init__(self, model: SignalModel | None) -> None:
        self.model = model
        self.index: dict[tuple[int, int], int] = {}
        self.content: list[bool] = []
        self.slots: list[tuple[str, ...]] = []
        self.lemmas: list[str] = []
        self.words = _Ragged()
        self.context = _Ragged()
        self.bigrams: dict[tuple[int, int], int] = {}  # lemma-hash pair -> feature id, -1: not a feature
        self._content_arr = np.zeros(0, dtype=bool)

    def entries(self, doc: Doc, orth: list[int], lemma: list[int], at: list[int]) -> list[int]:
        """Table rows for the given (form, lemma) hash pairs (`at`: a token index showing each)."""
        out = []
        for key in zip(orth, lemma, strict=True):
            e = self.index.get(key)
            if e is None:
                e = self._add(doc, at[len(out)])
                if len(self.index) < MAX_WORDS:
                    self.index[key] = e
            out.append(e)
        return out

    def _add(self, doc: Doc, i: int) -> int:
        tok = doc[i]
        e = len(self.content)
        if tok.is_space or tok.is_punct:
            self.content.append(False)
            self.slots.append(())
            self.lemmas.append("")
            self.words.add(())
            self.context.add(())
            return e
        norm = tok.norm_
        lemma = tok.lemma_.lower()
        self.content.append(True)
        self.slots.append(tuple(norm.strip("§").split("§")) if norm[:1] == "§" else ())
        self.lemmas.append(lemma)
        vocab = self.model.vocab if self.model is not None else {}
        heads = tok._.heads
        self.words.add([j for j in (vocab.get(f) for f in word_features(tok.lower_, lemma, heads)) if j is not None])
        self.context.add([j for j in (vocab.get(f) for f in context_features(lemma, heads)) if j is not None])
        return e

    def content_array(self) -> np.ndarray:
        if len(self._content_arr) != len(self.content):
            self._content_arr = np.array(self.content, dtype=bool)
        return self._content_arr

    def bigram_ids(self, lemma_a: list[int], lemma_b: list[int], ea: list[int], eb: list[int]) -> list[int]:
        """Feature ids of lemma bigrams (-1 where the model has none); keyed by the lemma hashes, so no string
        is built for a pair seen before."""
        assert self.model is not None
        vocab = self.model.vocab
        out = []
        for pair, a, b in zip(zip(lemma_a, lemma_b, strict=True), ea, eb, strict=True):
            j = self.bigrams.get(pair)
            if j is None:
                j = vocab.get(f"b:{self.lemmas[a]}|{self.lemmas[b]}", -1)
                if len(self.bigrams) < 2 * MAX_WORDS:
                    self.bigrams[pair] = j
            out.append(j)
        return out


_tables: dict[int, WordTable] = {}


def word_table(model: SignalModel | None) -> WordTable:
    """The table for a model (one per loaded model object; cross-validation loads one per fold)."""
    key = id(model)
    table = _tables.get(key)
    if table is None or table.model is not model:
        if len(_tables) > 16:
            _tables.clear()
        table = _tables[key] = WordTable(model)
    return table


@dataclass
class PageScan:
    """A page's sentences with content, their slot keys, every token's slot keys (for the pattern matching)
    and the model's binary features as (sentence row, feature id) pairs: words, lemma bigrams and what the
    neighbouring sentences lend (empty without a model)."""

    spans: list[Span]
    present: list[set[str]]
    token_slots: list[tuple[str, ...]]
    rows: np.ndarray
    cols: np.ndarray
    context_rows: np.ndarray  # the part of (rows, cols) the neighbouring sentences lent
    context_cols: np.ndarray

    def context_ids(self, k: int) -> list[int]:
        """The ids sentence k's neighbours lent it (for its explanation)."""
        return np.unique(self.context_cols[self.context_rows == k]).tolist()

    def matrix(self, extra_rows: list[int], extra_cols: list[int], width: int) -> sparse.csr_matrix:
        """The sentence × feature matrix with extra (row, id) pairs (the lexicon's own features), binary."""
        rows = np.concatenate([self.rows, np.asarray(extra_rows, dtype=np.int64)])
        cols = np.concatenate([self.cols, np.asarray(extra_cols, dtype=np.int64)])
        x = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(self.spans), width)
        )
        x.data[:] = 1.0  # duplicates were summed: features are binary, as trained
        return x


_EMPTY = np.zeros(0, dtype=np.int64)


def scan_page(doc: Doc, model: SignalModel | None) -> PageScan:
    n = len(doc)
    if not n:
        return PageScan([], [], [], _EMPTY, _EMPTY, _EMPTY, _EMPTY)
    table = word_table(model)
    hashes = doc.to_array([ORTH, LEMMA, SENT_START]).astype(np.uint64, copy=False)
    orth, lemma = hashes[:, 0], hashes[:, 1]
    # Each distinct (form, lemma) is looked up once; the mixed key only groups tokens, the table is keyed
    # by the exact pair.
    _, first, inverse = np.unique(orth ^ (lemma * _MIX), return_index=True, return_inverse=True)
    distinct = np.asarray(
        table.entries(doc, orth[first].tolist(), lemma[first].tolist(), first.tolist()), dtype=np.int64
    )
    entry = distinct[inverse.reshape(-1)]

    starts_flag = doc.to_array(SENT_START) == 1
    starts_flag[0] = True
    sent_of = np.cumsum(starts_flag) - 1
    sent_starts = np.flatnonzero(starts_flag)
    sent_ends = np.append(sent_starts[1:], n)

    content = np.flatnonzero(table.content_array()[entry])
    kept = np.unique(sent_of[content])  # sentences with a content word
    row_of = np.searchsorted(kept, sent_of[content])
    spans = [doc[a:b] for a, b in zip(sent_starts[kept].tolist(), sent_ends[kept].tolist(), strict=True)]

    slot_list = table.slots
    distinct_slots = [slot_list[e] for e in distinct.tolist()]
    token_slots = [distinct_slots[u] for u in inverse.reshape(-1).tolist()]
    present: list[set[str]] = [set() for _ in spans]
    content_entries = entry[content]
    for r, e in zip(row_of.tolist(), content_entries.tolist(), strict=True):
        keys = slot_list[e]
        if keys:
            present[r].update(keys)
    if model is None:
        return PageScan(spans, present, token_slots, _EMPTY, _EMPTY, _EMPTY, _EMPTY)

    lengths, word_cols = table.words.gather(content_entries)
    word_rows = np.repeat(row_of, lengths)
    # Lemma bigrams of consecutive content words in one sentence.
    same = row_of[:-1] == row_of[1:]
    a, b = content[:-1][same], content[1:][same]
    pair_ids = np.asarray(
        table.bigram_ids(lemma[a].tolist(), lemma[b].tolist(), entry[a].tolist(), entry[b].tolist()),
        dtype=np.int64,
    )
    known = pair_ids >= 0
    pair_rows, pair_cols = row_of[:-1][same][known], pair_ids[known]
    # Each sentence sees the context ids of the sentences before and after it.
    lengths, ctx_cols = table.context.gather(content_entries)
    ctx_rows = np.repeat(row_of, lengths)
    m = len(spans)
    up, down = ctx_rows > 0, ctx_rows < m - 1
    n_rows = np.concatenate([ctx_rows[down] + 1, ctx_rows[up] - 1])
    n_cols = np.concatenate([ctx_cols[down], ctx_cols[up]]).astype(np.int64)
    rows = np.concatenate([word_rows, pair_rows, n_rows])
    cols = np.concatenate([word_cols.astype(np.int64), pair_cols, n_cols])
    return PageScan(spans, present, token_slots, rows, cols, n_rows, n_cols)
