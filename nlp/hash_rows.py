"""A doc's token hashes by column, read by the rules and the pattern matching instead of Token objects.

Building a Python Token per word costs more than the rules themselves; one Doc.to_array call and a list per
column give the same facts at list-index speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.tokens import Doc

from boligarkiv.nlp.slot_matcher import HYPHEN_HASHES

_HYPHEN_ARRAY = np.array(sorted(HYPHEN_HASHES), dtype=np.uint64)
COLUMNS = [ORTH, LEMMA, LOWER]


class TokenRange(NamedTuple):
    """Tokens start:end of a doc — a sentence or a lexicon match — without the two Token objects a spaCy Span
    builds on creation; character offsets are looked up when asked for (only for what becomes a hit)."""

    doc: Doc
    start: int
    end: int
    label_: str = ""

    @property
    def start_char(self) -> int:
        return self.doc[self.start].idx

    @property
    def end_char(self) -> int:
        last = self.doc[self.end - 1]
        return last.idx + len(last)


@dataclass(frozen=True)
class HashRows:
    lemma: list[int]
    lower: list[int]
    hyphen: list[bool]  # the token is a hyphen or dash (patterns may require one between words)

    def __len__(self) -> int:
        return len(self.lemma)

    @classmethod
    def of(cls, doc: Doc) -> HashRows:
        return cls.from_array(doc.to_array(COLUMNS).reshape(-1, len(COLUMNS)))

    @classmethod
    def from_array(cls, hashes: np.ndarray) -> HashRows:
        """From an (n, 3) array of ORTH, LEMMA, LOWER hashes."""
        return cls(hashes[:, 1].tolist(), hashes[:, 2].tolist(), np.isin(hashes[:, 0], _HYPHEN_ARRAY).tolist())
