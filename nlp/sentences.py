"""Sentence boundaries for Norwegian plan text as extraction delivers it.

spaCy's sentencizer only knows punctuation. Real plans also break sentences with layout: headings without
a full stop, blank lines between paragraphs, bullet lists, tables of contents with dot leaders, and dates
or ordinals the tokenizer keeps whole («vedtatt 22.07.2018.», «siden 2019.»). A PDF line break inside a
sentence («skal bygge\nflere boliger») must not split it. This component runs after the sentencizer and
only adds boundaries.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
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


@Language.component("boligarkiv_sentences")
def layout_sentences(doc: Doc) -> Doc:
    n = len(doc)
    for i, token in enumerate(doc[:-1]):
        nxt = doc[i + 1]
        text = token.text
        if text in INLINE_BULLETS and i > 0:
            token.is_sent_start = True
        if NUMBER_WITH_STOP.match(text) and len(text) > 1:
            # «… siden 2019. Behovet …», «vedtatt 22.07.2018. Kommunen …» (not «12. mars»).
            if nxt.text[:1].isupper() and nxt.lower_ not in MONTH_WORDS:
                nxt.is_sent_start = True
        elif DOT_LEADER.match(text):
            # «2 Boligbehov ........ 5 3 Tiltak ...»: the entry ends after its page number.
            j = i + 1
            while j < n and doc[j].is_space:
                j += 1
            if j < n and doc[j].like_num:
                j += 1
                while j < n and doc[j].is_space:
                    j += 1
            if j < n:
                doc[j].is_sent_start = True
        elif token.is_space and "\n" in text:
            if nxt.is_space:
                continue
            if "\n\n" in text.replace("\r", "") or nxt.text in BULLETS:
                nxt.is_sent_start = True
                continue
            prev = doc[i - 1] if i > 0 else None
            if prev is None:
                continue
            if prev.text.endswith(TERMINAL):
                nxt.is_sent_start = True
            elif (nxt.text[:1].isupper() or nxt.like_num) and not prev.text.endswith((",", "-", "–")):
                line = _line_before(doc, i).strip()
                if len(line) < SHORT_LINE:
                    nxt.is_sent_start = True
    return doc
