"""Query words → lemmas (both written standards), and highlighted snippets computed the same way for
every backend, so a hit found through a lemma («boligene» for «bolig») is highlighted too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligarkiv.index.query import Phrase, Prefix, Query, Word
from boligarkiv.index.records import PageHit
from boligarkiv.lemmas import WORD_RE, lemmatizer

SNIPPET_WORDS = 32


def phrase_lemmas(words: list[str] | tuple[str, ...]) -> list[str]:
    """A phrase as lemma sequences, one per written standard: «tredje boligsektoren» is «tredje boligsektor»."""
    seqs = {" ".join(lemmatizer(lang).lemma(w.lower()) for w in words) for lang in ("nb", "nn")}
    return sorted(seqs)


def lemmas_of(word: str) -> set[str]:
    """The word's lemma in Bokmål and in Nynorsk (the query does not say which it is written in)."""
    return {lemmatizer("nb").lemma(word), lemmatizer("nn").lemma(word)}


@dataclass
class Matcher:
    words: set[str]
    lemmas: set[str]
    prefixes: tuple[str, ...]
    phrases: list[re.Pattern[str]]
    phrase_lemma_seqs: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def for_query(cls, query: Query) -> Matcher:
        words: set[str] = set()
        lemmas: set[str] = set()
        prefixes: list[str] = []
        phrases = []
        seqs: list[tuple[str, ...]] = []
        for term in query.positive_terms():
            if isinstance(term, Word):
                words.add(term.text)
                lemmas |= lemmas_of(term.text)
            elif isinstance(term, Prefix):
                prefixes.append(term.text)
            elif isinstance(term, Phrase):
                phrases.append(
                    re.compile(r"(?<![\wæøå])" + r"[\W_]+".join(map(re.escape, term.words)) + r"(?![\wæøå])", re.I)
                )
                seqs += [tuple(seq.split()) for seq in phrase_lemmas(term.words)]
        return cls(words, lemmas, tuple(prefixes), phrases, tuple(seqs))

    def spans(self, text: str, lang: str | None) -> list[tuple[int, int]]:
        lem = lemmatizer(lang if lang in ("nb", "nn") else "nb")
        tokens = list(WORD_RE.finditer(text))
        lows = [t.group(0).lower() for t in tokens]
        prefixes = self.prefixes or ("\0",)
        out = [
            (t.start(), t.end())
            for t, w in zip(tokens, lows, strict=True)
            if w in self.words or w.startswith(prefixes) or (self.lemmas and lem.lemma(w) in self.lemmas)
        ]
        for p in self.phrases:
            out.extend((m.start(), m.end()) for m in p.finditer(text))
        if self.phrase_lemma_seqs:
            # The phrase in other inflections: consecutive words whose lemmas are the phrase's.
            lemmas = [lem.lemma(w) for w in lows]
            for seq in self.phrase_lemma_seqs:
                n = len(seq)
                for i in range(len(tokens) - n + 1):
                    if lemmas[i] == seq[0] and tuple(lemmas[i : i + n]) == seq:
                        out.append((tokens[i].start(), tokens[i + n - 1].end()))
        return sorted(set(out))

    def snippet(self, page: int, text: str, lang: str | None) -> PageHit:
        """A window of about SNIPPET_WORDS words around the first match, with the matches marked.

        Line breaks become spaces one for one, so the spans found on the page stay valid in the window.
        """
        spans = self.spans(text, lang)
        words = list(WORD_RE.finditer(text))
        if not words:
            return PageHit(page, "", [])
        idx = next((i for i, w in enumerate(words) if w.end() > spans[0][0]), 0) if spans else 0
        lo = max(0, idx - SNIPPET_WORDS // 3)
        hi = min(len(words) - 1, lo + SNIPPET_WORDS)
        start, end = words[lo].start(), words[hi].end()
        window = text[start:end].translate(WHITESPACE)
        prefix = "…" if lo > 0 else ""
        shift = len(prefix) - start
        marks = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
        return PageHit(page, prefix + window + ("…" if hi < len(words) - 1 else ""), marks)


WHITESPACE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})
