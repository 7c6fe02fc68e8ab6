"""The labelled corpus (../shared/data/signals_dev): passages, labels, evidence spans and honest folds.

Folds keep a source together: passages that name the same kommune, share a normalised title or open with
the same text (a document mirrored on two sites) always fall in one fold, so cross-validation never scores
a passage whose twin was trained on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from boligarkiv.language import detect_language

SIGNAL_LABELS = ("present", "negated", "absent")


def default_corpus_dir() -> Path:
    """`../shared/data/signals_dev` beside the checkout (or BOLIGARKIV_SIGNALS_DEV)."""
    import os

    env = os.environ.get("BOLIGARKIV_SIGNALS_DEV")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "signals_dev"


@dataclass
class Passage:
    id: str
    url: str
    title: str
    kommune: str | None
    lang: str
    text: str
    labels: dict[str, str]
    evidence: dict[str, list[str]]
    doc_kind: str = ""
    is_housing_plan: bool = False
    # Another collector's set may leave is_housing_plan (or doc_kind: "") unlabelled; scoring skips those.
    plan_labelled: bool = True
    group: int = -1
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def present(self, signal: str) -> bool:
        return self.labels.get(signal) == "present"

    def mentioned(self, signal: str) -> bool:
        """Present or negated: the concept is in the text either way."""
        return self.labels.get(signal) in ("present", "negated")


class CorpusError(ValueError):
    """A labelled set that cannot be read: which file, which line, why."""


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
            if not isinstance(row, dict) or "id" not in row:
                raise CorpusError(f"{path}:{number}: a row needs an object with an «id»")
            rows.append(row)
    return rows


def load_corpus(passages: Path, labels: Path) -> list[Passage]:
    """Passages joined with their labels (a passage without labels is skipped)."""
    by_id = {row["id"]: row for row in _read_jsonl(labels)}
    out: list[Passage] = []
    for row in _read_jsonl(passages):
        lab = by_id.get(row["id"])
        if lab is None:
            continue
        if not isinstance(row.get("text"), str):
            raise CorpusError(f"{passages}: passage {row['id']} has no «text»")
        if not isinstance(lab.get("labels"), dict):
            raise CorpusError(f"{labels}: passage {row['id']} has no «labels» object")
        p = Passage(
            id=row["id"],
            url=row.get("url") or "",
            title=row.get("title") or "",
            kommune=row.get("kommune"),
            # A labelled set without a usable `lang` (another collector's format) is read in the language its
            # words show, not as Bokmål by default.
            lang=row["lang"] if row.get("lang") in ("nb", "nn") else detect_language(row["text"])[0],
            text=row["text"],
            # A value outside the guide's three («Present», true …) leaves the signal unlabelled, not absent.
            labels={k: str(v).lower() for k, v in lab["labels"].items() if str(v).lower() in SIGNAL_LABELS},
            evidence={k: [v] if isinstance(v, str) else list(v) for k, v in (lab.get("evidence") or {}).items()},
            doc_kind=lab.get("doc_kind") or "",
            is_housing_plan=bool(lab.get("is_housing_plan", False)),
            plan_labelled=isinstance(lab.get("is_housing_plan"), bool),
        )
        p.spans = {s: _find_all(p.text, quotes) for s, quotes in p.evidence.items()}
        out.append(p)
    assign_groups(out)
    return out


def load_dev_corpus(directory: Path | None = None) -> list[Passage]:
    d = directory or default_corpus_dir()
    return load_corpus(d / "passages.jsonl", d / "labels.jsonl")


def _find_all(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for q in quotes:
        start = text.find(q)
        while start >= 0:
            spans.append((start, start + len(q)))
            start = text.find(q, start + 1)
    return spans


def _norm(s: str) -> str:
    return re.sub(r"[^0-9a-zæøåäöü]+", "", s.lower())


def assign_groups(passages: list[Passage]) -> None:
    """Union-find over shared kommune, normalised title, opening text and non-mirror URL path."""
    parent = list(range(len(passages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, p in enumerate(passages):
        keys = []
        if p.kommune:
            keys.append("k:" + p.kommune.lower())
        title = _norm(p.title)
        if len(title) >= 12:
            keys.append("t:" + title[:60])
        keys.append("x:" + _norm(p.text)[:200])
        parts = urlsplit(p.url)
        segs = [s for s in parts.path.split("/") if s]
        if parts.netloc and segs and not _is_mirror(parts.netloc):
            keys.append("u:" + parts.netloc + "/" + segs[0])
        for k in keys:
            if k in first:
                a, b = find(i), find(first[k])
                if a != b:
                    parent[a] = b
            else:
                first[k] = i
    roots: dict[int, int] = {}
    for i, p in enumerate(passages):
        p.group = roots.setdefault(find(i), len(roots))


MIRRORS = ("docplayer", "9pdf", "docslib", "studylib", "yumpu", "issuu", "slideshare", "documents")


def _is_mirror(host: str) -> bool:
    return any(m in host for m in MIRRORS)


def group_folds(passages: list[Passage], k: int = 5, seed: int = 0) -> list[int]:
    """Fold number per passage; whole groups are dealt to the currently smallest fold, largest first."""
    import random

    sizes: dict[int, int] = {}
    for p in passages:
        sizes[p.group] = sizes.get(p.group, 0) + 1
    order = sorted(sizes, key=lambda g: (-sizes[g], random.Random(seed + g).random()))
    load = [0] * k
    fold_of: dict[int, int] = {}
    for g in order:
        f = min(range(k), key=lambda i: load[i])
        fold_of[g] = f
        load[f] += sizes[g]
    return [fold_of[p.group] for p in passages]
