"""Load the signal lexicon (nlp/signals.yaml) and compile it into spaCy Matcher patterns.

The lexicon's SHA-256 is the analysis version, so editing a pattern makes every earlier analysis stale.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICON = Path(__file__).resolve().parent / "signals.yaml"
HYPHENS = ["-", "–", "—", "‐"]


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Signal:
    id: str
    label: str
    description: str
    weight: float
    patterns: tuple[tuple[str, ...], ...]
    not_after: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    version: str
    signals: tuple[Signal, ...]
    commitment_weights: dict[str, float]

    @property
    def by_id(self) -> dict[str, Signal]:
        return {s.id: s for s in self.signals}

    @property
    def heads(self) -> frozenset[str]:
        """Every «*x» head, for compound analysis in the lemmatiser."""
        out: set[str] = set()
        for s in self.signals:
            for pattern in s.patterns:
                for slot in pattern:
                    out.update(alt[1:] for alt in slot.rstrip("?").split("|") if alt.startswith("*"))
        return frozenset(out)


@cache
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    version = "lex-" + hashlib.sha256(raw).hexdigest()[:16]
    signals = []
    seen: set[str] = set()
    for entry in data.get("signals", []):
        sid = entry.get("id")
        if not sid or sid in seen:
            raise LexiconError(f"signal without id or duplicated: {sid!r}")
        seen.add(sid)
        patterns = tuple(tuple(str(slot) for slot in p) for p in entry.get("patterns", []))
        if not patterns:
            raise LexiconError(f"signal {sid} has no patterns")
        signals.append(
            Signal(
                sid,
                entry["label"],
                entry.get("description", ""),
                float(entry.get("weight", 1.0)),
                patterns,
                frozenset(str(x).lower() for x in entry.get("not_after", [])),
            )
        )
    return Lexicon(version, tuple(signals), dict(data.get("commitment_weights", {})))


def _slot_tokens(slot: str) -> list[dict[str, Any]]:
    """One or more alternative token patterns for a slot (a slot may mix lemmas, heads and prefixes)."""
    optional = slot.endswith("?") and slot != "?"
    body = slot[:-1] if optional else slot
    op = {"OP": "?"} if optional else {}
    if re.fullmatch(r"~\d+", body):
        return [{"OP": "{0," + body[1:] + "}", "IS_SENT_START": False}]
    if body == "-":
        return [{"ORTH": {"IN": HYPHENS}, **op}]
    lemmas, heads, prefixes = [], [], []
    for alt in body.split("|"):
        alt = alt.strip().lower()
        if alt.startswith("*"):
            heads.append(alt[1:])
        elif alt.endswith("*"):
            prefixes.append(re.escape(alt[:-1]))
        elif alt:
            lemmas.append(alt)
    out: list[dict[str, Any]] = []
    if lemmas:
        # The word form too: a lemmatiser quirk («eige» → «eigen» in Nynorsk) must not hide a listed word.
        out.append({"LEMMA": {"IN": lemmas}, **op})
        out.append({"LOWER": {"IN": lemmas}, **op})
    if heads:
        out.append({"_": {"heads": {"INTERSECTS": heads}}, **op})
    if prefixes:
        regex = "^(?:" + "|".join(prefixes) + ")"
        out.append({"LEMMA": {"REGEX": regex}, **op})
        # simplemma guesses odd lemmas for words it does not know («kostnadsleie» → «kostnadslei»).
        out.append({"LOWER": {"REGEX": regex}, **op})
    if not out:
        raise LexiconError(f"empty slot {slot!r}")
    return out


def matcher_patterns(signal: Signal) -> list[list[dict[str, Any]]]:
    """Expand each pattern's slots into concrete token patterns (the product of slot alternatives)."""
    result = []
    for pattern in signal.patterns:
        options = [_slot_tokens(slot) for slot in pattern]
        result.extend([dict(tok) for tok in combo] for combo in itertools.product(*options))
    return result
