"""Lexicon patterns matched over the slot keys the lemmatiser wrote into each token's NORM.

The lemmatiser tags each word form once with the lexicon slots it satisfies («§s3§s17§»). A pattern is then a
sequence of steps — a slot, a hyphen, a gap of up to N words, each possibly optional — and matching one is a
walk over a sentence's hash rows, so no Token or Span object is built for a sentence that yields nothing.
spaCy's Matcher did the same with a regular expression per token and a Token per word per call, and was the
largest cost of the analysis. Semantics follow the Matcher's: per pattern, the longest match from each start,
then non-overlapping matches longest first (`greedy="LONGEST"`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from spacy.strings import StringStore, get_string_id

from boligarkiv.lexicon import GAP, HYPHENS, SLOT, Step, load_lexicon, pattern_steps, required_keys

HYPHEN_HASHES = frozenset(get_string_id(h) for h in HYPHENS)


@dataclass(frozen=True)
class SlotPattern:
    signal: str
    pattern_id: str
    steps: tuple[Step, ...]
    required: frozenset[str]  # slot keys a sentence must hold for the pattern to have a chance
    required_mask: int  # the same as a mask
    # Every step is one required word or hyphen: a match is a fixed-length run, checked without search.
    simple: bool


@cache
def slot_patterns() -> tuple[SlotPattern, ...]:
    """Every lexicon pattern, affirming and denying, in lexicon order."""
    out = []
    for signal in load_lexicon().signals:
        for steps, req, pattern_id in zip(
            pattern_steps(signal), required_keys(signal), signal.pattern_ids, strict=True
        ):
            simple = all(step.kind != GAP and not step.optional for step in steps)
            out.append(SlotPattern(signal.id, pattern_id, steps, req, slot_mask(req), simple))
    return tuple(out)


# The lemmatiser writes a word's slot keys into its NORM as «§s3§s17§»; a word that merely contains «§» (a
# legal paragraph sign) must not read as slots.
_SLOT_NORM = re.compile(r"(?:§s\d+)+§")


def norm_slots(norm: str) -> tuple[str, ...]:
    """The slot keys in a NORM string the lemmatiser wrote, else none."""
    return tuple(norm[1:-1].split("§")) if norm[:1] == "§" and _SLOT_NORM.fullmatch(norm) else ()


_norm_slots: dict[int, frozenset[str]] = {}


def token_slots(norm_hashes: Sequence[int], strings: StringStore) -> list[frozenset[str]]:
    """Slot keys per token, from NORM hashes (cached per hash: a word form's slots never change)."""
    out = []
    empty: frozenset[str] = frozenset()
    for h in norm_hashes:
        keys = _norm_slots.get(h)
        if keys is None:
            keys = frozenset(norm_slots(strings[h])) or empty
            if len(_norm_slots) < 500_000:
                _norm_slots[h] = keys
        out.append(keys)
    return out


def _ends(
    steps: tuple[Step, ...], k: int, pos: int, slots: Sequence[Collection[str]], hyphen: Sequence[bool]
) -> set[int]:
    """Positions where a match of steps[k:] starting at `pos` can end."""
    if k == len(steps):
        return {pos}
    step = steps[k]
    n = len(slots)
    out: set[int] = set()
    if step.kind == GAP:
        for g in range(min(step.width, n - pos) + 1):
            out |= _ends(steps, k + 1, pos + g, slots, hyphen)
        return out
    if pos < n and (step.key in slots[pos] if step.kind == SLOT else hyphen[pos]):
        out |= _ends(steps, k + 1, pos + 1, slots, hyphen)
    if step.optional:
        out |= _ends(steps, k + 1, pos, slots, hyphen)
    return out


def _step_at(step: Step, i: int, slots: Sequence[Collection[str]], hyphen: Sequence[bool]) -> bool:
    return step.key in slots[i] if step.kind == SLOT else hyphen[i]


def match_pattern(
    pattern: SlotPattern, slots: Sequence[Collection[str]], hyphen: Sequence[bool]
) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) matches of one pattern in one sentence, longest first, then by start."""
    first = pattern.steps[0]
    if first.kind == SLOT and not first.optional:
        starts = [i for i, s in enumerate(slots) if first.key in s]
    else:
        starts = list(range(len(slots)))
    found = []
    if pattern.simple:
        width = len(pattern.steps)
        for start in starts:
            if start + width <= len(slots) and all(
                _step_at(step, start + k, slots, hyphen) for k, step in enumerate(pattern.steps)
            ):
                found.append((start, start + width))
    else:
        for start in starts:
            ends = [e for e in _ends(pattern.steps, 0, start, slots, hyphen) if e > start]
            if ends:
                found.append((start, max(ends)))
    if len(found) < 2:
        return found
    taken: set[int] = set()
    out = []
    for start, end in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        if not taken.intersection(range(start, end)):
            taken.update(range(start, end))
            out.append((start, end))
    return sorted(out)


def key_bit(key: str) -> int:
    """A slot key («s17») as a bit: a sentence's slot keys are one int, a pattern's requirement a mask."""
    return 1 << int(key[1:])


def slot_mask(keys: Iterable[str]) -> int:
    mask = 0
    for key in keys:
        mask |= key_bit(key)
    return mask


_candidates: dict[int, tuple[SlotPattern, ...]] = {}


def candidates(mask: int) -> tuple[SlotPattern, ...]:
    """The patterns (lexicon order) whose required slot keys all lie in `mask`; cached per mask, as
    sentences keep holding the same few combinations."""
    hit = _candidates.get(mask)
    if hit is None:
        hit = tuple(p for p in slot_patterns() if not p.required_mask & ~mask)
        if len(_candidates) < 100_000:
            _candidates[mask] = hit
    return hit


def find_matches(
    slots: Sequence[Collection[str]], hyphen: Sequence[bool], mask: int
) -> list[tuple[int, int, SlotPattern]]:
    """Every pattern's matches in one sentence (positions relative to it), for patterns whose required slots
    the sentence holds (`mask`: the sentence's slot keys, `slot_mask`); in lexicon order."""
    out = []
    for pattern in candidates(mask):
        out.extend((a, b, pattern) for a, b in match_pattern(pattern, slots, hyphen))
    return out
