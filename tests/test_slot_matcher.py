"""The slot matcher against spaCy's Matcher as the reference: the same lexicon patterns, written as Matcher
patterns here, must give the same matches on the regression sentences and on real passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spacy.attrs import NORM, ORTH
from spacy.matcher import Matcher

from boligarkiv.lexicon import HYPHENS, load_lexicon, slot_tests
from boligarkiv.nlp.corpus import default_corpus_dir, load_dev_corpus
from boligarkiv.nlp.pipeline import get_pipeline
from boligarkiv.nlp.slot_matcher import (
    HYPHEN_HASHES,
    find_matches,
    match_pattern,
    slot_mask,
    slot_patterns,
    token_slots,
)

REGRESSION = Path(__file__).parent / "data" / "signal_sentences.tsv"


def _reference_token(slot: str) -> dict:
    optional = slot.endswith("?") and len(slot) > 1
    body = slot[:-1] if optional else slot
    op = {"OP": "?"} if optional else {}
    if re.fullmatch(r"~\d+", body):
        return {"OP": "{0," + body[1:] + "}", "IS_SENT_START": False}
    if body == "-":
        return {"ORTH": {"IN": HYPHENS}, **op}
    return {"NORM": {"REGEX": f"§{slot_tests()[body].key}§"}, **op}


def _reference_matchers(lang: str) -> list[tuple[str, Matcher]]:
    out = []
    for signal in load_lexicon().signals:
        for pattern, pattern_id in zip(signal.all_patterns, signal.pattern_ids, strict=True):
            m = Matcher(get_pipeline(lang).vocab, validate=True)
            m.add(signal.id, [[_reference_token(s) for s in pattern]], greedy="LONGEST")
            out.append((pattern_id, m))
    return out


def _compare(texts: list[tuple[str, str]]) -> tuple[int, list[str]]:
    refs = {lang: _reference_matchers(lang) for lang in ("nb", "nn")}
    checked, diffs = 0, []
    for lang, text in texts:
        doc = get_pipeline(lang)(text)
        rows = doc.to_array([ORTH, NORM]).tolist()
        slots = token_slots([r[1] for r in rows], doc.vocab.strings)
        hyphen = [r[0] in HYPHEN_HASHES for r in rows]
        for sent in doc.sents:
            expected = {(s.start, s.end, pid) for pid, m in refs[lang] for s in m(sent, as_spans=True)}
            part = slots[sent.start : sent.end]
            present = slot_mask(set().union(*part)) if part else 0
            got = {
                (sent.start + a, sent.start + b, p.pattern_id)
                for a, b, p in find_matches(part, hyphen[sent.start : sent.end], present)
            }
            checked += 1
            if got != expected:
                diffs.append(f"{sent.text!r}: spaCy {sorted(expected - got)}, slot matcher {sorted(got - expected)}")
    return checked, diffs


def test_same_matches_as_spacy_on_the_regression_sentences() -> None:
    texts = []
    for line in REGRESSION.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, *_, sentence = line.split("\t")
            texts.append((lang, sentence))
    checked, diffs = _compare(texts)
    assert checked >= 150
    assert not diffs, "\n".join(diffs[:10])


@pytest.mark.skipif(not (default_corpus_dir() / "passages.jsonl").exists(), reason="../shared/data missing")
def test_same_matches_as_spacy_on_real_passages() -> None:
    passages = load_dev_corpus()[::4]
    checked, diffs = _compare([(p.lang if p.lang in ("nb", "nn") else "nb", p.text) for p in passages])
    assert checked > 2000
    assert not diffs, "\n".join(diffs[:10])


def test_optional_slots_gaps_and_longest_matches() -> None:
    (lte,) = [p for p in slot_patterns() if p.pattern_id == "leie_til_eie/1"]  # leie -? til|før|for -? eie
    leie, til, eie = (slot_tests()[body].key for body in ("leie|leige", "til|før|for", "eie|eige"))
    no: frozenset[str] = frozenset()
    # «leie - til - eie»: hyphens are optional steps between the words.
    assert match_pattern(lte, [frozenset({leie}), no, frozenset({til}), no, frozenset({eie})], [0, 1, 0, 1, 0]) == [
        (0, 5)
    ]
    assert match_pattern(lte, [frozenset({leie}), frozenset({til}), frozenset({eie})], [0, 0, 0]) == [(0, 3)]
    # A word in between breaks the pattern (it has no gap).
    assert match_pattern(lte, [frozenset({leie}), no, frozenset({til}), frozenset({eie})], [0, 0, 0, 0]) == []


def test_a_paragraph_sign_is_not_a_slot() -> None:
    """Law text says «§ 3» and «§12»: only the lemmatiser's «§s3§s17§» codes read as slot keys."""
    from boligarkiv.nlp.analysis import lexicon_matches
    from boligarkiv.nlp.slot_matcher import norm_slots

    assert norm_slots("§s3§s17§") == ("s3", "s17")
    assert norm_slots("§") == () and norm_slots("§12") == () and norm_slots("§§") == ()
    doc = get_pipeline("nb")("Etter § 3 og §12 i forskriften kan kommunen gi startlån.")
    assert "startlan" in {span.label_ for span, _ in lexicon_matches(next(iter(doc.sents)))}
