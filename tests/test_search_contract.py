"""One contract for every search backend: SQLite FTS5 and a real OpenSearch node (or the Elasticsearch at
BOLIGARKIV_ES_URL) — the same queries and the same expectations.

The fixture corpus is analysed by the real NLP stage and indexed by the real index stage.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from boligarkiv.db import Archive
from boligarkiv.index.fts import FtsBackend
from boligarkiv.index.query import QuerySyntaxError, parse_query
from boligarkiv.index.records import SearchResult
from boligarkiv.index.stage import run_index
from boligarkiv.models import Document, Page
from boligarkiv.nlp.stage import run_analyse

CORPUS: list[dict[str, Any]] = [
    {
        "sha": "1" * 64,
        "kommune": "4601",
        "type": "boligsosial_handlingsplan",
        "lang": "nb",
        "period": (2021, 2025),
        "title": "Boligsosial handlingsplan 2021–2025 for Bergen kommune",
        "pages": [
            "Boligsosial handlingsplan for Bergen kommune.",
            "Kommunen skal etablere en leie-til-eie-modell. Boligene skal være rimelige boliger for unge.",
            "Startlån skal brukes aktivt. Kommunen får nye utleieboliger i 2024.",
        ],
    },
    {
        "sha": "2" * 64,
        "kommune": "4621",
        "type": "boligsosial_handlingsplan",
        "lang": "nn",
        "period": (2020, 2024),
        "title": "Bustadsosial handlingsplan for Voss herad",
        "pages": [
            "Bustadsosial handlingsplan for Voss herad.",
            "Kommunen eig 87 kommunale utleigebustader. Det skal byggjast nye utleigebustader.",
            "Kommunen vil prøve ut leige til eige saman med Husbanken.",
        ],
    },
    {
        "sha": "3" * 64,
        "kommune": "0301",
        "type": "boligplan",
        "lang": "nb",
        "period": (2016, 2019),
        "title": "Boligplan 2016–2019 for Oslo kommune",
        "pages": ["Boligplan for Oslo kommune. Far og mor leier bolig i sentrum.", "Det er ikke aktuelt med deleie."],
    },
    {
        "sha": "4" * 64,
        "kommune": "1506",
        "type": "saksdokument",
        "lang": "nb",
        "period": None,
        "title": "Protokoll kommunestyret Molde",
        "pages": ["Møteprotokoll. Sak 12/24 om vintervedlikehold av veier. Kommunen får ny brannbil."],
    },
]


def build_archive(archive: Archive) -> None:
    with archive.session() as s:
        for d in CORPUS:
            s.add(
                Document(
                    sha256=d["sha"],
                    kommune_nummer=d["kommune"],
                    mime="application/pdf",
                    size=1,
                    title=d["title"],
                    doc_type=d["type"],
                    language=d["lang"],
                    period_start=d["period"][0] if d["period"] else None,
                    period_end=d["period"][1] if d["period"] else None,
                    extract_version="extract-1",
                    first_url=f"https://example.kommune.no/{d['sha'][:4]}.pdf",
                )
            )
            s.flush()
            s.add_all(Page(document_sha256=d["sha"], number=i, text=t) for i, t in enumerate(d["pages"], start=1))
    run_analyse(archive, workers=1)


@pytest.fixture(params=["fts", "es"])
def backend(request: pytest.FixtureRequest, archive: Archive) -> Iterator[Any]:
    build_archive(archive)
    if request.param == "fts":
        b: Any = FtsBackend(archive.engine, write=True)
        run_index(archive, backend=b)
        yield b
        return
    from boligarkiv.index.es import EsBackend

    url = request.getfixturevalue("search_node_url")
    alias = f"boligarkiv-test-{uuid.uuid4().hex[:8]}"
    b = EsBackend(url, alias=alias)
    run_index(archive, backend=b)
    yield b
    b.es.indices.delete(index=f"{alias}-*")


def search(b: Any, q: str, **kw: Any) -> SearchResult:
    return b.search(parse_query(q), **kw)


def shas(r: SearchResult) -> list[str]:
    return [h.sha256[0] for h in r.hits]


def test_inflection_bokmal_and_nynorsk(backend: Any) -> None:
    assert "1" in shas(search(backend, "bolig"))  # «Boligene», «boliger»
    r = search(backend, "utleigebustad")
    assert shas(r)[0] == "2"
    page = r.hits[0].pages[0]
    assert page.page == 2 and "utleigebustader" in page.snippet
    assert page.marks and page.snippet[page.marks[0][0] : page.marks[0][1]].lower().startswith("utleigebustad")


def test_exact_phrase(backend: Any) -> None:
    r = search(backend, '"leie til eie"')
    assert shas(r) == ["1"]  # «leie-til-eie» in Bergen; Voss writes «leige til eige»
    assert r.hits[0].pages[0].page == 2
    assert shas(search(backend, '"eie til leie"')) == []
    # A phrase matches its other inflections by lemma: Voss writes «kommunale utleigebustader».
    r = search(backend, '"kommunal utleigebustad"')
    assert shas(r) == ["2"]
    hit = r.hits[0].pages[0]
    assert any(hit.snippet[a:b].lower() == "kommunale utleigebustader" for a, b in hit.marks)


def test_diacritics_are_not_folded(backend: Any) -> None:
    far = shas(search(backend, "far"))
    faar = shas(search(backend, "får"))
    assert far == ["3"]
    assert set(faar) == {"1", "4"}


def test_filters_and_exclusions(backend: Any) -> None:
    assert shas(search(backend, "kommune:Bergen")) == ["1"]
    assert shas(search(backend, "kommune:4621")) == ["2"]
    assert set(shas(search(backend, "fylke:Vestland"))) == {"1", "2"}
    assert shas(search(backend, "språk:nn")) == ["2"]
    assert set(shas(search(backend, "type:boligsosial"))) == {"1", "2"}
    assert set(shas(search(backend, "signal:leie_til_eie"))) == {"1", "2"}
    assert "3" not in shas(search(backend, "signal:deleie"))  # only a negated mention
    assert set(shas(search(backend, "år:2023..2030"))) >= {"1"} and "3" not in shas(search(backend, "år:2023..2030"))
    assert shas(search(backend, "år:2017")) == ["3"]
    assert set(shas(search(backend, "kommune*"))) >= {"1", "2", "3", "4"}
    assert "4" not in shas(search(backend, "kommune* -vintervedlikehold"))
    # Exclusion is per document: Oslo's plan names Oslo on page 1 and deleie only on page 2.
    assert "3" in shas(search(backend, "oslo")) and "3" not in shas(search(backend, "oslo -deleie"))
    assert "3" not in shas(search(backend, "oslo IKKE deleie"))
    assert "1" not in shas(search(backend, "kommune* -kommune:Bergen"))
    assert set(shas(search(backend, "startlån OR utleigebustad"))) == {"1", "2"}


def test_grouping_pagination_and_facets(backend: Any) -> None:
    r = search(backend, "kommune*", limit=2)
    assert r.total_documents == 4 and len(r.hits) == 2
    assert len({h.sha256 for h in r.hits}) == 2
    rest = search(backend, "kommune*", limit=2, offset=2)
    assert {h.sha256 for h in r.hits}.isdisjoint({h.sha256 for h in rest.hits})
    facets = dict(r.facets["fylke"])
    assert facets == {"Vestland": 2, "Oslo": 1, "Møre og Romsdal": 1}
    assert dict(r.facets["språk"]) == {"nb": 3, "nn": 1}
    assert dict(r.facets["signal"]).get("leie_til_eie") == 2
    hit = (
        next(h for h in r.hits if h.kommune_nummer == "4601")
        if any(h.kommune_nummer == "4601" for h in r.hits)
        else next(h for h in rest.hits if h.kommune_nummer == "4601")
    )
    assert hit.kommune_navn == "Bergen" and hit.fylke == "Vestland" and hit.year_start == 2021
    assert hit.url and hit.url.endswith(".pdf")


def test_bad_syntax_never_reaches_the_engine(backend: Any) -> None:
    with pytest.raises(QuerySyntaxError):
        search(backend, '"unclosed')
    # Characters that mean something to the engines are plain text to us.
    assert search(backend, 'NEAR(bolig) AND (startlån) ^2 "~" :').total_documents >= 0


@pytest.mark.parametrize("engine", ["fts", "es"])
def test_incremental_indexing(archive: Archive, engine: str, request: pytest.FixtureRequest) -> None:
    build_archive(archive)
    b: Any
    if engine == "fts":
        b = FtsBackend(archive.engine, write=True)
    else:
        from boligarkiv.index.es import EsBackend

        alias = f"boligarkiv-test-{uuid.uuid4().hex[:8]}"
        b = EsBackend(request.getfixturevalue("search_node_url"), alias=alias)
    first = run_index(archive, backend=b)
    assert first["documents"] == 4 and first["total_pages"] == 9
    assert run_index(archive, backend=b)["documents"] == 0
    with archive.session() as s:
        doc = s.get(Document, "3" * 64)
        doc.analysis_version = "nlp-0+lex-changed"
    again = run_index(archive, backend=b)
    assert again["documents"] == 1 and again["total_pages"] == 9
    assert b.count_pages() == 9  # the document's pages were replaced, not added twice
    from boligarkiv.models import Flag

    with archive.session() as s:
        s.add(
            Flag(
                kommune_nummer="4601",
                indicator="robek",
                year=date.today().year,
                value=1,
                threshold=1,
                flagged=True,
                source="ROBEK",
            )
        )
    assert run_index(archive, backend=b)["documents"] == 1  # the kommune's flags travel with its pages
    if engine == "es":
        before = b._physical()
    assert run_index(archive, backend=b, rebuild=True)["documents"] == 4
    assert b.count_pages() == 9 and shas(search(b, '"leie til eie"')) == ["1"]
    if engine == "es":
        # A rebuild fills a fresh index and swaps the alias in one action; the old index is gone.
        after = b._physical()
        assert after != before and not b.es.indices.exists(index=before)
        b.es.indices.delete(index=f"{b.alias}-*")


def test_cli_index_and_search(archive: Archive) -> None:
    import json

    from typer.testing import CliRunner

    from boligarkiv.app.cli import app

    build_archive(archive)
    runner = CliRunner()
    d = str(archive.settings.data_dir)
    out = runner.invoke(app, ["--data-dir", d, "index", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["documents"] == 4
    out = runner.invoke(app, ["--data-dir", d, "search", "utleigebustad språk:nn", "--format", "json"])
    data = json.loads(out.stdout)
    assert data["total_documents"] == 1 and data["hits"][0]["pages"][0]["page"] == 2
    assert "<mark>utleigebustader</mark>" in data["hits"][0]["pages"][0]["html"]
    assert data["facets"]["språk"] == [{"value": "nn", "count": 1}]
    table = runner.invoke(app, ["--data-dir", d, "search", "startlån"])
    assert table.exit_code == 0 and "Bergen" in table.output and "s. 3" in table.output
    bad = runner.invoke(app, ["--data-dir", d, "search", "år:tjue"])
    assert bad.exit_code == 2 and "Ugyldig år" in bad.output
    csv_out = runner.invoke(app, ["--data-dir", d, "search", "startlån", "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("\ufeffnr;kommunenummer;kommune;")
    assert "4601;Bergen" in csv_out.stdout


def test_index_from_an_older_layout_is_rebuilt(archive: Archive) -> None:
    build_archive(archive)
    run_index(archive, backend=FtsBackend(archive.engine, write=True))
    with archive.engine.begin() as conn:  # what an older release left behind
        conn.exec_driver_sql("DROP TABLE search_fts")
        conn.exec_driver_sql("CREATE VIRTUAL TABLE search_fts USING fts5(text, lemmas)")
        conn.exec_driver_sql("UPDATE search_meta SET value = 'fts-1'")
    b = FtsBackend(archive.engine, write=True)
    assert b.needs_full_reindex
    assert run_index(archive, backend=b)["documents"] == 4
    assert shas(b.search(parse_query("utleigebustad"))) == ["2"]


def test_search_never_writes_the_index(archive: Archive) -> None:
    """An index from another layout: search says so and leaves it alone; only the index stage rebuilds it."""
    from boligarkiv.index.query import SearchUnavailable

    build_archive(archive)
    run_index(archive, backend=FtsBackend(archive.engine, write=True))
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE search_meta SET value = 'fts-0'")
    reader = FtsBackend(archive.engine)
    with pytest.raises(SearchUnavailable, match="boligarkiv index"):
        reader.search(parse_query("bolig"))
    with archive.engine.connect() as conn:  # nothing dropped, nothing rewritten
        assert conn.exec_driver_sql("SELECT value FROM search_meta WHERE key = 'layout'").scalar() == "fts-0"
        assert conn.exec_driver_sql("SELECT count(*) FROM search_page").scalar() == 9
    assert run_index(archive)["documents"] == 4  # the stage sees the old layout and rebuilds
    assert shas(FtsBackend(archive.engine).search(parse_query("utleigebustad"))) == ["2"]


def test_rebuild_that_dies_half_way_is_finished_by_the_next_index(archive: Archive) -> None:
    build_archive(archive)
    run_index(archive)
    reference = {q: shas(FtsBackend(archive.engine).search(parse_query(q))) for q in ("bolig", "startlån")}

    class Died(Exception):
        pass

    done: list[str] = []

    def die_after_two(sha: str) -> None:
        done.append(sha)
        if len(done) == 2:
            raise Died

    with pytest.raises(Died):
        run_index(archive, rebuild=True, on_done=die_after_two)
    again = run_index(archive)  # not --rebuild: the archive remembers what the rebuild had not reached
    assert again["documents"] == 2 and again["total_pages"] == 9
    assert {q: shas(FtsBackend(archive.engine).search(parse_query(q))) for q in reference} == reference


def test_lemmas_are_written_by_analyse_and_only_read_by_index(archive: Archive) -> None:
    from sqlalchemy import select, update

    build_archive(archive)  # extracted and analysed
    with archive.session() as s:
        assert all(p.lemmas for p in s.scalars(select(Page)))  # the analyse stage wrote them
        s.execute(update(Page).values(lemmas=None))  # as if analyse had not reached these pages yet
    run_index(archive, backend=FtsBackend(archive.engine, write=True))
    with archive.session() as s:
        assert all(p.lemmas is None for p in s.scalars(select(Page)))  # the index stage never writes them
    assert shas(FtsBackend(archive.engine).search(parse_query("utleigebustad"))) == ["2"]  # lemmatised for the record
