"""The user query language, parsed into a small AST that each backend translates itself.

    boligsosial "leie til eie" startlån OR bostøtte -deleie utleie* kommune:Bergen fylke:"Møre og Romsdal"
    signal:leie_til_eie type:boligsosial_handlingsplan språk:nn år:2020..2024 -kommune:0301

Words, "exact phrases", OR between two terms (binds tighter than the implicit AND), -exclusion of a term or
a filter, prefix* and filters. The Norwegian operators work too: ELLER for OR, IKKE before a term or filter
for -, and OG (the implicit AND) is accepted and ignored. Errors raise QuerySyntaxError with a message for
the user, never reach an engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILTER_FIELDS = {
    "kommune": "kommune",
    "fylke": "fylke",
    "signal": "signal",
    "type": "type",
    "språk": "language",
    "sprak": "language",
    "lang": "language",
    "år": "year",
    "ar": "year",
    "year": "year",
}
LANGUAGES = {"nb": "nb", "bokmål": "nb", "bokmal": "nb", "nn": "nn", "nynorsk": "nn"}
MAX_TERMS = 40


class SearchUnavailable(ValueError):
    """The index cannot answer (not built, or built by another layout); only the index stage may fix it."""


class QuerySyntaxError(ValueError):
    """A query the user must correct; the message is shown as it is."""


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    text: str


Term = Word | Phrase | Prefix


@dataclass(frozen=True)
class Filter:
    field: str  # kommune, fylke, signal, type, language, year
    value: str = ""
    low: int | None = None  # year ranges
    high: int | None = None


@dataclass
class Query:
    """AND of `groups` (each an OR of terms), minus `excluded` terms; `filters` and `excluded_filters` restrict."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    excluded_filters: list[Filter] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    def positive_terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


TOKEN = re.compile(r'\s*(?:(-)?(?:([\wæøåÆØÅ]+):(?:"([^"]*)"|([^\s"]+))|"([^"]*)"|([^\s"]+)))', re.UNICODE)
WORD = re.compile(r"^[\wæøåÆØÅéüäö.'’-]+\*?$", re.UNICODE)


def _term(raw: str, quoted: bool) -> Term | None:
    if quoted:
        words = tuple(w for w in re.findall(r"[\wæøåÆØÅéüäö]+", raw.lower()))
        if not words:
            return None
        return Phrase(words) if len(words) > 1 else Word(words[0])
    text = raw.lower().strip(".,;:!?()[]{}'’")
    if not text:
        return None
    if text.endswith("*"):
        stem = text.rstrip("*")
        if len(stem) < 2 or not re.fullmatch(r"[\wæøåéüäö-]+", stem):
            raise QuerySyntaxError(f"Prefikssøk trenger minst to bokstaver før *: «{raw}»")
        return Prefix(stem)
    if "*" in text:
        raise QuerySyntaxError(f"* kan bare stå til slutt i et ord: «{raw}»")
    parts = re.findall(r"[\wæøåéüäö]+", text)
    if not parts:
        return None
    return Phrase(tuple(parts)) if len(parts) > 1 else Word(parts[0])


def _filter(name: str, value: str) -> Filter:
    key = FILTER_FIELDS.get(name.lower())
    if key is None:
        known = ", ".join(sorted({k for k in FILTER_FIELDS if k not in ("sprak", "ar", "lang", "year")}))
        raise QuerySyntaxError(f"Ukjent filter «{name}:». Kjente filtre: {known}")
    value = value.strip()
    if not value:
        raise QuerySyntaxError(f"Filteret «{name}:» mangler en verdi")
    if key == "year":
        m = re.fullmatch(r"(\d{4})?\s*(?:\.\.|–|-)\s*(\d{4})?", value)
        if m and (m.group(1) or m.group(2)):
            low = int(m.group(1)) if m.group(1) else None
            high = int(m.group(2)) if m.group(2) else None
            if low and high and low > high:
                raise QuerySyntaxError(f"Årsintervallet «{value}» går baklengs")
            return Filter("year", value, low, high)
        if re.fullmatch(r"\d{4}", value):
            return Filter("year", value, int(value), int(value))
        raise QuerySyntaxError(f"Ugyldig år «{value}»: bruk for eksempel år:2021 eller år:2020..2024")
    if key == "language":
        lang = LANGUAGES.get(value.lower())
        if lang is None:
            raise QuerySyntaxError(f"Ukjent språk «{value}»: bruk nb eller nn")
        return Filter("language", lang)
    if key == "signal":
        # An unknown signal would silently find nothing: say which ones exist.
        from boligarkiv.lexicon import load_lexicon

        known = {sig.id: sig for sig in load_lexicon().signals}
        if value not in known:
            by_label = {sig.label.casefold(): sig.id for sig in known.values()}
            if value.casefold() in by_label:
                return Filter("signal", by_label[value.casefold()])
            raise QuerySyntaxError(f"Ukjent signal «{value}». Kjente signaler: {', '.join(sorted(known))}")
    return Filter(key, value)


def parse_query(text: str) -> Query:
    if text.count('"') % 2:
        raise QuerySyntaxError('Et anførselstegn mangler: fraser skrives «"slik som dette"»')
    query = Query()
    pending_or = False
    pending_not = False  # IKKE before the next term or filter
    pos = 0
    n_terms = 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QuerySyntaxError(f"Kunne ikke lese søket fra «{text[pos : pos + 20]}»")
        pos = m.end()
        neg, fname, fquoted, fplain, phrase, word = m.groups()
        if word is not None and not neg and word in ("OG", "AND"):
            continue  # the implicit AND, written out
        if word is not None and not neg and word in ("IKKE", "NOT"):
            if pending_not:
                raise QuerySyntaxError("IKKE må stå foran et søkeord eller filter")
            pending_not = True
            continue
        if word == "ELLER" and not neg:
            word = "OR"
        if pending_not:
            neg, pending_not = "-", False
        if fname is not None and (fquoted is not None or fplain is not None) and fname.lower() not in ("http", "https"):
            f = _filter(fname, fquoted if fquoted is not None else fplain)
            if pending_or:
                raise QuerySyntaxError("OR kan ikke stå foran et filter")
            # Filters count against the limit too: 200 × «år:1990..2060» cost 1.3 s of CPU per request.
            n_terms += 1
            if n_terms > MAX_TERMS:
                raise QuerySyntaxError(f"Søket har for mange ord og filtre (høyst {MAX_TERMS})")
            (query.excluded_filters if neg else query.filters).append(f)
            continue
        if word is not None and word == "OR" and not neg:
            if not query.groups or pending_or:
                raise QuerySyntaxError("OR må stå mellom to søkeord")
            pending_or = True
            continue
        if word is not None and word.endswith(":") and word[:-1].lstrip("-").lower() in FILTER_FIELDS:
            raise QuerySyntaxError(f"Filteret «{word.lstrip('-')}» mangler en verdi")
        if word is not None and word == "-":
            raise QuerySyntaxError("Et minus må stå rett foran ordet som skal utelates, uten mellomrom")
        raw = phrase if phrase is not None else (word if word is not None else f"{fname}:{fplain or ''}")
        term = _term(raw, phrase is not None)
        if term is None:
            continue
        n_terms += 1
        if n_terms > MAX_TERMS:
            raise QuerySyntaxError(f"Søket har for mange ord og filtre (høyst {MAX_TERMS})")
        if neg:
            if pending_or:
                raise QuerySyntaxError("OR kan ikke stå foran et utelatt ord")
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
            pending_or = False
        else:
            query.groups.append([term])
    if pending_or:
        raise QuerySyntaxError("OR må stå mellom to søkeord")
    if pending_not:
        raise QuerySyntaxError("IKKE må stå foran et søkeord eller filter")
    if not query.groups and not query.filters and (query.excluded or query.excluded_filters):
        raise QuerySyntaxError("Søket kan ikke bare utelate: legg til et søkeord eller et filter")
    return query
