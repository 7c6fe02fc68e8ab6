"""Sentence features for the statistical signal detector.

A sentence is described by its words' lemmas, their compound heads and character n-grams (Norwegian writes
compounds as one word: «utleigebustadene», «beboerkjøpsordning», «tomtereserven»), lemma bigrams («lav
husleie», «private aktør»), which lexicon signals matched in it, and the lemmas and heads of the sentences
before and after it (context). Features are binary: a sentence has one or not, however often it occurs.
Word features are computed once per (form, lemma) and cached, so a page costs a dictionary lookup per token.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TypeVar

from spacy.tokens import Span, Token

T = TypeVar("T")
NGRAM_SIZES = (4, 5)
MAX_CACHE = 500_000
_word_cache: dict[tuple[str, str], tuple[str, ...]] = {}


def word_features(lower: str, lemma: str, heads: tuple[str, ...]) -> tuple[str, ...]:
    key = (lower, lemma)
    hit = _word_cache.get(key)
    if hit is not None:
        return hit
    feats = ["l:" + lemma]
    feats.extend("h:" + h for h in heads)
    if len(lower) >= 4 and any(c.isalpha() for c in lower):
        padded = f"<{lower}>"
        for n in NGRAM_SIZES:
            feats.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    out = tuple(dict.fromkeys(feats))
    if len(_word_cache) < MAX_CACHE:
        _word_cache[key] = out
    return out


CONTEXT_PREFIX = "n:"


def context_features(lemma: str, heads: tuple[str, ...]) -> tuple[str, ...]:
    """What a word tells its neighbouring sentences: its lemma and compound heads, marked as context. A
    heading or the sentence before often names the topic a short sentence («Søknad skjer elektronisk») is
    about."""
    return (f"{CONTEXT_PREFIX}l:{lemma}", *(f"{CONTEXT_PREFIX}h:{h}" for h in heads))


def content_tokens(sent: Span) -> list[Token]:
    return [t for t in sent if not (t.is_space or t.is_punct)]


def sentence_features(sent: Span, lexicon_signals: Iterable[str] = ()) -> list[tuple[str, int]]:
    """(feature, token index in the doc) pairs; the index lets an explanation point at the words."""
    out: list[tuple[str, int]] = []
    prev: str | None = None
    for tok in content_tokens(sent):
        lemma = tok.lemma_.lower()
        for f in word_features(tok.lower_, lemma, tok._.heads):
            out.append((f, tok.i))
        if prev is not None:
            out.append((f"b:{prev}|{lemma}", tok.i))
        prev = lemma
    out.extend((f"lex:{s}", sent.start) for s in lexicon_signals)
    return out


def neighbour_context(per_sentence: Sequence[Collection[T]]) -> list[set[T]]:
    """For each sentence, the context items of the sentence before and the sentence after it."""
    out: list[set[T]] = []
    for k in range(len(per_sentence)):
        ctx: set[T] = set()
        if k > 0:
            ctx.update(per_sentence[k - 1])
        if k + 1 < len(per_sentence):
            ctx.update(per_sentence[k + 1])
        out.append(ctx)
    return out
