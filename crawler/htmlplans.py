"""Plans published as web pages: one long article, or a table of contents linking chapter pages.

A plan in chapters is archived as one document: the contents page and its chapters in order, each page's
main content behind a marker naming its URL, so the extract stage makes one page of text per chapter and a
changed chapter makes a new version of the whole plan (a new content hash at the same URL). Only the main
content (`<main>`, `<article>`, role=main) goes in, so a new date in a site's footer changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from boligarkiv.crawler import scoring
from boligarkiv.formats import CHAPTER_MARKER

MIN_ARTICLE_CHARS = 2500  # main text of a plan published as one article
MAX_CHAPTERS = 40
CHAPTER_ANCHOR = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\.?\s|kap(?:ittel|ittel)?\.?\s*\d|del\s+\d|vedlegg\b)"
    r"|\b(?:innledning|bakgrunn|sammendrag|mål(?:et|setting)?|tiltak|handlingsplan|handlingsdel|status|"
    r"utfordring\w*|kunnskapsgrunnlag|boligbehov|oppfølging|økonomi|medvirkning|strategi\w*|forord|"
    r"innleiing|samandrag|målsetjing|tiltaka|oppfølging)\b",
    re.IGNORECASE,
)


@dataclass
class Bundle:
    toc_url: str
    title: str
    toc_html: str
    expected: int
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # index → (url, main html)
    failed: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return len(self.parts) + len(self.failed) >= self.expected

    def body(self) -> bytes:
        chunks = [CHAPTER_MARKER.format(url=self.toc_url) + "\n" + self.toc_html]
        for i in sorted(self.parts):
            url, html = self.parts[i]
            chunks.append(CHAPTER_MARKER.format(url=url) + "\n" + html)
        head = f"<html><head><title>{_escape(self.title)}</title></head><body>\n"
        return (head + "\n".join(chunks) + "\n</body></html>").encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_planish(title: str) -> bool:
    return scoring.text_score(title) >= scoring.STRONG_SCORE + scoring.PLANISH_SCORE


def main_html(sel: Selector) -> str:
    for css in ("main", "article", "[role=main]", "#content", ".content"):
        found = sel.css(css)
        if found:
            return found[0].get()
    body = sel.css("body")
    return body[0].get() if body else sel.get()


def main_text_length(sel: Selector) -> int:
    scope = sel.css("main, article, [role=main]") or sel.css("body")
    text = " ".join(scope[0].css("p ::text, li ::text, td ::text, h2 ::text, h3 ::text").getall()) if scope else ""
    return len(" ".join(text.split()))


def chapter_links(sel: Selector, page_url: str, in_site: object, base_url: str | None = None) -> list[str]:
    """Links from a plan's contents page to its chapters, in document order: same-site pages below the
    contents page's path (at least two), or — on a page that is mostly links — at least three whose anchors
    read like chapter headings («2 Boligbehov», «Tiltak»). A chapter page linking its siblings is not a
    contents page: its siblings are not below it, and its own text is long. Relative links resolve against
    `base_url` (the page's <base href>) when given."""
    scope = sel.css("main, article, [role=main]") or sel.css("body")
    if not scope:
        return []
    base = urlsplit(page_url).path.rstrip("/")
    below: list[str] = []
    headed: list[str] = []
    for a in scope[0].css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(base_url or page_url, href).split("#")[0]
        if url == page_url or url in below or url in headed or scoring.looks_like_document(url):
            continue
        if not in_site(url):  # type: ignore[operator]
            continue
        anchor = " ".join(" ".join(a.css("::text").getall()).split())
        if base and urlsplit(url).path.startswith(base + "/"):
            below.append(url)
        elif CHAPTER_ANCHOR.search(anchor):
            headed.append(url)
    if len(below) >= 2:
        return below[:MAX_CHAPTERS]
    if len(headed) >= 3 and main_text_length(sel) < MIN_ARTICLE_CHARS // 2:
        return headed[:MAX_CHAPTERS]
    return []


SITE_SUFFIX = re.compile(r"\b(?:kommune|kommunen|herad|fylkeskommune)\b", re.IGNORECASE)


def chapter_title(title: str, h1: str) -> bool:
    """«Temaplan for boligutvikling 2023–2033 – Faktagrunnlag», or a plan-named title over a heading that is
    not: a chapter of a plan, whose contents page is the one to archive («Plan – Bergen kommune» is not)."""
    for text in (h1, title):
        parts = re.split(r"\s+[–—-]\s+", text.strip())
        if len(parts) >= 2 and is_planish(parts[0]) and not is_planish(parts[1]) and not SITE_SUFFIX.search(parts[1]):
            return True
    return bool(h1.strip()) and not is_planish(h1) and is_planish(title) and not SITE_SUFFIX.search(title)


def parent_url(url: str) -> str | None:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if "/" not in path.strip("/"):
        return None
    return f"{parts.scheme}://{parts.netloc}{path.rsplit('/', 1)[0]}/"


def inside_known_plan(url: str, contents_pages: set[str]) -> bool:
    """A page below a plan's contents page is one of its chapters, not a plan of its own."""
    path = urlsplit(url).path.rstrip("/")
    return any(path.startswith(p + "/") for p in contents_pages)
