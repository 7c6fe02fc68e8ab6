"""Imitations of six meeting portals, built from the shapes in `../shared/data/kommune_web/`: ACOS
WebSak innsyn (server-rendered `wfinnsyn.ashx`), 360 OpenGov Meetings (`/Meetings/<ORG>`, with its AJAX
agenda fragments and an occasional 500), Elements Publikum (JSON that needs a `Tenant` header and answers
a wrong call with the app's HTML), eInnsyn (JSON search with cursor pages, named in the seeds rather
than linked), Digdem (Apollo GraphQL, POST only) and FirstAgenda (JSON behind an anonymous cookie). Each
portal holds the same cases; `HOUSING_CASES` is the ground truth of what a correct crawl archives: the
housing cases met in the last 24 months, and nothing else.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from urllib.parse import parse_qs, quote, urlsplit

from .sites import Resource, Site, links, page
from .texts import make_pdf


@dataclass(frozen=True)
class PortalCase:
    key: str
    title: str | None  # None: skjermet (closed to the public)
    body: str
    days_ago: int
    housing: bool
    text: str  # the first page of the saksframlegg


HOUSING_TEXT = (
    "Kommunedirektøren legger fram forslag til boligsosial handlingsplan. Kommunen skal skaffe flere "
    "kommunale utleieboliger og bruke startlån aktivt, slik at vanskeligstilte kan eie egen bolig."
)
CASES = (
    PortalCase("bsh", "Boligsosial handlingsplan 2027–2030", "Kommunestyret", 40, True, HOUSING_TEXT),
    PortalCase(
        "salg",
        "Salg av kommunale utleieboliger i Storgata",
        "Formannskapet",
        120,
        True,
        "Formannskapet bes vedta salg av fire kommunale utleieboliger. Beboerne får tilbud om leie-til-eie.",
    ),
    PortalCase(
        "tomt",
        "Kjøp av tomt på Nedre Hagen",
        "Formannskapet",
        120,
        True,
        "Kommunen kjøper tomten for å bygge rimelige boliger for førstegangskjøpere i samarbeid med et "
        "boligbyggelag. Det inngås en utbyggingsavtale om 40 boliger.",
    ),
    PortalCase(
        "idrett",
        "Tilskudd til idrettslag",
        "Hovedutvalg for kultur",
        90,
        False,
        "Idrettslaget søker om tilskudd til ny kunstgressbane og garderober. Kulturkontoret anbefaler 200 000 kr.",
    ),
    PortalCase(
        "budsjett",
        "Budsjett 2027 og økonomiplan 2027–2030",
        "Kommunestyret",
        40,
        False,
        "Budsjettet viser driftsinntekter på 1,2 milliarder kroner. Skolene og barnehagene får økte rammer.",
    ),
    PortalCase(
        "vei",
        "Ny gang- og sykkelvei langs fylkesvegen",
        "Hovedutvalg for teknikk",
        300,
        False,
        "Gang- og sykkelveien skal gi tryggere skolevei. Anlegget finansieres med trafikksikkerhetsmidler.",
    ),
    PortalCase("gammel", "Leie-til-eie – ny ordning", "Kommunestyret", 900, True, HOUSING_TEXT),  # before the period
    PortalCase("skjermet", None, "Formannskapet", 120, False, "Unntatt offentlighet."),
)
HOUSING_CASES = frozenset(c.key for c in CASES if c.housing and c.days_ago <= 700)
TITLES = {c.title: c.key for c in CASES if c.title}


def _meetings(today: date) -> list[tuple[int, str, date, list[tuple[int, PortalCase]]]]:
    """(meeting id, body, date, [(case number, case)]) — cases grouped by body and date."""
    groups: dict[tuple[str, int], list[PortalCase]] = {}
    for c in CASES:
        groups.setdefault((c.body, c.days_ago), []).append(c)
    out = []
    number = 0
    for i, ((body, days), cases) in enumerate(sorted(groups.items(), key=lambda g: g[0][1])):
        numbered = []
        for c in cases:
            number += 1
            numbered.append((number, c))
        out.append((100 + i, body, today - timedelta(days=days), numbered))
    return out


def _paper(case: PortalCase, role: str, kommune: str) -> bytes:
    title = case.title or "Unntatt offentlighet"
    if role == "vedtak":
        body = [f"Vedtak i {case.body}: {title}", f"{case.body} vedtok innstillingen enstemmig."]
    elif role == "vedlegg":
        body = [f"Vedlegg 1: {title}", case.text]
    else:
        body = [f"Saksframlegg: {title}", case.text, "Forslag til vedtak: Innstillingen vedtas."]
    return make_pdf([[*body, f"{kommune} kommune"]], title)


@cache
def _files(case: PortalCase, kommune: str) -> list[tuple[str, str, bytes]]:
    """(role, title, bytes) for a case's public papers: made once, so a portal serves the same bytes on
    every visit, as a real archive does (a rerun must find them unchanged)."""
    t = case.title or ""
    files = [
        ("saksframlegg", t, _paper(case, "saksframlegg", kommune)),
        ("vedtak", f"Vedtak {t}", _paper(case, "vedtak", kommune)),
    ]
    if case.key == "bsh":
        files.append(("vedlegg", f"Vedlegg 1 {t}", _paper(case, "vedlegg", kommune)))
    return files


def _json(data: object) -> Resource:
    return Resource(json.dumps(data, ensure_ascii=False).encode(), content_type="application/json; charset=utf-8")


def _pdf(data: bytes) -> Resource:
    return Resource(data, content_type="application/pdf")


Handler = Callable[[str, dict[str, str]], Resource | None]


def _portal_site(key: str, nummer: str, navn: str) -> Site:
    return Site(key=key, kommune_nummer=nummer, kommune_navn=navn, shape=key, language="nb")


# --- ACOS WebSak innsyn ---------------------------------------------------------------------------------
def acos_site(nummer: str, navn: str, today: date) -> Site:
    site = _portal_site("portal-acos", nummer, navn)
    base = "/innsyn/politikk/wfinnsyn.ashx"
    site.resources["/"] = page(
        f"{navn} kommune", links([("DOCHOST" + base + "?response=moteplan&", "Politiske møter og saksdokumenter")])
    )
    meetings = _meetings(today)
    docs: dict[str, bytes] = {}

    def handle(raw: str, headers: dict[str, str]) -> Resource | None:
        parts = urlsplit(raw)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/innsyn/politikk/wfdocument.ashx":
            data = docs.get(q.get("dokid", ""))
            return _pdf(data) if data else None
        if parts.path != base:
            return None
        if q.get("response") == "moteplan":
            year = int(q.get("fradato", str(today.year))[:4])
            rows = []
            for body in sorted({m[1] for m in meetings}):
                cells = []
                for month in range(1, 13):
                    found = [m for m in meetings if m[1] == body and m[2].year == year and m[2].month == month]
                    cells.append(
                        '<td class="mtm">'
                        + ", ".join(
                            f'<a title="{html.escape(body)} har et møte den {m[2]:%d.%m.%Y}. Du kan klikke på ruten '
                            f'for å få mer informasjon om møtet." href="{base}?response=mote&amp;moteid={m[0]}&amp;">'
                            f"{m[2]:%d}</a>"
                            for m in found
                        )
                        + " </td>"
                    )
                rows.append(
                    f'<tr><th class="header-cell"><a class="header-link" href="{base}?response=moteplan_utvalg&amp;'
                    f'utvalg=1&amp;">{html.escape(body)}</a></th>{"".join(cells)}</tr>'
                )
            table = (
                f'<div id="moteplan_content" class="content"><table class="table i-bgw hh hv hl org">'
                f'<caption>Møteplan    {year}</caption><thead><tr><th class="header-cell">Utvalg</th>'
                + "".join(
                    f"<th>{m}</th>"
                    for m in ("Jan", "Feb", "Mar", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Des")
                )
                + f'</tr></thead><tfoot><tr><td class="pager" colspan="13"><a class="content-link" '
                f'href="{base}?response=moteplan&amp;fradato={year - 1}-01-01T00:00:00">Vis forrige år</a></td></tr>'
                f"</tfoot><tbody>{''.join(rows)}</tbody></table></div>"
            )
            return page(f"Møteplan {year}", table)
        if q.get("response") == "mote":
            m = next((m for m in meetings if str(m[0]) == q.get("moteid")), None)
            if m is None:
                return None
            items = []
            for number, case in m[3]:
                if case.title is None:
                    continue  # closed items are left out of the public saksliste
                sak = f"{m[2].year}00{number:04d}"
                doc_links = []
                for j, (role, title, data) in enumerate(_files(case, navn)):
                    dokid = f"{m[0]}{number}{j}"
                    docs[dokid] = data
                    label = {"saksframlegg": "Hoveddokument", "vedtak": "Vedtak", "vedlegg": f"Vedlegg {j}"}[role]
                    doc_links.append(
                        f'<li><a href="wfdocument.ashx?journalpostid={sak}&amp;dokid={dokid}&amp;versjon=1&amp;'
                        f'variant=A&amp;" title="{label} | 245 KB">{html.escape(title)}</a><span>{label}</span></li>'
                    )
                items.append(
                    f'<li><div class="det"><h3><a id="{number}"></a><a class="content-link" href="#{number}">'
                    f"PS {number}/{m[2]:%y} {html.escape(case.title)}</a></h3></div>"
                    f'<div class="met i-exp i-hs"><div><a href="{base}?response=arkivsak_detaljer&amp;'
                    f'arkivsakid={sak}&amp;">Saksmappe</a></div></div>'
                    f"<h3>Dokumenter</h3><ul>{''.join(doc_links)}</ul></li>"
                )
            return page(f"{m[1]} {m[2]:%d.%m.%Y}", f'<div id="div_sok_resultstable"><ul>{"".join(items)}</ul></div>')
        return None

    site.doc_dynamic.append(("/innsyn/politikk/", handle))
    return site


# --- 360 OpenGov Meetings -------------------------------------------------------------------------------
def opengov_site(nummer: str, navn: str, today: date) -> Site:
    site = _portal_site("portal-opengov", nummer, navn)
    org = "/Meetings/TESTKOMMUNE"
    site.resources["/"] = page(f"{navn} kommune", links([("DOCHOST" + org, "Møtekalender")]))
    meetings = _meetings(today)
    bodies = sorted({m[1] for m in meetings})
    board_ids = {b: 5000 + i for i, b in enumerate(bodies)}
    files: dict[str, bytes] = {}
    failed_once: set[str] = set()

    def handle(raw: str, headers: dict[str, str]) -> Resource | None:
        parts = urlsplit(raw)
        path = parts.path
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if path == f"{org}/Boards":
            items = "".join(
                f'<li class="boardLink"><a href="{org}/Boards/Details/{board_ids[b]}"><div class="boardName">'
                f'<span>{html.escape(b)}</span></div><div class="boardPeriod"><span>2023 - 2027</span></div></a></li>'
                for b in bodies
            )
            items += (
                f'<li class="boardLink"><a href="{org}/Boards/Details/4000"><div class="boardName"><span>'
                'Formannskapet 2011-2015</span></div><div class="boardPeriod"><span>2011 - 2015</span></div></a></li>'
            )
            return page("Utvalg", f'<ul class="boardList">{items}</ul>')
        if path.startswith(f"{org}/Boards/Details/"):
            bid = int(path.rsplit("/", 1)[1])
            if bid == 4000:
                return Resource(b"old board must not be read", status=410, content_type="text/plain")
            body = next(b for b, i in board_ids.items() if i == bid)
            year = int(q.get("Year", today.year))
            lis = "".join(
                f'<li class="boardLink"><a href="{org}/Meetings/Details/{m[0]}"><div class="meetingName">'
                f'<span>{html.escape(body)} ({m[2]:%d.%m.%Y})</span></div><div class="meetingDate">'
                f"<span>{m[2]:%d.%m.%Y}</span><span>12:00</span></div></a></li>"
                for m in meetings
                if m[1] == body and m[2].year == year
            )
            return page(
                body,
                f'<div class="meetingTitleHeader"><h2>{html.escape(body)}</h2></div>'
                f'<div class="meetingList"><ul>{lis}</ul></div>',
            )
        if path.startswith(f"{org}/Meetings/Details/"):
            mid = path.rsplit("/", 1)[1]
            m = next((m for m in meetings if str(m[0]) == mid), None)
            if m is None:
                return None
            if mid not in failed_once:
                failed_once.add(mid)  # some tenants answer 500 now and then
                return Resource(b"Server Error", status=500, content_type="text/plain")
            agenda = []
            for number, case in m[3]:
                if case.title is None:
                    agenda.append(
                        '<li role="listitem"><div class="accordionTitle"><h5>Unntatt offentlighet</h5></div></li>'
                    )
                    continue
                iid = f"{m[0]}{number:03d}"
                agenda.append(
                    f'<li role="listitem"><a class="accordion" id="agendaItem_{iid}" onclick="loadAgendaItem('
                    f"'{org}/Meetings/LoadAgendaItemDetail/{iid}','{iid}')\"><div class=\"accordionTitle\">"
                    f'<h5 class="accordionTitleText">{number}/{m[2]:%y} - {html.escape(case.title)}</h5></div></a>'
                    f'<div id="{iid}" class="panel"></div></li>'
                )
            return page(
                f"{m[1]} ({m[2]:%d.%m.%Y})",
                f'<div class="meetingTitleHeader"><h2 class="meetingTitleHeaderText">{html.escape(m[1])} '
                f'({m[2]:%d.%m.%Y})</h2></div><div class="agendaItemHeader agendaHeader"><h4>Saker til behandling'
                f'</h4></div><div class="meetingAgendaList"><ul role="list">{"".join(agenda)}</ul></div>',
            )
        if path.startswith(f"{org}/Meetings/LoadAgendaItemDetail/"):
            iid = path.rsplit("/", 1)[1]
            for m in meetings:
                for number, case in m[3]:
                    if f"{m[0]}{number:03d}" != iid or case.title is None:
                        continue
                    lis = []
                    for j, (role, title, data) in enumerate(_files(case, navn)):
                        fid = f"{iid}{j}"
                        files[fid] = data
                        category = {
                            "saksframlegg": "Saksfremlegg/innstilling",
                            "vedtak": "Vedtak",
                            "vedlegg": "Vedlegg",
                        }[role]
                        lis.append(
                            f'<li class="boardLink " title="{html.escape(title)}"><a href="{org}/File/Details/{fid}.PDF'
                            f'?fileName={quote(title)}&amp;fileSize={len(data)}"><div class="fileName"><div '
                            f'class="fileNameDetail">{html.escape(title)}</div><div class="fileDocumentCategory">'
                            f'{category}</div></div><span class="size">{len(data) // 1024} KB</span></a></li>'
                        )
                    details = (
                        '<div class="detailsSection"><div class="detailHeader"><span>Saksnr.</span></div>'
                        f'<div class="detailContent"><p>{m[2]:%y}/{number:05d}</p></div></div>'
                    )
                    body = (
                        f'<div class="meetingsDetails"><div class="filesList"><ul>{"".join(lis)}</ul></div>'
                        f"{details}</div>"
                    )
                    return Resource(body.encode(), content_type="text/html; charset=utf-8")
            return None
        if path.startswith(f"{org}/File/Details/"):
            data = files.get(path.rsplit("/", 1)[1].split(".")[0])
            return _pdf(data) if data else None
        return None

    site.doc_dynamic.append((org, handle))
    return site


# --- Elements Publikum ----------------------------------------------------------------------------------
ELEMENTS_TENANT = "944383565_PROD-944383565"
ELEMENTS_DB = "b069d4f5-0000-4000-8000-000000000001"
SPA = b'<!doctype html><html><head><title>Publikum</title></head><body><div id="root"></div></body></html>'


def elements_site(nummer: str, navn: str, today: date) -> Site:
    site = _portal_site("portal-elements", nummer, navn)
    site.resources["/"] = page(
        f"{navn} kommune", links([(f"DOCHOST/publikum/{ELEMENTS_TENANT}/Dmb", "Møter og saker (Elements)")])
    )
    meetings = _meetings(today)
    papers: dict[str, bytes] = {}
    handlings: dict[int, tuple[tuple, int, PortalCase]] = {}
    for m in meetings:
        for number, case in m[3]:
            handlings[m[0] * 100 + number] = (m, number, case)

    def handle(raw: str, headers: dict[str, str]) -> Resource | None:
        parts = urlsplit(raw)
        path = parts.path.removeprefix("/publikum/")
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if path.startswith(f"{ELEMENTS_TENANT}/"):
            return Resource(SPA)
        if path.startswith("api/"):
            if headers.get("tenant") != ELEMENTS_TENANT:
                return Resource(SPA)  # the real server answers a call without the header with the app's HTML
            api = path.removeprefix("api/")
            if api == "PredefinedQuery/DmbMeetings":
                year = int(q.get("year", today.year))
                return _json(
                    [
                        {
                            "MO_ID": m[0],
                            "MO_START": f"{m[2].isoformat()}T10:00:00",
                            "MO_SLUTT": None,
                            "MO_STED": "Rådhuset",
                            "MO_ROM": None,
                            "UT_ID": 10,
                            "UT_NAVN": m[1],
                        }
                        for m in meetings
                        if m[2].year == year
                    ]
                )
            if api.startswith("DmbHandlings/GetByMeetingId/"):
                mid = int(api.rsplit("/", 1)[1])
                return _json(
                    [
                        {
                            "Id": hid,
                            "Title": case.title,
                            "MeetingCaseTypeId": "PS",
                            "SequenceNumber": number,
                            "Year": m[2].year,
                            "ProtocolPublished": case.title is not None,
                            "ProtocolRestricted": case.title is None,
                            "Database": ELEMENTS_DB,
                            "Dmb": {"Id": 10, "Name": m[1]},
                            "Meeting": {"Id": m[0], "StartDate": f"{m[2].isoformat()}T10:00:00"},
                            "RegistryEntry": None,
                        }
                        for hid, (m, number, case) in handlings.items()
                        if m[0] == mid
                    ]
                )
            if api.startswith("DmbHandlings/"):
                hid = int(api.rsplit("/", 1)[1])
                if hid not in handlings:
                    return None
                m, number, case = handlings[hid]
                documents = []
                for j, (role, title, data) in enumerate(_files(case, navn)):
                    if role == "vedtak":
                        papers[f"protokoll/{hid}"] = data
                        continue
                    papers[f"{hid}/{j}"] = data
                    documents.append(
                        {
                            "IsMainDocument": role == "saksframlegg",
                            "DocumentLinkTypeId": "SF" if role == "saksframlegg" else "V",
                            "DocumentDescription": {"Id": j, "DocumentTitle": title, "IsPublished": True},
                        }
                    )
                documents.append(
                    {
                        "IsMainDocument": False,
                        "DocumentLinkTypeId": "V",
                        "DocumentDescription": {
                            "Id": 99,
                            "DocumentTitle": "Unntatt offentlighet",
                            "IsPublished": False,
                        },
                    }
                )
                return _json(
                    {
                        "Id": hid,
                        "Title": case.title,
                        "MeetingCaseTypeId": "PS",
                        "SequenceNumber": number,
                        "Year": m[2].year,
                        "ProtocolPublished": True,
                        "ProtocolRestricted": False,
                        "Database": ELEMENTS_DB,
                        "Dmb": {"Id": 10, "Name": m[1]},
                        "Case": {"CaseNumber": f"{m[2].year - 1}/{4700 + number}"},
                        "RegistryEntry": {"Id": hid, "Database": ELEMENTS_DB, "Documents": documents},
                    }
                )
            return Resource(SPA)
        if path.startswith(f"Documents/ShowDocument/{ELEMENTS_DB}/"):
            hid, j = path.split("/")[-2:]
            data = papers.get(f"{hid}/{j}")
            return _pdf(data) if data else None
        if path.startswith(f"Documents/ShowDmbHandlingDocument/{ELEMENTS_DB}/"):
            hid = path.split("/")[-2]
            data = papers.get(f"protokoll/{hid}")
            return _pdf(data) if data else None
        return None

    site.doc_dynamic.append(("/publikum/", handle))
    return site


# --- eInnsyn --------------------------------------------------------------------------------------------
EINNSYN_ENHET = "enh_01kky1vrbpebds5tv4ep7fgfbs"


def einnsyn_site(nummer: str, navn: str, today: date) -> Site:
    site = _portal_site("portal-einnsyn", nummer, navn)
    site.resources["/"] = page(f"{navn} kommune", "<p>Velkommen. Politiske saker finner du i eInnsyn.</p>")
    site.seed_portals.append(f"DOCHOST/search?administrativEnhet={EINNSYN_ENHET}")
    meetings = _meetings(today)
    objects: dict[str, bytes] = {}

    def mm_id(m: tuple) -> str:
        return f"mm_{m[0]:026d}"

    def ms_id(m: tuple, number: int) -> str:
        return f"ms_{m[0]:020d}{number:06d}"

    def handle(raw: str, headers: dict[str, str]) -> Resource | None:
        host = "http://" + headers.get("host", "127.0.0.1")
        parts = urlsplit(raw)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/search":
            if q.get("entity") != "Moetemappe" or q.get("administrativEnhet") != EINNSYN_ENHET:
                return _json({"items": []})
            lo = date.fromisoformat(q.get("moetedatoFrom", "1900-01-01")[:10])
            hi = date.fromisoformat(q.get("moetedatoTo", "2999-12-31")[:10])
            chosen = sorted((m for m in meetings if lo <= m[2] <= hi), key=lambda m: m[2], reverse=True)
            after = q.get("startingAfter")
            if after:
                ids = [mm_id(m) for m in chosen]
                chosen = chosen[ids.index(after) + 1 :] if after in ids else []
            pages, rest = chosen[:2], chosen[2:]  # small pages, so the cursor is followed
            items = [
                {
                    "entity": "Moetemappe",
                    "id": mm_id(m),
                    "utvalg": m[1],
                    "moetedato": f"{m[2].isoformat()}T10:00:00Z",
                    "moetesak": [
                        {
                            "entity": "Moetesak",
                            "id": ms_id(m, n),
                            "offentligTittel": c.title,
                            "moetesakstype": "politisk",
                            "moetesaksaar": m[2].year,
                            "moetesakssekvensnummer": n,
                            "utvalg": m[1],
                        }
                        for n, c in m[3]
                        if c.title is not None
                    ],
                }
                for m in pages
            ]
            body: dict[str, object] = {"items": items}
            if rest:
                body["next"] = (
                    f"{host}{parts.path}?{parts.query.split('&startingAfter=')[0]}&startingAfter={mm_id(pages[-1])}"
                )
            return _json(body)
        if parts.path.startswith("/moetesak/"):
            sid = parts.path.rsplit("/", 1)[1]
            for m in meetings:
                for n, c in m[3]:
                    if ms_id(m, n) != sid or c.title is None:
                        continue
                    docs, vedtak = [], []
                    for j, (role, title, data) in enumerate(_files(c, navn)):
                        oid = f"do_{sid[3:]}{j}"
                        objects[oid] = data
                        entry = {
                            "entity": "Dokumentbeskrivelse",
                            "id": f"db_{sid[3:]}{j}",
                            "tittel": title,
                            "tilknyttetRegistreringSom": "hoveddokument" if role == "saksframlegg" else "vedlegg",
                            "dokumentobjekt": [
                                {
                                    "entity": "Dokumentobjekt",
                                    "id": oid,
                                    "format": "PDF",
                                    "url": f"{host}/dokumentobjekt/{oid}/download",
                                }
                            ],
                        }
                        (vedtak if role == "vedtak" else docs).append(entry)
                    return _json(
                        {
                            "entity": "Moetesak",
                            "id": sid,
                            "offentligTittel": c.title,
                            "moetesakstype": "politisk",
                            "moetesaksaar": m[2].year,
                            "moetesakssekvensnummer": n,
                            "utvalg": m[1],
                            "dokumentbeskrivelse": docs,
                            "vedtak": {"entity": "Vedtak", "vedtaksdokument": vedtak},
                        }
                    )
            return None
        if parts.path.startswith("/dokumentobjekt/"):
            data = objects.get(parts.path.split("/")[2])
            return _pdf(data) if data else None
        return None

    site.doc_dynamic.append(("/", handle))
    return site


# --- Digdem (Elements møteportal, GraphQL) --------------------------------------------------------------
DIGDEM_SPA = (
    b'<!doctype html><html><head><title>M\xc3\xb8tekalender</title></head><body><div id="root"></div></body></html>'
)
CSRF_MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a "
    "'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, "
    "text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, "
    "apollo-require-preflight"
)


def _cuid(kind: str, n: int) -> str:
    """A cuid-like id («cm8sijrej00pg0pyv76z9ebvf»): 25 characters, lower-case letters and digits."""
    import hashlib

    return "cm" + hashlib.sha256(f"{kind}{n}".encode()).hexdigest()[:23]


def _graphql_error(message: str, status: int = 400) -> Resource:
    return Resource(
        json.dumps({"errors": [{"message": message}]}).encode(),
        content_type="application/json; charset=utf-8",
        status=status,
        conditional=False,
    )


def digdem_site(nummer: str, navn: str, today: date) -> Site:
    """Apollo GraphQL at `/graphql` (POST only, CSRF guard, queries with fragments), the React shell at
    `/motekalender`, papers at `/api/doc/<id>`. One meeting is not yet published: its case must not be read."""
    site = _portal_site("portal-digdem", nummer, navn)
    site.resources["/"] = page(f"{navn} kommune", links([("DOCHOST/motekalender", "Møtekalender og saksdokumenter")]))
    meetings = [(m, True) for m in _meetings(today)]
    unpublished = PortalCase("upublisert", "Boligplan 2027 – oppstart", "Kommunestyret", 2, True, HOUSING_TEXT)
    meetings.append(((900, "Kommunestyret", today - timedelta(days=2), [(99, unpublished)]), False))
    papers: dict[str, bytes] = {}
    by_id = {_cuid("m", m[0]): (m, published) for m, published in meetings}

    def proceeding(m: tuple, number: int, case: PortalCase) -> dict:
        documents = []
        for j, (role, title, data) in enumerate(_files(case, navn) if case.title else []):
            did = _cuid("d", m[0] * 1000 + number * 10 + j)
            papers[did] = data
            kind = {"saksframlegg": "Saksframlegg", "vedtak": "Vedtak", "vedlegg": "Vedlegg"}[role]
            documents.append({"id": did, "title": title, "type": kind, "classified": False, "azureCustomLink": None})
        return {
            "id": _cuid("p", m[0] * 1000 + number),
            "title": case.title or "Unntatt offentlighet",
            "sequenceNumber": number,
            "classified": case.title is None,
            "type": "PS",
            "order": number,
            "agendaOrder": number,
            "agendaGroupType": "POLITICAL_CASES",
            "documents": documents,
        }

    def graphql(raw: str, headers: dict[str, str], body: bytes) -> Resource | None:
        if urlsplit(raw).path != "/graphql":
            return None
        ctype = headers.get("content-type", "")
        if "json" not in ctype and not headers.get("apollo-require-preflight"):
            return _graphql_error(CSRF_MESSAGE)
        try:
            request = json.loads(body)
        except ValueError:
            return _graphql_error("POST body sent invalid JSON.")
        query = str(request.get("query") or "")
        variables = request.get("variables") or {}
        if "fragment " not in query:
            return _graphql_error("Queries must be written with fragments.")
        if "meetings(" in query:
            where = variables.get("where") or {}
            lo = where.get("date_gt", "1900-01-01T00:00:00.000Z")[:10]
            hi = where.get("date_lt", "2999-12-31T00:00:00.000Z")[:10]
            items = [
                {
                    "id": mid,
                    "date": f"{m[2].isoformat()}T08:00:00.000Z",
                    "endDateTime": f"{m[2].isoformat()}T12:00:00.000Z",
                    "internalStatus": "PUBLISHED" if published else "DRAFT",
                    "status": "HELD" if m[2] < today else "PLANNED",
                    "meetingName": m[1],
                    "published": published,
                    "commission": {"id": _cuid("c", len(m[1]))},
                }
                for mid, (m, published) in sorted(by_id.items(), key=lambda kv: kv[1][0][2])
                if lo < m[2].isoformat() < hi
            ]
            return _json({"data": {"meetings": items}})
        if "meeting(" in query:
            found = by_id.get(str(variables.get("id")))
            if found is None:
                return _json({"data": {"meeting": None}})
            m, published = found
            if not published:
                return _json({"data": {"meeting": None}, "errors": [{"message": "Not authorised!"}]})
            return _json(
                {
                    "data": {
                        "meeting": {
                            "id": _cuid("m", m[0]),
                            "date": f"{m[2].isoformat()}T08:00:00.000Z",
                            "location": "Rådhuset, bystyresalen",
                            "mergedPdf": {"id": _cuid("merged", m[0]), "url": None},
                            "commission": {"id": _cuid("c", len(m[1])), "name": m[1]},
                            "documents": [],
                            "proceedings": [proceeding(m, n, c) for n, c in m[3]],
                        }
                    }
                }
            )
        return _graphql_error('Cannot query field on type "Query".')

    def get(raw: str, headers: dict[str, str]) -> Resource | None:
        path = urlsplit(raw).path
        if path == "/graphql":
            return _graphql_error("GET query missing.")
        if path == "/motekalender" or path.startswith("/motekalender/"):
            return Resource(DIGDEM_SPA)
        if path.startswith("/api/doc/"):
            data = papers.get(path.rsplit("/", 1)[1])
            return _pdf(data) if data else None
        return None

    site.doc_post.append(("/graphql", graphql))
    site.doc_dynamic.append(("/", get))
    return site


# --- FirstAgenda Publication ----------------------------------------------------------------------------
FIRSTAGENDA_COOKIE = "FirstAgenda.Anonymous"


def _guid(kind: str, n: int) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"firstagenda/{kind}/{n}"))


def firstagenda_site(nummer: str, navn: str, today: date) -> Site:
    """The API answers only with the anonymous cookie the front page sets; each held meeting is published
    twice (Dagsorden, then Referat with the same items); papers behind field links and attachments."""
    site = _portal_site("portal-firstagenda", nummer, navn)
    site.resources["/"] = page(f"{navn} kommune", "<p>Politiske møter finner du i vår politiske agenda.</p>")
    site.seed_portals.append("DOCHOST/Home/AnonymousAuthentication?callback=%2F")
    meetings = _meetings(today)
    papers: dict[str, bytes] = {}
    publications: dict[str, tuple[tuple, str]] = {}
    for m in meetings:
        publications[_guid("dagsorden", m[0])] = (m, "Dagsorden")
        if m[2] < today:
            publications[_guid("referat", m[0])] = (m, "Referat")
    cookie = f"{FIRSTAGENDA_COOKIE}=anon-{nummer}"

    def item(host: str, m: tuple, number: int, case: PortalCase) -> dict:
        fields, bilag = [], []
        for j, (role, title, data) in enumerate(_files(case, navn) if case.title else []):
            gid = _guid("bilag", m[0] * 1000 + number * 10 + j)
            papers[gid] = data
            if role == "saksframlegg":
                fields.append(
                    {
                        "Html": f"<p>{html.escape(case.text)}</p>",
                        "Link": f"{host}/Vis/Pdf/bilag/{gid}",
                        "DocumentId": gid,
                    }
                )
            else:
                label = "Beslutning" if role == "vedtak" else f"Bilag {j}: {title}"
                bilag.append({"Id": gid, "Navn": label, "IsOpen": True})
        return {
            "Id": _guid("punkt", m[0] * 1000 + number),
            "Number": number,
            "Sorting": number,
            "Navn": case.title or "Lukket punkt",
            "SagsNummer": f"{m[2].year % 100:02d}/{1000 + number}",
            "IsOpen": case.title is not None,
            "Felter": fields if case.title else [],
            "Bilag": bilag,
        }

    def handle(raw: str, headers: dict[str, str]) -> Resource | None:
        host = "http://" + headers.get("host", "127.0.0.1")
        parts = urlsplit(raw)
        path = parts.path
        if path in ("/", "/Home/AnonymousAuthentication"):
            target = parse_qs(parts.query).get("callback", ["/"])[0] if path != "/" else None
            set_cookie = {"Set-Cookie": f"{cookie}; Path=/; HttpOnly"}
            if target:
                return Resource(b"", status=302, headers={**set_cookie, "Location": target}, conditional=False)
            body = b'<!doctype html><html><head><title>Politisk agenda</title></head><body><div id="app"></div>'
            return Resource(body, headers=set_cookie, conditional=False)
        if path.startswith("/api/"):
            if cookie not in headers.get("cookie", ""):
                return Resource(
                    b'{"Message":"Authorization has been denied for this request."}', "application/json", 401
                )
            if path == "/api/agenda/udvalgsliste":
                boards: dict[str, list[dict]] = {}
                for gid, (m, kind) in publications.items():
                    boards.setdefault(m[1], []).append(
                        {
                            "Id": gid,
                            "Dato": f"{m[2].isoformat()}T00:00:00",
                            "MeetingBeginUtc": f"{m[2].isoformat()}T16:00:00+01:00",
                            "MeetingEndUtc": f"{m[2].isoformat()}T19:00:00+01:00",
                            "ReleasedDate": f"{(m[2] - timedelta(days=7)).isoformat()}T12:00:00",
                            "Sted": "Rådhuset",
                            "Afsluttet": kind == "Referat",
                            "Navn": kind,
                            "IsSupplementaryAgenda": False,
                        }
                    )
                term = f"Utvalg {today.year - 1}-{today.year + 2}"
                return _json(
                    {
                        "Udvalg": {
                            term: [{"Id": _guid("udvalg", len(b)), "Navn": b, "Moeder": ms} for b, ms in boards.items()]
                        }
                    }
                )
            if path.startswith("/api/agenda/dagsorden/"):
                found = publications.get(path.rsplit("/", 1)[1])
                if found is None:
                    return None
                m, _ = found
                return _json({"Dagsordenpunkter": [item(host, m, n, c) for n, c in m[3]]})
            return None
        if path.startswith("/Vis/Pdf/bilag/"):
            data = papers.get(path.rsplit("/", 1)[1])
            return _pdf(data) if data else None
        return None

    site.doc_dynamic.append(("/", handle))
    return site


def build_portal_sites(kommuner: list[tuple[str, str]], today: date | None = None) -> list[Site]:
    today = today or date.today()
    makers = (acos_site, opengov_site, elements_site, einnsyn_site, digdem_site, firstagenda_site)
    return [make(n, k, today) for make, (n, k) in zip(makers, kommuner, strict=False)]
