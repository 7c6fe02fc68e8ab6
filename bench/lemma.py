"""Lemma accuracy and speed on a CoNLL-U file: the offline pipeline's lemmatiser against simplemma.

Accuracy is case-insensitive with punctuation excluded (as simplemma's and spaCy's published figures).
Speed counts tokens per second on one core, each lemmatiser starting with an empty cache.

Usage: python bench/lemma.py [CONLLU]   (default: ../shared/data/ud_nb/no_bokmaal-ud-test.conllu)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simplemma

from boligarkiv.lemmas import Lemmatizer
from boligarkiv.nlp.pipeline import get_pipeline, model_installed

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud_nb" / "no_bokmaal-ud-test.conllu"


def read(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            cols = line.split("\t")
            if "-" not in cols[0] and "." not in cols[0]:
                out.append((cols[1], cols[2].lower(), cols[3]))
    return out


def score(name: str, fn, rows) -> None:  # type: ignore[no-untyped-def]
    words = [r for r in rows if r[2] != "PUNCT"]
    t0 = time.perf_counter()
    predicted = [fn(form) for form, _, _ in words]
    dt = time.perf_counter() - t0
    acc = sum(p.lower() == gold for p, (_, gold, _) in zip(predicted, words, strict=True)) / len(words)
    print(f"{name:<40}{acc:>10.4f}{len(words) / dt:>14,.0f}")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.is_file():
        sys.exit(f"no CoNLL-U file at {path} (pass one as the argument)")
    rows = read(path)
    print(f"{path.name}: {sum(r[2] != 'PUNCT' for r in rows)} tokens (punctuation excluded)")
    print(f"{'lemmatiser':<40}{'accuracy':>10}{'tokens/s':>14}")
    score("simplemma 'nb' (baseline)", lambda f: simplemma.lemmatize(f, lang="nb"), rows)
    score("boligarkiv offline (simplemma + table)", Lemmatizer("nb").lemma, rows)
    print("published: simplemma 2.0 0.965; nb_core_news_sm 0.968 (spaCy model card)")
    if model_installed():
        nlp = get_pipeline("nb")
        words = [r for r in rows if r[2] != "PUNCT"]
        t0 = time.perf_counter()
        lemmas = [nlp(form)[0].lemma_ for form, _, _ in words]
        rate = len(words) / (time.perf_counter() - t0)
        acc = sum(a == gold for a, (_, gold, _) in zip(lemmas, words, strict=True)) / len(words)
        print(f"{'nb_core_news_sm pipeline (word by word)':<40}{acc:>10.4f}{rate:>14,.0f}")


if __name__ == "__main__":
    main()
