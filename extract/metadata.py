"""Plan metadata from page text: title, language (nb/nn), doc_type with evidence, period, adoption.

Language: a vote over frequent function words that differ between Bokmål and Nynorsk (ikke/ikkje,
jeg/eg, hva/kva, bolig/bustad...). Measured on the UD Bokmål test text and the Nynorsk fixtures in the
tests; documents with too few marker words fall back to nb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from boligarkiv.language import detect_language
from boligarkiv.vocabulary import MONTHS as MONTH_NAMES

DOC_TYPES = [
    ("boligsosial_handlingsplan", re.compile(r"\b(boligsosial|bustadsosial)e?\s+(handlingsplan|plan|strategi)", re.I)),
    (
        "boligplan",
        re.compile(
            r"\b(boligplan|bustadplan|boligprogram|bustadprogram|boligpolitisk\s+plan|"
            r"boligstrategi|bustadstrategi|boligbehovsplan|temaplan\s+for\s+bolig)",
            re.I,
        ),
    ),
    (
        "kommuneplan_samfunnsdel",
        re.compile(r"\bkommuneplanens\s+samfunnsdel|\bsamfunnsdelen\s+av\s+kommuneplanen", re.I),
    ),
    (
        "saksdokument",
        re.compile(
            r"\b(møteprotokoll|protokoll|saksframlegg|saksfremlegg|møteinnkalling|"
            r"saksutredning|innstilling\s+til)\b",
            re.I,
        ),
    ),
    ("temaplan", re.compile(r"\b(temaplan|handlingsplan|delplan|strategiplan|strategi\s+for)\b", re.I)),
]
LABELS = {
    "boligsosial_handlingsplan": "Boligsosial handlingsplan",
    "boligplan": "Boligplan/boligprogram",
    "kommuneplan_samfunnsdel": "Kommuneplanens samfunnsdel",
    "temaplan": "Annen temaplan",
    "saksdokument": "Saksdokument/møtedokument",
    "annet": "Annet",
}
PERIOD = re.compile(r"(?:(?:for\s+)?perioden\s+)?\b((?:19|20)\d\d)\s*(?:[–\-—/]|til|to)\s*((?:19|20)?\d\d)\b", re.I)
ADOPTED = re.compile(
    r"\b(vedtatt|vedteke|vedtatt\s+av|vedteke\s+av|godkjent|godkjend)\s+(?:i|av)?\s*"
    r"(kommunestyret|bystyret|heradsstyret|formannskapet|kommunestyre|bystyre|heradsstyre)?\s*"
    r"(?:i\s+møte\s+)?(?:den\s+)?(\d{1,2})\.\s*(\d{1,2}|januar|februar|mars|april|mai|juni|juli|august|september|"
    r"oktober|november|desember)\.?\s*(\d{4})",
    re.I,
)
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}


@dataclass
class Metadata:
    title: str | None = None
    language: str = "nb"
    language_evidence: dict[str, int] = field(default_factory=dict)
    doc_type: str = "annet"
    doc_type_evidence: list[dict[str, str]] = field(default_factory=list)
    period_start: int | None = None
    period_end: int | None = None
    adopted_date: date | None = None
    adopted_by: str | None = None


# Titles that authoring tools write by themselves: they name the software or a template, not the plan.
GENERIC_TITLES = re.compile(
    r"^(?:microsoft\s+(?:word|powerpoint|excel)\b.*|word\s+document|dokument\d*|document\d*|untitled.*|"
    r"uten\s+tittel|ingen\s+tittel|presentasjon\d*|powerpoint\s+presentation|pdf|title|tittel|"
    r"[\w\s.-]+\.(?:docx?|odt|pdf|rtf|pptx?))$",
    re.IGNORECASE,
)


def guess_title(pages: list[str], pdf_title: str | None = None) -> str | None:
    if pdf_title:
        candidate = re.sub(r"^microsoft\s+word\s+-\s+", "", pdf_title.strip(), flags=re.IGNORECASE)
        filename = re.fullmatch(r"[\w.-]+\.(?:docx?|odt|pdf|rtf|pptx?)", candidate, flags=re.IGNORECASE)
        candidate = re.sub(r"\.(?:docx?|odt|rtf)$", "", candidate, flags=re.IGNORECASE).strip()
        if not filename and len(candidate) > 4 and not GENERIC_TITLES.match(candidate):
            return candidate[:300]
    for page in pages[:2]:
        for line in page.split("\n"):
            line = line.strip()
            if 6 <= len(line) <= 200 and re.search(r"[a-zæøå]", line, re.I):
                return line
    return None


def classify(title: str | None, pages: list[str], filename: str | None = None) -> tuple[str, list[dict[str, str]]]:
    """Title first (strongest evidence), then the first pages; the evidence names where the match was."""
    sources = [("tittel", title or ""), ("filnavn", filename or ""), ("side 1", pages[0][:3000] if pages else "")]
    if len(pages) > 1:
        sources.append(("side 2", pages[1][:3000]))
    for doc_type, pattern in DOC_TYPES:
        for where, text in sources:
            m = pattern.search(text)
            if m:
                start = max(0, m.start() - 40)
                return doc_type, [{"kilde": where, "treff": m.group(0), "utdrag": text[start : m.end() + 60].strip()}]
    return "annet", [{"kilde": "ingen", "treff": "", "utdrag": "ingen kjent plantype i tittel eller første sider"}]


def find_period(title: str | None, pages: list[str]) -> tuple[int | None, int | None]:
    for text in [title or "", *[p[:4000] for p in pages[:3]]]:
        for m in PERIOD.finditer(text):
            a, b = int(m.group(1)), m.group(2)
            end = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
            if a <= end <= a + 20:
                return a, end
    return None, None


def find_adoption(pages: list[str]) -> tuple[date | None, str | None]:
    for text in pages[:4] + pages[-2:]:
        m = ADOPTED.search(text)
        if m:
            month = m.group(4).lower()
            mon = int(month) if month.isdigit() else MONTHS[month]
            try:
                when = date(int(m.group(5)), mon, int(m.group(3)))
            except ValueError:
                continue
            organ = (m.group(2) or "").lower() or None
            return when, organ
    return None, None


def extract_metadata(pages: list[str], pdf_title: str | None = None, filename: str | None = None) -> Metadata:
    meta = Metadata()
    meta.title = guess_title(pages, pdf_title)
    meta.language, meta.language_evidence = detect_language(" ".join(p[:5000] for p in pages[:20]))
    meta.doc_type, meta.doc_type_evidence = classify(meta.title, pages, filename)
    meta.period_start, meta.period_end = find_period(meta.title, pages)
    meta.adopted_date, meta.adopted_by = find_adoption(pages)
    return meta
