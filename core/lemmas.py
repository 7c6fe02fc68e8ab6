"""Offline Norwegian lemmatiser: simplemma plus a Bokmål correction table, and compound-head analysis.

On UD Norwegian Bokmål test (case-insensitive, punctuation excluded) simplemma alone scores 0.965; with the
correction table built by nlp/build_lemmas.py it scores 0.979 (bench/lemma.py). Nynorsk uses simplemma's
Nynorsk dictionary. Words neither knows are split at a known head noun when the rest is an inflection
ending, so «utleigebustadene» → «utleigebustad» (head «bustad»): Norwegian writes compounds as one word
and plan vocabulary is full of them.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

import simplemma

DATA = Path(__file__).resolve().parent / "data"
# Noun and adjective endings in Bokmål and Nynorsk (definite, plural, genitive).
INFLECTIONS = (
    "",
    "e",
    "en",
    "er",
    "ene",
    "et",
    "a",
    "ar",
    "ane",
    "s",
    "ens",
    "enes",
    "ets",
    "ers",
    "as",
    "anes",
    "ne",
    "r",
)


@cache
def nb_overrides() -> dict[str, str]:
    path = DATA / "nb_lemma_overrides.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return dict(line.rstrip("\n").split("\t", 1) for line in fh if "\t" in line)


class Lemmatizer:
    """Lemma and compound heads per (lowercased) word form, cached: plan text repeats its vocabulary."""

    def __init__(self, lang: str, heads: frozenset[str] = frozenset()) -> None:
        if lang not in ("nb", "nn"):
            raise ValueError(f"unsupported language {lang!r} (nb or nn)")
        self.lang = lang
        self.heads = heads
        self.heads_by_length = sorted(heads, key=len, reverse=True)
        # A lemma's heads are its suffixes that are heads: one set lookup per head length instead of an
        # endswith test per head. Reported in the heads' own iteration order, as before.
        self.head_lengths = sorted({len(h) for h in heads})
        self.head_rank = {h: i for i, h in enumerate(heads)}
        self.overrides = nb_overrides() if lang == "nb" else {}
        self.cache: dict[str, tuple[str, tuple[str, ...]]] = {}

    def lemma(self, form: str) -> str:
        return self.analyse(form)[0]

    def analyse(self, form: str) -> tuple[str, tuple[str, ...]]:
        lower = form.lower()
        hit = self.cache.get(lower)
        if hit is not None:
            return hit
        lemma = self.overrides.get(lower)
        if lemma is None:
            lemma = simplemma.lemmatize(lower, lang=self.lang).lower()
            # Base forms are their own lemma, so «unchanged» does not mean «unknown»: ask the dictionary.
            if lemma == lower and len(lower) > 5 and not simplemma.is_known(lower, lang=self.lang):
                lemma = self._split_compound(lower) or lemma
        heads = self._heads_of(lemma)
        result = (lemma, heads)
        if len(self.cache) < 500_000:
            self.cache[lower] = result
        return result

    def _heads_of(self, lemma: str) -> tuple[str, ...]:
        rank = self.head_rank
        found = [lemma[-n:] for n in self.head_lengths if n <= len(lemma) and lemma[-n:] in rank]
        return tuple(sorted(found, key=rank.__getitem__)) if found else ()

    def _split_compound(self, lower: str) -> str | None:
        for head in self.heads_by_length:
            idx = lower.rfind(head)
            if idx > 1 and lower[idx + len(head) :] in INFLECTIONS:
                return lower[: idx + len(head)]
        return None


# The words of a text as the search index sees them (letters, digits, Norwegian letters).
WORD_RE = re.compile(r"[\wæøåÆØÅéüäö]+", re.UNICODE)


@cache
def lemmatizer(lang: str) -> Lemmatizer:
    """The lemmatiser for nb or nn with the lexicon's compound heads (one per process)."""
    from boligarkiv.lexicon import load_lexicon

    return Lemmatizer(lang if lang in ("nb", "nn") else "nb", load_lexicon().heads)


def lemma_text(text: str, lang: str | None) -> str:
    """A page as its lemmas, space-separated: written by the analyse stage, read by the search index."""
    lem = lemmatizer(lang if lang in ("nb", "nn") else "nb")
    return " ".join(lem.lemma(w) for w in WORD_RE.findall(text))
