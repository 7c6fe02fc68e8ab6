"""Sentence boundaries for Norwegian plan text as extraction delivers it.

spaCy's sentencizer only knows punctuation (its rule is applied here too, in the same pass). Real plans
also break sentences with layout: headings without
a full stop, blank lines between paragraphs, bullet lists, tables of contents with dot leaders, and dates
or ordinals the tokenizer keeps whole («vedtatt 22.07.2018.», «siden 2019.»). A PDF line break inside a
sentence («skal bygge\nflere boliger») must not split it.
"""

from __future__ import annotations

import re

import numpy
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from boligarkiv.vocabulary import MONTHS

# Month names and their common abbreviations: «12. mars» is a date, not the end of a sentence.
MONTH_WORDS = set(MONTHS) | {m[:3] for m in MONTHS} | {"sept"}
BULLETS = {"•", "·", "▪", "◦", "‣", "-", "–", "—", "*", "o", "", "■", "□", "➢", "►", "✓"}
INLINE_BULLETS = {"•", "▪", "►", "➢", "■"}
TERMINAL = (".", "!", "?", ":", ";")
DOT_LEADER = re.compile(r"^(?:\.{3,}|…+|_{3,}|(?:\. ){2,}\.?)$")
NUMBER_WITH_STOP = re.compile(r"^\d[\d.,]*\.$")
# A line this short that does not end a sentence is a heading or a table-of-contents line, not a PDF line
# break inside running text (those fill the column).
SHORT_LINE = 70


def _line_before(doc: Doc, i: int) -> str:
    """The text of the line that ends just before whitespace token i."""
    text = doc.text[: doc[i].idx]
    return text[text.rfind("\n") + 1 :]


# Per word form, what the rules need to know about it (computed once per form, not per token).
NUM_STOP, LEADER, INLINE, BULLET, NEWLINE, BLANK, UPPER, MONTH, TERM, JOINER, SPACE, NUM, PUNCT = (
    1 << k for k in range(13)
)
# spaCy's sentencizer rule, folded in here so the tokens are walked once: a sentence ends after a run of
# these, and the next token starts a new one.
PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)
_kinds: dict[int, int] = {}


def _kind(text: str, space: bool, like_num: bool) -> int:
    k = 0
    if NUMBER_WITH_STOP.match(text) and len(text) > 1:
        k |= NUM_STOP
    if DOT_LEADER.match(text):
        k |= LEADER
    if text in INLINE_BULLETS:
        k |= INLINE
    if text in BULLETS:
        k |= BULLET
    if space:
        k |= SPACE
        if "\n" in text:
            k |= NEWLINE
        if "\n\n" in text.replace("\r", ""):
            k |= BLANK
    if text[:1].isupper():
        k |= UPPER
    if text.lower() in MONTH_WORDS:
        k |= MONTH
    if text.endswith(TERMINAL):
        k |= TERM
    if text.endswith((",", "-", "–")):
        k |= JOINER
    if like_num:
        k |= NUM
    if text in PUNCT_CHARS:
        k |= PUNCT
    return k


@Language.component("boligarkiv_sentences")
def layout_sentences(doc: Doc) -> Doc:
    """Sets every token's sentence start: punctuation (as spaCy's sentencizer) and layout (see module)."""
    n = len(doc)
    if n == 0:
        return doc
    # Attribute arrays instead of Token objects: this runs over every token of every page.
    vocab = doc.vocab
    kinds = []
    for orth in doc.to_array(ORTH).tolist():
        k = _kinds.get(orth)
        if k is None:
            lex = vocab[orth]
            k = _kind(lex.orth_, lex.is_space, lex.like_num)
            if len(_kinds) < 200_000:
                _kinds[orth] = k
        kinds.append(k)
    new_starts: list[int] = [0]

    def start(j: int) -> None:
        new_starts.append(j)

    seen_punct = False
    for i in range(n):
        if seen_punct and not kinds[i] & PUNCT:
            start(i)
            seen_punct = False
        elif kinds[i] & PUNCT:
            seen_punct = True
    for i in range(n - 1):
        k, nk = kinds[i], kinds[i + 1]
        if k & INLINE and i > 0:
            start(i)
        if k & NUM_STOP:
            # «… siden 2019. Behovet …», «vedtatt 22.07.2018. Kommunen …» (not «12. mars»).
            if nk & UPPER and not nk & MONTH:
                start(i + 1)
        elif k & LEADER:
            # «2 Boligbehov ........ 5 3 Tiltak ...»: the entry ends after its page number.
            j = i + 1
            while j < n and kinds[j] & SPACE:
                j += 1
            if j < n and kinds[j] & NUM:
                j += 1
                while j < n and kinds[j] & SPACE:
                    j += 1
            if j < n:
                start(j)
        elif k & NEWLINE:
            if nk & SPACE:
                continue
            if k & BLANK or nk & BULLET:
                start(i + 1)
                continue
            if i == 0:
                continue
            pk = kinds[i - 1]
            heading_like = (nk & UPPER or nk & NUM) and not pk & JOINER
            if pk & TERM or (heading_like and len(_line_before(doc, i).strip()) < SHORT_LINE):
                start(i + 1)
    starts = numpy.full((n, 1), -1, dtype="int32")
    starts[new_starts, 0] = 1
    doc.from_array([SENT_START], starts.astype("uint64"))
    return doc
