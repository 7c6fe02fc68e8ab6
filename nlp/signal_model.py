"""The trained signal model: a linear classifier per signal over sentence features, plus a decision rule.

Built by `python -m nlp.train` (or `boligarkiv nlp-train`) from ../shared/data/signals_dev and shipped as
nlp/data/signal_model.npz. Each signal carries its decision rule, chosen by cross-validation inside the
training data only: `lexicon` (patterns alone), `model` (a sentence fires when its probability reaches
the threshold; the lexicon is one of its features) or `union` (either). Scoring a sentence is a sum of
weight rows, so it runs at dictionary-lookup speed and needs neither scikit-learn nor the corpus.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "data" / "signal_model.npz"
MODES = ("lexicon", "model", "union")


@dataclass
class SignalModel:
    signals: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (n_features, n_signals) float32
    bias: np.ndarray  # (n_signals,)
    modes: dict[str, str]
    thresholds: dict[str, float]
    meta: dict
    # Signals whose model hits need one of the signal's cue words in the sentence (core/lexicon.py).
    gated: dict[str, bool] = field(default_factory=dict)
    # Lexicon patterns whose hits fire on their own even where the model decides (nlp/train.py:
    # trusted_patterns).
    trusted: frozenset[str] = frozenset()

    @property
    def logit_thresholds(self) -> np.ndarray:
        """Per signal, the logit a sentence must reach for the model to fire (inf where it never decides)."""
        cached = self.__dict__.get("_logit_thr")
        if cached is None:
            cached = np.array(
                [
                    math.log(t / (1 - t)) if self.modes.get(s, "lexicon") != "lexicon" and 0 < t < 1 else np.inf
                    for s, t in ((s, self.thresholds.get(s, 1.0)) for s in self.signals)
                ],
                dtype=np.float32,
            )
            self.__dict__["_logit_thr"] = cached
        return cached

    @property
    def names(self) -> list[str]:
        """Feature names by id (for explanations)."""
        cached = self.__dict__.get("_names")
        if cached is None:
            cached = sorted(self.vocab, key=self.vocab.__getitem__)
            self.__dict__["_names"] = cached
        return cached

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "model-none"))

    def logits(self, ids: list[int]) -> np.ndarray:
        if not ids:
            return self.bias.copy()
        return self.bias + self.weights[ids].sum(axis=0)

    def batch_logits(self, id_lists: list[list[int]]) -> np.ndarray:
        """Logits for many sentences at once (rows: sentences): one sparse product instead of a numpy call
        per sentence. Features are binary, as trained: callers list each id once."""
        from scipy import sparse

        lengths = [len(ids) for ids in id_lists]
        indptr = np.zeros(len(id_lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.array(list(itertools.chain.from_iterable(id_lists)), dtype=np.int64)
        x = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(id_lists), self.weights.shape[0])
        )
        return np.asarray(x @ self.weights) + self.bias

    def matrix_logits(self, x: object) -> np.ndarray:
        """Logits for a (sentences × features) binary matrix."""
        return np.asarray(x @ self.weights) + self.bias

    def ids(self, features: list[str]) -> list[int]:
        """The distinct ids of the features the model knows (features are binary, as trained)."""
        v = self.vocab
        return list(dict.fromkeys(i for i in (v.get(f) for f in features) if i is not None))

    def save(self, path: Path) -> None:
        names = self.names
        meta = dict(self.meta)
        meta.update(
            signals=list(self.signals),
            modes=self.modes,
            thresholds=self.thresholds,
            gated=self.gated,
            trusted=sorted(self.trusted),
        )
        body = json.dumps(meta, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(body.encode() + self.weights.tobytes() + "\n".join(names).encode()).hexdigest()
        meta["version"] = "sig-" + digest[:12]
        self.meta = meta
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                vocab=np.array(names, dtype=np.str_),
                weights=self.weights.astype(np.float16),
                bias=self.bias.astype(np.float32),
                meta=np.array(json.dumps(meta, ensure_ascii=False)),
            )

    @classmethod
    def load(cls, path: Path) -> SignalModel:
        with np.load(path, allow_pickle=False) as z:
            names = [str(x) for x in z["vocab"]]
            weights = z["weights"].astype(np.float32)
            bias = z["bias"].astype(np.float32)
            meta = json.loads(str(z["meta"]))
        return cls(
            signals=tuple(meta["signals"]),
            vocab={n: i for i, n in enumerate(names)},
            weights=weights,
            bias=bias,
            modes=dict(meta["modes"]),
            thresholds={k: float(v) for k, v in meta["thresholds"].items()},
            meta=meta,
            gated={k: bool(v) for k, v in meta.get("gated", {}).items()},
            trusted=frozenset(meta.get("trusted", [])),
        )


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


@cache
def load_signal_model(path: Path = MODEL_PATH) -> SignalModel | None:
    """The shipped model, or None when none has been trained (the lexicon then works alone)."""
    return SignalModel.load(path) if path.exists() else None


def model_version() -> str:
    model = load_signal_model()
    return model.version if model else "model-none"
