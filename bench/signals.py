"""Held-out quality of the signal detector on real text, next to two baselines measured in the same run.

Default: grouped 5-fold cross-validation over ../shared/data/signals_dev. Folds keep a source together
(same kommune, same normalised title, same opening text, same site section), so a mirrored document never
sits on both sides. In each outer fold the detector is trained — decision rules and thresholds included,
by an inner cross-validation — on the other four folds only, then scores the held-out fold.

Compared, per signal (passage level: a signal is found when the passage has a non-negated hit):
  (a) keyword baseline: one regular expression per signal, written once and never tuned;
  (b) the lexicon alone (boligarkiv/data/signals.yaml);
  (c) the detector (lexicon + trained model, rules chosen on the training folds).
Also: passages where a signal appears only negated and are recognised as such, document kind accuracy and
is_housing_plan precision/recall (held out the same way), and analysis throughput in tokens/s per core.
Where the corpus has a second, independent labelling (labels_second.jsonl), how far that reader agrees with
the labels, next to the held-out detector on the same passages: the ceiling a signal's figure can reach.

`--seeds N` repeats the cross-validation over N assignments of groups to folds and prints the detector's mean
and range: one split's figure carries the noise of which passages happened to train the rules.

`python bench/signals.py --eval PASSAGES LABELS` scores the shipped model on any labelled set in the same
format (a held-out set: nothing is trained).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from boligarkiv.lexicon import load_lexicon
from boligarkiv.nlp.analysis import Hit, analyse_pages
from boligarkiv.nlp.corpus import (
    CorpusError,
    Passage,
    default_corpus_dir,
    group_folds,
    load_corpus,
    load_dev_corpus,
)
from boligarkiv.nlp.doc_kind import DocKindModel, train_doc_kind
from boligarkiv.nlp.signal_model import load_signal_model
from boligarkiv.nlp.train import ParsedSentence, parse_passages, train_parsed

# (a) One regular expression per signal, written once from the signal names, never tuned on any data.
BASELINE = {
    "rimelige_boliger": r"rimelig\w* bolig|rimeleg\w* bustad",
    "leie_til_eie": r"leie[- ]til[- ]eie|leige[- ]til[- ]eige",
    "tredje_boligsektor": r"tredje bolig|tredje bustad",
    "deleie": r"\bdeleie|\bdeleige",
    "prisregulert": r"prisregulert",
    "startlan": r"startlån",
    "bostotte_tilskudd": r"bostøtte|bustøtte|tilskudd|tilskot",
    "kommunale_utleieboliger": r"kommunal\w* (?:utleie|utleige)?(?:bolig|bustad)",
    "vanskeligstilte": r"vanskeligstilt|vanskelegstilt",
    "boligbehov": r"boligbehov|bustadbehov",
    "tomt_og_avtaler": r"tomt|utbyggingsavtal",
    "samarbeid_utbyggere": r"boligbyggelag|bustadbyggjelag|utbygger|utbyggjar",
}


def baseline_found(p: Passage) -> set[str]:
    return {s for s, rx in BASELINE.items() if re.search(rx, p.text, re.IGNORECASE)}


def found(p: Passage, model: object) -> tuple[set[str], set[str], int, list[Hit]]:
    """(signals with an affirmed hit, signals with only negated hits, tokens, the hits)."""
    a = analyse_pages([p.text], p.lang, model)  # type: ignore[arg-type]
    verdicts = a.verdicts()  # what `boligarkiv signals` prints as «signals»
    affirmed = {s for s, v in verdicts.items() if v == "present"}
    negated = {s for s, v in verdicts.items() if v == "negated"}
    return affirmed, negated, a.words, a.hits


class Tally:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, p: Passage, predicted: set[str], signals: list[str]) -> None:
        for s in signals:
            if s not in p.labels:
                continue  # a set that labels only some signals says nothing about the others
            g, pr = p.present(s), s in predicted
            self.tp[s] += g and pr
            self.fp[s] += pr and not g
            self.fn[s] += g and not pr

    def counts(self, s: str | None = None) -> tuple[int, int, int]:
        """(tp, fp, fn) for one signal, or summed over all (micro) when `s` is None."""
        if s:
            return self.tp[s], self.fp[s], self.fn[s]
        return sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())

    def prf(self, s: str | None = None) -> tuple[int, float, float, float]:
        tp, fp, fn = self.counts(s)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return tp + fn, p, r, f


def print_table(signals: list[str], tallies: dict[str, Tally]) -> None:
    names = list(tallies)
    head = f"{'signal':<25}{'n':>5}" + "".join(f"  {n[:10]:>10} P    R    F1" for n in names)
    print(head)
    for s in [*signals, None]:
        n = tallies[names[0]].prf(s)[0]
        row = f"{(s or 'micro'):<25}{n:>5}"
        for name in names:
            row += f"  {'':>10}" + " ".join(_cells(tallies[name], s))
        print(row)


def _cells(tally: Tally, s: str | None) -> tuple[str, str, str]:
    """P, R, F1 as printed: «-» where a figure has nothing to divide (no predictions, no positives)."""
    n, p, r, f = tally.prf(s)
    tp, fp, _ = tally.counts(s)
    predicted = tp + fp
    ps = f"{p:4.2f}" if predicted else "   -"
    rs = f"{r:4.2f}" if n else "   -"
    return ps, rs, (f"{f:4.2f}" if predicted or n else "   -")


def negation_counts(
    passages: list[Passage], negated_pred: dict[str, set[str]], signals: list[str]
) -> tuple[int, int, int, int]:
    """(negation-only labels recognised as negated, negation-only labels, present signals the detector saw only
    negated, present signals)."""
    n = ok = 0
    for p in passages:
        for s in signals:
            if p.labels.get(s) == "negated":
                n += 1
                ok += s in negated_pred[p.id]
    # The other side: a signal the labels count as present that the detector saw only negated (a negation
    # read into a sentence that affirms or describes the concept) is a miss the negation rules cause.
    wrong = sum(p.present(s) and s in negated_pred[p.id] for p in passages for s in signals)
    present = sum(p.present(s) for p in passages for s in signals)
    return ok, n, wrong, present


def micro_line(what: str, tally: Tally) -> str:
    """«detector micro<what>: P … R … F1 … (n=…)»; `what` names the subset («, nb passages only»)."""
    n, p, r, f = tally.prf()
    return f"detector micro{what}: P {p:.2f} R {r:.2f} F1 {f:.2f} (n={n})"


def _share(ok: int, n: int) -> str:
    return f"{ok}/{n}" + (f" ({ok / n:.2f})" if n else "")


def negation_line(passages: list[Passage], negated_pred: dict[str, set[str]], signals: list[str]) -> str:
    ok, n, wrong, present = negation_counts(passages, negated_pred, signals)
    return (
        f"negation-only passages recognised as negated: {_share(ok, n)}"
        f"; present signals read as negated only: {wrong}/{present}"
    )


def housing_plan_prf(passages: list[Passage], predicted: dict[str, tuple[str, bool]]) -> tuple[float, float, int]:
    """is_housing_plan (precision, recall, plans in the labels), over the passages that label it."""
    labelled = [p for p in passages if p.plan_labelled]
    tp = sum(predicted[p.id][1] and p.is_housing_plan for p in labelled)
    pp = sum(predicted[p.id][1] for p in labelled)
    gp = sum(p.is_housing_plan for p in labelled)
    return (tp / pp if pp else 0.0), (tp / gp if gp else 0.0), gp


def doc_kind_accuracy(passages: list[Passage], predicted: dict[str, tuple[str, bool]]) -> float:
    labelled = [p for p in passages if p.doc_kind]
    return sum(predicted[p.id][0] == p.doc_kind for p in labelled) / len(labelled) if labelled else 0.0


def doc_kind_lines(passages: list[Passage], predicted: dict[str, tuple[str, bool]]) -> list[str]:
    kinds = sum(bool(p.doc_kind) for p in passages)
    plans = sum(p.plan_labelled for p in passages)
    if not kinds:
        lines = ["doc_kind: not labelled in this set"]
    else:
        lines = [f"doc_kind accuracy: {doc_kind_accuracy(passages, predicted):.3f} (n={kinds})"]
    if not plans:
        return [*lines, "is_housing_plan: not labelled in this set"]
    prec, rec, gp = housing_plan_prf(passages, predicted)
    return [*lines, f"is_housing_plan: precision {prec:.2f}, recall {rec:.2f} (n={gp} plans of {plans} labelled)"]


def print_errors(passages: list[Passage], hits: dict[str, list[Hit]], signals: list[str]) -> None:
    """Held-out misses and false alarms per signal, with the gold quote or the sentence that fired."""
    by_id = {p.id: p for p in passages}
    for s in signals:
        print(f"\n== {s}: misses / false alarms")
        for pid, sig_hits in hits.items():
            p = by_id[pid]
            fired = [h for h in sig_hits if h.signal == s and not h.negated]
            if p.present(s) and not fired:
                print(f"  MISS {pid}: {' | '.join(q[:160] for q in p.evidence.get(s, []))}")
            elif fired and not p.present(s):
                h = fired[0]
                why = h.pattern or f"p={h.probability} {' '.join(h.features[:2])}"
                print(f"  FALSE {pid} ({p.labels.get(s)}): {h.sentence[:200]!r} [{why}]")


def agreement_table(
    passages: list[Passage], detected: dict[str, set[str]], signals: list[str], directory: Path | None = None
) -> None:
    """The ceiling: where the corpus has a second, independent labelling, how far the second reader agrees
    with the labels everything is scored against, next to the held-out detector on the same passages."""
    directory = directory or default_corpus_dir()
    second_file = directory / "labels_second.jsonl"
    if not second_file.exists():
        return
    second = {p.id: p for p in load_corpus(directory / "passages.jsonl", second_file)}
    both = [p for p in passages if p.id in second and p.id in detected]
    if not both:
        return
    tallies = {"reader 2": Tally(), "detector": Tally()}
    for p in both:
        tallies["reader 2"].add(p, {s for s in signals if second[p.id].present(s)}, signals)
        tallies["detector"].add(p, detected[p.id], signals)
    print(f"\nagreement with the labels on the {len(both)} passages labelled twice (n = present in the labels):")
    print_table([s for s in signals if tallies["reader 2"].prf(s)[0]], tallies)


@dataclass
class FoldRun:
    """What one cross-validation (one assignment of groups to folds) measured."""

    tallies: dict[str, Tally]
    by_language: dict[str, Tally]
    negated_pred: dict[str, set[str]] = field(default_factory=dict)
    kinds: dict[str, tuple[str, bool]] = field(default_factory=dict)
    detector_hits: dict[str, list[Hit]] = field(default_factory=dict)
    detected: dict[str, set[str]] = field(default_factory=dict)
    cpu: float = 0.0
    tokens: int = 0


def run_folds(
    passages: list[Passage], parsed: list[ParsedSentence], k: int, seed: int = 0, verbose: bool = True
) -> FoldRun:
    signals = [s.id for s in load_lexicon().signals]
    folds = group_folds(passages, k=k, seed=seed)
    run = FoldRun(
        tallies={"baseline": Tally(), "lexicon": Tally(), "detector": Tally()},
        by_language={"nb": Tally(), "nn": Tally()},
    )
    for f in range(k):
        train_idx = [i for i, fo in enumerate(folds) if fo != f]
        keep = set(train_idx)
        model = train_parsed(passages, [s for s in parsed if s.passage in keep])
        kind_model: DocKindModel = train_doc_kind([passages[i] for i in train_idx])
        for i, p in enumerate(passages):
            if folds[i] != f:
                continue
            run.tallies["baseline"].add(p, baseline_found(p), signals)
            run.tallies["lexicon"].add(p, found(p, False)[0], signals)
            c0 = time.process_time()
            affirmed, negated, words, run.detector_hits[p.id] = found(p, model)
            run.cpu += time.process_time() - c0
            run.tokens += words
            run.tallies["detector"].add(p, affirmed, signals)
            run.detected[p.id] = affirmed
            run.by_language["nn" if p.lang == "nn" else "nb"].add(p, affirmed, signals)
            run.negated_pred[p.id] = negated
            run.kinds[p.id] = kind_model.predict(p.title, p.text, p.url)
        if verbose:
            print(f"  fold {f}: trained on {len(train_idx)} passages, scored {len(passages) - len(train_idx)}")
    return run


def spread_table(passages: list[Passage], signals: list[str], runs: list[FoldRun]) -> None:
    """The detector's held-out figures over several assignments of groups to folds: which passages train and
    which are scored moves the rules and thresholds chosen, so one split's figure carries that noise."""
    print(f"\ndetector over {len(runs)} fold assignments (seeds 0–{len(runs) - 1}): mean [min–max]")
    print(f"{'signal':<25}{'n':>5}  {'P':>16}  {'R':>16}  {'F1':>16}")
    for s in [*signals, None]:
        figures = [run.tallies["detector"].prf(s) for run in runs]
        row = f"{(s or 'micro'):<25}{figures[0][0]:>5}"
        for j in (1, 2, 3):
            vals = [fig[j] for fig in figures]
            row += f"  {sum(vals) / len(vals):4.2f} [{min(vals):4.2f}–{max(vals):4.2f}]"
        print(row)
    neg = [_share(*negation_counts(passages, run.negated_pred, signals)[:2]) for run in runs]
    print(f"negation-only recognised, per assignment: {', '.join(neg)}")
    print(
        "doc_kind accuracy, per assignment: "
        + ", ".join(f"{doc_kind_accuracy(passages, run.kinds):.3f}" for run in runs)
    )
    housing = [housing_plan_prf(passages, run.kinds) for run in runs]
    print(
        "is_housing_plan, per assignment: "
        + "; ".join(f"precision {p:.2f}, recall {r:.2f} (n={n})" for p, r, n in housing)
    )


def cross_validate(passages: list[Passage], k: int, errors: bool = False, seeds: int = 1) -> None:
    signals = [s.id for s in load_lexicon().signals]
    t0 = time.time()
    parsed = parse_passages(passages)
    print(
        f"corpus: {len(passages)} passages, {len(parsed)} sentences, {len({p.group for p in passages})} groups, "
        f"{k} folds (parsed in {time.time() - t0:.1f} s)"
    )
    run = run_folds(passages, parsed, k)
    print("\nheld-out (cross-validated), passage level:")
    print_table(signals, run.tallies)
    for lang, tally in run.by_language.items():
        print(micro_line(f", {lang} passages only", tally))
    print(negation_line(passages, run.negated_pred, signals))
    for line in doc_kind_lines(passages, run.kinds):
        print(line + " (held-out)")
    print(
        f"detector throughput: {run.tokens / run.cpu:,.0f} words/s per core (CPU {run.cpu:.1f} s, {run.tokens:,} words)"
    )
    agreement_table(passages, run.detected, signals)
    if seeds > 1:
        runs = [run, *(run_folds(passages, parsed, k, seed, verbose=False) for seed in range(1, seeds))]
        spread_table(passages, signals, runs)
    if errors:
        print_errors(passages, run.detector_hits, signals)


def training_overlap(passages: list[Passage], directory: Path | None = None) -> set[str]:
    """Ids of passages whose text is also in the corpus the shipped model was trained on (compared without
    case, spacing or punctuation): scoring those is in-sample, not held-out."""
    directory = directory or default_corpus_dir()
    if not (directory / "passages.jsonl").exists():
        return set()
    seen = {_text_key(p.text) for p in load_dev_corpus(directory)}
    return {p.id for p in passages if _text_key(p.text) in seen}


def _text_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def evaluate(passages_file: Path, labels_file: Path) -> None:
    signals = [s.id for s in load_lexicon().signals]
    for f in (passages_file, labels_file):
        if not f.is_file():
            sys.exit(f"error: {f} does not exist")
    try:
        passages = load_corpus(passages_file, labels_file)
    except CorpusError as exc:
        sys.exit(f"error: {exc}")
    if not passages:
        sys.exit(f"error: no passage in {passages_file} has labels in {labels_file} (the ids must match)")
    model = load_signal_model()
    seen = training_overlap(passages)
    if seen:
        print(
            f"warning: {len(seen)} of {len(passages)} passages are also in the training corpus"
            f" ({default_corpus_dir()}): their figures are in-sample"
            + (", scored apart below" if len(seen) < len(passages) else "")
        )
    # Where some passages are unseen, they make the tables and the seen ones a line of their own; where all were
    # seen, the tables are theirs (and the warning says so).
    apart = seen if len(seen) < len(passages) else set()
    held_out = [p for p in passages if p.id not in apart]
    tallies = {"baseline": Tally(), "lexicon": Tally(), "detector": Tally()}
    by_language = {"nb": Tally(), "nn": Tally()}
    in_sample = Tally()
    negated_pred: dict[str, set[str]] = {}
    for p in passages:
        affirmed, negated, _, _ = found(p, model)
        negated_pred[p.id] = negated
        if p.id in apart:
            in_sample.add(p, affirmed, signals)
            continue
        tallies["baseline"].add(p, baseline_found(p), signals)
        tallies["lexicon"].add(p, found(p, False)[0], signals)
        tallies["detector"].add(p, affirmed, signals)
        by_language["nn" if p.lang == "nn" else "nb"].add(p, affirmed, signals)
    print(f"{len(held_out)} passages scored with the shipped model ({model.version if model else 'no model'})")
    print_table(signals, tallies)
    for lang, tally in by_language.items():
        if tally.prf()[0]:
            print(micro_line(f", {lang} passages only", tally))
    if apart:
        print(micro_line(f" on the {len(apart)} in-sample passages", in_sample))
    print(negation_line(held_out, negated_pred, signals))
    from boligarkiv.nlp.doc_kind import load_doc_kind_model

    kind_model = load_doc_kind_model()
    if kind_model is not None:
        kinds = {p.id: kind_model.predict(p.title, p.text, p.url) for p in held_out}
        for line in doc_kind_lines(held_out, kinds):
            print(line)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", nargs=2, type=Path, metavar=("PASSAGES", "LABELS"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--errors", action="store_true", help="list held-out misses and false alarms per signal")
    ap.add_argument(
        "--seeds", type=int, default=1, help="repeat the cross-validation over this many assignments of groups to folds"
    )
    args = ap.parse_args()
    if args.eval:
        evaluate(*args.eval)
    else:
        cross_validate(load_dev_corpus(), args.folds, args.errors, args.seeds)


if __name__ == "__main__":
    main()
