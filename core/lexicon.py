"""Load the signal lexicon (boligarkiv/data/signals.yaml) and compile its patterns into steps over slot keys.

The lexicon's SHA-256 is the analysis version, so editing a pattern makes every earlier analysis stale.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import yaml

LEXICON = Path(__file__).resolve().parent / "data" / "signals.yaml"
HYPHENS = ["-", "–", "—", "‐", "\u2011"]  # U+2011: the non-breaking hyphen of word processors
DENIAL_TAG = "nekt-"


def is_denial(pattern_id: str | None) -> bool:
    """Whether a lexicon pattern id names a denial pattern (its hit is negated by its own words)."""
    return pattern_id is not None and f"/{DENIAL_TAG}" in pattern_id


class LexiconError(ValueError):
    pass


def _cue_regex(cue: str) -> str:
    """One cue as a regular expression: a plain word part, or parts joined by «&» that must all be in the
    sentence (alternatives within a part separated by «/»), tested by look-aheads from the sentence's start only
    (from every position, a long table-of-contents run would cost time quadratic in its length)."""
    parts = cue.split("&")
    if len(parts) == 1:
        return re.escape(cue)
    return r"\A" + "".join(f"(?=.*(?:{'|'.join(re.escape(a) for a in part.split('/'))}))" for part in parts)


@dataclass(frozen=True)
class Signal:
    id: str
    label: str
    description: str
    weight: float
    patterns: tuple[tuple[str, ...], ...]
    not_after: frozenset[str] = frozenset()
    # Word parts that carry the concept itself (from the label guide: «behov», «mangel», «venteliste» for
    # boligbehov). Training decides per signal whether a model hit needs one in its sentence. A cue written
    # «a&b/c» needs «a» and one of «b», «c» in the sentence: a stiftelse counts only beside housing words.
    model_cues: tuple[str, ...] = ()
    # Patterns that deny the concept by their words alone, without a negation cue («overkapasitet på boliger»,
    # «boligbehovet er dekket»): a hit from one is negated. The label guide counts such a passage as negated.
    denials: tuple[tuple[str, ...], ...] = ()

    @property
    def all_patterns(self) -> tuple[tuple[str, ...], ...]:
        """Affirming patterns first, then denials (pattern ids follow this order, see `pattern_ids`)."""
        return self.patterns + self.denials

    @property
    def pattern_ids(self) -> list[str]:
        """«signal/n» for the n-th affirming pattern, «signal/nekt-n» for the n-th denial."""
        return [f"{self.id}/{n}" for n in range(1, len(self.patterns) + 1)] + [
            f"{self.id}/{DENIAL_TAG}{n}" for n in range(1, len(self.denials) + 1)
        ]

    @property
    def cue_pattern(self) -> re.Pattern[str] | None:
        if not self.model_cues:
            return None
        return re.compile("|".join(_cue_regex(c) for c in self.model_cues), re.DOTALL)


@dataclass(frozen=True)
class Lexicon:
    version: str
    signals: tuple[Signal, ...]
    commitment_weights: dict[str, float]

    @cached_property
    def by_id(self) -> dict[str, Signal]:
        return {s.id: s for s in self.signals}

    @property
    def heads(self) -> frozenset[str]:
        """Every «*x» head, for compound analysis in the lemmatiser."""
        out: set[str] = set()
        for s in self.signals:
            for pattern in s.all_patterns:
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
                tuple(str(x).lower() for x in entry.get("model_cues", [])),
                tuple(tuple(str(slot) for slot in p) for p in entry.get("denials", [])),
            )
        )
    return Lexicon(version, tuple(signals), dict(data.get("commitment_weights", {})))


@dataclass(frozen=True)
class SlotTest:
    """What a token must be for one lexicon slot: a listed lemma or form, a compound head, or a prefix."""

    key: str
    lemmas: frozenset[str]
    heads: frozenset[str]
    prefixes: tuple[str, ...]


def _slot_body(slot: str) -> tuple[str, bool]:
    optional = slot.endswith("?") and len(slot) > 1
    return (slot[:-1] if optional else slot), optional


def _is_special(body: str) -> bool:
    return body == "-" or re.fullmatch(r"~\d+", body) is not None


@cache
def slot_tests(path: Path = LEXICON) -> dict[str, SlotTest]:
    """Every distinct word slot in the lexicon, keyed by its text."""
    tests: dict[str, SlotTest] = {}
    for signal in load_lexicon(path).signals:
        for pattern in signal.all_patterns:
            for slot in pattern:
                body, _ = _slot_body(slot)
                if _is_special(body) or body in tests:
                    continue
                lemmas, heads, prefixes = set(), set(), []
                for alt in body.split("|"):
                    alt = alt.strip().lower()
                    if alt.startswith("*"):
                        heads.add(alt[1:])
                    elif alt.endswith("*"):
                        prefixes.append(alt[:-1])
                    elif alt:
                        lemmas.add(alt)
                if not (lemmas or heads or prefixes):
                    raise LexiconError(f"empty slot {slot!r} in {signal.id}")
                tests[body] = SlotTest(f"s{len(tests)}", frozenset(lemmas), frozenset(heads), tuple(prefixes))
    return tests


SLOT, HYPHEN, GAP = 0, 1, 2


@dataclass(frozen=True)
class Step:
    """One slot of a compiled pattern: a word slot (by key), a hyphen, or a gap of up to `width` words."""

    kind: int
    key: str = ""
    optional: bool = False
    width: int = 0


def _step(slot: str, tests: dict[str, SlotTest]) -> Step:
    body, optional = _slot_body(slot)
    if re.fullmatch(r"~\d+", body):
        return Step(GAP, width=int(body[1:]))
    if body == "-":
        return Step(HYPHEN, optional=optional)
    return Step(SLOT, key=tests[body].key, optional=optional)


def pattern_steps(signal: Signal) -> list[tuple[Step, ...]]:
    """Each pattern (affirming, then denials; same order as `pattern_ids` and `required_keys`) as steps. The
    lemmatiser writes a token's slot keys into its NORM («§s3§s17§»), and nlp/slot_matcher.py walks them."""
    tests = slot_tests()
    return [tuple(_step(slot, tests) for slot in pattern) for pattern in signal.all_patterns]


def required_keys(signal: Signal) -> list[frozenset[str]]:
    """Per pattern, the slot keys a sentence must contain for the pattern to have a chance."""
    tests = slot_tests()
    out = []
    for pattern in signal.all_patterns:
        keys = set()
        for slot in pattern:
            body, optional = _slot_body(slot)
            if not optional and not _is_special(body):
                keys.add(tests[body].key)
        out.append(frozenset(keys))
    return out
