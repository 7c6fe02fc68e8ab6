"""The query language parser and its translation to FTS5 and Elasticsearch (no server needed)."""

from __future__ import annotations

import json

import pytest

from boligarkiv.index.es import MAPPINGS, SETTINGS, excluded_documents_body, search_body, translate
from boligarkiv.index.fts import FtsBackend
from boligarkiv.index.query import Filter, Phrase, Prefix, QuerySyntaxError, Word, parse_query


def test_parse_everything() -> None:
    q = parse_query(
        'boligsosial "leie til eie" startlån OR bostøtte -deleie utleie* kommune:Bergen '
        'fylke:"Møre og Romsdal" signal:leie_til_eie type:boligplan språk:nn år:2020..2024 -kommune:0301'
    )
    assert q.groups == [
        [Word("boligsosial")],
        [Phrase(("leie", "til", "eie"))],
        [Word("startlån"), Word("bostøtte")],
        [Prefix("utleie")],
    ]
    assert q.excluded == [Word("deleie")]
    assert Filter("fylke", "Møre og Romsdal") in q.filters
    assert Filter("year", "2020..2024", 2020, 2024) in q.filters
    assert Filter("language", "nn") in q.filters
    assert q.excluded_filters == [Filter("kommune", "0301")]
    assert parse_query("år:2021").filters == [Filter("year", "2021", 2021, 2021)]
    assert parse_query("år:2020..").filters == [Filter("year", "2020..", 2020, None)]
    assert parse_query("leie-til-eie").groups == [[Phrase(("leie", "til", "eie"))]]
    assert parse_query("sprak:nynorsk").filters == [Filter("language", "nn")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"leie til eie', "anførselstegn"),
        ("OR bolig", "mellom to søkeord"),
        ("bolig OR", "mellom to søkeord"),
        ("foo:bar", "Ukjent filter"),
        ("kommune:", "mangler en verdi"),
        ("år:2025..2020", "baklengs"),
        ("år:tjue", "Ugyldig år"),
        ("språk:sv", "Ukjent språk"),
        ("-bolig", "bare utelate"),
        ("b*", "minst to bokstaver"),
        ("bo*lig", "til slutt"),
    ],
)
def test_bad_syntax_has_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(text)


def test_fts_match_expression_uses_text_and_both_lemmas() -> None:
    q = parse_query('boligene "kommunale utleieboliger" start* -deleie')
    expr = FtsBackend.match_expression(q)
    assert 'text : "boligene"' in expr and 'lemmas : "bolig"' in expr
    assert 'text : "kommunale utleieboliger"' in expr
    assert 'text : "start" *' in expr
    # «-deleie» is taken out per document after the match, so the page expression does not carry it; the
    # exclusion's own expression searches its lemma (its own lemma: the lemma column suffices).
    assert "deleie" not in expr
    assert FtsBackend.term_match(q.excluded[0]) == '(lemmas : "deleie")'


def test_es_mapping_has_norwegian_analysis_and_exact_and_lemma_fields() -> None:
    filters = SETTINGS["analysis"]["filter"]
    assert filters["norwegian_light"] == {"type": "stemmer", "language": "light_norwegian"}
    assert filters["norwegian_stop"]["stopwords"] == "_norwegian_"
    assert SETTINGS["analysis"]["analyzer"]["norwegian_text"]["tokenizer"] == "standard"
    assert "asciifolding" not in json.dumps(SETTINGS)  # æ, ø, å stay distinct
    props = MAPPINGS["properties"]
    assert (
        props["text"]["analyzer"] == "norwegian_text" and props["text"]["fields"]["exact"]["analyzer"] == "exact_text"
    )
    assert props["lemmas"]["analyzer"] == "lemma_text"
    for kw in ("sha256", "kommune_nummer", "fylke", "doc_type", "language", "signals", "flags"):
        assert props[kw]["type"] == "keyword"


def test_es_translation() -> None:
    q = parse_query('"leie til eie" bolig OR bustad -deleie kommune:4601 fylke:Vestland år:2020..2024 -type:annet')
    body = translate(q)["bool"]
    phrase = body["must"][0]["bool"]["should"][0]["bool"]
    assert phrase["minimum_should_match"] == 1
    assert phrase["should"][0] == {"match_phrase": {"text.exact": "leie til eie"}}  # the exact words …
    assert {"match_phrase": {"lemmas": "leie til eie"}} in phrase["should"]  # … or the same lemmas in a row
    lemma_clause = json.dumps(body["must"][1], ensure_ascii=False)
    assert '"lemmas": {"query": "bolig"' in lemma_clause and '"lemmas": {"query": "bustad"' in lemma_clause
    assert {"term": {"kommune_nummer": "4601"}} in body["filter"]
    assert {"term": {"fylke_key": "vestland"}} in body["filter"]
    assert {
        "bool": {"filter": [{"range": {"year_start": {"lte": 2024}}}, {"range": {"year_end": {"gte": 2020}}}]}
    } in body["filter"]
    assert {"term": {"doc_type": "annet"}} in body["must_not"]
    # «-deleie» drops whole documents: first the documents with the word on any page, then those ids.
    excluded = json.dumps(excluded_documents_body(q)["query"], ensure_ascii=False)
    assert "deleie" in excluded and "deleie" not in json.dumps(body["must_not"], ensure_ascii=False)
    assert {"terms": {"sha256": ["a" * 64]}} in translate(q, ["a" * 64])["bool"]["must_not"]
    full = search_body(q, limit=10, offset=20, pages_per_doc=3)
    assert full["collapse"]["field"] == "sha256" and full["collapse"]["inner_hits"]["size"] == 3
    assert full["from"] == 20 and set(full["aggs"]) >= {"kommune", "fylke", "type", "språk", "signal", "documents"}
    assert translate(parse_query("kommune:Bergen"))["bool"]["must"] == [{"match_all": {}}]


def test_docker_compose_joins_postgres_search_and_workers() -> None:
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).parent.parent / "docker-compose.yml").read_text())
    services = compose["services"]
    search = services["opensearch"]
    assert "discovery.type=single-node" in search["environment"]
    for name in ("opensearch", "postgres"):
        assert all(p.startswith("127.0.0.1:") for p in services[name]["ports"])  # not exposed beyond the machine
    for name in ("app", "pipeline", "web", "scheduler", "worker"):
        env = services[name]["environment"]
        assert env["BOLIGARKIV_ES_URL"] == "http://opensearch:9200"
        assert (
            env["BOLIGARKIV_DATABASE_URL"].startswith("postgresql+psycopg://")
            and "@postgres:5432/" in env["BOLIGARKIV_DATABASE_URL"]
        )
        assert env["BOLIGARKIV_BLOBS_DIR"] == "/blobs" and "blobs:/blobs" in services[name]["volumes"]
    assert "analyse" in " ".join(services["worker"]["command"])


def test_filters_count_against_the_query_limit() -> None:
    with pytest.raises(QuerySyntaxError, match="for mange"):
        parse_query(" ".join(["år:1990..2060"] * 200))
    with pytest.raises(QuerySyntaxError, match="for mange"):
        parse_query("bolig " + " ".join(f"kommune:{n}" for n in range(40)))
    assert parse_query("bolig " + " ".join(["år:2020..2024"] * 39)).filters


def test_norwegian_operators_and_unknown_signals() -> None:
    q = parse_query("bolig ELLER bustad IKKE deleie OG startlån IKKE kommune:0301")
    assert [[t.text for t in g] for g in q.groups] == [["bolig", "bustad"], ["startlån"]]  # type: ignore[attr-defined]
    assert [t.text for t in q.excluded] == ["deleie"]  # type: ignore[attr-defined]
    assert [f.value for f in q.excluded_filters] == ["0301"]
    assert parse_query("signal:Startlån bolig").filters[0].value == "startlan"  # the label works too
    with pytest.raises(QuerySyntaxError, match=r"Ukjent signal «tredjesektor».*tredje_boligsektor"):
        parse_query("signal:tredjesektor bolig")
    with pytest.raises(QuerySyntaxError, match="IKKE må stå foran"):
        parse_query("bolig IKKE")
