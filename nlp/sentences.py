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


def _line_ending_at(text: str, end: int) -> str:
    """The text of the line that ends at character `end`."""
    return text[text.rfind("\n", 0, end) + 1 : end]


# Per word form, what the rules need to know about it (computed once per form, not per token).
NUM_STOP, LEADER, INLINE, BULLET, NEWLINE, BLANK, UPPER, MONTH, TERM, JOINER, SPACE, NUM, PUNCT, ABBR_END = (
    1 << k for k in range(14)
)
# Abbreviations that close a list and so often the sentence («boliger, tomter osv. Kommunen …»): the tokenizer
# keeps their stop, so punctuation alone never ends the sentence there; a capital after one does.
SENTENCE_END_ABBREVIATIONS = frozenset({"osv.", "mv.", "m.v.", "m.m.", "mm.", "etc.", "o.l.", "e.l.", "m.fl.", "mfl."})
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
    if text.lower() in SENTENCE_END_ABBREVIATIONS:
        k |= ABBR_END
    if text in PUNCT_CHARS:
        k |= PUNCT
    return k


@Language.component("boligarkiv_sentences")
def layout_sentences(doc: Doc) -> Doc:
    """Sets every token's sentence start: punctuation (as spaCy's sentencizer) and layout (see module)."""
    n = len(doc)
    if n == 0:
        return doc
    # Each rule is a vectorised test over the tokens' kinds (computed once per word form), so no Python
    # step runs per token; only dot leaders and heading candidates are looked at one by one.
    kinds = _token_kinds(doc)

    def has(flag: int) -> numpy.ndarray:
        return (kinds & flag) != 0

    starts = numpy.zeros(n, dtype=bool)
    starts[0] = True
    punct = has(PUNCT)
    starts[1:] |= punct[:-1] & ~punct[1:]  # spaCy's rule: after a run of sentence punctuation
    if n == 1:
        return _set_starts(doc, starts)
    inline = has(INLINE)
    inline[0] = inline[-1] = False
    starts |= inline
    num_stop, leader = has(NUM_STOP)[:-1], has(LEADER)[:-1]
    upper, space = has(UPPER), has(SPACE)
    # «… siden 2019. Behovet …», «vedtatt 22.07.2018. Kommunen …» (not «12. mars»).
    starts[1:] |= num_stop & upper[1:] & ~has(MONTH)[1:]
    starts[1:] |= has(ABBR_END)[:-1] & upper[1:]
    for i in numpy.flatnonzero(leader & ~num_stop).tolist():
        # «2 Boligbehov ........ 5 3 Tiltak ...»: the entry ends after its page number.
        j = i + 1
        while j < n and space[j]:
            j += 1
        if j < n and kinds[j] & NUM:
            j += 1
            while j < n and space[j]:
                j += 1
        if j < n:
            starts[j] = True
    newline = has(NEWLINE)[:-1] & ~num_stop & ~leader & ~space[1:]
    direct = newline & (has(BLANK)[:-1] | has(BULLET)[1:])
    starts[1:] |= direct
    rest = newline & ~direct
    rest[0] = False
    idx = numpy.flatnonzero(rest)
    if len(idx):
        before, after = kinds[idx - 1], kinds[idx + 1]
        term = (before & TERM) != 0
        heading_like = ((after & (UPPER | NUM)) != 0) & ((before & JOINER) == 0)
        starts[idx[term] + 1] = True
        candidates = idx[~term & heading_like].tolist()
        if candidates:
            text = doc.text
            for i in candidates:
                if len(_line_ending_at(text, doc[i].idx).strip()) < SHORT_LINE:
                    starts[i + 1] = True
    return _set_starts(doc, starts)


def _token_kinds(doc: Doc) -> numpy.ndarray:
    orth = doc.to_array(ORTH)
    distinct, inverse = numpy.unique(orth, return_inverse=True)
    vocab = doc.vocab
    out = []
    for h in distinct.tolist():
        k = _kinds.get(h)
        if k is None:
            lex = vocab[h]
            k = _kind(lex.orth_, lex.is_space, lex.like_num)
            if len(_kinds) < 200_000:
                _kinds[h] = k
        out.append(k)
    return numpy.asarray(out, dtype=numpy.int64)[inverse.reshape(-1)]


def _set_starts(doc: Doc, starts: numpy.ndarray) -> Doc:
    values = numpy.where(starts, 1, -1).astype("int32").reshape(-1, 1)
    doc.from_array([SENT_START], values.astype("uint64"))
    return doc
