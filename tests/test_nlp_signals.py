"""Regression set (166 sentences written by the team, in-sample: NOT a quality figure): the lexicon alone
keeps precision and recall >= 0.9 per signal and recognises negations; the detector (lexicon + model
trained on real text) must not fall far below it. Held-out figures on real text come from bench/signals.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from boligarkiv.lexicon import load_lexicon
from boligarkiv.nlp.analysis import analyse_pages, analyse_text

DATA = Path(__file__).parent / "data" / "signal_sentences.tsv"
REQUIRED_IDS = {
    "rimelige_boliger",
    "leie_til_eie",
    "tredje_boligsektor",
    "deleie",
    "prisregulert",
    "startlan",
    "bostotte_tilskudd",
    "kommunale_utleieboliger",
    "vanskeligstilte",
    "boligbehov",
    "tomt_og_avtaler",
    "samarbeid_utbyggere",
}


def load_cases() -> list[tuple[str, set[str], set[str], str]]:
    cases = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, counts, negated, sentence = ([*line.split("\t"), "", "", ""])[:4]
        split = lambda s: {x.strip() for x in s.split(",") if x.strip()}  # noqa: E731
        cases.append((lang, split(counts), split(negated), sentence.strip()))
    return cases


def evaluate(model: bool = False) -> tuple[dict[str, tuple[float, float, int]], list[str], float]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    neg_ok = neg_total = 0
    for lang, expected, expected_neg, sentence in load_cases():
        a = analyse_pages([sentence], lang, model)
        counted = {h.signal for h in a.hits if not h.negated}
        negated = {h.signal for h in a.hits if h.negated} - counted
        for s in counted & expected:
            tp[s] += 1
        for s in counted - expected:
            fp[s] += 1
            errors.append(f"FP {s}: {sentence}")
        for s in expected - counted:
            fn[s] += 1
            errors.append(f"FN {s}: {sentence}")
        for s in expected_neg:
            neg_total += 1
            if s in negated:
                neg_ok += 1
            else:
                errors.append(f"NEG {s}: {sentence}")
    table = {}
    for s in REQUIRED_IDS:
        p = tp[s] / (tp[s] + fp[s]) if tp[s] + fp[s] else 0.0
        r = tp[s] / (tp[s] + fn[s]) if tp[s] + fn[s] else 0.0
        table[s] = (p, r, tp[s] + fn[s])
    return table, errors, neg_ok / max(neg_total, 1)


def test_lexicon_has_the_stable_signal_ids() -> None:
    lex = load_lexicon()
    assert {s.id for s in lex.signals} >= REQUIRED_IDS
    assert lex.version.startswith("lex-")
    for s in lex.signals:
        assert s.label and s.weight > 0


def test_labelled_set_size_and_coverage() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    assert {c[0] for c in cases} == {"nb", "nn"}
    for sid in REQUIRED_IDS:
        pos = [c for c in cases if sid in c[1]]
        neg = [c for c in cases if sid in c[2]]
        assert len(pos) >= 4 and len(neg) >= 2, sid
        assert {c[0] for c in pos} == {"nb", "nn"}, sid
    assert sum(1 for c in cases if not c[1] and not c[2]) >= 30  # near-misses and neutral sentences


def test_detector_on_the_regression_set() -> None:
    table, errors, neg_accuracy = evaluate(model=True)
    micro_r = sum(r * n for _, r, n in table.values()) / sum(n for *_, n in table.values())
    assert micro_r >= 0.95, "\n".join(errors)
    for s, (p, r, _) in table.items():
        # boligbehov's model fires on allocation «etter behov» and on plain building sentences here as on real
        # text (held-out precision 0.65, bench/signals.py); its floor guards against getting worse than that.
        floor = 0.6 if s == "boligbehov" else 0.7
        assert p >= floor and r >= 0.85, f"{s}: P={p:.2f} R={r:.2f}\n" + "\n".join(errors)
    assert neg_accuracy >= 0.85, "\n".join(e for e in errors if e.startswith("NEG"))


def test_lexicon_precision_and_recall_per_signal() -> None:
    table, errors, neg_accuracy = evaluate(model=False)
    report = "\n".join(f"{s:<26} P={p:.2f} R={r:.2f} n={n}" for s, (p, r, n) in sorted(table.items()))
    print(report)
    print("\n".join(errors))
    for s, (p, r, _) in table.items():
        assert p >= 0.9 and r >= 0.9, f"{s}: P={p:.2f} R={r:.2f}\n" + "\n".join(errors)
    assert neg_accuracy >= 0.9, "\n".join(e for e in errors if e.startswith("NEG"))


@pytest.mark.parametrize(
    ("text", "lang", "signal", "matched"),
    [
        ("Leie-til-eie-boligene ble ferdigstilt i fjor.", "nb", "leie_til_eie", "Leie-til-eie"),
        ("Gjennomgangsbustadene skal fordelast etter behov.", "nn", "kommunale_utleieboliger", "Gjennomgangsbustadene"),
        ("Kommunens utleieboliger er fulle.", "nb", "kommunale_utleieboliger", "Kommunens utleieboliger"),
        # A quoted term with a suffix (a real passage's shape): the closing quote used to glue «eie» to the suffix.
        ("Kommunen prøver «leie-til-eie»-modellen.", "nb", "leie_til_eie", "leie-til-eie"),
        ('"Leie-for-å-eie"-modellen hjelper leietakarar.', "nn", "leie_til_eie", "Leie-for-å-eie"),
        ("Vi prøver «Leige før eige»-ordninga.", "nn", "leie_til_eie", "Leige før eige"),
        # Text pasted from a word processor: non-breaking hyphens, soft hyphens (offsets stay the text's own).
        ("Kommunen har en leie\u2011til\u2011eie-ordning.", "nb", "leie_til_eie", "leie\u2011til\u2011eie"),
        (
            "Kommunen eig kommu\u00adnale utleige\u00adbustader.",
            "nn",
            "kommunale_utleieboliger",
            "kommu\u00adnale utleige\u00adbustader",
        ),
    ],
)
def test_compounds_and_hyphen_variants(text: str, lang: str, signal: str, matched: str) -> None:
    hits = [h for h in analyse_text(text, lang).hits if h.signal == signal]
    assert hits and hits[0].text == matched
    assert text[hits[0].start : hits[0].end] == matched


def test_leie_alone_matches_nothing() -> None:
    assert not [
        h for h in analyse_text("Leie er dyrt i byen, og mange leier.", "nb").hits if h.signal == "leie_til_eie"
    ]


def test_commitment_levels() -> None:
    cases = {
        "Kommunen har etablert en leie-til-eie-ordning.": "gjennomfort",
        "Kommunen skal etablere en leie-til-eie-ordning.": "vedtatt",
        "Kommunen vil etablere en leie-til-eie-ordning.": "intensjon",
        "Kommunen skal vurdere en leie-til-eie-ordning.": "vurderes",
        "Leie-til-eie er omtalt i kapittel 4.": "nevnt",
    }
    for text, level in cases.items():
        hit = next(h for h in analyse_text(text, "nb").hits if h.signal == "leie_til_eie")
        assert hit.commitment == level, (text, hit.commitment)


def test_commitment_is_read_from_the_hits_own_clause() -> None:
    """A sentence often joins a thing done and one only considered: each hit takes its own clause's level (the
    whole sentence's strongest had given both «vurderes»). A clause with «at» stays with its verb."""
    cases = {
        "Kommunen har etablert et startlånsteam og vil vurdere leie-til-eie.": {
            "startlan": "gjennomfort",
            "leie_til_eie": "vurderes",
        },
        "Kommunen vil prioritere vanskeligstilte, men har allerede innført startlån.": {
            "vanskeligstilte": "intensjon",
            "startlan": "gjennomfort",
        },
        "Kommunestyret har vedtatt at det skal bygges 20 kommunale utleieboliger.": {
            "kommunale_utleieboliger": "vedtatt"
        },
        "Kommunen skal bygge kommunale utleieboliger og tilby startlån.": {
            "kommunale_utleieboliger": "vedtatt",
            "startlan": "vedtatt",
        },
    }
    for text, levels in cases.items():
        got = {h.signal: h.commitment for h in analyse_text(text, "nb").hits if h.signal in levels}
        assert got == levels, text
