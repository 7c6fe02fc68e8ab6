"""Elasticsearch / OpenSearch backend (`es` extra): the same query language and results as FTS5.

Spoken through opensearch-py, which talks to OpenSearch 1–2 and to Elasticsearch 7–8 alike (the official
Elasticsearch client refuses any server that is not Elastic's). The tests run it against a real OpenSearch
2.19 node (tools/search-node); the REST calls used here — index with aliases, bulk, search with collapse and
aggregations — are the same on Elasticsearch.

Index layout: versioned physical indices `boligarkiv-pages-<n>` behind the alias `boligarkiv-pages`, so a
rebuild fills a fresh index and swaps the alias in one atomic action. Norwegian analysis on `text`
(standard tokenizer, lowercase, Norwegian stop words, `light_norwegian` stemmer), an unstemmed `text.exact`
for phrases and prefixes, a `lemmas` field from nlp/ (whitespace-separated lemmas), keyword fields for
filters and facets. Results collapse by document with inner hits for the best pages.
"""

from __future__ import annotations

import time
from typing import Any

from boligarkiv.index.fts import TYPE_ALIASES, key
from boligarkiv.index.query import Filter, Phrase, Prefix, Query, QuerySyntaxError, Term, Word
from boligarkiv.index.records import DocumentHit, PageRecord, SearchResult
from boligarkiv.index.textmatch import Matcher, lemmas_of, phrase_lemmas

ALIAS = "boligarkiv-pages"

SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "analysis": {
        "filter": {
            "norwegian_stop": {"type": "stop", "stopwords": "_norwegian_"},
            "norwegian_light": {"type": "stemmer", "language": "light_norwegian"},
        },
        "analyzer": {
            "norwegian_text": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "norwegian_stop", "norwegian_light"],
            },
            # Exact: lowercase only; æ, ø, å are kept (no ASCII folding: «får» is not «far»).
            "exact_text": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
            "lemma_text": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        },
    },
}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "sha256": {"type": "keyword"},
        "page": {"type": "integer"},
        "text": {
            "type": "text",
            "analyzer": "norwegian_text",
            "fields": {"exact": {"type": "text", "analyzer": "exact_text", "index_prefixes": {}}},
        },
        "lemmas": {"type": "text", "analyzer": "lemma_text"},
        "kommune_nummer": {"type": "keyword"},
        "kommune_navn": {"type": "keyword"},
        "kommune_key": {"type": "keyword"},
        "fylke": {"type": "keyword"},
        "fylke_key": {"type": "keyword"},
        "fylkesnummer": {"type": "keyword"},
        "doc_type": {"type": "keyword"},
        "language": {"type": "keyword"},
        "year_start": {"type": "integer"},
        "year_end": {"type": "integer"},
        "title": {"type": "text", "analyzer": "norwegian_text", "fields": {"raw": {"type": "keyword"}}},
        "url": {"type": "keyword", "index": False},
        "signals": {"type": "keyword"},
        "flags": {"type": "keyword"},
    },
}


def term_query(term: Term) -> dict[str, Any]:
    if isinstance(term, Word):
        return {
            "bool": {
                "should": [
                    {"match": {"text.exact": {"query": term.text, "boost": 2.0}}},
                    {"match": {"text": {"query": term.text}}},
                    *[{"match": {"lemmas": {"query": lemma, "boost": 1.5}}} for lemma in sorted(lemmas_of(term.text))],
                ],
                "minimum_should_match": 1,
            }
        }
    if isinstance(term, Phrase):
        # The exact words, or the same lemmas in a row (other inflections), as in FTS5.
        should: list[dict[str, Any]] = [{"match_phrase": {"text.exact": " ".join(term.words)}}]
        should += [{"match_phrase": {"lemmas": seq}} for seq in phrase_lemmas(term.words)]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    if isinstance(term, Prefix):
        return {
            "bool": {
                "should": [{"prefix": {"text.exact": term.text}}, {"prefix": {"lemmas": term.text}}],
                "minimum_should_match": 1,
            }
        }
    raise TypeError(term)


def filter_query(f: Filter) -> dict[str, Any]:
    if f.field == "kommune":
        return (
            {"term": {"kommune_nummer": f.value.zfill(4)}}
            if f.value.isdigit()
            else {"term": {"kommune_key": key(f.value)}}
        )
    if f.field == "fylke":
        return (
            {"term": {"fylkesnummer": f.value.zfill(2)}} if f.value.isdigit() else {"term": {"fylke_key": key(f.value)}}
        )
    if f.field == "signal":
        return {"term": {"signals": f.value.lower()}}
    if f.field == "type":
        return {"term": {"doc_type": TYPE_ALIASES.get(f.value.lower(), f.value.lower())}}
    if f.field == "language":
        return {"term": {"language": f.value}}
    if f.field == "year":
        must = []
        if f.high is not None:
            must.append({"range": {"year_start": {"lte": f.high}}})
        if f.low is not None:
            must.append({"range": {"year_end": {"gte": f.low}}})
        return {"bool": {"filter": must}}
    raise QuerySyntaxError(f"Ukjent filter {f.field}")


# How many documents an excluded term may drop: under both the `terms` query's ceiling (65,536) and the
# engine's default bucket limit (65,535).
MAX_EXCLUDED_DOCUMENTS = 65_000


def excluded_documents_body(query: Query) -> dict[str, Any]:
    """The documents with an excluded term on any page: exclusion is per document, as on FTS5."""
    return {
        "size": 0,
        "query": {"bool": {"should": [term_query(t) for t in query.excluded], "minimum_should_match": 1}},
        "aggs": {"docs": {"terms": {"field": "sha256", "size": MAX_EXCLUDED_DOCUMENTS}}},
    }


def translate(query: Query, excluded_documents: list[str] | None = None) -> dict[str, Any]:
    """The AST as an Elasticsearch bool query (never the user's raw string)."""
    must = [{"bool": {"should": [term_query(t) for t in g], "minimum_should_match": 1}} for g in query.groups]
    must_not = [filter_query(f) for f in query.excluded_filters]
    if excluded_documents:
        must_not.append({"terms": {"sha256": excluded_documents}})
    return {
        "bool": {
            "must": must or [{"match_all": {}}],
            "filter": [filter_query(f) for f in query.filters],
            "must_not": must_not,
        }
    }


def search_body(
    query: Query, *, limit: int, offset: int, pages_per_doc: int, excluded_documents: list[str] | None = None
) -> dict[str, Any]:
    sort: list[Any] = (
        ["_score", {"sha256": "asc"}, {"page": "asc"}]
        if query.has_text
        else [{"year_end": {"order": "desc", "missing": "_last"}}, {"sha256": "asc"}, {"page": "asc"}]
    )
    return {
        "query": translate(query, excluded_documents),
        "from": offset,
        "size": limit,
        "sort": sort,
        "collapse": {
            "field": "sha256",
            "inner_hits": {"name": "pages", "size": pages_per_doc, "_source": ["page", "text", "language"]},
        },
        "_source": [
            "sha256",
            "page",
            "title",
            "kommune_nummer",
            "kommune_navn",
            "fylke",
            "doc_type",
            "language",
            "year_start",
            "year_end",
            "url",
            "signals",
        ],
        "track_total_hits": True,
        "aggs": {
            "documents": {"cardinality": {"field": "sha256", "precision_threshold": 40000}},
            "kommune": {
                "terms": {"field": "kommune_nummer", "size": 20},
                "aggs": {
                    "docs": {"cardinality": {"field": "sha256"}},
                    "navn": {"terms": {"field": "kommune_navn", "size": 1}},
                },
            },
            "fylke": {"terms": {"field": "fylke", "size": 20}, "aggs": {"docs": {"cardinality": {"field": "sha256"}}}},
            "type": {
                "terms": {"field": "doc_type", "size": 20},
                "aggs": {"docs": {"cardinality": {"field": "sha256"}}},
            },
            "språk": {
                "terms": {"field": "language", "size": 5},
                "aggs": {"docs": {"cardinality": {"field": "sha256"}}},
            },
            "signal": {
                "terms": {"field": "signals", "size": 20},
                "aggs": {"docs": {"cardinality": {"field": "sha256"}}},
            },
        },
    }


class EsBackend:
    name = "elasticsearch"

    def __init__(self, url: str, alias: str = ALIAS) -> None:
        from opensearchpy import OpenSearch

        self.es = OpenSearch([url], timeout=60, retry_on_timeout=True, max_retries=3)
        self.alias = alias
        self._buffer: list[dict[str, Any]] = []
        self._buffered: set[str] = set()  # documents written since the last refresh
        self._fresh = False  # the index was created empty by this object: no old pages to delete
        self.ensure()

    def _physical(self) -> str | None:
        if not self.es.indices.exists_alias(name=self.alias):
            return None
        return next(iter(self.es.indices.get_alias(name=self.alias)))

    def ensure(self) -> None:
        if self._physical() is None:
            name = f"{self.alias}-{int(time.time() * 1000)}"
            self.es.indices.create(index=name, body={"settings": SETTINGS, "mappings": MAPPINGS})
            self.es.indices.update_aliases(body={"actions": [{"add": {"index": name, "alias": self.alias}}]})
            self._fresh = True

    def reset(self) -> None:
        """Create a fresh index and swap the alias to it atomically; the old index is then removed."""
        old = self._physical()
        name = f"{self.alias}-{int(time.time() * 1000)}"
        self.es.indices.create(index=name, body={"settings": SETTINGS, "mappings": MAPPINGS})
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        self.es.indices.update_aliases(body={"actions": actions})
        if old:
            self.es.indices.delete(index=old)
        self._fresh = True

    def replace_document(self, sha256: str, pages: list[PageRecord]) -> None:
        if sha256 in self._buffered:
            self.flush()  # its earlier pages must be searchable to be deleted
        if not self._fresh:
            # The document's old pages by id, deleted in the next bulk: delete-by-query needs the reindex
            # module, which a lean node (and some managed services) do not have.
            old = self.es.search(
                index=self.alias, body={"query": {"term": {"sha256": sha256}}, "_source": False, "size": 10_000}
            )
            for h in old["hits"]["hits"]:
                self._buffer.append({"_op_type": "delete", "_index": self.alias, "_id": h["_id"]})
        self._buffered.add(sha256)
        for p in pages:
            doc = dict(p.__dict__)
            doc["kommune_key"] = key(p.kommune_navn)
            doc["fylke_key"] = key(p.fylke)
            self._buffer.append({"_index": self.alias, "_id": f"{sha256}:{p.page}", "_source": doc})
        if len(self._buffer) >= 2000:
            self._send()

    def flush(self) -> None:
        self._send()
        self.es.indices.refresh(index=self.alias)
        self._buffered.clear()

    def _send(self) -> None:
        from opensearchpy import helpers

        if self._buffer:
            for ok, info in helpers.streaming_bulk(
                self.es, self._buffer, max_retries=5, initial_backoff=1, raise_on_error=False, chunk_size=500
            ):
                if not ok and info.get("delete", {}).get("status") != 404:
                    raise RuntimeError(f"Elasticsearch bulk indexing failed: {info}")
            self._buffer.clear()

    def count_pages(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def search(self, query: Query, *, limit: int = 10, offset: int = 0, pages_per_doc: int = 3) -> SearchResult:
        dropped: list[str] = []
        if query.excluded:
            agg = self.es.search(index=self.alias, body=excluded_documents_body(query))
            dropped = [b["key"] for b in agg["aggregations"]["docs"]["buckets"]]
        body = search_body(query, limit=limit, offset=offset, pages_per_doc=pages_per_doc, excluded_documents=dropped)
        res = self.es.search(index=self.alias, body=body)
        matcher = Matcher.for_query(query)
        hits = []
        for h in res["hits"]["hits"]:
            src = h["_source"]
            inner = [i["_source"] for i in h["inner_hits"]["pages"]["hits"]["hits"]]
            hits.append(
                DocumentHit(
                    sha256=src["sha256"],
                    score=round(float(h.get("_score") or 0.0), 4),
                    title=src.get("title"),
                    kommune_nummer=src.get("kommune_nummer"),
                    kommune_navn=src.get("kommune_navn"),
                    fylke=src.get("fylke"),
                    doc_type=src.get("doc_type"),
                    language=src.get("language"),
                    year_start=src.get("year_start"),
                    year_end=src.get("year_end"),
                    url=src.get("url"),
                    signals=src.get("signals") or [],
                    pages=[matcher.snippet(i["page"], i["text"], i.get("language")) for i in inner],
                )
            )
        aggs = res["aggregations"]
        facets: dict[str, list[tuple[str, int]]] = {}
        for name in ("kommune", "fylke", "type", "språk", "signal"):
            buckets = aggs[name]["buckets"]
            if name == "kommune":
                facets[name] = [
                    (
                        f"{b['key']} {b['navn']['buckets'][0]['key'] if b['navn']['buckets'] else ''}".strip(),
                        int(b["docs"]["value"]),
                    )
                    for b in buckets
                ]
            else:
                facets[name] = [(b["key"], int(b["docs"]["value"])) for b in buckets]
            facets[name].sort(key=lambda kv: (-kv[1], kv[0]))
        return SearchResult(
            total_documents=int(aggs["documents"]["value"]),
            total_pages=int(res["hits"]["total"]["value"]),
            hits=hits,
            facets=facets,
            backend=self.name,
        )
