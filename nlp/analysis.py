"""Analyse text: signal hits (with sentence, offsets, negation, commitment), entities and scores.

Scores are explainable: a document's score for a signal is the sum over its non-negated hits of
signal weight × commitment weight, per 1,000 words (documents shorter than 1,000 words count as 1,000, so
a short text is not inflated). Every point traces back to a hit and its quote.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np
from spacy.attrs import NORM
from spacy.tokens import Span

from boligarkiv.lexicon import Lexicon, is_denial, load_lexicon
from boligarkiv.nlp.doc_kind import doc_kind_version
from boligarkiv.nlp.entities import EntityHit, find_entities
from boligarkiv.nlp.hash_rows import HashRows, TokenRange
from boligarkiv.nlp.page_scan import PagesScan, scan_pages, word_table
from boligarkiv.nlp.pipeline import get_pipeline, pipeline_name
from boligarkiv.nlp.rules import LEVELS, clause_bounds, commitment_in_rows, cue_within, negated_in_rows
from boligarkiv.nlp.signal_model import SignalModel, load_signal_model, model_version, sigmoid
from boligarkiv.nlp.slot_matcher import candidates, find_matches, slot_mask, token_slots

NLP_CODE_VERSION = "nlp-15"  # negation: a conditional clause and a preposition's object shield the concept
MIN_WORDS = 1000
PAGE_CHUNK = 64


def analysis_version(lexicon: Lexicon | None = None) -> str:
    """Code, lexicon and trained models together: a change to any makes earlier analyses stale."""
    lex = (lexicon or load_lexicon()).version[:16]
    return f"{NLP_CODE_VERSION}+{lex}+{model_version()[:14]}+{doc_kind_version()}"


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
    # Why it fired: «lexicon» (pattern id), «model» (probability and strongest features) or both.
    source: str = "lexicon"
    pattern: str | None = None
    probability: float | None = None
    features: list[str] = field(default_factory=list)


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

    def verdicts(self) -> dict[str, str]:
        """Each signal as the label guide labels a text: «present» where it is affirmed anywhere, «negated» where
        it appears only denied, «absent» otherwise."""
        affirmed = {h.signal for h in self.hits if not h.negated}
        denied = {h.signal for h in self.hits if h.negated}
        return {
            s.id: "present" if s.id in affirmed else "negated" if s.id in denied else "absent"
            for s in load_lexicon().signals
        }

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
            "signals": self.verdicts(),
            "scores": self.scores(),
            "commitment": self.strongest_commitment(),
            "entities": [{"page": p, **asdict(e)} for p, e in self.entities],
        }


def lexicon_matches(
    sent: Span | TokenRange,
    rows: HashRows | None = None,
    present: int | None = None,
    page_slots: Sequence[Collection[str]] | None = None,
) -> list[tuple[TokenRange, str]]:
    """Lexicon matches in one sentence with their pattern ids («signal/n»), matched over the slot keys the
    lemmatiser wrote (`rows`: the doc's hash rows; `present`: the sentence's slot keys as a mask and
    `page_slots` every token's, when known)."""
    if present is not None and not candidates(present):
        return []  # most sentences: no pattern has all its words here
    doc = sent.doc
    if rows is None:
        rows = HashRows.of(doc)
    slots = (
        page_slots[sent.start : sent.end]
        if page_slots is not None
        else token_slots(doc.to_array(NORM)[sent.start : sent.end].tolist(), doc.vocab.strings)
    )
    if present is None:
        present = slot_mask(set().union(*slots)) if slots else 0
    if not present:
        return []
    lex = load_lexicon().by_id
    out = []
    for a, b, pattern in find_matches(slots, rows.hyphen[sent.start : sent.end], present):
        span = TokenRange(doc, sent.start + a, sent.start + b, pattern.signal)
        not_after = lex[pattern.signal].not_after
        if not_after and _previous_word(span) in not_after:
            continue
        out.append((span, pattern.pattern_id))
    return out


def best_lexicon_hits(
    sent: Span | TokenRange,
    rows: HashRows,
    present: int | None = None,
    page_slots: Sequence[Collection[str]] | None = None,
) -> dict[str, tuple[TokenRange, str, bool]]:
    """Per signal, the sentence's clearest lexicon hit: (span, pattern id, negated). An affirmed hit beats a
    negated one; a denial («boligbehovet er dekket») outranks the affirming pattern inside it («boligbehov»),
    and a denial with a negation cue («… er ikke dekket») affirms the concept."""
    matches = lexicon_matches(sent, rows, present, page_slots)

    def negated(span: TokenRange, pattern_id: str) -> bool:
        if is_denial(pattern_id):
            # A denial denied states the concept: «boligbehovet er ikke dekket», «ikkje overkapasitet på bustader».
            cue = negated_in_rows(rows, sent.start, sent.end, span.start, span.end, relative_clauses=False)
            return not (cue or cue_within(rows, span.start, span.end))
        return negated_in_rows(rows, sent.start, sent.end, span.start, span.end)

    denied = [(m.label_, m.start, m.end) for m, pid in matches if is_denial(pid)]
    best: dict[str, tuple[TokenRange, str, bool]] = {}
    for span, pattern_id in sorted(matches, key=lambda m: (m[0].start, -(m[0].end - m[0].start))):
        if not is_denial(pattern_id) and any(
            lab == span.label_ and a <= span.start and span.end <= b for lab, a, b in denied
        ):
            continue
        neg = negated(span, pattern_id)
        old = best.get(span.label_)
        if old is None or (old[2] and not neg):
            best[span.label_] = (span, pattern_id, neg)
    return best


def _explain(
    model: SignalModel, scan: PagesScan, k: int, lexicon_signals: list[str], col: int
) -> tuple[Span | TokenRange, list[str]]:
    """The word that pushed sentence k over the threshold most, and the strongest features — the words the
    neighbouring sentences lent it (`n:…`) included."""
    names = model.names
    weights = model.weights[:, col]
    tokens, ids, owner = scan.word_ids(k, word_table(model))
    ws = weights[ids]
    sums = np.bincount(owner, weights=ws, minlength=len(tokens)).tolist()
    known = np.bincount(owner, minlength=len(tokens)).tolist()
    # Only a word with a known feature can be the anchor.
    contrib = {t: total for t, total, n in zip(tokens, sums, known, strict=True) if n}
    named = dict(zip((names[i] for i in ids.tolist()), ws.tolist(), strict=True))
    sent = scan.spans[k]
    for sig in lexicon_signals:
        idx = model.vocab.get(f"lex:{sig}")
        if idx is not None:
            w = float(weights[idx])
            contrib[sent.start] = contrib.get(sent.start, 0.0) + w
            named[f"lex:{sig}"] = w
    for idx in scan.context_ids(k):
        named[names[idx]] = float(weights[idx])
    anchor = max(contrib, key=contrib.__getitem__) if contrib else sent.start
    top = [f"{f} ({w:+.2f})" for f, w in sorted(named.items(), key=lambda kv: -kv[1])[:4] if w > 0]
    return sent.doc[anchor : anchor + 1], top


def _hits_in(scan: PagesScan, texts: list[str], first_page: int, model: SignalModel | None) -> list[Hit]:
    """At most one hit per sentence and signal (the clearest quote), lexicon and model combined by the
    decision rule the model was trained with; for several scanned pages at once (`first_page`: the first's
    number)."""
    lex = load_lexicon().by_id
    hits: list[Hit] = []
    cols = {s: i for i, s in enumerate(model.signals)} if model else {}
    # First pass over every sentence: lexicon matches where the scan found a slot key; then the model's
    # logits for all sentences in one sparse product.
    scanned: list[tuple[int, dict[str, tuple[TokenRange, str, bool]], list[str]]] = []
    lex_rows: list[int] = []
    lex_cols: list[int] = []
    for k, (sent, slots, p) in enumerate(zip(scan.spans, scan.present, scan.page_of, strict=True)):
        best = best_lexicon_hits(sent, scan.hash_rows[p], slots, scan.token_slots[p]) if slots else {}
        if model is None and not best:
            continue
        lex_signals = sorted(best)
        if model is not None:
            for sig in lex_signals:
                i = model.vocab.get(f"lex:{sig}")
                if i is not None:
                    lex_rows.append(k)
                    lex_cols.append(i)
        scanned.append((k, best, lex_signals))
    all_logits = fire_matrix = fire_any = None
    if model is not None and scanned:
        # With a model every sentence with content is scanned, so `scanned[k]` is the scan's row k.
        all_logits = model.matrix_logits(scan.matrix(lex_rows, lex_cols, model.weights.shape[0]))
        fire_matrix = all_logits >= model.logit_thresholds
        fire_any = fire_matrix.any(axis=1).tolist()
    trusted = model.trusted if model is not None else frozenset()
    for k, best, lex_signals in scanned:
        logits = None
        # Only a signal with a lexicon hit or a model score over its threshold can fire here.
        if fire_any is not None and fire_matrix is not None and all_logits is not None and model is not None:
            if not best and not fire_any[k]:
                continue  # nothing fires in this sentence: most sentences end here
            firing = set(best)
            if fire_any[k]:
                firing.update(model.signals[c] for c in np.flatnonzero(fire_matrix[k]))
            logits = all_logits[k]
        else:
            firing = set(best)
        sent = scan.spans[k]
        p = scan.page_of[k]
        rows = scan.hash_rows[p]
        page_text = texts[p]
        clause_levels: dict[tuple[int, int], str] = {}
        sentence_text = ""
        for signal_id in lex:
            if signal_id not in firing:
                continue
            mode = model.modes.get(signal_id, "lexicon") if model else "lexicon"
            lexhit = best.get(signal_id)
            col = cols.get(signal_id)
            prob = sigmoid(float(logits[col])) if logits is not None and col is not None and mode != "lexicon" else None
            model_fires = prob is not None and fire_matrix is not None and bool(fire_matrix[k, col])
            if model_fires and model is not None and model.gated.get(signal_id):
                # A gated signal's model hit needs the concept's own word in the sentence (training chose this).
                cue = cue_patterns().get(signal_id)
                model_fires = cue is None or cue.search(page_text[sent.start_char : sent.end_char].lower()) is not None
            if mode == "lexicon":
                fires = lexhit is not None
            elif mode == "model":
                # A negated lexicon hit is kept even where the model decides: it affirms nothing (scores skip
                # it) and shows a passage that rejects or denies the concept. A trusted pattern (right in the
                # training data, or never met there) fires alone.
                fires = model_fires or (lexhit is not None and (lexhit[2] or lexhit[1] in trusted))
            else:
                fires = lexhit is not None or model_fires
            if not fires:
                continue
            features: list[str] = []
            if not sentence_text:
                sentence_text = page_text[sent.start_char : sent.end_char].strip()
            if lexhit is not None:
                span, pattern_id, neg = lexhit
                source = "lexicon+model" if model_fires else "lexicon"
            else:
                assert model is not None
                span, features = _explain(model, scan, k, lex_signals, cols[signal_id])
                pattern_id, neg = None, negated_in_rows(rows, sent.start, sent.end, span.start, span.end)
                source = "model"
            # The hit's own clause says how firmly it is meant (a sentence often joins a done thing and one
            # only considered); clauses repeat across a sentence's hits, so each is read once.
            clause = clause_bounds(rows, sent.start, sent.end, span.start, span.end)
            level = clause_levels.get(clause)
            if level is None:
                level = clause_levels[clause] = commitment_in_rows(rows, *clause)
            hits.append(
                Hit(
                    signal=signal_id,
                    # Slices of the page text: Span.text would build a Token object per word.
                    text=page_text[span.start_char : span.end_char],
                    sentence=sentence_text,
                    start=span.start_char,
                    end=span.end_char,
                    page=first_page + p,
                    negated=neg,
                    commitment=level,
                    weight=lex[signal_id].weight,
                    source=source,
                    pattern=pattern_id,
                    probability=round(prob, 4) if prob is not None else None,
                    features=features,
                )
            )
    return hits


@cache
def cue_patterns() -> dict[str, re.Pattern[str]]:
    return {s.id: rx for s in load_lexicon().signals if (rx := s.cue_pattern) is not None}


def _previous_word(span: TokenRange) -> str:
    i = span.start - 1
    doc = span.doc
    while i >= 0 and doc[i].is_punct:
        i -= 1
    return doc[i].lemma_ if i >= 0 else ""


def analyse_pages(pages: list[str], lang: str = "nb", model: SignalModel | bool | None = True) -> Analysis:
    """Analyse a document's pages (page numbers start at 1). `model`: True for the shipped signal model,
    False for the lexicon alone, or a SignalModel (cross-validation passes the fold's own)."""
    lang = lang if lang in ("nb", "nn") else "nb"
    if model is True:
        model = load_signal_model()
    elif model is False:
        model = None
    nlp = get_pipeline(lang)
    result = Analysis(language=lang, pipeline=pipeline_name(lang))
    has_ner = "ner" in nlp.pipe_names
    docs = nlp.pipe(pages, batch_size=16)
    # Pages are scanned in chunks: a document's recurring words are looked up once per chunk, and memory
    # stays bounded for a long PDF.
    for first in range(0, len(pages), PAGE_CHUNK):
        texts = pages[first : first + PAGE_CHUNK]
        chunk = list(itertools.islice(docs, len(texts)))
        scan = scan_pages(chunk, model)
        result.words += sum(scan.words)
        for number, (text, doc) in enumerate(zip(texts, chunk, strict=True), start=first + 1):
            result.entities.extend((number, e) for e in find_entities(text))
            if has_ner:
                for ent in doc.ents:
                    result.entities.append((number, EntityHit(ent.label_, ent.text, ent.start_char, ent.end_char)))
        result.hits.extend(_hits_in(scan, texts, first + 1, model))
    return result


def analyse_text(text: str, lang: str | None = None) -> Analysis:
    if lang is None:
        from boligarkiv.language import detect_language

        lang = detect_language(text)[0]
    return analyse_pages([text], lang)
