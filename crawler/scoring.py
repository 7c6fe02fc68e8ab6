"""Best-first link scoring on URL and anchor text, in Bokmål and Nynorsk.

A score says how likely a link leads towards a housing plan. Pages are crawled in score order; document
links are downloaded only above DOC_THRESHOLD, which is what keeps wasted downloads low.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

# Names of the plans we want: one of these alone justifies a download.
STRONG = (
    "boligsosial",
    "bustadsosial",
    "boligplan",
    "bustadplan",
    "boligprogram",
    "bustadprogram",
    "boligpolitisk",
    "bustadpolitisk",
    "boligstrategi",
    "bustadstrategi",
    "boligmelding",
    "bustadmelding",
    "boligbehovsplan",
    "bustadbehovsplan",
    "boligbygging",
    "bustadbygging",
    "samfunnsdel",
    "boligpolitikk",
    "bustadpolitikk",
    "boligutvikling",  # «Temaplan for boligutvikling» (Drammen) is a housing plan by another name
    "bustadutvikling",
)
PLANISH = (
    "handlingsplan",
    "samfunnsdel",
    "kommuneplan",
    "temaplan",
    "strategi",
    "styringsdokument",
    "planer",
    "planar",
    "plan",
    "planverk",
    "planstrategi",
)
HOUSING = (
    "bolig",
    "bustad",
    "husbank",
    "bostøtte",
    "bostotte",
    "bustøtte",
    "bustotte",
    "startlån",
    "startlan",
    "utleie",
    "utleige",
)
NAVIGATION = (
    "politikk",
    "dokumenter",
    "dokumentar",
    "dokumentarkiv",
    "vedtatte",
    "vedtekne",
    "innsyn",
    "tjenester",
    "tenester",
    "om-kommunen",
    "om kommunen",
    "plan-og-bygg",
    "plan og bygg",
    "samfunnsutvikling",
    "helse",
    "sosial",
    "nav",
)
NEGATIVE = (
    "kalender",
    "arrangement",
    "hva-skjer",
    "hva skjer",
    "kva skjer",
    "event",
    "nyhet",
    "nyheit",
    "login",
    "logg-inn",
    "kontakt",
    "stilling",
    "jobb",
    "skole",
    "skule",
    "barnehage",
    "vann",
    "vatn",
    "avløp",
    "avlop",
    "renovasjon",
    "meny",
    "print",
    "facebook",
    "twitter",
    "instagram",
    "linkedin",
    "personvern",
    "cookie",
    "budsjett",
    "årsmelding",
    "protokoll",
    "møteplan",
    "reguleringsplan",
)
TRAP_QUERY = re.compile(
    r"(^|&)(page|side|month|maned|date|dato|day|dag|year|ar|week|uke|q|query|sok|search|sort|"
    r"start|offset|from|to|filter|view)=",
    re.I,
)
DOC_EXT = re.compile(r"\.(pdf|docx?|odt|rtf)$", re.I)
# Download handlers. Not «.aspx»: that is an ASP.NET page, and ACOS CMS serves every article as
# «<slug>.<id>.aspx» (kommune_web/cms_documents/EXAMPLES.md) — read as documents, they were dropped below
# the document score, and the pages behind them with them. Bergen serves files at /api/rest/filer/V<n>.
HANDLER = re.compile(
    r"(\.ashx|getfile|get_file|download|last-?ned|lastned|/fil/|/file/|/files/|/rest/filer/|fileid=|"
    r"vedlegg|attachment|/dokument/\d|/document/\d|dokid=|docid=)",
    re.I,
)
SKIP_EXT = re.compile(
    r"\.(jpe?g|png|gif|svg|webp|ico|css|js|zip|rar|7z|mp3|mp4|mov|avi|ics|vcf|xlsx?|csv|pptx?|"
    r"xml|json|woff2?|ttf|eot)$",
    re.I,
)
GENERIC_ANCHOR = re.compile(
    r"^\s*(last ned|last ned dokumentet|last ned fil|download|pdf|her|klikk her|les mer|"
    r"dokumentet|vedlegg|fil|sjå dokumentet|se dokumentet|open|åpne)\b",
    re.I,
)
YEAR_RANGE = re.compile(r"\b(19|20)\d\d\s*[–\-/]\s*(19|20)?\d\d\b")

STRONG_SCORE = 6.0
PLANISH_SCORE = 3.0
HOUSING_SCORE = 3.0
DOC_THRESHOLD = 5.0


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", unquote(text)).casefold()
    return re.sub(r"[_+%]+", " ", text)


def text_score(text: str) -> float:
    """Score free text (anchor, title, URL path) for plan relevance."""
    t = normalise(text)
    score = 0.0
    if any(k in t for k in STRONG):
        score += STRONG_SCORE
    if any(re.search(rf"{k}", t) for k in PLANISH):
        score += PLANISH_SCORE
    if any(k in t for k in HOUSING):
        score += HOUSING_SCORE
    if any(k in t for k in NAVIGATION):
        score += 1.0
    if any(k in t for k in NEGATIVE):
        score -= 3.0
    if YEAR_RANGE.search(t):
        score += 1.0
    return score


def url_path_text(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path} {parts.query}"


def link_score(url: str, anchor: str, page_score: float = 0.0) -> float:
    """Score a link by its anchor and URL; generic anchors («Last ned») inherit the page's own score."""
    parts = urlsplit(url)
    score = max(text_score(anchor), text_score(url_path_text(url)))
    if anchor and GENERIC_ANCHOR.match(anchor):
        score = max(score, page_score)
    elif page_score >= STRONG_SCORE:
        score += 1.0
    if parts.query and TRAP_QUERY.search(parts.query):
        score -= 4.0
    return score


def looks_like_document(url: str) -> bool:
    path = urlsplit(url).path
    return bool(DOC_EXT.search(path) or HANDLER.search(url))


def should_skip(url: str) -> bool:
    return bool(SKIP_EXT.search(urlsplit(url).path))


def path_shape(url: str) -> str | None:
    """Pages whose paths differ only in their numbers share a shape («/kalender/2024/05/12/» and
    «/kalender/2031/11/03/» are «/kalender/#/#/#/»): a calendar built from paths is one shape. None when
    the path has no digits (nothing to cap)."""
    parts = urlsplit(url)
    if not any(c.isdigit() for c in parts.path):
        return None
    return parts.netloc + re.sub(r"\d+", "#", parts.path)


def trap_key(url: str) -> str:
    """Pages that differ only in their query string share a key: an endless calendar is one key."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
