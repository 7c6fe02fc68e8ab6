"""Train the signal model from the labelled corpus: `python -m nlp.train [--corpus DIR] [--out FILE]`.

Examples are sentences. A sentence is positive for a signal when it overlaps one of the passage's evidence
quotes for it (present or negated: negation is decided by rules on the hit's clause, not learned); it is
negative when the passage does not mention the signal at all. Other sentences of a passage that mentions
the signal are left out, since the labellers quote at most five places and an unquoted sentence may still
say it. One logistic regression per signal (scikit-learn, balanced classes) over binary features, the
neighbouring sentences' words included (nlp/features.py).

The decision rule per signal — lexicon alone, model alone, or either — and the model's threshold are chosen
by grouped cross-validation inside the training passages, maximising passage-level F1. Under «model alone»,
lexicon patterns the training passages trust still fire on their own (`trusted_patterns`). Nothing is tuned
on the passages being scored: bench/signals.py calls `train_parsed` once per outer fold.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boligarkiv.lexicon import load_lexicon
from boligarkiv.nlp.corpus import Passage, default_corpus_dir, group_folds, load_dev_corpus
from boligarkiv.nlp.features import content_tokens, context_features, neighbour_context, sentence_features
from boligarkiv.nlp.signal_model import MODEL_PATH, MODES, SignalModel

C = 1.0
CLASS_WEIGHT: str | None = "balanced"
MIN_COUNT = 2
INNER_FOLDS = 4
TRUST = 0.9
THRESHOLDS = (*(round(x, 2) for x in np.arange(0.3, 0.96, 0.05)), 0.97, 0.98, 0.99)


@dataclass
class ParsedSentence:
    passage: int  # index into the passage list
    features: list[str]
    lexicon: frozenset[str]  # signals with a non-negated lexicon hit in this sentence
    targets: dict[str, int]  # 1 positive, 0 negative, -1 left out
    cued: frozenset[str] = frozenset()  # signals whose model cue (a word part from the guide) is in the sentence
    patterns: frozenset[str] = frozenset()  # ids of the lexicon patterns behind the affirmed hits


def parse_passages(passages: list[Passage]) -> list[ParsedSentence]:
    from boligarkiv.nlp.analysis import best_lexicon_hits
    from boligarkiv.nlp.hash_rows import HashRows
    from boligarkiv.nlp.pipeline import get_pipeline

    signals = [s.id for s in load_lexicon().signals]
    cues = {s.id: s.cue_pattern for s in load_lexicon().signals if s.cue_pattern is not None}
    out: list[ParsedSentence] = []
    for pi, p in enumerate(passages):
        lang = p.lang if p.lang in ("nb", "nn") else "nb"
        doc = get_pipeline(lang)(p.text)
        rows = HashRows.of(doc)
        first = len(out)
        contexts: list[set[str]] = []
        for sent in doc.sents:
            if not any(not (t.is_space or t.is_punct) for t in sent):
                continue
            best = best_lexicon_hits(sent, rows)
            mentioned = sorted(best)
            affirmed = frozenset(sig for sig, (_, _, neg) in best.items() if not neg)
            fired = frozenset(pid for _, pid, neg in best.values() if not neg)
            targets = {}
            for s in signals:
                if any(a < sent.end_char and sent.start_char < b for a, b in p.spans.get(s, [])):
                    targets[s] = 1
                elif p.mentioned(s):
                    targets[s] = -1
                else:
                    targets[s] = 0
            low = sent.text.lower()
            cued = frozenset(sig for sig, rx in cues.items() if rx.search(low))
            feats = list(dict.fromkeys(f for f, _ in sentence_features(sent, mentioned)))
            out.append(ParsedSentence(pi, feats, affirmed, targets, cued, fired))
            contexts.append({f for t in content_tokens(sent) for f in context_features(t.lemma_.lower(), t._.heads)})
        # The neighbours' words, as the analysis adds them (nlp/analysis.py: _hits_in).
        for k, ctx in enumerate(neighbour_context(contexts)):
            out[first + k].features.extend(sorted(ctx))
    return out


def _fit_weights(sents: list[ParsedSentence], signals: list[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for s in sents:
        for f in set(s.features):
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    rows, cols = [], []
    for r, s in enumerate(sents):
        for c in {vocab[f] for f in s.features if f in vocab}:
            rows.append(r)
            cols.append(c)
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(sents), len(vocab)))
    weights = np.zeros((len(vocab), len(signals)), dtype=np.float32)
    bias = np.full(len(signals), -10.0, dtype=np.float32)
    for j, sig in enumerate(signals):
        y = np.array([s.targets[sig] for s in sents])
        keep = y >= 0
        if y[keep].sum() < 2 or (y[keep] == 0).sum() < 2:
            continue  # too few examples: the lexicon decides alone
        clf = LogisticRegression(C=C, class_weight=CLASS_WEIGHT, max_iter=3000)
        clf.fit(x[keep], y[keep])
        weights[:, j] = clf.coef_[0]
        bias[j] = clf.intercept_[0]
    return vocab, weights, bias


def _probabilities(model: SignalModel, sents: list[ParsedSentence]) -> np.ndarray:
    logits = model.batch_logits([model.ids(s.features) for s in sents]).reshape(len(sents), len(model.signals))
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))


def trusted_patterns(passages: list[Passage], sents: list[ParsedSentence]) -> frozenset[str]:
    """Lexicon patterns whose hits fire on their own even where the model decides a signal: those whose hits
    in the training data fall in passages labelled with the signal — (such passages + 1) / (passages hit + 1)
    >= TRUST — and so those the data never meets: the model has learnt nothing about such words, and the label
    guide they were written from is the definition. Patterns that misfire are left to the model."""
    hit: dict[str, set[int]] = {}
    for s in sents:
        for pid in s.patterns:
            hit.setdefault(pid, set()).add(s.passage)
    trusted = set()
    for signal in load_lexicon().signals:
        for pid in signal.pattern_ids:
            found = hit.get(pid, set())
            good = sum(passages[i].present(signal.id) for i in found)
            if (good + 1) / (len(found) + 1) >= TRUST:
                trusted.add(pid)
    return frozenset(trusted)


def _choose_rules(
    passages: list[Passage], sents: list[ParsedSentence], signals: list[str]
) -> tuple[dict[str, str], dict[str, float], dict[str, bool], dict[str, dict]]:
    """Out-of-fold probabilities inside the training passages → the best rule, threshold and cue gate per
    signal. A gated signal's model hit counts only in a sentence holding one of its cues."""
    idx = sorted({s.passage for s in sents})
    sub = [passages[i] for i in idx]
    inner = dict(zip(idx, group_folds(sub, k=INNER_FOLDS, seed=7), strict=True))
    probs = np.zeros((len(sents), len(signals)))
    for f in range(INNER_FOLDS):
        train = [s for s in sents if inner[s.passage] != f]
        test = [i for i, s in enumerate(sents) if inner[s.passage] == f]
        vocab, w, b = _fit_weights(train, signals)
        m = SignalModel(tuple(signals), vocab, w, b, {}, {}, {})
        if test:
            probs[test] = _probabilities(m, [sents[i] for i in test])
    has_cues = {s.id for s in load_lexicon().signals if s.model_cues}
    modes, thresholds, gated, report = {}, {}, {}, {}
    for j, sig in enumerate(signals):
        best_p: dict[bool, dict[int, float]] = {False: {}, True: {}}
        lex_p: set[int] = set()
        for i, s in enumerate(sents):
            best_p[False][s.passage] = max(best_p[False].get(s.passage, 0.0), probs[i, j])
            if sig in s.cued:
                best_p[True][s.passage] = max(best_p[True].get(s.passage, 0.0), probs[i, j])
            if sig in s.lexicon:
                lex_p.add(s.passage)
        gold = {i for i in idx if passages[i].present(sig)}
        candidates = []
        for mode in MODES:
            for gate in (False, True) if mode != "lexicon" and sig in has_cues else (False,):
                for thr in THRESHOLDS if mode != "lexicon" else (1.0,):
                    pred = set()
                    if mode in ("model", "union"):
                        pred |= {i for i in idx if best_p[gate].get(i, 0.0) >= thr}
                    if mode in ("lexicon", "union"):
                        pred |= lex_p
                    tp = len(pred & gold)
                    prec = tp / len(pred) if pred else 0.0
                    rec = tp / len(gold) if gold else 0.0
                    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
                    # Ties go to the lexicon (explainable by a pattern), then to no gate, then to the higher
                    # threshold.
                    candidates.append((round(f1, 4), mode == "lexicon", not gate, thr, prec, rec, mode))
        f1, _, no_gate, thr, prec, rec, mode = max(candidates)
        modes[sig], thresholds[sig], gated[sig] = mode, float(thr), not no_gate
        report[sig] = {
            "mode": mode,
            "threshold": float(thr),
            "cue_gate": not no_gate,
            "inner_f1": f1,
            "inner_p": prec,
            "inner_r": rec,
        }
    return modes, thresholds, gated, report


def train_parsed(passages: list[Passage], sents: list[ParsedSentence]) -> SignalModel:
    signals = [s.id for s in load_lexicon().signals]
    modes, thresholds, gated, report = _choose_rules(passages, sents, signals)
    vocab, w, b = _fit_weights(sents, signals)
    meta = {"inner_cv": report, "sentences": len(sents), "passages": len({s.passage for s in sents})}
    trusted = trusted_patterns(passages, sents)
    return SignalModel(tuple(signals), vocab, w, b, modes, thresholds, meta, gated=gated, trusted=trusted)


def corpus_digest(directory: Path) -> str:
    h = hashlib.sha256()
    for name in ("passages.jsonl", "labels.jsonl"):
        h.update((directory / name).read_bytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Tren signalmodellen fra det merkede korpuset.")
    ap.add_argument("--corpus", type=Path, default=None, help="mappe med passages.jsonl og labels.jsonl")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    directory = args.corpus or default_corpus_dir()
    if not (directory / "passages.jsonl").exists():
        print(f"Fant ikke korpuset i {directory} (passages.jsonl og labels.jsonl).", file=sys.stderr)
        return 2
    passages = load_dev_corpus(directory)
    sents = parse_passages(passages)
    model = train_parsed(passages, sents)
    model.meta.update(
        corpus=str(directory.name),
        corpus_sha256=corpus_digest(directory),
        lexicon=load_lexicon().version,
        trainer=f"boligarkiv.nlp.train: logistic regression per signal (scikit-learn), C={C}, min count {MIN_COUNT}",
        provenance="Derived from ../shared/data/signals_dev (public texts, NLOD 2.0 / offentleglova); "
        "only weights over features are shipped, no text.",
    )
    model.save(args.out)
    print(
        f"Lagret {args.out} ({model.version}): {len(model.vocab):,} trekk, {len(sents):,} setninger.".replace(",", " ")
    )
    from boligarkiv.nlp.doc_kind import MODEL_PATH as KIND_PATH
    from boligarkiv.nlp.doc_kind import train_doc_kind

    kind_out = args.out.with_name(KIND_PATH.name) if args.out != MODEL_PATH else KIND_PATH
    train_doc_kind(passages).save(kind_out, {"corpus_sha256": corpus_digest(directory)})
    print(f"Lagret {kind_out} (dokumenttype og boligplan fra tittel og første side).")
    for sig in model.signals:
        r = model.meta["inner_cv"][sig]
        gate = " med stikkord" if r.get("cue_gate") else ""
        print(f"  {sig:<26} {r['mode']:<8} terskel {r['threshold']:.2f}{gate}  indre F1 {r['inner_f1']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
