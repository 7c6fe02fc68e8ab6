"""What goes into an index (one record per page) and what comes out of a search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from boligarkiv.index.query import Query


@dataclass
class PageRecord:
    sha256: str
    page: int
    text: str
    lemmas: str
    kommune_nummer: str | None
    kommune_navn: str | None
    fylke: str | None
    fylkesnummer: str | None
    doc_type: str | None
    language: str | None
    year_start: int | None
    year_end: int | None
    title: str | None
    url: str | None
    signals: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class PageHit:
    page: int
    snippet: str
    marks: list[tuple[int, int]]  # highlighted spans within the snippet

    def html(self) -> str:
        import html as _html

        out, pos = [], 0
        for s, e in self.marks:
            out.append(_html.escape(self.snippet[pos:s]))
            out.append(f"<mark>{_html.escape(self.snippet[s:e])}</mark>")
            pos = e
        out.append(_html.escape(self.snippet[pos:]))
        return "".join(out)


@dataclass
class DocumentHit:
    sha256: str
    score: float
    title: str | None
    kommune_nummer: str | None
    kommune_navn: str | None
    fylke: str | None
    doc_type: str | None
    language: str | None
    year_start: int | None
    year_end: int | None
    url: str | None
    signals: list[str]
    pages: list[PageHit]


@dataclass
class SearchResult:
    total_documents: int
    total_pages: int
    hits: list[DocumentHit]
    facets: dict[str, list[tuple[str, int]]]
    backend: str
    estimate: bool = False  # more matched than were grouped: totals are «at least», facets from the best pages

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "estimate": self.estimate,
            "total_documents": self.total_documents,
            "total_pages": self.total_pages,
            "hits": [
                {
                    **{k: v for k, v in h.__dict__.items() if k != "pages"},
                    "pages": [
                        {"page": p.page, "snippet": p.snippet, "marks": p.marks, "html": p.html()} for p in h.pages
                    ],
                }
                for h in self.hits
            ],
            "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in self.facets.items()},
        }


class SearchBackend(Protocol):
    name: str

    def reset(self) -> None: ...

    def replace_document(self, sha256: str, pages: list[PageRecord]) -> None: ...

    def flush(self) -> None: ...

    def search(self, query: Query, *, limit: int = 10, offset: int = 0, pages_per_doc: int = 3) -> SearchResult: ...

    def count_pages(self) -> int: ...
