"""Every page, feed, API answer and export for a fixture archive, checked for content."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from boligarkiv.app.cli import app as cli
from boligarkiv.db import Archive
from boligarkiv.web.app import create_app

from .webfixture import build

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(archive: Archive) -> tuple[TestClient, list[str], Archive]:
    shas = build(archive)
    archive.settings.write_token = "hemmelig"
    return TestClient(create_app(archive.settings, archive)), shas, archive


def test_search_page(site: Any) -> None:
    c, shas, _ = site
    r = c.get("/", params={"q": "utleigebustad"})
    assert r.status_code == 200
    assert f"/dokument/{shas[1]}#side-2" in r.text and "<mark>utleigebustader</mark>" in r.text
    assert "Bustadsosial handlingsplan for Voss" in r.text and "1</strong> dokumenter" in r.text
    assert "språk" in r.text and "nn" in r.text  # facets
    bad = c.get("/", params={"q": 'år:tjue "<script>'})
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    assert ("<script>" not in bad.text and "&lt;script&gt;" in bad.text) or "anførselstegn" in bad.text
    evil = c.get("/", params={"q": "<b>bolig</b>"})
    assert "<b>bolig</b>" not in evil.text


def test_kommune_page_has_the_right_quotes_flags_and_coverage(site: Any) -> None:
    c, shas, _ = site
    r = c.get("/kommune/4601")
    assert r.status_code == 200
    t = r.text
    assert "Bergen kommune" in t and "Boligsosial handlingsplan for Bergen" in t and "gjeldende" in t
    assert "«Kommunen skal etablere en leie-til-eie-modell for barnefamilier.»" in t
    assert f"/dokument/{shas[0]}#side-2" in t and "vedtatt (skal)" in t
    # The negated mention is shown apart and does not count.
    neg = t.index("Negert (teller ikke)")
    assert "Det er ikke aktuelt med deleie i denne perioden." in t[neg:]
    assert "OBOS" in t and "startlån" in t and "50 nye utleieboliger" in t
    assert "Sterk vekst i lånegjeld" in t and ">12<" in t and "SSB tabell 12134" in t and "mangler" in t
    assert c.get("/kommune/1841").text.count("Nettstedet svarte ikke") == 1
    assert c.get("/kommune/9999").status_code == 404


def test_a_sentence_said_in_two_documents_is_quoted_once(archive: Archive) -> None:
    """Bergen publishes its plan as a PDF and as a web page: the same sentence analysed in both counts twice
    (two hits) but is quoted once in the report."""
    from boligarkiv.models import Document, Page
    from boligarkiv.nlp.stage import run_analyse
    from boligarkiv.report.data import kommune_report

    build(archive)
    sentence = "Kommunen skal etablere en leie-til-eie-modell for barnefamilier."
    sha = archive.blobs.put(b"<html>Boligsosial handlingsplan for Bergen (nettside)</html>")
    with archive.session() as s:
        s.add(
            Document(
                sha256=sha,
                kommune_nummer="4601",
                mime="text/html",
                size=60,
                title="Boligsosial handlingsplan for Bergen",
                doc_type="boligsosial_handlingsplan",
                language="nb",
                extract_version="extract-1",
                first_url="https://kommune.example/4601/plan.html",
                page_count=1,
            )
        )
        s.flush()
        s.add(Page(document_sha256=sha, number=1, text="Tiltak\n\n" + sentence.replace(" for ", "  for ")))
    run_analyse(archive, workers=1)
    report = kommune_report(archive, "4601")
    assert report is not None
    leie = next(sig for sig in report["signaler"] if sig["id"] == "leie_til_eie")
    quoted = [" ".join(q["sitat"].split()) for q in leie["sitater"]]
    assert leie["treff"] >= 2 and quoted.count(sentence) == 1, quoted


def test_document_page_highlights_hits(site: Any) -> None:
    c, shas, _ = site
    t = c.get(f"/dokument/{shas[0]}").text
    assert '<mark title="leie_til_eie">leie-til-eie</mark>' in t
    assert '<mark title="deleie (negert)">deleie</mark>' in t
    assert 'id="side-3"' in t and "https://kommune.example/4601/plan.pdf" in t
    f = c.get(f"/dokument/{shas[0]}/fil")
    assert f.status_code == 200 and f.headers["content-type"] == "application/pdf" and f.content.startswith(b"%PDF")


def test_screening_page_map_and_exports(site: Any) -> None:
    c, _, _ = site
    t = c.get("/screening").text
    assert t.count("<path ") == 357 and 'data-kommune="4601"' in t
    assert "Mulighetsscore" in t
    assert t.index('href="/kommune/4601">Bergen<') < t.index('href="/kommune/0301">Oslo<')  # ranked
    flagged = c.get("/screening", params={"vis": "robek", "flagg": "robek"}).text
    assert 'href="/kommune/0301">Oslo<' in flagged and 'href="/kommune/4601">Bergen<' not in flagged
    assert "#cb181d" in flagged
    with_signal = c.get("/screening", params={"signal": "startlan"}).text
    assert 'href="/kommune/4601">Bergen<' in with_signal and 'href="/kommune/4621">Voss<' not in with_signal
    assert [r["nummer"] for r in c.get("/api/screening", params={"signal": "leie_til_eie"}).json()] == ["4601", "4621"]
    vestland = c.get("/screening", params={"fylke": "Vestland"}).text
    assert 'href="/kommune/4601">Bergen<' in vestland and 'href="/kommune/0301">Oslo<' not in vestland
    wb = load_workbook(io.BytesIO(c.get("/screening.xlsx").content))
    assert wb.sheetnames == ["Screening", "Metode"]
    header = [cell.value for cell in next(wb["Screening"].iter_rows(max_row=1))]
    assert header[:8] == ["rangering", "nummer", "navn", "fylke", "planstatus", "plan_til", "dokumenter", "mulighet"]
    assert "leie_til_eie" in header and "flagg" in header and header[-2:] == ["barn_lavinntekt", "lenke"]
    assert wb["Screening"].max_row == 358
    sheet = wb["Screening"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "D2" and sheet.column_dimensions["C"].width >= 10
    link = sheet.cell(row=2, column=len(header))
    assert link.hyperlink is not None and link.value.endswith(f"/kommune/{sheet.cell(row=2, column=2).value}")
    import csv as csvmod

    raw = c.get("/screening.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8, «Ålesund» stays «Ålesund»
    text = raw.decode("utf-8-sig")
    rows = list(csvmod.reader(text.splitlines(), delimiter=";"))
    assert rows[0][:3] == ["rangering", "nummer", "navn"] and len(rows) == 358
    assert any("Ålesund" in r for r in rows)
    score = rows[1][rows[0].index("mulighet")]
    assert "." not in score  # decimal comma
    machine = c.get("/screening.csv?dialekt=maskin").text.splitlines()
    assert machine[0].startswith("rangering,nummer,navn") and len(machine) == 358


def test_kommune_exports(site: Any) -> None:
    c, _, _ = site
    wb = load_workbook(io.BytesIO(c.get("/kommune/4601.xlsx").content))
    assert wb.sheetnames == ["Kommune", "Planer", "Signaler", "Sitater", "Politiske vedtak", "Flagg", "Dekning"]
    sitater = list(wb["Sitater"].iter_rows(values_only=True))
    assert any(r[0] == "leie_til_eie" and "leie-til-eie-modell" in r[1] for r in sitater)
    assert any(r[0] == "deleie" and r[2] is True for r in sitater)
    md = c.get("/kommune/4601.md").text
    assert md.startswith("# Bergen kommune (4601, Vestland)") and "| Leie-til-eie |" in md


def test_feeds(site: Any) -> None:
    c, shas, _ = site
    root = ET.fromstring(c.get("/feeds/planer.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert len(titles) == 3 and any("Bergen" in t for t in titles)
    one = ET.fromstring(c.get("/feeds/kommune/4621.atom").content)
    assert [e.find(f"{ATOM}link").get("href") for e in one.findall(f"{ATOM}entry")] == [
        f"http://testserver/dokument/{shas[1]}"
    ]
    search = ET.fromstring(c.get("/feeds/sok.atom", params={"q": "startlån"}).content)
    assert len(search.findall(f"{ATOM}entry")) == 1


def test_saved_searches_need_the_token(site: Any) -> None:
    c, _, _ = site
    assert c.post("/api/lagrede-sok", json={"name": "Leie til eie", "query": '"leie til eie"'}).status_code == 401
    bad = c.post(
        "/api/lagrede-sok", json={"name": "x", "query": "år:tjue"}, headers={"Authorization": "Bearer hemmelig"}
    )
    assert bad.status_code == 400
    ok = c.post(
        "/api/lagrede-sok",
        json={"name": "Leie til eie", "query": '"leie til eie"'},
        headers={"Authorization": "Bearer hemmelig"},
    )
    assert ok.status_code == 201
    feed = ET.fromstring(c.get(ok.json()["feed"]).content)
    assert feed.findtext(f"{ATOM}title") == "Boligarkiv: Leie til eie" and len(feed.findall(f"{ATOM}entry")) == 1
    assert c.get("/api/lagrede-sok").json()[0]["sok"] == '"leie til eie"'


def test_json_api_and_openapi(site: Any) -> None:
    c, shas, _ = site
    k = c.get("/api/kommuner/4601").json()
    sig = {s["id"]: s for s in k["signaler"]}
    assert sig["leie_til_eie"]["treff"] == 1 and sig["leie_til_eie"]["poeng"] > 0
    assert k["flagg"][0]["indikator"] == "lanegjeld_vekst"
    found = c.get("/api/sok", params={"q": "startlån"}).json()
    assert found["hits"][0]["sha256"] == shas[0]
    assert c.get("/api/sok", params={"q": "år:tjue"}).status_code == 400
    assert c.get("/api/kommuner", params={"limit": 5, "offset": 5}).json()["totalt"] == 357
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/sok", "/api/kommuner/{nummer}", "/api/screening", "/api/lagrede-sok"} <= set(paths)
    assert "Kjøringer" in c.get("/status").text


def test_report_command_formats(site: Any, tmp_path: Any) -> None:
    _, _, archive = site
    runner = CliRunner()
    d = str(archive.settings.data_dir)
    md = runner.invoke(cli, ["-d", d, "report", "Bergen", "--format", "md"])
    assert md.exit_code == 0 and "## Røde flagg" in md.stdout
    data = json.loads(runner.invoke(cli, ["-d", d, "report", "4601", "--format", "json"]).stdout)
    assert data["kommune"]["navn"] == "Bergen"
    out = tmp_path / "bergen.xlsx"
    assert runner.invoke(cli, ["-d", d, "report", "4601", "-f", "xlsx", "-o", str(out)]).exit_code == 0
    assert load_workbook(out).sheetnames[0] == "Kommune"
    html = runner.invoke(cli, ["-d", d, "report", "Bergen", "-f", "html"]).stdout
    assert "<h1>Bergen kommune" in html and 'href="/screening"' not in html  # static: no app navigation
    screening = runner.invoke(cli, ["-d", d, "report", "--all", "-f", "html", "--fylke", "Vestland"]).stdout
    # The map is all of Norway; kommuner outside the filter are grey («ingen data»).
    assert screening.count("<path ") == 357
    assert screening.count('fill="#d9d9d9" stroke="#666" stroke-width') == 314
    rows = json.loads(runner.invoke(cli, ["-d", d, "report", "--all", "-f", "json"]).stdout)
    assert rows[0]["rangering"] == 1 and len(rows) == 357
    assert re.search(r"kommune", runner.invoke(cli, ["-d", d, "report", "Atlantis"]).output)
    assert runner.invoke(cli, ["-d", d, "report", "4601", "-f", "csv"]).exit_code == 2


def test_archived_html_cannot_run_on_our_origin(site: Any) -> None:
    """Stored XSS: a hostile page archived from a kommune site is served as a download under a CSP."""
    from boligarkiv.models import Document

    c, shas, archive = site
    evil = b"<html><script>fetch('/api/lagrede-sok',{method:'POST'})</script><h1>Boligplan</h1></html>"
    sha = archive.blobs.put(evil)
    with archive.session() as s:
        s.add(Document(sha256=sha, kommune_nummer="4601", mime="text/html; charset=utf-8", size=len(evil)))
    f = c.get(f"/dokument/{sha}/fil")
    assert f.status_code == 200 and f.content == evil
    assert f.headers["content-disposition"].startswith("attachment")
    assert (
        "sandbox" in f.headers["content-security-policy"]
        and "default-src 'none'" in f.headers["content-security-policy"]
    )
    assert f.headers["x-content-type-options"] == "nosniff"
    pdf = c.get(f"/dokument/{shas[0]}/fil")
    assert (
        pdf.headers["content-disposition"].startswith("inline") and "sandbox" in pdf.headers["content-security-policy"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/?q=bolig&offset=99999999999999999999999",
        "/api/sok?q=bolig&offset=18446744073709551616",
        "/api/kommuner?offset=9223372036854775808",
        "/dokument/{sha}?fra=99999999999999999999",
        "/screening?side=9223372036854775808",
        "/feeds/lagret/99999999999999999999999.atom",
    ],
)
def test_huge_integers_are_refused_not_crashing(site: Any, url: str) -> None:
    c, shas, _ = site
    r = c.get(url.format(sha=shas[0]))
    assert r.status_code == 422


def test_non_ascii_bearer_token_is_a_401(site: Any) -> None:
    c, _, _ = site
    r = c.post(
        "/api/lagrede-sok", json={"name": "x", "query": "bolig"}, headers={"Authorization": "Bearer hemmeligø".encode()}
    )
    assert r.status_code == 401


def test_errors_are_norwegian_pages_for_people_and_json_for_the_api(site: Any) -> None:
    c, _, _ = site
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = c.get("/kommune/9999", headers=html)  # no such kommune in the archive
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in page.text and "Fant ikke siden" in page.text and "finnes ikke i arkivet" in page.text
    assert "detail" not in page.text
    lost = c.get("/ingen-slik-side", headers=html)
    assert lost.status_code == 404 and "Fant ikke siden." in lost.text and "Not Found" not in lost.text
    bad = c.get("/", params={"q": "bolig", "offset": "mange"}, headers=html)
    assert bad.status_code == 422 and "Ugyldig verdi" in bad.text and "offset" in bad.text
    assert "Input should be" not in bad.text  # pydantic's English stays out
    api = c.get("/api/kommuner/9999")
    assert api.status_code == 404 and "finnes ikke i arkivet" in api.json()["detail"]


def test_compare_and_timeline(site: Any) -> None:
    c, _, _ = site
    page = c.get("/sammenlign", params={"k": "4601 4621"})
    assert page.status_code == 200
    text = page.text
    assert "Sammenligning av 2 kommuner" in text and "Bergen" in text and "Voss" in text
    assert "Leie-til-eie" in text or "leie" in text.lower()
    assert text.count('<div class="quote">') >= 2  # quotes side by side
    assert c.get("/sammenlign", params={"k": "4601"}).status_code == 200  # one: the form waits for more
    assert c.get("/sammenlign", params={"k": "4601 0301 4621 5001 1103 3201 1506"}).status_code == 400
    assert c.get("/sammenlign", params={"k": "4601 9999"}).status_code == 404
    kommune = c.get("/kommune/4601").text
    assert "Tidslinje" in kommune and "/sammenlign?k=4601" in kommune


def test_api_docs_work_offline(site: Any) -> None:
    c, _, _ = site
    docs = c.get("/docs")
    assert docs.status_code == 200 and "Boligarkivs API" in docs.text
    assert "/api/sok" in docs.text and "/feeds/politiske-vedtak.atom" in docs.text
    assert "cdn" not in docs.text.lower() and "<script" not in docs.text.lower()


def test_home_page_counts_and_latest_changes(site: Any) -> None:
    c, _, _ = site
    home = c.get("/").text
    assert "planer fra" in home and "kommuner" in home and "politiske saker i arkivet" in home
    assert "Sammenlign kommuner" in home


def test_search_labels_evidence_and_suggestions(site: Any) -> None:
    c, _, _ = site
    page = c.get("/", params={"q": "utleigebustad"}).text
    assert ">nynorsk</a>" in page and ">nn</a>" not in page  # language facet by name, not «nn»
    evidence = c.get("/", params={"q": "utleigebustad signal:kommunale_utleieboliger"}).text
    assert 'class="quote">Kommunale utleieboliger: «' in evidence  # the evidence sentence for the signal
    none = c.get("/", params={"q": "bolig vindmølle kommune:0301"}).text
    assert "Ingen treff" in none and "Prøv" in none and "bolig vindmølle" in none


def test_rendered_kommune_pages_are_shared_between_workers_and_dropped_when_the_archive_changes(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from boligarkiv.models import ChangeEvent
    from boligarkiv.report import data as report_data
    from boligarkiv.web import state as web_state

    client, _, archive = site
    monkeypatch.setattr(web_state, "FINGERPRINT_SECONDS", 0.0)  # see every archive change at once
    first = client.get("/kommune/4601")
    assert first.status_code == 200
    cache = archive.settings.data_dir / "cache" / "web"
    (version,) = [p.name for p in cache.iterdir()]
    assert len(list((cache / version).glob("*.pickle"))) == 1

    # A second worker (its own app, empty memory) serves the page from the shared cache, without asking the
    # archive for the report again.
    def no_report(*_args: Any) -> None:
        raise AssertionError("the report was computed again")

    monkeypatch.setattr(report_data, "kommune_report", no_report)
    other = TestClient(create_app(archive.settings, archive))
    assert other.get("/kommune/4601").text == first.text
    monkeypatch.undo()
    monkeypatch.setattr(web_state, "FINGERPRINT_SECONDS", 0.0)

    # The archive changes: the page is computed anew, and the old state's cache goes once it has been left
    # alone a while; a folder written a moment ago (by a run, for a state this worker has not seen yet) stays.
    import os
    import time

    long_ago = time.time() - 3600
    os.utime(cache / version, (long_ago, long_ago))
    (cache / "0123456789abcdef").mkdir()
    with archive.session() as s:
        s.add(ChangeEvent(kind="new_document", kommune_nummer="4601", detail="ny plan"))
    assert other.get("/kommune/4601").status_code == 200
    folders = {p.name for p in cache.iterdir()}
    assert version not in folders and "0123456789abcdef" in folders and len(folders) == 2
    (new,) = folders - {"0123456789abcdef"}
    assert other.get("/kommune/9999").status_code == 404  # an unknown kommune is never cached
    assert len(list((cache / new).glob("*.pickle"))) == 1


def test_search_results_export_to_excel_and_csv(site: Any) -> None:
    import csv as csvmod

    c, _, _ = site
    page = c.get("/?q=leie+til+eie").text
    assert 'href="/sok.xlsx?q=leie%20til%20eie"' in page and 'href="/sok.csv?q=leie%20til%20eie"' in page
    raw = c.get("/sok.csv?q=leie til eie").content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csvmod.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:5] == ["nr", "kommunenummer", "kommune", "fylke", "tittel"]
    bergen = next(r for r in rows[1:] if r[1] == "4601")
    head = rows[0]
    assert "Leie-til-eie" in bergen[head.index("signaler")]  # labels, not ids
    assert bergen[head.index("dokumenttype")] == "Boligsosial handlingsplan"
    assert "," in bergen[head.index("rangering")] or bergen[head.index("rangering")].isdigit()  # decimal comma
    assert bergen[head.index("lenke")].startswith("http://testserver/dokument/")
    wb = load_workbook(io.BytesIO(c.get("/sok.xlsx?q=leie til eie").content))
    sheet = wb["Treff"]
    assert [cell.value for cell in sheet[1]][:3] == ["nr", "kommunenummer", "kommune"]
    assert sheet.freeze_panes == "C2" and sheet["A1"].font.bold
    link = sheet.cell(row=2, column=head.index("lenke") + 1)
    assert link.hyperlink is not None and "/dokument/" in link.value
    assert wb["Søk"]["B1"].value == "leie til eie"
    bad = c.get("/sok.csv?q=år:tjue")
    assert bad.status_code == 400 and "Ugyldig år" in bad.json()["detail"]
