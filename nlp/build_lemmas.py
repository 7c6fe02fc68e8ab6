"""Build core/data/nb_lemma_overrides.tsv.gz: Bokmål form → lemma where simplemma is wrong or lacks the word.

Sources (read from ../shared/data, never shipped as text): NorNE's NDT-derived train set, which has every
UD dev and test sentence removed, and the UD Norwegian Bokmål dev set, weighted 10x so that UD's lemma
conventions win (UD lemmatises «det» as «den»; NDT keeps «det»). The UD test set is not read. Only the
entries whose most frequent lemma differs from simplemma's answer are kept, so the file is the
correction layer on top of simplemma.

Usage: python -m nlp.build_lemmas [SHARED_DATA_DIR]
"""

from __future__ import annotations

import collections
import gzip
import sys
from pathlib import Path

import simplemma

DEV_WEIGHT = 10
OUT = Path(__file__).resolve().parents[1] / "core" / "data" / "nb_lemma_overrides.tsv.gz"


def read_columns(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue
        rows.append((cols[1], cols[2], cols[3]))
    return rows


def build(shared: Path) -> dict[str, str]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for form, lemma, _ in read_columns(shared / "norne_nb" / "norne_nob_train_from_ndt.conll"):
        if not lemma.startswith("$"):
            counts[form.lower()][lemma.lower()] += 1
    for form, lemma, pos in read_columns(shared / "ud_nb" / "no_bokmaal-ud-dev.conllu"):
        if pos != "PUNCT":
            counts[form.lower()][lemma.lower()] += DEV_WEIGHT
    overrides = {}
    for form, c in counts.items():
        best = c.most_common(1)[0][0]
        if simplemma.lemmatize(form, lang="nb").lower() != best:
            overrides[form] = best
    return overrides


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    overrides = build(shared)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        for form in sorted(overrides):
            fh.write(f"{form}\t{overrides[form]}\n")
    print(f"{len(overrides)} overrides → {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
