"""Embedded search: SQLite FTS5 inside the archive database.

FTS5 has no Norwegian stemmer, so each page is indexed twice: its exact text and a lemma column produced by
nlp/ (both written standards handled at query time). The tokenizer keeps æ, ø, å distinct
(`remove_diacritics 0`): «får» is not «far». Metadata for filters and facets sits in `search_page`, joined
on rowid; signals per document in `search_signal`. These tables are a derived index, created here rather
than in the archive migrations, and rebuilt from the archive at will.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from typing import Any

from sqlalchemy import Engine, text

from index.query import Filter, Phrase, Prefix, Query, QuerySyntaxError, Term, Word
from index.records import DocumentHit, PageRecord, SearchResult
from index.textmatch import Matcher, lemmas_of

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS search_page (
        id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, page INTEGER NOT NULL,
        kommune_nummer TEXT, kommune_navn TEXT, kommune_key TEXT, fylke TEXT, fylke_key TEXT, fylkesnummer TEXT,
        doc_type TEXT, language TEXT, year_start INTEGER, year_end INTEGER, title TEXT, url TEXT,
        signals TEXT, flags TEXT, UNIQUE (sha256, page))""",
    "CREATE INDEX IF NOT EXISTS ix_search_page_sha ON search_page (sha256)",
    "CREATE INDEX IF NOT EXISTS ix_search_page_kommune ON search_page (kommune_nummer)",
    "CREATE INDEX IF NOT EXISTS ix_search_page_fylke ON search_page (fylke_key)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        text, lemmas, tokenize = 'unicode61 remove_diacritics 0')""",
    """CREATE TABLE IF NOT EXISTS search_signal (
        signal TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (signal, sha256)) WITHOUT ROWID""",
]
TYPE_ALIASES = {
    "boligsosial": "boligsosial_handlingsplan",
    "bustadsosial": "boligsosial_handlingsplan",
    "handlingsplan": "boligsosial_handlingsplan",
    "boligprogram": "boligplan",
    "bustadprogram": "boligplan",
    "samfunnsdel": "kommuneplan_samfunnsdel",
    "kommuneplan": "kommuneplan_samfunnsdel",
    "sak": "saksdokument",
    "møtedokument": "saksdokument",
}
MAX_CANDIDATE_PAGES = 20_000
INSERT_PAGE = (
    "INSERT INTO search_page (sha256, page, kommune_nummer, kommune_navn, kommune_key, fylke, fylke_key, fylkesnummer,"
    " doc_type, language, year_start, year_end, title, url, signals, flags) VALUES (:sha256, :page, :kn, :navn, :kkey,"
    " :fylke, :fkey, :fnr, :type, :lang, :ys, :ye, :title, :url, :signals, :flags) RETURNING id"
)


def key(value: str | None) -> str:
    """Case-folded name without the seeds' disambiguation: «Våler (Innlandet)» → «våler»."""
    return re.sub(r"\s*\(.*\)\s*$", "", value or "").casefold().strip()


def _q(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class FtsBackend:
    name = "sqlite-fts5"

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "sqlite":
            raise RuntimeError("Det innebygde søket (FTS5) krever SQLite; sett BOLIGARKIV_ES_URL for Elasticsearch")
        self.engine = engine
        with engine.begin() as conn:
            for stmt in SCHEMA:
                conn.exec_driver_sql(stmt)

    # --- writing ------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM search_fts")
            conn.exec_driver_sql("DELETE FROM search_page")
            conn.exec_driver_sql("DELETE FROM search_signal")

    def replace_document(self, sha256: str, pages: list[PageRecord]) -> None:
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(text("SELECT id FROM search_page WHERE sha256 = :s"), {"s": sha256})]
            if ids:
                conn.execute(
                    text("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_page WHERE sha256 = :s)"),
                    {"s": sha256},
                )
                conn.execute(text("DELETE FROM search_page WHERE sha256 = :s"), {"s": sha256})
            conn.execute(text("DELETE FROM search_signal WHERE sha256 = :s"), {"s": sha256})
            for p in pages:
                row = conn.execute(
                    text(INSERT_PAGE),
                    {
                        "sha256": p.sha256,
                        "page": p.page,
                        "kn": p.kommune_nummer,
                        "navn": p.kommune_navn,
                        "kkey": key(p.kommune_navn),
                        "fylke": p.fylke,
                        "fkey": key(p.fylke),
                        "fnr": p.fylkesnummer,
                        "type": p.doc_type,
                        "lang": p.language,
                        "ys": p.year_start,
                        "ye": p.year_end,
                        "title": p.title,
                        "url": p.url,
                        "signals": " ".join(p.signals),
                        "flags": " ".join(p.flags),
                    },
                ).scalar_one()
                conn.execute(
                    text("INSERT INTO search_fts (rowid, text, lemmas) VALUES (:id, :t, :l)"),
                    {"id": row, "t": p.text, "l": p.lemmas},
                )
            for s in sorted({s for p in pages for s in p.signals}):
                conn.execute(
                    text("INSERT OR IGNORE INTO search_signal (signal, sha256) VALUES (:g, :s)"), {"g": s, "s": sha256}
                )

    def flush(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def count_pages(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM search_page").scalar_one())

    # --- query translation ----------------------------------------------------------------------------
    @staticmethod
    def term_match(term: Term) -> str:
        if isinstance(term, Word):
            alts = [f"text : {_q(term.text)}"] + [f"lemmas : {_q(lemma)}" for lemma in sorted(lemmas_of(term.text))]
            return "(" + " OR ".join(alts) + ")"
        if isinstance(term, Prefix):
            return f"(text : {_q(term.text)} * OR lemmas : {_q(term.text)} *)"
        if isinstance(term, Phrase):
            return "text : " + _q(" ".join(term.words))
        raise TypeError(term)

    @classmethod
    def match_expression(cls, query: Query) -> str | None:
        if not query.groups:
            return None
        expr = " AND ".join("(" + " OR ".join(cls.term_match(t) for t in g) + ")" for g in query.groups)
        for term in query.excluded:
            expr = f"({expr}) NOT {cls.term_match(term)}"
        return expr

    @staticmethod
    def filter_sql(f: Filter, i: int, params: dict[str, Any]) -> str:
        p = f"f{i}"
        if f.field == "kommune":
            if f.value.isdigit():
                params[p] = f.value.zfill(4)
                return f"p.kommune_nummer = :{p}"
            params[p] = key(f.value)
            return f"p.kommune_key = :{p}"
        if f.field == "fylke":
            if f.value.isdigit():
                params[p] = f.value.zfill(2)
                return f"p.fylkesnummer = :{p}"
            params[p] = key(f.value)
            return f"p.fylke_key = :{p}"
        if f.field == "signal":
            params[p] = f.value.lower()
            return f"EXISTS (SELECT 1 FROM search_signal s WHERE s.signal = :{p} AND s.sha256 = p.sha256)"
        if f.field == "type":
            params[p] = TYPE_ALIASES.get(f.value.lower(), f.value.lower())
            return f"p.doc_type = :{p}"
        if f.field == "language":
            params[p] = f.value
            return f"p.language = :{p}"
        if f.field == "year":
            conds = []
            if f.high is not None:
                params[p + "h"] = f.high
                conds.append(f"p.year_start <= :{p}h")
            if f.low is not None:
                params[p + "l"] = f.low
                conds.append(f"coalesce(p.year_end, p.year_start) >= :{p}l")
            return "(" + " AND ".join(conds) + ")"
        raise QuerySyntaxError(f"Ukjent filter {f.field}")

    # --- search --------------------------------------------------------------------------------------
    def search(self, query: Query, *, limit: int = 10, offset: int = 0, pages_per_doc: int = 3) -> SearchResult:
        params: dict[str, Any] = {}
        where = []
        match = self.match_expression(query)
        for i, f in enumerate(query.filters):
            where.append(self.filter_sql(f, i, params))
        for i, f in enumerate(query.excluded_filters, start=len(query.filters)):
            where.append(f"NOT ({self.filter_sql(f, i, params)})")
        if match is None and query.excluded:
            params["excl"] = " OR ".join(self.term_match(t) for t in query.excluded)
            where.append("p.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :excl)")
        cols = "p.id, p.sha256, p.page, p.kommune_nummer, p.kommune_navn, p.fylke, p.doc_type, p.language"
        if match is not None:
            params["match"] = match
            sql = (
                f"SELECT {cols}, bm25(search_fts, 1.0, 0.7) AS rank FROM search_fts "
                f"JOIN search_page p ON p.id = search_fts.rowid WHERE search_fts MATCH :match"
            )
            if where:
                sql += " AND " + " AND ".join(where)
            sql += " ORDER BY rank"
        else:
            sql = f"SELECT {cols}, 0.0 AS rank FROM search_page p"
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY coalesce(p.year_end, p.year_start, 0) DESC, p.sha256, p.page"
        sql += f" LIMIT {MAX_CANDIDATE_PAGES}"
        with self.engine.connect() as conn:
            try:
                rows = conn.execute(text(sql), params).all()
            except Exception as exc:  # an FTS syntax problem must never surface as a server error
                if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
                    raise QuerySyntaxError("Søket kunne ikke tolkes; prøv enklere ord eller fraser") from exc
                raise
            docs: OrderedDict[str, list[Any]] = OrderedDict()
            for r in rows:
                docs.setdefault(r.sha256, []).append(r)
            facets = self._facets(conn, rows, docs)
            chosen = list(docs.items())[offset : offset + limit]
            hits = self._hits(conn, query, chosen, pages_per_doc)
        return SearchResult(
            total_documents=len(docs), total_pages=len(rows), hits=hits, facets=facets, backend=self.name
        )

    @staticmethod
    def _facets(conn: Any, rows: list[Any], docs: OrderedDict[str, list[Any]]) -> dict[str, list[tuple[str, int]]]:
        first = [pages[0] for pages in docs.values()]
        counters: dict[str, Counter[str]] = {
            "kommune": Counter(f"{r.kommune_nummer} {r.kommune_navn}" for r in first if r.kommune_nummer),
            "fylke": Counter(r.fylke for r in first if r.fylke),
            "type": Counter(r.doc_type for r in first if r.doc_type),
            "språk": Counter(r.language for r in first if r.language),
        }
        signal_counts: Counter[str] = Counter()
        shas = list(docs)
        for i in range(0, len(shas), 900):
            chunk = shas[i : i + 900]
            marks = ",".join(f":s{j}" for j in range(len(chunk)))
            for sig, n in conn.execute(
                text(f"SELECT signal, count(*) FROM search_signal WHERE sha256 IN ({marks}) GROUP BY signal"),
                {f"s{j}": s for j, s in enumerate(chunk)},
            ):
                signal_counts[sig] += n
        counters["signal"] = signal_counts
        return {k: c.most_common(20) for k, c in counters.items()}

    @staticmethod
    def _hits(conn: Any, query: Query, chosen: list[tuple[str, list[Any]]], pages_per_doc: int) -> list[DocumentHit]:
        matcher = Matcher.for_query(query)
        hits = []
        for sha, pages in chosen:
            top = pages[:pages_per_doc]
            ids = ",".join(str(int(p.id)) for p in top)
            texts = {
                r.rowid: r.text
                for r in conn.execute(text(f"SELECT rowid, text FROM search_fts WHERE rowid IN ({ids})"))
            }
            meta = conn.execute(
                text("SELECT title, url, year_start, year_end, signals FROM search_page WHERE id = :i"),
                {"i": top[0].id},
            ).one()
            first = top[0]
            hits.append(
                DocumentHit(
                    sha256=sha,
                    score=round(-float(first.rank), 6),
                    title=meta.title,
                    kommune_nummer=first.kommune_nummer,
                    kommune_navn=first.kommune_navn,
                    fylke=first.fylke,
                    doc_type=first.doc_type,
                    language=first.language,
                    year_start=meta.year_start,
                    year_end=meta.year_end,
                    url=meta.url,
                    signals=(meta.signals or "").split(),
                    pages=[matcher.snippet(p.page, texts.get(p.id, ""), p.language) for p in top],
                )
            )
        return hits
