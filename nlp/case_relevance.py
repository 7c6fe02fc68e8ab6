"""Does a political case concern housing? Judged by the signal detector (lexicon and model) and the
document-kind model — not by a word list of its own — on the case title first and, when the title leaves
it open, on the first page of the case paper.

Verdicts: «ja» (fetch the case's papers), «kanskje» (fetch the main paper and judge its first page),
«nei» (leave the case). A title is «kanskje» when the signal model gives some signal a probability of at
least MAYBE_PROBABILITY without firing: titles are short («Salg av Storgata 5»), so the model's doubt is
worth one download, not a decision.
"""

from __future__ import annotations

import math

from boligarkiv.nlp.analysis import analyse_pages, lexicon_matches
from boligarkiv.nlp.doc_kind import load_doc_kind_model
from boligarkiv.nlp.features import sentence_features
from boligarkiv.nlp.pipeline import get_pipeline
from boligarkiv.nlp.signal_model import load_signal_model

MAYBE_PROBABILITY = 0.2
HOUSING_KINDS = frozenset({"boligsosial_handlingsplan", "boligplan"})
FIRST_PAGE_CHARS = 4000


def judge_case(title: str, first_page: str | None = None, lang: str = "nb") -> str:
    title = " ".join((title or "").split())
    texts = [t for t in (title, (first_page or "")[:FIRST_PAGE_CHARS]) if t.strip()]
    if not texts:
        return "nei"
    analysis = analyse_pages(texts, lang)
    if any(not h.negated for h in analysis.hits):
        return "ja"
    kinds = load_doc_kind_model()
    if kinds is not None:
        kind, plan = kinds.predict(title, first_page or "")
        if plan or kind in HOUSING_KINDS:
            return "ja"
    if first_page is not None:
        return "nei"
    return "kanskje" if title_probability(title, lang) >= MAYBE_PROBABILITY else "nei"


def title_probability(title: str, lang: str = "nb") -> float:
    """The signal model's highest probability for any signal over the title as one sentence."""
    model = load_signal_model()
    if model is None or not title.strip():
        return 0.0
    doc = get_pipeline(lang)(title)
    best = 0.0
    for sent in doc.sents:
        lex = sorted({span.label_ for span, _ in lexicon_matches(sent)})
        ids = model.ids([f for f, _ in sentence_features(sent, lex)])
        logits = model.logits(ids)
        best = max(best, max(1 / (1 + math.exp(-float(x))) for x in logits))
    return best
