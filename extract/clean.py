"""Clean page text so a reader would not notice: hyphenation, repeated headers/footers, ligatures, NFC."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from boligarkiv.vocabulary import INVISIBLE

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]+")  # tabs stay: they separate table cells
# A word broken at the line end: «bolig-\nsosial» → «boligsosial». A hyphen before a capital or a digit, or
# followed by a conjunction («bolig- og tomtepolitikk»), is a real one and stays.
LINE_HYPHEN = re.compile(r"(\w)-\n(?=([a-zæøå]))")
KEEP_HYPHEN_NEXT = re.compile(r"^(og|eller|til|før|som|i)\b")
PAGE_NUMBER = re.compile(r"^\s*(side\s*)?\d{1,4}(\s*(av|/)\s*\d{1,4})?\s*$", re.I)


def normalise(text: str) -> str:
    # pdfium marks a hyphen at a line end that it judged soft with U+FFFE (or U+0002) and joins the lines;
    # turn it back into a line-end hyphen so one rule (dehyphenate) decides join or keep.
    text = text.replace("\ufffe", "-\n").replace("\x02", "-\n")
    text = (
        unicodedata.normalize("NFKC", "".join(LIGATURES.get(c, c) for c in text))
        if any(c in LIGATURES for c in text)
        else text
    )
    text = INVISIBLE.sub("", text)
    text = SPACES.sub(" ", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def dehyphenate(text: str) -> str:
    def join(m: re.Match[str]) -> str:
        rest = text[m.end() : m.end() + 8]
        if KEEP_HYPHEN_NEXT.match(rest):
            return m.group(0)
        return m.group(1)

    return LINE_HYPHEN.sub(join, text)


MAX_EDGE_LINE = 80  # running headers and footers are short; a repeated body sentence is not one


def _edge_key(line: str) -> str:
    # Headers and footers often carry the page number: compare lines with digits masked.
    line = line.strip()
    return re.sub(r"\d+", "#", line.casefold()) if len(line) <= MAX_EDGE_LINE else ""


def strip_repeated_edges(pages: list[str], min_share: float = 0.6, edge: int = 3) -> list[str]:
    """Remove lines in the first/last `edge` lines that repeat on most pages, and bare page numbers."""
    if len(pages) < 3:
        return [_drop_page_numbers(p) for p in pages]
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.split("\n") if ln.strip()]
        keys = {_edge_key(ln) for ln in lines[:edge] + lines[-edge:]}
        counts.update(keys)
    repeated = {k for k, n in counts.items() if n >= max(3, min_share * len(pages)) and k}
    out = []
    for page in pages:
        lines = page.split("\n")
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        edges = set(nonblank[:edge] + nonblank[-edge:])
        kept = [ln for i, ln in enumerate(lines) if not (i in edges and _edge_key(ln) in repeated)]
        out.append(_drop_page_numbers("\n".join(kept)))
    return out


def _drop_page_numbers(page: str) -> str:
    lines = page.split("\n")
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    edges = set(nonblank[:1] + nonblank[-1:])
    return "\n".join(ln for i, ln in enumerate(lines) if not (i in edges and PAGE_NUMBER.match(ln)))


def tidy(text: str) -> str:
    text = re.sub(r"[ ]{2,}", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_pages(pages: list[str]) -> list[str]:
    pages = [normalise(p) for p in pages]
    pages = strip_repeated_edges(pages)
    return [tidy(dehyphenate(p)) for p in pages]
