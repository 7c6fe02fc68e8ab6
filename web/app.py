"""The Boligarkiv web app: search, kommune reports, documents, screening with map, run status, Atom feeds
and a JSON API (OpenAPI at /docs). Server-rendered with the report templates; works without JavaScript.

Read-only by default. Changing anything (saved searches) needs `Authorization: Bearer <token>` matching
BOLIGARKIV_WRITE_TOKEN; with no token configured, writing is off.
"""

from __future__ import annotations

import hmac
import html
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from boligarkiv import __version__
from boligarkiv.db import Archive, open_archive
from boligarkiv.index.query import QuerySyntaxError, SearchUnavailable, parse_query
from boligarkiv.index.stage import get_backend
from boligarkiv.models import (
    Base,
    CaseDocument,
    ChangeEvent,
    Document,
    Fetch,
    Kommune,
    Page,
    Run,
    SavedSearch,
    SignalHit,
)
from boligarkiv.report import data as report_data
from boligarkiv.report import render
from boligarkiv.report.data import DOC_TYPE_LABELS
from boligarkiv.settings import Settings
from boligarkiv.vocabulary import CASE_ROLE_LABELS, PLAN_TYPES, PORTAL_LABELS
from boligarkiv.web.feeds import Entry, atom

PAGE_SIZE = 10
FEED_KINDS = {"new_document": "Ny", "changed_document": "Endret", "plan_replaced": "Erstattet"}
PAGES_PER_VIEW = 50
SCREENING_PAGE = 100
FACET_FILTERS = {"kommune": "kommune", "fylke": "fylke", "type": "type", "språk": "språk", "signal": "signal"}


def facet_filter(name: str, value: str) -> str:
    if name == "kommune":
        value = value.split(" ", 1)[0]
    value = f'"{value}"' if " " in value else value
    return f"{FACET_FILTERS.get(name, name)}:{value}"


LANGUAGE_LABELS = {"nb": "bokmål", "nn": "nynorsk"}


def facet_label(name: str, value: str) -> str:
    """What an analyst reads for a facet value: the signal's name, the document type's, the language's."""
    if name == "signal":
        from boligarkiv.lexicon import load_lexicon

        return {s.id: s.label for s in load_lexicon().signals}.get(value, value)
    if name == "type":
        return str(DOC_TYPE_LABELS.get(value, value))
    if name == "språk":
        return LANGUAGE_LABELS.get(value, value)
    return value


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# Bounds for every integer a client sends: SQLite integers stop at 2^63, and larger ones gave a 500.
MAX_OFFSET = 1_000_000
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1

# Archived files are whatever a kommune site served; on our origin they must never run as a page. PDFs and
# images open inline under a CSP that forbids scripts; everything else (HTML, Office, unknown) downloads.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain")


def archived_file_headers(sha256: str, mime: str) -> dict[str, str]:
    base = (mime or "").split(";")[0].strip().lower()
    disposition = "inline" if base in INLINE_TYPES else "attachment"
    return {
        "Content-Disposition": f'{disposition}; filename="{sha256[:12]}"',
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, pos = [], 0
    for start, end, label in sorted(spans):
        if start < pos or end > len(text):
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark title="{html.escape(label)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


class SavedSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1, max_length=1000)


def create_app(settings: Settings, archive: Archive | None = None) -> FastAPI:
    archive = archive or open_archive(settings)
    app = FastAPI(
        title="Boligarkiv",
        version=__version__,
        description="Kommunenes boligsosiale planer: søk, signaler, røde flagg og screening.",
        # Swagger UI loads its scripts from a CDN and is blank offline; /docs is our own page instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.archive = archive
    # The query lemmatisers are built once per worker, here: 20 concurrent first searches would otherwise
    # each build them at once (seconds per request right after start-up).
    from boligarkiv.lemmas import lemmatizer

    for lang in ("nb", "nn"):
        lemmatizer(lang).lemma("utleieboliger")
    # The screening page carries a 400 kB SVG map of 357 kommuner; it compresses tenfold.
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    env = render.env
    from boligarkiv.output import RUN_STATUS_LABELS, counts_text

    env.globals.update(
        facet_filter=facet_filter,
        facet_label=facet_label,
        doc_type_labels=DOC_TYPE_LABELS,
        run_status=RUN_STATUS_LABELS,
        counts_text=counts_text,
    )

    def page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(static=False, **ctx), status_code=status)

    # Errors in Norwegian: an HTML page for people, JSON for the API and for clients that ask for JSON.
    error_titles = {
        400: "Ugyldig forespørsel",
        401: "Ikke logget inn",
        403: "Ingen tilgang",
        404: "Fant ikke siden",
        405: "Ikke tillatt",
        422: "Ugyldig verdi",
        503: "Tjenesten er ikke tilgjengelig",
    }

    def wants_html(request: Request) -> bool:
        path = request.url.path
        if path.startswith(("/api", "/feeds")) or path.endswith((".json", ".atom", ".csv", ".xlsx", ".md")):
            return False
        return "text/html" in request.headers.get("accept", "") or "*/*" in request.headers.get("accept", "*/*")

    def error_response(request: Request, status: int, message: str) -> Response:
        if wants_html(request):
            title = error_titles.get(status, "Noe gikk galt")
            return page("error.html", status, tittel=title, melding=message)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own messages are English: «Not Found» for an unknown path, and so on.
        english = {"Not Found": "Fant ikke siden.", "Method Not Allowed": "Metoden er ikke tillatt her."}
        detail = exc.detail if isinstance(exc.detail, str) else ""
        message = english.get(detail, detail) or error_titles.get(exc.status_code, "Noe gikk galt.")
        return error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "forespørselen"
            parts.append(f"«{where}» har en ugyldig verdi ({err.get('input', '')!s:.60})")
        return error_response(request, 422, "; ".join(parts) or "Ugyldig verdi.")

    def require_token(authorization: str | None = Header(default=None)) -> None:
        token = settings.write_token
        if not token:
            raise HTTPException(403, "Skriving er slått av (sett BOLIGARKIV_WRITE_TOKEN)")
        given = (authorization or "").removeprefix("Bearer ").strip()
        # Bytes, not str: compare_digest refuses non-ASCII strings with a TypeError (a 500, not a 401).
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "Feil eller manglende token")

    def run_search(q: str, limit: int, offset: int) -> Any:
        # The same query on the same index gives the same result: answered once per worker until the index
        # (or the archive it reports from) changes. Syntax errors are raised before the cache.
        query = parse_query(q)
        return cached(
            f"sok:{limit}:{offset}:{q}", lambda: get_backend(archive).search(query, limit=limit, offset=offset)
        )

    # --- pages ----------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, summary="Søkeside")
    def search_page(
        q: str = "", offset: int = Query(0, ge=0, le=MAX_OFFSET), fulgt: int = Query(0, ge=0, le=MAX_ID)
    ) -> HTMLResponse:
        if not q.strip():
            return page("search.html", q="", result=None, error=None, offset=0, limit=PAGE_SIZE, oversikt=overview())
        try:
            result = run_search(q, PAGE_SIZE, offset)
        except (QuerySyntaxError, SearchUnavailable) as exc:
            status = 503 if isinstance(exc, SearchUnavailable) else 400
            return page("search.html", status, q=q, result=None, error=str(exc), offset=0, limit=PAGE_SIZE)
        return page(
            "search.html",
            q=q,
            result=result,
            error=None,
            offset=offset,
            limit=PAGE_SIZE,
            fulgt=fulgt,
            bevis=signal_evidence(q, [h.sha256 for h in result.hits]),
            forslag=suggestions(q) if not result.hits else [],
        )

    def signal_evidence(q: str, shas: list[str]) -> dict[str, list[dict[str, Any]]]:
        """For `signal:` searches, each hit's strongest quote for that signal: the evidence, not just the page."""
        from boligarkiv.lexicon import load_lexicon

        signals = [f.value for f in parse_query(q).filters if f.field == "signal"]
        if not signals or not shas:
            return {}
        labels = {s.id: s.label for s in load_lexicon().signals}
        order = {"gjennomfort": 0, "vedtatt": 1, "intensjon": 2, "vurderes": 3, "nevnt": 4}
        out: dict[str, list[dict[str, Any]]] = {}
        with archive.session() as s:
            rows = s.scalars(
                select(SignalHit).where(
                    SignalHit.document_sha256.in_(shas), SignalHit.signal.in_(signals), SignalHit.negated.is_(False)
                )
            )
            best: dict[tuple[str, str], SignalHit] = {}
            for h in rows:
                k = (h.document_sha256, h.signal)
                if k not in best or order.get(h.commitment, 9) < order.get(best[k].commitment, 9):
                    best[k] = h
        for (sha, sig), h in best.items():
            out.setdefault(sha, []).append({"signal": labels.get(sig, sig), "sitat": h.sentence, "side": h.page_number})
        return out

    def suggestions(q: str) -> list[str]:
        """Zero hits: the same words without the filters, or with ELLER between them."""
        from boligarkiv.index.query import Phrase, Prefix

        def show(t: Any) -> str:
            if isinstance(t, Phrase):
                return '"' + " ".join(t.words) + '"'
            return f"{t.text}*" if isinstance(t, Prefix) else str(t.text)

        query = parse_query(q)
        words = [" OR ".join(show(t) for t in group) for group in query.groups]
        out = []
        if query.filters and words:
            out.append(" ".join(words))
        if len(words) > 1:
            out.append(" ELLER ".join(words))
        return [s for s in out if s.strip() and s.strip() != q.strip()]

    def overview() -> dict[str, Any]:
        """The home page's counts and the latest changes."""
        from boligarkiv.digest import EVENT_TEXT

        with archive.session() as s:
            plans = select(Document).where(Document.doc_type.in_(PLAN_TYPES)).subquery()
            names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
            events = list(s.scalars(select(ChangeEvent).order_by(ChangeEvent.created_at.desc()).limit(10)))
            titles = {
                d.sha256: d.title or d.sha256[:12]
                for d in s.scalars(select(Document).where(Document.sha256.in_([e.document_sha256 for e in events])))
            }
            return {
                "kommuner": len(names),
                "planer": s.scalar(select(func.count()).select_from(plans)) or 0,
                "kommuner_med_plan": s.scalar(select(func.count(func.distinct(plans.c.kommune_nummer)))) or 0,
                "dokumenter": s.scalar(select(func.count()).select_from(Document)) or 0,
                "sider": s.scalar(select(func.count()).select_from(Page)) or 0,
                "saker": s.scalar(select(func.count(func.distinct(CaseDocument.document_sha256)))) or 0,
                "siste": [
                    {
                        "når": e.created_at,
                        "hva": EVENT_TEXT.get(e.kind, e.kind) + (f" ({e.signal})" if e.signal else ""),
                        "tittel": titles.get(e.document_sha256 or "", e.detail or ""),
                        "sha": e.document_sha256,
                        "kommune": names.get(e.kommune_nummer or "", ""),
                    }
                    for e in events
                ],
            }

    def document_or_404(session: Any, sha256: str) -> Document:
        doc = session.get(Document, sha256)
        if doc is None:
            raise HTTPException(404, "Ukjent dokument")
        return doc

    # Reports and the screening change only when the archive does: cached per worker under a fingerprint
    # of the tables they read (one cheap query per request instead of dozens).
    report_cache: dict[tuple[Any, ...], Any] = {}

    last_print: list[Any] = [0.0, None]  # (monotonic time, fingerprint)

    def fingerprint() -> tuple[Any, ...]:
        """Read at most every 2 s: a page may show the archive as it was a moment ago, and the query (max over
        several tables) is not paid on every request."""
        from boligarkiv.models import Coverage, Flag, Score

        now = time.monotonic()
        if last_print[1] is not None and now - last_print[0] < 2.0:
            return last_print[1]  # type: ignore[no-any-return]
        with archive.session() as s:
            print_ = tuple(
                s.execute(
                    select(
                        select(func.max(Document.analysed_at)).scalar_subquery(),
                        select(func.max(Document.indexed_at)).scalar_subquery(),
                        select(func.count()).select_from(Document).scalar_subquery(),
                        select(func.max(Score.computed_at)).scalar_subquery(),
                        select(func.max(Flag.computed_at)).scalar_subquery(),
                        select(func.max(Coverage.id)).scalar_subquery(),
                        select(func.max(ChangeEvent.id)).scalar_subquery(),
                        select(func.max(CaseDocument.id)).scalar_subquery(),
                    )
                ).one()
            )
        last_print[0], last_print[1] = now, print_
        return print_

    def cached(name: str, compute: Any) -> Any:
        key = (name, fingerprint())
        if key not in report_cache:
            if len(report_cache) > 2000:
                report_cache.clear()
            report_cache[key] = compute()
        return report_cache[key]

    def screening_rows() -> list[dict[str, Any]]:
        return cached("screening", lambda: report_data.screening(archive))

    def kommune_or_404(nummer: str) -> dict[str, Any]:
        r = cached(f"kommune:{nummer.zfill(4)}", lambda: report_data.kommune_report(archive, nummer.zfill(4)))
        if r is None:
            raise HTTPException(
                404, f"Kommune {nummer} finnes ikke i arkivet (kommunenummer har fire siffer, f.eks. 4601)."
            )
        return r

    @app.get("/kommune/{nummer}.xlsx", summary="Kommunerapport som regneark")
    def kommune_xlsx(nummer: str) -> Response:
        return xlsx_response(render.kommune_xlsx(kommune_or_404(nummer)), f"boligarkiv-{nummer}.xlsx")

    @app.get("/kommune/{nummer}.md", response_class=PlainTextResponse, summary="Kommunerapport i Markdown")
    def kommune_md(nummer: str) -> PlainTextResponse:
        return PlainTextResponse(render.kommune_markdown(kommune_or_404(nummer)), media_type="text/markdown")

    @app.get("/kommune/{nummer}", response_class=HTMLResponse, summary="Kommunerapport")
    def kommune_page(nummer: str, fulgt: int = Query(0, ge=0, le=MAX_ID)) -> HTMLResponse:
        r = kommune_or_404(nummer)
        nr = r["kommune"]["nummer"]

        def render_page() -> HTMLResponse:
            timeline = report_data.timeline(archive, nr)
            return page("kommune.html", r=r, fulgt=fulgt, tidslinje=timeline)

        # The rendered page, not only its data, is cached: the template is most of the work.
        html_page = cached(f"kommuneside:{nr}:{fulgt}", render_page)
        return HTMLResponse(html_page.body, status_code=html_page.status_code)

    @app.get(
        "/docs", response_class=HTMLResponse, summary="API-dokumentasjon (uten internett)", include_in_schema=False
    )
    def docs_page() -> HTMLResponse:
        return page("docs.html", spec=app.openapi())

    @app.get("/sammenlign", response_class=HTMLResponse, summary="Sammenlign 2–6 kommuner side om side")
    def compare_page(k: list[str] = Query(default=[])) -> HTMLResponse:
        import re as _re

        numbers = [n.zfill(4) for part in k for n in _re.split(r"[\s,;]+", part) if n.strip().isdigit()]
        numbers = list(dict.fromkeys(numbers))
        if len(numbers) > 6:
            raise HTTPException(400, "Velg mellom 2 og 6 kommuner å sammenligne")
        # One number (from a kommune page): the form, filled in, waits for the others.
        data = report_data.compare(archive, numbers if len(numbers) >= 2 else [])
        unknown = len(numbers) - len(data["kommuner"]) if len(numbers) >= 2 else 0
        if unknown:
            raise HTTPException(404, f"{unknown} av kommunenumrene finnes ikke i arkivet")
        return page("compare.html", c=data, valgt=" ".join(numbers))

    @app.get("/dokument/{sha256}/fil", summary="Den arkiverte filen")
    def document_file(sha256: str) -> Response:
        with archive.session() as s:
            doc = document_or_404(s, sha256)
            mime = doc.mime
        return Response(archive.blobs.get(sha256), media_type=mime, headers=archived_file_headers(sha256, mime))

    @app.get("/dokument/{sha256}", response_class=HTMLResponse, summary="Dokument med sider og signaltreff")
    def document_page(sha256: str, fra: int = Query(1, ge=1, le=MAX_PAGE)) -> HTMLResponse:
        with archive.session() as s:
            doc = document_or_404(s, sha256)
            pages = list(
                s.scalars(
                    select(Page)
                    .where(Page.document_sha256 == sha256, Page.number >= fra)
                    .order_by(Page.number)
                    .limit(PAGES_PER_VIEW + 1)
                )
            )
            hits: dict[int, list[tuple[int, int, str]]] = {}
            for h in s.scalars(select(SignalHit).where(SignalHit.document_sha256 == sha256)):
                label = h.signal + (" (negert)" if h.negated else "")
                hits.setdefault(h.page_number, []).append((h.start, h.end, label))
            urls = sorted(set(s.scalars(select(Fetch.url).where(Fetch.sha256 == sha256))))
            k = s.get(Kommune, doc.kommune_nummer) if doc.kommune_nummer else None
        shown = pages[:PAGES_PER_VIEW]
        return page(
            "document.html",
            d=doc,
            urls=urls,
            kommune_navn=k.navn if k else "",
            pages=[
                {"number": p.number, "ocr": p.ocr, "html": highlight(p.text, hits.get(p.number, []))} for p in shown
            ],
            has_more=len(pages) > PAGES_PER_VIEW,
            next_from=fra + PAGES_PER_VIEW,
        )

    @app.get("/screening.xlsx", summary="Nasjonal screening som regneark")
    def screening_xlsx(request: Request, fylke: str = "") -> Response:
        rows = render.filter_rows(screening_rows(), fylke or None)
        return xlsx_response(render.screening_xlsx(rows, str(request.base_url)), "boligarkiv-screening.xlsx")

    @app.get("/screening.csv", response_class=PlainTextResponse, summary="Nasjonal screening som CSV")
    def screening_csv(
        fylke: str = "",
        dialekt: str = Query(
            "excel", pattern="^(excel|maskin)$", description="excel (;, desimalkomma, BOM) eller maskin"
        ),
    ) -> PlainTextResponse:
        from boligarkiv.output import CsvDialect

        rows = render.filter_rows(screening_rows(), fylke or None)
        return PlainTextResponse(
            render.screening_csv(rows, CsvDialect(dialekt)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="boligarkiv-screening.csv"'},
        )

    @app.get("/screening", response_class=HTMLResponse, summary="Nasjonal screening med kart")
    def screening_page(
        fylke: str = "",
        vis: str = "mulighet",
        flagg: str = "",
        signal: str = "",
        side: int = Query(1, ge=1, le=MAX_PAGE),
    ) -> HTMLResponse:
        if vis not in dict(render.MAP_CHOICES) and vis not in report_data.FLAG_LABELS:
            vis = "mulighet"
        rows = screening_rows()
        body = render.screening_html(
            rows, vis=vis, fylke=fylke, flagg=flagg, signal=signal, static=False, side=side, per_side=SCREENING_PAGE
        )
        return HTMLResponse(body)

    @app.get("/status", response_class=HTMLResponse, summary="Kjøringer og endringer")
    def status_page() -> HTMLResponse:
        with archive.session() as s:
            runs = list(s.scalars(select(Run).order_by(Run.id.desc()).limit(20)))
            events = list(s.scalars(select(ChangeEvent).order_by(ChangeEvent.id.desc()).limit(50)))
            counts = {
                name: s.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
                for name in ("kommune", "document", "page", "signal_hit", "flag")
            }
        from boligarkiv.lock import holder
        from boligarkiv.scheduler import read_state

        return page(
            "status.html",
            runs=runs,
            events=events,
            counts=counts,
            scheduler=read_state(settings.data_dir),
            busy=holder(settings.data_dir),
        )

    # --- feeds ----------------------------------------------------------------------------------------
    def plan_entries(kommune: str | None, request: Request) -> list[Entry]:
        base = str(request.base_url).rstrip("/")
        with archive.session() as s:
            q = (
                select(ChangeEvent, Document)
                .join(Document, Document.sha256 == ChangeEvent.document_sha256)
                .where(
                    ChangeEvent.kind.in_(["new_document", "changed_document", "plan_replaced"]),
                    Document.doc_type.in_(PLAN_TYPES),
                )
                .order_by(ChangeEvent.created_at.desc())
                .limit(100)
            )
            if kommune:
                q = q.where(ChangeEvent.kommune_nummer == kommune)
            names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
            return [
                Entry(
                    id=f"urn:boligarkiv:event:{e.id}",
                    title=f"{FEED_KINDS.get(e.kind, 'Ny')} plan: {d.title or d.sha256[:12]}"
                    f" ({names.get(d.kommune_nummer or '', '')})",
                    link=f"{base}/dokument/{d.sha256}",
                    updated=e.created_at,
                    summary=f"{DOC_TYPE_LABELS.get(d.doc_type, d.doc_type)}"
                    + (f" {d.period_start}–{d.period_end}" if d.period_end else "")
                    + (f"; erstatter {e.previous_sha256[:12]}" if e.previous_sha256 else ""),
                )
                for e, d in s.execute(q)
            ]

    def case_entries(kommune: str | None, request: Request) -> list[Entry]:
        """Political case papers from meeting portals, newest first: a feed apart from the plans."""
        base = str(request.base_url).rstrip("/")
        with archive.session() as s:
            q = select(CaseDocument).order_by(CaseDocument.first_seen.desc(), CaseDocument.id.desc()).limit(100)
            if kommune:
                q = q.where(CaseDocument.kommune_nummer == kommune)
            names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
            return [
                Entry(
                    id=f"urn:boligarkiv:sak:{c.id}",
                    title=f"Politisk sak: {c.case_title or c.document_title or ''} "
                    f"({names.get(c.kommune_nummer or '', '')}, {c.body or ''}"
                    + (f" {c.meeting_date:%d.%m.%Y}" if c.meeting_date else "")
                    + ")",
                    link=f"{base}/dokument/{c.document_sha256}",
                    updated=c.first_seen,
                    summary=f"{CASE_ROLE_LABELS.get(c.role or '', c.role or '')}"
                    + (f", sak {c.case_number}" if c.case_number else "")
                    + f" – {PORTAL_LABELS.get(c.portal, c.portal)}: {c.portal_url}",
                )
                for c in s.scalars(q)
            ]

    @app.get("/feeds/politiske-vedtak.atom", summary="Nye politiske saker om bolig fra møteportalene")
    def feed_cases(request: Request) -> Response:
        return atom_response(
            atom(
                "urn:boligarkiv:politiske-vedtak",
                "Boligarkiv: politiske saker om bolig",
                str(request.url),
                str(request.base_url),
                case_entries(None, request),
            )
        )

    @app.get("/feeds/kommune/{nummer}/politiske-vedtak.atom", summary="Politiske saker om bolig i en kommune")
    def feed_kommune_cases(nummer: str, request: Request) -> Response:
        r = kommune_or_404(nummer)
        return atom_response(
            atom(
                f"urn:boligarkiv:kommune:{nummer}:politiske-vedtak",
                f"Boligarkiv: politiske saker om bolig i {r['kommune']['navn']}",
                str(request.url),
                f"{request.base_url}kommune/{nummer}",
                case_entries(nummer.zfill(4), request),
            )
        )

    def atom_response(body: str) -> Response:
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @app.get("/feeds/planer.atom", summary="Nye og endrede planer")
    def feed_all(request: Request) -> Response:
        return atom_response(
            atom(
                "urn:boligarkiv:planer",
                "Boligarkiv: nye og endrede planer",
                str(request.url),
                str(request.base_url),
                plan_entries(None, request),
            )
        )

    @app.get("/feeds/kommune/{nummer}.atom", summary="Nye og endrede planer i en kommune")
    def feed_kommune(nummer: str, request: Request) -> Response:
        r = kommune_or_404(nummer)
        return atom_response(
            atom(
                f"urn:boligarkiv:kommune:{nummer}",
                f"Boligarkiv: planer i {r['kommune']['navn']}",
                str(request.url),
                f"{request.base_url}kommune/{nummer}",
                plan_entries(nummer.zfill(4), request),
            )
        )

    def search_entries(q: str, request: Request) -> list[Entry]:
        try:
            result = run_search(q, 50, 0)
        except SearchUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        except QuerySyntaxError as exc:
            raise HTTPException(400, str(exc)) from exc
        base = str(request.base_url).rstrip("/")
        with archive.session() as s:
            seen = {
                d.sha256: d.first_seen
                for d in s.scalars(select(Document).where(Document.sha256.in_([h.sha256 for h in result.hits])))
            }
        entries = [
            Entry(
                id=f"urn:boligarkiv:doc:{h.sha256}",
                title=f"{h.title or h.sha256[:12]} ({h.kommune_navn})",
                link=f"{base}/dokument/{h.sha256}",
                updated=seen.get(h.sha256) or datetime.now(),
                summary=" … ".join(p.snippet for p in h.pages[:1]),
            )
            for h in result.hits
        ]
        return sorted(entries, key=lambda e: e.updated, reverse=True)

    @app.get("/feeds/sok.atom", summary="Dokumenter som treffer et søk")
    def feed_search(request: Request, q: str = Query(..., min_length=1)) -> Response:
        return atom_response(
            atom(
                f"urn:boligarkiv:sok:{q}",
                f"Boligarkiv: «{q}»",
                str(request.url),
                f"{request.base_url}?{urlencode({'q': q})}",
                search_entries(q, request),
            )
        )

    @app.get("/feeds/lagret/{ident}.atom", summary="Dokumenter som treffer et lagret søk")
    def feed_saved(request: Request, ident: int = Path(ge=1, le=MAX_ID)) -> Response:
        with archive.session() as s:
            saved = s.get(SavedSearch, ident)
            if saved is None:
                raise HTTPException(404, "Ukjent lagret søk")
            name, q = saved.name, saved.query
        return atom_response(
            atom(
                f"urn:boligarkiv:lagret:{ident}",
                f"Boligarkiv: {name}",
                str(request.url),
                f"{request.base_url}?{urlencode({'q': q})}",
                search_entries(q, request),
            )
        )

    # --- follows ----------------------------------------------------------------------------------------
    @app.post("/folg", summary="Følg en kommune, et signal eller et søk (skjema; krever token)")
    async def follow(request: Request) -> Response:
        from urllib.parse import parse_qs

        from boligarkiv.follows import FOLLOW_KINDS, add_follow, follow_value

        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        # The form carries the token in a field; the API in the Authorization header. One check for both.
        require_token(f"Bearer {form['token']}" if form.get("token") else request.headers.get("authorization"))
        kind, value, email = form.get("hva", ""), form.get("verdi", ""), form.get("epost", "").strip()
        if kind not in FOLLOW_KINDS or not value or "@" not in email:
            raise HTTPException(400, "Skjemaet trenger hva (kommune, signal eller sok), verdi og e-postadresse")
        try:
            canonical = follow_value(archive, kind, value)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        ident, _ = add_follow(archive, email, kind, canonical)
        back = form.get("tilbake", "/")
        back = back if back.startswith("/") and not back.startswith("//") else "/"
        sep = "&" if "?" in back else "?"
        return Response(status_code=303, headers={"Location": f"{back}{sep}fulgt={ident}"})

    @app.get("/feeds/folg/{ident}.atom", summary="Det en analytiker følger, som Atom-feed")
    def feed_follow(request: Request, ident: int = Path(ge=1, le=MAX_ID)) -> Response:
        from boligarkiv.models import Follow

        with archive.session() as s:
            f = s.get(Follow, ident)
            if f is None:
                raise HTTPException(404, "Ukjent følging")
            kind, value = f.kind, f.value
        if kind == "kommune":
            entries = plan_entries(value, request) + case_entries(value, request)
            title = f"Boligarkiv: {value}"
        elif kind == "signal":
            entries = signal_entries(value, request)
            title = f"Boligarkiv: signalet {value}"
        else:
            entries = search_entries(value, request)
            title = f"Boligarkiv: søket «{value}»"
        entries.sort(key=lambda e: e.updated, reverse=True)
        return atom_response(
            atom(f"urn:boligarkiv:folg:{ident}", title, str(request.url), str(request.base_url), entries)
        )

    def signal_entries(signal: str, request: Request) -> list[Entry]:
        base = str(request.base_url).rstrip("/")
        with archive.session() as s:
            names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
            q = (
                select(ChangeEvent)
                .where(ChangeEvent.signal == signal, ChangeEvent.kind.in_(["signal_appeared", "signal_disappeared"]))
                .order_by(ChangeEvent.created_at.desc())
                .limit(100)
            )
            return [
                Entry(
                    id=f"urn:boligarkiv:event:{e.id}",
                    title=f"{'Kom til' if e.kind == 'signal_appeared' else 'Forsvant'}: {signal} i "
                    f"{names.get(e.kommune_nummer or '', '')}",
                    link=f"{base}/dokument/{e.document_sha256}",
                    updated=e.created_at,
                    summary=e.detail or "",
                )
                for e in s.scalars(q)
            ]

    # --- JSON API -------------------------------------------------------------------------------------
    @app.get("/api/sok", summary="Søk (JSON)")
    def api_search(
        q: str = Query(..., min_length=1),
        limit: int = Query(10, ge=1, le=100),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> JSONResponse:
        try:
            return JSONResponse(run_search(q, limit, offset).to_json())
        except SearchUnavailable as exc:
            return JSONResponse({"feil": str(exc)}, status_code=503)
        except QuerySyntaxError as exc:
            return JSONResponse({"feil": str(exc)}, status_code=400)

    @app.get("/api/kommuner", summary="Kommuner (sidevis)")
    def api_kommuner(
        limit: int = Query(100, ge=1, le=400), offset: int = Query(0, ge=0, le=MAX_OFFSET)
    ) -> dict[str, Any]:
        with archive.session() as s:
            total = s.scalar(select(func.count()).select_from(Kommune)) or 0
            rows = [
                {"nummer": k.nummer, "navn": k.navn, "fylke": k.fylke, "nettside": k.nettside}
                for k in s.scalars(select(Kommune).order_by(Kommune.nummer).limit(limit).offset(offset))
            ]
        return {"totalt": total, "kommuner": rows}

    @app.get("/api/kommuner/{nummer}", summary="Kommunerapport (JSON)")
    def api_kommune(nummer: str) -> Response:
        return Response(render.to_json(kommune_or_404(nummer)), media_type="application/json")

    @app.get("/api/screening", summary="Nasjonal screening (JSON)")
    def api_screening(fylke: str = "", flagg: str = "", signal: str = "") -> Response:
        rows = render.filter_rows(screening_rows(), fylke or None, flagg or None, None, signal or None)
        return Response(render.to_json(rows), media_type="application/json")

    @app.get("/api/dokumenter/{sha256}", summary="Dokumentets metadata")
    def api_document(sha256: str) -> Response:
        with archive.session() as s:
            d = document_or_404(s, sha256)
            body = {c.name: getattr(d, c.name) for c in Document.__table__.columns}
        return Response(render.to_json(body), media_type="application/json")

    @app.get("/api/lagrede-sok", summary="Lagrede søk")
    def api_saved() -> list[dict[str, Any]]:
        with archive.session() as s:
            return [
                {"id": x.id, "navn": x.name, "sok": x.query, "feed": f"/feeds/lagret/{x.id}.atom"}
                for x in s.scalars(select(SavedSearch).order_by(SavedSearch.id))
            ]

    @app.post(
        "/api/lagrede-sok",
        status_code=201,
        dependencies=[Depends(require_token)],
        summary="Lagre et søk (krever token)",
    )
    def api_save(body: SavedSearchIn) -> dict[str, Any]:
        try:
            parse_query(body.query)
        except QuerySyntaxError as exc:
            raise HTTPException(400, str(exc)) from exc
        with archive.session() as s:
            saved = SavedSearch(name=body.name, query=body.query)
            s.add(saved)
            s.flush()
            return {"id": saved.id, "navn": saved.name, "sok": saved.query, "feed": f"/feeds/lagret/{saved.id}.atom"}

    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings come from BOLIGARKIV_* (serve sets them from its options)."""
    from boligarkiv.settings import load_settings

    return create_app(load_settings())
