"""Document kind and «is this the kommune's own housing plan», learned from a title and the first page.

A multinomial logistic regression over title words, their character 4-grams, title bigrams and the words of
the opening text. `is_housing_plan` is the kind being a boligsosial handlingsplan or a boligplan: a status
report about a plan, Husbanken guidance or another sector plan is a different kind. Trained by
`python -m nlp.train` next to the signal model and shipped as nlp/data/doc_kind_model.npz.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from boligarkiv.nlp.corpus import Passage

MODEL_PATH = Path(__file__).resolve().parent / "data" / "doc_kind_model.npz"
OPENING = 1200
PLAN_FEATURES = ("rule:", "t:", "tb:")
WORD = re.compile(r"[0-9a-zæøåäöüé]+(?:-[0-9a-zæøåäöüé]+)*")
C = 4.0
# From the label guide's kind definitions: the names a kommune gives its own housing plan. They enter the
# model as features (weighted by training), not as a verdict: a report *about* such a plan names it too.
HOUSING_PLAN_NAME = re.compile(
    r"\b(?:bolig|bustad)(?:sosial\w*|politisk\w*)\s+(?:handlingsplan|plan|strategi|program|utviklingsprogram|policy)"
    r"|\b(?:bolig|bustad)(?:plan|program|strategi|behovsplan|melding)\w*"
    r"|\b(?:handlingsplan|plan|program|temaplan|strategi)\s+for\s+(?:det\s+)?(?:bolig|bustad)\w*"
    r"|\bboligsosialt\s+utviklingsprogram|\bboligpolitiske\s+tiltak"
)
NOT_PLAN_CUE = re.compile(
    r"\b(?:rapport|evaluering|veileder|rettleiar|statusrapport|status|høring\w*|saksframlegg|saksutredning|"
    r"møteprotokoll|protokoll|innstilling|stortinget|meld\.\s*st|nou|undersøkelse|kartlegging)\b"
)


def kind_features(title: str, text: str) -> list[str]:
    t_words = WORD.findall(title.lower())
    feats = {"t:" + w for w in t_words}
    for w in t_words:
        padded = f"<{w}>"
        feats.update("tc:" + padded[i : i + 4] for i in range(len(padded) - 3))
    feats.update(f"tb:{a}|{b}" for a, b in itertools.pairwise(t_words))
    low_title, opening = title.lower(), text[:300].lower()
    if HOUSING_PLAN_NAME.search(low_title):
        feats.add("rule:plan_name_title")
    if HOUSING_PLAN_NAME.search(opening):
        feats.add("rule:plan_name_opening")
    if NOT_PLAN_CUE.search(low_title) or NOT_PLAN_CUE.search(opening):
        feats.add("rule:not_plan_cue")
    body = WORD.findall(text[:OPENING].lower())
    feats.update("w:" + w for w in body)
    for w in body[:60]:  # the first lines carry the document's own name
        if len(w) > 5:
            padded = f"<{w}>"
            feats.update("oc:" + padded[i : i + 5] for i in range(len(padded) - 4))
    return sorted(feats)


@dataclass
class DocKindModel:
    kinds: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (n_features, n_kinds)
    bias: np.ndarray
    # is_housing_plan has its own binary head over the title and the guide's plan names only: with two dozen
    # plans in the corpus, opening-text features let the model memorise sources instead of learning the name.
    plan_weights: np.ndarray  # (n_features,)
    plan_bias: float

    def predict(self, title: str, text: str) -> tuple[str, bool]:
        ids = [i for i in (self.vocab.get(f) for f in kind_features(title, text)) if i is not None]
        logits = self.bias + (self.weights[ids].sum(axis=0) if ids else 0.0)
        kind = self.kinds[int(logits.argmax())]
        plan = self.plan_bias + float(self.plan_weights[ids].sum()) if ids else self.plan_bias
        return kind, plan >= 0.0  # probability 0.5, not tuned

    def save(self, path: Path, meta: dict) -> None:
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                vocab=np.array(names, dtype=np.str_),
                weights=self.weights.astype(np.float16),
                bias=self.bias.astype(np.float32),
                plan_weights=self.plan_weights.astype(np.float32),
                plan_bias=np.array(self.plan_bias, dtype=np.float32),
                meta=np.array(json.dumps({**meta, "kinds": list(self.kinds)}, ensure_ascii=False)),
            )

    @classmethod
    def load(cls, path: Path) -> DocKindModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(
                tuple(meta["kinds"]),
                {str(n): i for i, n in enumerate(z["vocab"])},
                z["weights"].astype(np.float32),
                z["bias"].astype(np.float32),
                z["plan_weights"].astype(np.float32),
                float(z["plan_bias"]),
            )


def train_doc_kind(passages: list[Passage]) -> DocKindModel:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    feats = [kind_features(p.title, p.text) for p in passages]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= 2))}
    rows, cols = [], []
    for r, fs in enumerate(feats):
        for f in fs:
            if f in vocab:
                rows.append(r)
                cols.append(vocab[f])
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(feats), len(vocab)))
    y = [p.doc_kind for p in passages]
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    kinds = tuple(str(k) for k in clf.classes_)
    plan_cols = np.array([f.startswith(PLAN_FEATURES) for f in sorted(vocab, key=vocab.__getitem__)])
    y_plan = np.array([p.is_housing_plan for p in passages])
    plan_weights = np.zeros(len(vocab), dtype=np.float32)
    plan_bias = -10.0
    if 0 < y_plan.sum() < len(y_plan):
        head = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        head.fit(x[:, plan_cols], y_plan)
        plan_weights[plan_cols] = head.coef_[0]
        plan_bias = float(head.intercept_[0])
    return DocKindModel(
        kinds, vocab, clf.coef_.T.astype(np.float32).copy(), clf.intercept_.astype(np.float32), plan_weights, plan_bias
    )


@cache
def load_doc_kind_model(path: Path = MODEL_PATH) -> DocKindModel | None:
    return DocKindModel.load(path) if path.exists() else None
