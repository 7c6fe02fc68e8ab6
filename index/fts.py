"""Embedded search: SQLite FTS5 inside the archive database.

FTS5 has no Norwegian stemmer, so each page is indexed twice: its exact text and a lemma column produced by
nlp/ (both written standards handled at query time). The tokenizer keeps æ, ø, å distinct
(`remove_diacritics 0`): «får» is not «far». Metadata for filters and facets sits in `search_page`, joined
on rowid. These tables are a derived index, created here rather
than in the archive migrations, and rebuilt from the archive at will.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from typing import Any

from sqlalchemy import Engine, text

from boligarkiv.index.query import Filter, Phrase, Prefix, Query, QuerySyntaxError, SearchUnavailable, Term, Word
from boligarkiv.index.records import DocumentHit, PageRecord, SearchResult
from boligarkiv.index.textmatch import Matcher, lemmas_of, phrase_lemmas

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS search_page (
        id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, page INTEGER NOT NULL,
        kommune_nummer TEXT, kommune_navn TEXT, fylke TEXT, fylkesnummer TEXT,
        doc_type TEXT, language TEXT, year_start INTEGER, year_end INTEGER, title TEXT, url TEXT,
        signals TEXT, flags TEXT, UNIQUE (sha256, page))""",
    "CREATE INDEX IF NOT EXISTS ix_search_page_sha ON search_page (sha256)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        text, lemmas, facets, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')""",
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
LAYOUT = "fts-3"  # bump when the tables below change: existing indexes are then rebuilt
MAX_CANDIDATE_PAGES = 1_000  # pages grouped for hits, totals and facets; past it, totals are «at least»
YEAR_SPAN = (1990, 2060)
INSERT_PAGE = (
    "INSERT INTO search_page (sha256, page, kommune_nummer, kommune_navn, fylke, fylkesnummer, doc_type, language,"
    " year_start, year_end, title, url, signals, flags) VALUES (:sha256, :page, :kn, :navn, :fylke, :fnr, :type, :lang,"
    " :ys, :ye, :title, :url, :signals, :flags) RETURNING id"
)


def key(value: str | None) -> str:
    """Case-folded name without the seeds' disambiguation: «Våler (Innlandet)» → «våler»."""
    return re.sub(r"\s*\(.*\)\s*$", "", value or "").casefold().strip()


def token(prefix: str, value: str | None) -> str:
    """A filter value as one FTS token: letters and digits only («Møre og Romsdal» → fymøreogromsdal)."""
    return prefix + re.sub(r"[\W_]+", "", key(value))


def facet_tokens(p: PageRecord) -> str:
    toks = [
        token("kn", p.kommune_nummer),
        token("km", p.kommune_navn),
        token("fy", p.fylke),
        token("fn", p.fylkesnummer),
        token("dt", p.doc_type),
        token("lg", p.language),
    ]
    toks += [token("sg", s) for s in p.signals]
    if p.year_start:
        end = p.year_end or p.year_start
        toks += [f"yr{y}" for y in range(max(p.year_start, YEAR_SPAN[0]), min(end, YEAR_SPAN[1]) + 1)]
    return " ".join(t for t in toks if len(t) > 2)


def _q(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


# Columns of a candidate row (plain tuples: thousands per query).
C_ID, C_SHA, C_PAGE, C_KNR, C_KNAVN, C_FYLKE, C_TYPE, C_LANG, C_SIGNALS, C_RANK = range(10)


class FtsBackend:
    name = "sqlite-fts5"

    def __init__(self, engine: Engine, *, write: bool = False) -> None:
        """`write=True` only in the index stage: it alone creates, migrates or drops the index tables.
        The search path opens the index read-only and says so when it must be rebuilt."""
        if engine.dialect.name != "sqlite":
            raise RuntimeError("Det innebygde søket (FTS5) krever SQLite; sett BOLIGARKIV_ES_URL for Elasticsearch")
        self.engine = engine
        self.needs_full_reindex = False
        if not write:
            with engine.connect() as conn:
                has_meta = conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_meta'"
                ).scalar()
                layout = (
                    conn.exec_driver_sql("SELECT value FROM search_meta WHERE key = 'layout'").scalar()
                    if has_meta
                    else None
                )
            self.ready = layout == LAYOUT
            return
        self.ready = True
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT)")
            layout = conn.exec_driver_sql("SELECT value FROM search_meta WHERE key = 'layout'").scalar()
            if layout != LAYOUT:
                # A derived index from another layout (or none): drop it and let the index stage rebuild it.
                # (search_signal belonged to layout fts-2.)
                for table in ("search_fts", "search_page", "search_signal"):
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
                conn.exec_driver_sql("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('layout', ?)", (LAYOUT,))
                self.needs_full_reindex = True
            for stmt in SCHEMA:
                conn.exec_driver_sql(stmt)

    # --- writing ------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM search_fts")
            conn.exec_driver_sql("DELETE FROM search_page")

    def replace_document(self, sha256: str, pages: list[PageRecord]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_page WHERE sha256 = :s)"),
                {"s": sha256},
            )
            conn.execute(text("DELETE FROM search_page WHERE sha256 = :s"), {"s": sha256})
            for p in pages:
                row = conn.execute(
                    text(INSERT_PAGE),
                    {
                        "sha256": p.sha256,
                        "page": p.page,
                        "kn": p.kommune_nummer,
                        "navn": p.kommune_navn,
                        "fylke": p.fylke,
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
                    text("INSERT INTO search_fts (rowid, text, lemmas, facets) VALUES (:id, :t, :l, :f)"),
                    {"id": row, "t": p.text, "l": p.lemmas, "f": facet_tokens(p)},
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
        """Every posting list named here is scored for every matching page, so name as few as needed."""
        if isinstance(term, Word):
            lemmas = sorted(lemmas_of(term.text))
            # A word that is its own lemma is found through the lemma column already.
            alts = [] if lemmas == [term.text] else [f"text : {_q(term.text)}"]
            alts += [f"lemmas : {_q(lemma)}" for lemma in lemmas]
            return "(" + " OR ".join(alts) + ")"
        if isinstance(term, Prefix):
            # Text only: a lemma starts with the same letters as the inflected word it comes from.
            return f"text : {_q(term.text)} *"
        if isinstance(term, Phrase):
            # The exact words, or the same lemmas in a row: «"tredje boligsektor"» finds «tredje boligsektoren».
            alts = ["text : " + _q(" ".join(term.words))]
            alts += ["lemmas : " + _q(seq) for seq in phrase_lemmas(term.words)]
            return "(" + " OR ".join(alts) + ")"
        raise TypeError(term)

    @staticmethod
    def filter_match(f: Filter) -> str:
        """A filter as an FTS5 expression on the facets column (posting lists, not a SQL join)."""
        if f.field == "kommune":
            tok = token("kn", f.value.zfill(4)) if f.value.isdigit() else token("km", f.value)
        elif f.field == "fylke":
            tok = token("fn", f.value.zfill(2)) if f.value.isdigit() else token("fy", f.value)
        elif f.field == "signal":
            tok = token("sg", f.value)
        elif f.field == "type":
            tok = token("dt", TYPE_ALIASES.get(f.value.lower(), f.value.lower()))
        elif f.field == "language":
            tok = token("lg", f.value)
        elif f.field == "year":
            low = max(f.low or YEAR_SPAN[0], YEAR_SPAN[0])
            high = min(f.high or YEAR_SPAN[1], YEAR_SPAN[1])
            if low > high:
                raise QuerySyntaxError("Årsintervallet ligger utenfor det arkivet dekker")
            return "(" + " OR ".join(f"facets : yr{y}" for y in range(low, high + 1)) + ")"
        else:
            raise QuerySyntaxError(f"Ukjent filter {f.field}")
        return f"facets : {_q(tok)}"

    @classmethod
    def match_expression(cls, query: Query) -> str | None:
        """The pages that match. Excluded *filters* are document attributes, so NOT on the page is NOT on the
        document; excluded *terms* are taken out per document afterwards (`excluded_documents`)."""
        parts = ["(" + " OR ".join(cls.term_match(t) for t in g) + ")" for g in query.groups]
        parts += [cls.filter_match(f) for f in query.filters]
        if not parts:
            return None
        expr = " AND ".join(parts)
        for f in query.excluded_filters:
            expr = f"({expr}) NOT {cls.filter_match(f)}"
        return expr

    def excluded_documents(self, conn: Any, query: Query) -> set[str]:
        """Documents with an excluded term on any page: «-deleie» drops the whole plan, not just the page."""
        if not query.excluded:
            return set()
        match = " OR ".join(self.term_match(t) for t in query.excluded)
        raw = conn.connection.driver_connection
        sql = (
            "SELECT DISTINCT p.sha256 FROM search_page p "
            "WHERE p.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :match)"
        )
        return {r[0] for r in raw.execute(sql, {"match": match}).fetchall()}

    # --- search --------------------------------------------------------------------------------------
    def search(self, query: Query, *, limit: int = 10, offset: int = 0, pages_per_doc: int = 3) -> SearchResult:
        if not self.ready:
            raise SearchUnavailable("Søkeindeksen er ikke bygget for denne versjonen ennå: kjør «boligarkiv index».")
        match = self.match_expression(query)
        if match is None:  # only exclusions: parse_query refuses those, but be safe
            raise QuerySyntaxError("Søket trenger et søkeord eller et filter")
        cols = "p.id, p.sha256, p.page, p.kommune_nummer, p.kommune_navn, p.fylke, p.doc_type, p.language, p.signals"
        # Rank inside FTS5 alone (its fast path), then fetch metadata for the best candidates only.
        order = "rank" if query.has_text else "rowid DESC"
        sql = (
            f"WITH c AS (SELECT rowid AS id, bm25(search_fts, 1.0, 0.7, 0.0) AS rank FROM search_fts "
            f"WHERE search_fts MATCH :match ORDER BY {order} LIMIT {MAX_CANDIDATE_PAGES + 1}) "
            f"SELECT {cols}, c.rank AS rank FROM c JOIN search_page p ON p.id = c.id ORDER BY "
            + ("c.rank" if query.has_text else "coalesce(p.year_end, p.year_start, 0) DESC, p.sha256, p.page")
        )
        with self.engine.connect() as conn:
            try:
                # The raw DB-API cursor: thousands of candidate rows as plain tuples, no ORM row objects.
                cursor = conn.connection.driver_connection.execute(sql, {"match": match})  # type: ignore[union-attr]
                rows: list[Any] = cursor.fetchall()
                dropped = self.excluded_documents(conn, query)
            except Exception as exc:  # an FTS syntax problem must never surface as a server error
                if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
                    raise QuerySyntaxError("Søket kunne ikke tolkes; prøv enklere ord eller fraser") from exc
                raise
            estimate = len(rows) > MAX_CANDIDATE_PAGES
            rows = [r for r in rows[:MAX_CANDIDATE_PAGES] if r[C_SHA] not in dropped]
            docs: OrderedDict[str, list[Any]] = OrderedDict()
            for r in rows:
                docs.setdefault(r[C_SHA], []).append(r)
            facets = self._facets(docs)
            chosen = list(docs.items())[offset : offset + limit]
            hits = self._hits(conn, query, chosen, pages_per_doc)
            # Past the cap, counting every match would be a second pass over the doclists: report «at least».
            total_pages = len(rows)
        return SearchResult(
            total_documents=len(docs),
            total_pages=total_pages,
            hits=hits,
            facets=facets,
            backend=self.name,
            estimate=estimate,
        )

    @staticmethod
    def _facets(docs: OrderedDict[str, list[Any]]) -> dict[str, list[tuple[str, int]]]:
        first = [pages[0] for pages in docs.values()]
        counters: dict[str, Counter[str]] = {
            "kommune": Counter(f"{r[C_KNR]} {r[C_KNAVN]}" for r in first if r[C_KNR]),
            "fylke": Counter(r[C_FYLKE] for r in first if r[C_FYLKE]),
            "type": Counter(r[C_TYPE] for r in first if r[C_TYPE]),
            "språk": Counter(r[C_LANG] for r in first if r[C_LANG]),
            "signal": Counter(s for r in first for s in (r[C_SIGNALS] or "").split()),
        }
        return {k: c.most_common(20) for k, c in counters.items()}

    @staticmethod
    def _hits(conn: Any, query: Query, chosen: list[tuple[str, list[Any]]], pages_per_doc: int) -> list[DocumentHit]:
        if not chosen:
            return []
        matcher = Matcher.for_query(query)
        raw = conn.connection.driver_connection
        tops = {sha: pages[:pages_per_doc] for sha, pages in chosen}
        ids = [str(int(p[C_ID])) for top in tops.values() for p in top]
        texts = dict(raw.execute(f"SELECT rowid, text FROM search_fts WHERE rowid IN ({','.join(ids)})").fetchall())
        firsts = ",".join(str(int(top[0][C_ID])) for top in tops.values())
        meta = {
            r[0]: r[1:]
            for r in raw.execute(
                f"SELECT sha256, title, url, year_start, year_end FROM search_page WHERE id IN ({firsts})"
            ).fetchall()
        }
        hits = []
        for sha, top in tops.items():
            first = top[0]
            title, url, year_start, year_end = meta[sha]
            hits.append(
                DocumentHit(
                    sha256=sha,
                    score=round(-float(first[C_RANK] or 0.0), 6),
                    title=title,
                    kommune_nummer=first[C_KNR],
                    kommune_navn=first[C_KNAVN],
                    fylke=first[C_FYLKE],
                    doc_type=first[C_TYPE],
                    language=first[C_LANG],
                    year_start=year_start,
                    year_end=year_end,
                    url=url,
                    signals=(first[C_SIGNALS] or "").split(),
                    pages=[matcher.snippet(p[C_PAGE], texts.get(p[C_ID], ""), p[C_LANG]) for p in top],
                )
            )
        return hits
