"""HTML pages: search, kommune reports, comparison, documents, screening with map, run status, API docs,
and the «Følg» form."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from boligarkiv.app import queries
from boligarkiv.index.query import Phrase, Prefix, QuerySyntaxError, SearchUnavailable, parse_query
from boligarkiv.report import data as report_data
from boligarkiv.report import render
from boligarkiv.web.state import MAX_ID, MAX_OFFSET, MAX_PAGE, State, WebState, xlsx_response

router = APIRouter()

PAGE_SIZE = 10
EXPORT_LIMIT = 1000
PAGES_PER_VIEW = 50
SCREENING_PAGE = 100

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


def signal_evidence(state: WebState, q: str, shas: list[str]) -> dict[str, list[dict[str, Any]]]:
    """For `signal:` searches, each hit's strongest quote for that signal: the evidence, not just the page."""
    from boligarkiv.lexicon import load_lexicon

    signals = [f.value for f in parse_query(q).filters if f.field == "signal"]
    labels = {s.id: s.label for s in load_lexicon().signals}
    out: dict[str, list[dict[str, Any]]] = {}
    for (sha, sig), h in queries.strongest_evidence(state.archive, shas, signals).items():
        out.setdefault(sha, []).append({"signal": labels.get(sig, sig), "sitat": h.sentence, "side": h.page_number})
    return out


def suggestions(q: str) -> list[str]:
    """Zero hits: the same words without the filters, or with ELLER between them."""

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


def overview(state: WebState) -> dict[str, Any]:
    """The home page's counts and the latest changes."""
    from boligarkiv.app.digest import EVENT_TEXT

    return state.cached("oversikt", lambda: queries.overview(state.archive, EVENT_TEXT))


@router.get("/", response_class=HTMLResponse, summary="Søkeside")
def search_page(
    state: State,
    q: str = "",
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    fulgt: int = Query(0, ge=0, le=MAX_ID),
) -> HTMLResponse:
    if not q.strip():
        return state.page(
            "search.html", q="", result=None, error=None, offset=0, limit=PAGE_SIZE, oversikt=overview(state)
        )
    try:
        result = state.run_search(q, PAGE_SIZE, offset)
    except (QuerySyntaxError, SearchUnavailable) as exc:
        status = 503 if isinstance(exc, SearchUnavailable) else 400
        return state.page("search.html", status, q=q, result=None, error=str(exc), offset=0, limit=PAGE_SIZE)
    return state.page(
        "search.html",
        q=q,
        result=result,
        error=None,
        offset=offset,
        limit=PAGE_SIZE,
        fulgt=fulgt,
        bevis=signal_evidence(state, q, [h.sha256 for h in result.hits]),
        forslag=suggestions(q) if not result.hits else [],
    )


def export_rows(state: WebState, request: Request, q: str) -> list[dict[str, Any]]:
    return render.search_rows(state.search_or_http_error(q, EXPORT_LIMIT, 0), str(request.base_url))


@router.get("/sok.csv", response_class=PlainTextResponse, summary="Søketreff som CSV (inntil 1000 dokumenter)")
def search_csv(
    state: State,
    request: Request,
    q: str = Query(..., min_length=1),
    dialekt: str = Query("excel", pattern="^(excel|maskin)$", description="excel (;, desimalkomma, BOM) eller maskin"),
) -> PlainTextResponse:
    from boligarkiv.output import CsvDialect

    return PlainTextResponse(
        render.search_csv(export_rows(state, request, q), CsvDialect(dialekt)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="boligarkiv-sok.csv"'},
    )


@router.get("/sok.xlsx", summary="Søketreff som regneark (inntil 1000 dokumenter)")
def search_xlsx(state: State, request: Request, q: str = Query(..., min_length=1)) -> Response:
    return xlsx_response(render.search_xlsx(export_rows(state, request, q), q), "boligarkiv-sok.xlsx")


@router.get("/kommune/{nummer}.xlsx", summary="Kommunerapport som regneark")
def kommune_xlsx(state: State, nummer: str) -> Response:
    return xlsx_response(render.kommune_xlsx(state.kommune_or_404(nummer)), f"boligarkiv-{nummer}.xlsx")


@router.get("/kommune/{nummer}.md", response_class=PlainTextResponse, summary="Kommunerapport i Markdown")
def kommune_md(state: State, nummer: str) -> PlainTextResponse:
    return PlainTextResponse(render.kommune_markdown(state.kommune_or_404(nummer)), media_type="text/markdown")


def kommune_page_body(state: WebState, nummer: str, fulgt: int = 0) -> bytes:
    """The rendered kommune page, cached under the archive's fingerprint and shared by the workers: the
    report's queries and the template are all of the work."""
    nr = nummer.zfill(4)

    def render_page() -> bytes:
        r = state.kommune_or_404(nummer)  # an unknown kommune raises here: nothing is cached for it
        timeline = report_data.timeline(state.archive, r["kommune"]["nummer"])
        return bytes(state.page("kommune.html", r=r, fulgt=fulgt, tidslinje=timeline).body)

    return state.cached(f"kommuneside:{nr}:{fulgt}", render_page, shared=True)


def warm_kommune_pages(state: WebState) -> int:
    """Render the page of every kommune with something archived into the shared cache, so the first analyst
    after a run does not wait. (A kommune with nothing archived has a short page, rendered on its first
    visit.)"""
    numbers = queries.kommuner_with_documents(state.archive)
    for nummer in numbers:
        kommune_page_body(state, nummer)
    return len(numbers)


@router.get("/kommune/{nummer}", response_class=HTMLResponse, summary="Kommunerapport")
def kommune_page(state: State, nummer: str, fulgt: int = Query(0, ge=0, le=MAX_ID)) -> HTMLResponse:
    return HTMLResponse(kommune_page_body(state, nummer, fulgt))


@router.get("/docs", response_class=HTMLResponse, summary="API-dokumentasjon (uten internett)", include_in_schema=False)
def docs_page(state: State, request: Request) -> HTMLResponse:
    return state.page("docs.html", spec=request.app.openapi())


@router.get("/sammenlign", response_class=HTMLResponse, summary="Sammenlign 2–6 kommuner side om side")
def compare_page(state: State, k: list[str] = Query(default=[])) -> HTMLResponse:
    numbers = [n.zfill(4) for part in k for n in re.split(r"[\s,;]+", part) if n.strip().isdigit()]
    numbers = list(dict.fromkeys(numbers))
    if len(numbers) > 6:
        raise HTTPException(400, "Velg mellom 2 og 6 kommuner å sammenligne")
    # One number (from a kommune page): the form, filled in, waits for the others.
    data = report_data.compare(state.archive, numbers if len(numbers) >= 2 else [])
    unknown = len(numbers) - len(data["kommuner"]) if len(numbers) >= 2 else 0
    if unknown:
        raise HTTPException(404, f"{unknown} av kommunenumrene finnes ikke i arkivet")
    return state.page("compare.html", c=data, valgt=" ".join(numbers))


@router.get("/dokument/{sha256}/fil", summary="Den arkiverte filen")
def document_file(state: State, sha256: str) -> Response:
    doc = queries.document(state.archive, sha256)
    if doc is None:
        raise HTTPException(404, "Ukjent dokument")
    return Response(
        state.archive.blobs.get(sha256), media_type=doc.mime, headers=archived_file_headers(sha256, doc.mime)
    )


@router.get("/dokument/{sha256}", response_class=HTMLResponse, summary="Dokument med sider og signaltreff")
def document_page(state: State, sha256: str, fra: int = Query(1, ge=1, le=MAX_PAGE)) -> HTMLResponse:
    view = queries.document_view(state.archive, sha256, fra, PAGES_PER_VIEW)
    if view is None:
        raise HTTPException(404, "Ukjent dokument")
    return state.page(
        "document.html",
        d=view.document,
        urls=view.urls,
        kommune_navn=view.kommune_navn,
        pages=[
            {"number": p.number, "ocr": p.ocr, "html": highlight(p.text, view.hits.get(p.number, []))}
            for p in view.pages[:PAGES_PER_VIEW]
        ],
        has_more=len(view.pages) > PAGES_PER_VIEW,
        next_from=fra + PAGES_PER_VIEW,
    )


@router.get("/screening.xlsx", summary="Nasjonal screening som regneark")
def screening_xlsx(state: State, request: Request, fylke: str = "") -> Response:
    rows = render.filter_rows(state.screening_rows(), fylke or None)
    return xlsx_response(render.screening_xlsx(rows, str(request.base_url)), "boligarkiv-screening.xlsx")


@router.get("/screening.csv", response_class=PlainTextResponse, summary="Nasjonal screening som CSV")
def screening_csv(
    state: State,
    fylke: str = "",
    dialekt: str = Query("excel", pattern="^(excel|maskin)$", description="excel (;, desimalkomma, BOM) eller maskin"),
) -> PlainTextResponse:
    from boligarkiv.output import CsvDialect

    rows = render.filter_rows(state.screening_rows(), fylke or None)
    return PlainTextResponse(
        render.screening_csv(rows, CsvDialect(dialekt)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="boligarkiv-screening.csv"'},
    )


@router.get("/screening", response_class=HTMLResponse, summary="Nasjonal screening med kart")
def screening_page(
    state: State,
    fylke: str = "",
    vis: str = "mulighet",
    flagg: str = "",
    signal: str = "",
    side: int = Query(1, ge=1, le=MAX_PAGE),
) -> HTMLResponse:
    if vis not in dict(render.MAP_CHOICES) and vis not in report_data.FLAG_LABELS:
        vis = "mulighet"
    body = render.screening_html(
        state.screening_rows(),
        vis=vis,
        fylke=fylke,
        flagg=flagg,
        signal=signal,
        static=False,
        side=side,
        per_side=SCREENING_PAGE,
    )
    return HTMLResponse(body)


@router.get("/status", response_class=HTMLResponse, summary="Kjøringer og endringer")
def status_page(state: State) -> HTMLResponse:
    from boligarkiv.app.scheduler import read_state
    from boligarkiv.lock import holder

    return state.page(
        "status.html",
        runs=queries.recent_runs(state.archive, 20),
        events=queries.recent_changes(state.archive, 50),
        counts=queries.table_counts(state.archive, ("kommune", "document", "page", "signal_hit", "flag")),
        scheduler=read_state(state.settings.data_dir),
        busy=holder(state.settings.data_dir),
    )


@router.post("/folg", summary="Følg en kommune, et signal eller et søk (skjema; krever token)")
async def follow(state: State, request: Request) -> Response:
    from boligarkiv.app.follows import FOLLOW_KINDS, add_follow, follow_value

    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    # The form carries the token in a field; the API in the Authorization header. One check for both.
    state.require_token(f"Bearer {form['token']}" if form.get("token") else request.headers.get("authorization"))
    kind, value, email = form.get("hva", ""), form.get("verdi", ""), form.get("epost", "").strip()
    if kind not in FOLLOW_KINDS or not value or "@" not in email:
        raise HTTPException(400, "Skjemaet trenger hva (kommune, signal eller sok), verdi og e-postadresse")
    try:
        canonical = follow_value(state.archive, kind, value)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    ident, _ = add_follow(state.archive, email, kind, canonical)
    back = form.get("tilbake", "/")
    back = back if back.startswith("/") and not back.startswith("//") else "/"
    sep = "&" if "?" in back else "?"
    return Response(status_code=303, headers={"Location": f"{back}{sep}fulgt={ident}"})
