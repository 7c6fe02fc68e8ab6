"""Meeting portals (issue 15): for each portal imitation built from the real shapes in
`../shared/data/kommune_web/` — ACOS WebSak innsyn, 360 OpenGov, Elements Publikum, eInnsyn, Digdem and
FirstAgenda — the crawl archives the housing cases of the last 24 months with body, meeting date and case
number, and no other case; precision and recall of housing cases are printed per portal."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from scrapy.http import HtmlResponse, TextResponse
from sqlalchemy import select

from boligarkiv.app.testweb.portals import CASES, HOUSING_CASES, TITLES, build_portal_sites
from boligarkiv.app.testweb.server import TestWeb
from boligarkiv.crawler.portals import BY_NAME, detect
from boligarkiv.crawler.portals.base import Case, PortalError, Step
from boligarkiv.db import open_archive
from boligarkiv.extract.stage import run_extract
from boligarkiv.models import CaseDocument, Coverage, Document
from boligarkiv.report.data import kommune_report
from boligarkiv.report.render import kommune_html, kommune_markdown
from boligarkiv.settings import Settings
from boligarkiv.web.app import create_app

from .conftest import shared_data
from .test_crawler import crawl

PORTALS = {
    "portal-acos": "acos_websak",
    "portal-opengov": "opengov360",
    "portal-elements": "elements",
    "portal-einnsyn": "einnsyn",
    "portal-digdem": "digdem",
    "portal-firstagenda": "firstagenda",
}


def test_housing_cases_are_archived_from_every_portal(tmp_path: Path) -> None:
    sites = build_portal_sites(
        [
            ("3201", "Bærum"),
            ("4003", "Skien"),
            ("5006", "Steinkjer"),
            ("1103", "Stavanger"),
            ("5001", "Trondheim"),
            ("4204", "Kristiansand"),
        ]
    )
    web = TestWeb(sites).start()
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        data = tmp_path / "data"
        crawl(data, seeds)
    finally:
        web.stop()
    archive = open_archive(Settings(data_dir=data))
    assert run_extract(archive, workers=1)["errors"] == 0
    by_kommune = {s.kommune_nummer: PORTALS[s.key] for s in sites}
    dates = {c.key: c.days_ago for c in CASES}
    with archive.session() as s:
        rows = list(s.scalars(select(CaseDocument)))
        coverage = {c.kommune_nummer: c.sources for c in s.scalars(select(Coverage))}
        report = []
        for nummer, portal in by_kommune.items():
            mine = [r for r in rows if r.kommune_nummer == nummer]
            assert all(r.portal == portal for r in mine)
            found = {TITLES.get(r.case_title or "") for r in mine}
            true_pos = len(found & HOUSING_CASES)
            precision = true_pos / len(found) if found else 0.0
            recall = true_pos / len(HOUSING_CASES)
            report.append(
                f"{portal}: presisjon {precision:.2f}, tilbakekalling {recall:.2f} ({sorted(found - {None})})"
            )
            assert found == set(HOUSING_CASES), (portal, found)
            for r in mine:
                key = TITLES[r.case_title or ""]
                assert r.body and r.case_number and r.meeting_date is not None, (portal, r.case_number)
                assert abs((r.first_seen.date() - r.meeting_date).days - dates[key]) <= 1
                assert r.portal_url.startswith("http://127.0.0.1:")
                doc = s.get(Document, r.document_sha256)
                assert doc is not None
                assert doc.doc_type == ("saksdokument" if r.role != "vedlegg" else doc.doc_type)
            roles = {r.role for r in mine}
            assert {"saksframlegg", "vedtak"} <= roles, (portal, roles)
            tally = coverage[nummer][f"møteportal:{portal}"]
            assert tally["boligsaker"] >= len(HOUSING_CASES) and tally["dokumenter"] >= 2 * len(HOUSING_CASES)
        print("\n".join(report))

    # Reports show the cases as political decisions, apart from the plans, and the ledger per source.
    r = kommune_report(archive, "3201")
    assert r is not None
    assert {c["sak"] for c in r["politiske_vedtak"]} == {c.title for c in CASES if c.key in HOUSING_CASES}
    vedtak_shas = {c["sha256"] for c in r["politiske_vedtak"] if c["rolle"] != "Vedlegg"}
    assert not vedtak_shas & {p["sha256"] for p in r["planer"]}
    sources = {k["kilde"]: k for k in r["dekning"][0]["kilder"]}
    assert sources["Møteportal (ACOS WebSak innsyn)"]["dokumenter"] >= 2 * len(HOUSING_CASES)
    assert "Kommunens nettsted" in sources
    html = kommune_html(r)
    assert "Politiske vedtak" in html and "Boligsosial handlingsplan 2027–2030" in html
    assert "Politiske vedtak" in kommune_markdown(r)
    client = TestClient(create_app(archive.settings, archive))
    feed = client.get("/feeds/kommune/5006/politiske-vedtak.atom")
    assert feed.status_code == 200 and "Salg av kommunale utleieboliger i Storgata" in feed.text
    assert "Budsjett" not in feed.text
    everything = client.get("/feeds/politiske-vedtak.atom").text
    assert everything.count("<entry>") >= len(PORTALS) * 2 * len(HOUSING_CASES)
    archive.dispose()


# --- the adapters on real pages (shapes in ../shared/data/kommune_web), checked against what the MIT-licensed
# scrapers these pages come from parsed out of them ----------------------------------------------------------
def _response(path: Path, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8")


def test_acos_moteplan_real_baerum_page() -> None:
    folder = shared_data("kommune_web", "acos_websak_innsyn")
    url = "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx?response=moteplan&fradato=2018-01-01T00:00:00&"
    ref = detect(url)
    assert ref is not None and ref.portal == "acos_websak"
    assert ref.base == "https://www.baerum.kommune.no/innsyn/politikk/wfinnsyn.ashx"
    steps = list(
        BY_NAME["acos_websak"].parse(
            ref, Step(url, "moteplan", data={"year": 2018}), _response(folder / "baerum_moteplan_2018.html", url)
        )
    )
    boards = {s.data["body"] for s in steps}
    expected = {b["Navn"] for b in json.loads((folder / "baerum_moteplan_2018.parsed_utvalg.json").read_text())}
    assert boards <= expected and "Kommunestyret" in boards and "Formannskapet" in boards
    formannskap = sorted(date.fromisoformat(s.data["date"]) for s in steps if s.data["body"] == "Formannskapet")
    assert formannskap[0] == date(2018, 1, 9) and formannskap[-1] == date(2018, 12, 18)
    assert all("response=mote&moteid=" in s.url for s in steps)


def test_opengov_real_telemark_pages() -> None:
    folder = shared_data("kommune_web", "opengov_360")
    base = "https://opengov.360online.com/Meetings/tfk"
    ref = detect(base + "/Boards")
    assert ref is not None and ref.portal == "opengov360" and ref.key == "tfk"
    adapter = BY_NAME["opengov360"]

    boards = list(
        adapter.parse(
            ref,
            Step(base + "/Boards", "boards", data={"since": 2016, "until": 2017}),
            _response(folder / "tfk_get-boards-page.html", base + "/Boards"),
        )
    )
    real = json.loads((folder / "tfk_get-boards-data.json").read_text())
    assert {s.url.rsplit("/", 1)[1].split("?")[0] for s in boards} <= {b["id"] for b in real}
    assert all("Year=2016" in s.url or "Year=2017" in s.url for s in boards)
    # Boards of an earlier term («2011 - 2015», «2015 - 2015») are not read.
    assert not any("/200151?" in s.url or "/217642?" in s.url for s in boards)
    assert any("/216162?" in s.url for s in boards)  # Fylkestinget
    meetings_url = base + "/Boards/Details/216162?Year=2018"
    meetings = list(
        adapter.parse(
            ref, Step(meetings_url, "board_year"), _response(folder / "tfk_get-meetings-page.html", meetings_url)
        )
    )
    real_meetings = json.loads((folder / "tfk_get-meetings-data.json").read_text())
    # Meetings «Ikke publisert» have no link (and no id in the reference parse): nothing to read yet.
    assert [s.url.rsplit("/", 1)[1] for s in meetings] == [m["id"] for m in real_meetings["meetings"] if m["id"]]
    assert meetings[0].data["body"] == real_meetings["board"] == "Fylkestinget"
    assert meetings[0].data["date"] == "2018-03-05"

    agenda_url = base + "/Meetings/Details/644324"
    cases = [
        c
        for c in adapter.parse(
            ref, Step(agenda_url, "meeting"), _response(folder / "tfk_get-agenda-page.html", agenda_url)
        )
    ]
    real_agenda = json.loads((folder / "tfk_get-agenda-data.json").read_text())["agenda"]
    # Same titles as the reference parse (ours folds runs of spaces).
    titles = [" ".join(a["title"].split()) for a in real_agenda if a["public"]]
    assert [c.title for c in cases if isinstance(c, Case)] == titles
    first = cases[0]
    assert isinstance(first, Case) and first.body == "Fylkestinget" and str(first.meeting_date) == "2018-03-05"
    assert first.detail is not None and first.detail.url.endswith("/LoadAgendaItemDetail/211242")

    detail_url = base + "/Meetings/LoadAgendaItemDetail/211236"
    case = Case("opengov360", agenda_url, "Ny Skien videregående skole", case_number="1/18")
    (filled,) = adapter.parse(
        ref, Step(detail_url, "item", data={"case": case}), _response(folder / "tfk_get-details-page.html", detail_url)
    )
    real_files = json.loads((folder / "tfk_get-details-data.json").read_text())
    assert [f.title for f in filled.files] == [f["title"] for f in real_files]
    roles = {f.title[:12]: f.role for f in filled.files}
    assert roles["Vedtak"] == "vedtak" and roles["Saksprotokol"] == "vedtak"
    assert "saksframlegg" in roles.values()
    assert filled.case_number == "1/18 (sak 18/03563)"


def test_elements_synthetic_bodies_and_spa_answer() -> None:
    folder = shared_data("kommune_web", "elements_publikum", "synthetic")
    ref = detect("https://prod01.elementscloud.no/publikum/840029212_PROD-840029212/Dmb")
    assert ref is not None and ref.key == "840029212_PROD-840029212"
    assert ref.base == "https://prod01.elementscloud.no/publikum/"
    adapter = BY_NAME["elements"]
    start = adapter.start(ref, date(2026, 1, 1), date(2026, 12, 31))
    assert start[0].headers["Tenant"] == ref.key

    def response(name: str, url: str) -> TextResponse:
        return TextResponse(url, body=(folder / name).read_bytes(), headers={"Content-Type": "application/json"})

    meetings = list(
        adapter.parse(ref, start[0], response("api_PredefinedQuery_DmbMeetings_year2026.json", start[0].url))
    )
    assert [m.data["meeting"] for m in meetings] == [1290, 1295, 1301]
    agenda = list(
        adapter.parse(ref, meetings[2], response("api_DmbHandlings_GetByMeetingId_1301.json", meetings[2].url))
    )
    assert [c.title for c in agenda] == ["Boligsosial handlingsplan 2027-2030", "Referatsaker"]  # skjermet left out
    case = agenda[0]
    assert isinstance(case, Case) and case.case_number == "PS 61/2026" and case.body == "Kommunestyret"
    assert case.detail is not None
    (filled,) = adapter.parse(
        ref,
        Step(case.detail.url, "handling", data={"case": case}),
        response("api_DmbHandlings_8501.json", case.detail.url),
    )
    assert filled.case_number == "PS 61/2026 (sak 2025/4711)"
    assert [f.role for f in filled.files] == ["saksframlegg", "vedlegg", "vedtak"]  # unpublished one left out
    assert filled.files[0].url.endswith("/Documents/ShowDocument/b069d4f5-0000-4000-8000-000000000001/502600/835300")
    spa = TextResponse(start[0].url, body=b"<!doctype html><div id=root></div>", headers={"Content-Type": "text/html"})
    try:
        list(adapter.parse(ref, start[0], spa))
    except PortalError as exc:
        assert exc.kind == "portal_not_json"
    else:
        raise AssertionError("an HTML answer from the API must not pass as data")


def test_einnsyn_detection() -> None:
    ref = detect("https://einnsyn.no/sok?enhet=enh_01kky1vrbpebds5tv4ep7fgfbs")
    assert ref is not None and ref.base == "https://api.einnsyn.no" and ref.key == "enh_01kky1vrbpebds5tv4ep7fgfbs"
    assert detect("https://einnsyn.no/sok?enhet=ikke-en-id") is None
    assert detect("https://www.example.kommune.no/Meetings") is None


def test_digdem_graphql_shapes() -> None:
    """Digdem as SHAPES.md describes it: POSTed GraphQL with fragments and Apollo's CSRF header; a refused
    query is a portal error in the ledger, not an empty result; classified agenda items are left out."""
    ref = detect("https://stavanger-elm.digdem.no/motekalender")
    assert ref is not None and ref.portal == "digdem" and ref.base == "https://stavanger-elm.digdem.no/"
    assert detect("https://www.stavanger.kommune.no/politikk/motekalender") is None  # a CMS page, not the app
    adapter = BY_NAME["digdem"]
    (step,) = adapter.start(ref, date(2026, 3, 1), date(2026, 11, 30))
    assert step.method == "POST" and step.url == "https://stavanger-elm.digdem.no/graphql"
    assert step.headers["apollo-require-preflight"] == "true" and step.headers["Content-Type"] == "application/json"
    sent = json.loads(step.body or b"")
    assert sent["operationName"] == "GetYearMeetings" and "fragment MeetingListItem on Meeting" in sent["query"]
    assert sent["variables"]["where"] == {
        "searchTerm": "",
        "date_gt": "2026-02-28T00:00:00.000Z",
        "date_lt": "2026-12-01T00:00:00.000Z",
    }

    def answer(data: object) -> TextResponse:
        return TextResponse(step.url, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    listed = {
        "data": {
            "meetings": [
                {"id": "cm8sijrej00pg0pyv76z9ebvf", "date": "2026-06-11T14:00:00.000Z", "meetingName": "Bystyret"},
                {"id": "cm8sijrej00pg0pyv76z9ebvg", "date": "2026-06-18T14:00:00.000Z", "published": False},
            ]
        }
    }
    (meeting,) = adapter.parse(ref, step, answer(listed))
    assert isinstance(meeting, Step) and meeting.data["date"] == "2026-06-11"
    assert json.loads(meeting.body or b"")["variables"] == {"id": "cm8sijrej00pg0pyv76z9ebvf"}
    detail = {
        "data": {
            "meeting": {
                "id": "cm8sijrej00pg0pyv76z9ebvf",
                "date": "2026-06-11T14:00:00.000Z",
                "commission": {"id": "c1", "name": "Bystyret"},
                "proceedings": [
                    {
                        "id": "p1",
                        "title": "Boligprogram 2027–2030",
                        "sequenceNumber": 61,
                        "type": "PS",
                        "classified": False,
                        "documents": [
                            {"id": "d1", "title": "Saksframlegg", "type": "Saksframlegg", "classified": False},
                            {"id": "d2", "title": "Vedlegg: kart", "type": "Vedlegg", "classified": True},
                            {"id": "d3", "title": "Vedtak", "type": "Vedtak", "classified": False},
                        ],
                    },
                    {"id": "p2", "title": "Unntatt offentlighet", "sequenceNumber": 62, "classified": True},
                ],
            }
        }
    }
    (case,) = adapter.parse(ref, meeting, answer(detail))
    assert isinstance(case, Case) and case.title == "Boligprogram 2027–2030" and case.body == "Bystyret"
    assert case.case_number == "PS 61/26" and case.meeting_date == date(2026, 6, 11)
    assert [(f.url.rsplit("/", 1)[1], f.role) for f in case.files] == [("d1", "saksframlegg"), ("d3", "vedtak")]
    for refused in ({"errors": [{"message": "Not authorised!"}], "data": None}, [1, 2]):
        try:
            list(adapter.parse(ref, meeting, answer(refused)))
        except PortalError as exc:
            assert exc.kind in ("portal_graphql_error", "portal_not_json")
        else:
            raise AssertionError("a refused query must be recorded as a portal error")


def test_digdem_imitation_refuses_what_the_real_portal_refuses() -> None:
    """The test web's Digdem answers as Apollo does: no GET on /graphql, the CSRF guard without a JSON content
    type or preflight header, and queries without fragments refused."""
    import urllib.error
    import urllib.request

    (site,) = [s for s in build_portal_sites([("1", "A")] * 6) if s.key == "portal-digdem"]
    web = TestWeb([site]).start()
    try:
        url = web.doc_roots[site.key] + "/graphql"

        def status(data: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers)) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        query = {"query": "query { meetings(where: {}) { id } }", "variables": {}}
        assert status(None, {})[0] == 400  # GET
        code, body = status(json.dumps(query).encode(), {"Content-Type": "text/plain"})
        assert code == 400 and "CSRF" in body["errors"][0]["message"]
        assert status(json.dumps(query).encode(), {"Content-Type": "application/json"})[0] == 400  # no fragment
        ref = detect(url.replace("/graphql", "/motekalender"))
        assert ref is not None and ref.portal == "digdem"
        (step,) = BY_NAME["digdem"].start(ref, date.today(), date.today())
        code, body = status(step.body, step.headers)
        assert code == 200 and isinstance(body["data"]["meetings"], list)
    finally:
        web.stop()


def test_firstagenda_shapes() -> None:
    """FirstAgenda as SHAPES.md describes it: the front page first (its cookie), then the board list; of a
    meeting published as agenda and minutes only the minutes are read; both spellings of the fields."""
    ref = detect("https://politiskagenda.kristiansand.kommune.no/")
    assert (
        ref is not None and ref.portal == "firstagenda" and ref.base == "https://politiskagenda.kristiansand.kommune.no"
    )
    assert detect("https://www.kristiansand.kommune.no/politikk/") is None
    via_path = detect("http://127.0.0.1:9/Home/AnonymousAuthentication?callback=%2F")
    assert via_path is not None and via_path.base == "http://127.0.0.1:9"
    adapter = BY_NAME["firstagenda"]
    (home,) = adapter.start(ref, date(2026, 1, 1), date(2026, 11, 30))
    assert home.url == f"{ref.base}/"
    (boards,) = adapter.parse(ref, home, HtmlResponse(home.url, body=b"<div id=app></div>"))
    assert boards.url.endswith("/api/agenda/udvalgsliste")

    def answer(url: str, data: object) -> TextResponse:
        return TextResponse(url, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    listing = {
        "Udvalg": {
            "Udvalg 2023-2027": [
                {
                    "Id": "u1",
                    "Navn": "Bystyret",
                    "Moeder": [
                        {"Id": "a1", "Dato": "2026-06-18T00:00:00", "Navn": "Dagsorden"},
                        {"Id": "r1", "Dato": "2026-06-18T00:00:00", "Navn": "Referat"},
                        {
                            "Id": "t1",
                            "Dato": "2026-06-18T00:00:00",
                            "Navn": "Tillægsdagsorden",
                            "IsSupplementaryAgenda": True,
                        },
                        {"Id": "a2", "MeetingBeginUtc": "2026-09-10T16:00:00+02:00", "Navn": "Sakskart"},
                        {"Id": "p2", "Dato": "2026-09-10T00:00:00", "Navn": "Møteprotokoll"},
                    ],
                }
            ]
        }
    }
    steps = list(adapter.parse(ref, boards, answer(boards.url, listing)))
    assert [(s.data["meeting"], s.data["date"], s.data["body"]) for s in steps] == [
        ("r1", "2026-06-18", "Bystyret"),
        ("t1", "2026-06-18", "Bystyret"),
        ("p2", "2026-09-10", "Bystyret"),
    ]
    items = {
        "Dagsordenpunkter": [
            {
                "Id": "p1",
                "Punktnummer": 45,
                "Caption": "Boligsosialt handlingsprogram 2027–2030",
                "CaseNumber": "25/26257",
                "IsOpen": True,
                "Felter": [
                    {"Html": "<p>Sagsfremstilling</p>", "Link": "/Vis/Pdf/bilag/g1", "DocumentId": "g1"},
                    {"Html": "<p>Beslutning</p>", "Link": None},
                ],
                "Bilag": [{"Id": "g2", "Navn": "Bilag 1: Kart"}, {"Id": "g1"}],
            },
            {"Id": "p2", "Number": 46, "Navn": "Lukket punkt", "IsOpen": False, "Bilag": [{"Id": "g3"}]},
        ]
    }
    (case,) = adapter.parse(ref, steps[0], answer(steps[0].url, items))
    assert isinstance(case, Case) and case.title == "Boligsosialt handlingsprogram 2027–2030"
    assert case.case_number == "PS 45/26 (sak 25/26257)" and case.body == "Bystyret"
    assert [(f.url.rsplit("/", 1)[1], f.role) for f in case.files] == [("g1", "saksframlegg"), ("g2", "vedlegg")]
    try:
        list(adapter.parse(ref, boards, HtmlResponse(boards.url, body=b"<html>Logg inn</html>")))
    except PortalError as exc:
        assert exc.kind == "portal_not_json"
    else:
        raise AssertionError("a login page in place of the board list must be an error")
