"""Analyse text: signal hits (with sentence, offsets, negation, commitment), entities and scores.

Scores are explainable: a document's score for a signal is the sum over its non-negated hits of
signal weight × commitment weight, per 1,000 words (documents shorter than 1,000 words count as 1,000, so
a short text is not inflated). Every point traces back to a hit and its quote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from nlp.entities import EntityHit, find_entities
from nlp.lexicon import Lexicon, load_lexicon, matcher_patterns, required_keys
from nlp.pipeline import get_pipeline, pipeline_name
from nlp.rules import LEVELS, commitment, is_negated

NLP_CODE_VERSION = "nlp-2"
MIN_WORDS = 1000


def analysis_version(lexicon: Lexicon | None = None) -> str:
    return f"{NLP_CODE_VERSION}+{(lexicon or load_lexicon()).version}"


@dataclass
class Hit:
    signal: str
    text: str
    sentence: str
    start: int  # character offsets in the page (or the whole text)
    end: int
    page: int
    negated: bool
    commitment: str
    weight: float


@dataclass
class Analysis:
    hits: list[Hit] = field(default_factory=list)
    entities: list[tuple[int, EntityHit]] = field(default_factory=list)
    words: int = 0
    language: str = "nb"
    pipeline: str = ""

    def scores(self, lexicon: Lexicon | None = None) -> dict[str, float]:
        lex = lexicon or load_lexicon()
        raw: dict[str, float] = defaultdict(float)
        for h in self.hits:
            if not h.negated:
                raw[h.signal] += h.weight * lex.commitment_weights.get(h.commitment, 0.25)
        per = 1000.0 / max(self.words, MIN_WORDS)
        return {s.id: round(raw.get(s.id, 0.0) * per, 4) for s in lex.signals}

    def strongest_commitment(self) -> dict[str, str]:
        best: dict[str, str] = {}
        for h in self.hits:
            if h.negated:
                continue
            if h.signal not in best or LEVELS.index(h.commitment) < LEVELS.index(best[h.signal]):
                best[h.signal] = h.commitment
        return best

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "pipeline": self.pipeline,
            "words": self.words,
            "version": analysis_version(),
            "hits": [asdict(h) for h in self.hits],
            "scores": self.scores(),
            "commitment": self.strongest_commitment(),
            "entities": [{"page": p, **asdict(e)} for p, e in self.entities],
        }


@cache
def _matchers(lang: str) -> list[tuple[frozenset[str], Matcher]]:
    """One spaCy Matcher per lexicon pattern, with the slot keys a sentence needs for it to apply.

    A sentence runs only the patterns whose keys it contains; a single Matcher with every pattern would
    test every pattern's first slot at every token.
    """
    nlp = get_pipeline(lang)
    out = []
    for signal in load_lexicon().signals:
        for pattern, req in zip(matcher_patterns(signal), required_keys(signal), strict=True):
            matcher = Matcher(nlp.vocab, validate=True)
            matcher.add(signal.id, [pattern], greedy="LONGEST")
            out.append((req, matcher))
    return out


def _sentence_matches(doc: Doc, lang: str) -> list[Span]:
    matchers = _matchers(lang)
    out: list[Span] = []
    for sent in doc.sents:
        present: set[str] = set()
        for token in sent:
            slots = token._.slots
            if slots:
                present.update(slots)
        if not present:
            continue
        for req, matcher in matchers:
            if req <= present:
                out.extend(matcher(sent, as_spans=True))
    return out


def _hits_in(doc: Doc, page: int, lang: str) -> list[Hit]:
    lex = load_lexicon().by_id
    matches = _sentence_matches(doc, lang)
    hits: list[Hit] = []
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in sorted(matches, key=lambda s: (s.start, -(s.end - s.start))):
        signal = span.label_
        # One hit per overlapping stretch of text per signal.
        if any(span.start < e and s < span.end for s, e in taken[signal]):
            continue
        if lex[signal].not_after and _previous_word(span) in lex[signal].not_after:
            continue
        taken[signal].append((span.start, span.end))
        sent = span.sent
        hits.append(
            Hit(
                signal=signal,
                text=span.text,
                sentence=sent.text.strip(),
                start=span.start_char,
                end=span.end_char,
                page=page,
                negated=is_negated(span),
                commitment=commitment(span),
                weight=lex[signal].weight,
            )
        )
    return hits


def _previous_word(span: Span) -> str:
    i = span.start - 1
    doc = span.doc
    while i >= 0 and doc[i].is_punct:
        i -= 1
    return doc[i].lemma_ if i >= 0 else ""


def analyse_pages(pages: list[str], lang: str = "nb") -> Analysis:
    """Analyse a document's pages (page numbers start at 1)."""
    lang = lang if lang in ("nb", "nn") else "nb"
    nlp = get_pipeline(lang)
    result = Analysis(language=lang, pipeline=pipeline_name(lang))
    for number, doc in enumerate(nlp.pipe(pages, batch_size=16), start=1):
        result.words += sum(1 for t in doc if not (t.is_punct or t.is_space))
        result.hits.extend(_hits_in(doc, number, lang))
        result.entities.extend((number, e) for e in find_entities(doc.text))
        if doc.has_annotation("ENT_IOB"):
            for ent in doc.ents:
                result.entities.append((number, EntityHit(ent.label_, ent.text, ent.start_char, ent.end_char)))
    return result


def analyse_text(text: str, lang: str | None = None) -> Analysis:
    if lang is None:
        from extract.metadata import detect_language

        lang = detect_language(text)[0]
    return analyse_pages([text], lang)
