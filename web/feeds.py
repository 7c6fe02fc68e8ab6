"""Atom feeds: new and changed plans (all, per kommune), political cases, searches, saved searches and follows."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from boligarkiv.app import queries
from boligarkiv.report.data import DOC_TYPE_LABELS
from boligarkiv.vocabulary import CASE_ROLE_LABELS, PORTAL_LABELS
from boligarkiv.web.atom import Entry, atom
from boligarkiv.web.state import MAX_ID, State, WebState

router = APIRouter(prefix="/feeds")

FEED_KINDS = {"new_document": "Ny", "changed_document": "Endret", "plan_replaced": "Erstattet"}


def feed(request: Request, feed_id: str, title: str, alternate: str, entries: list[Entry]) -> Response:
    """An Atom feed answer: its self link is the request, its alternate a path on this site ("" for home)."""
    body = atom(feed_id, title, str(request.url), f"{request.base_url}{alternate}", entries)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def plan_entries(state: WebState, kommune: str | None, request: Request) -> list[Entry]:
    base = base_of(request)
    names = queries.kommune_names(state.archive)
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
        for e, d in queries.plan_events(state.archive, kommune)
    ]


def case_entries(state: WebState, kommune: str | None, request: Request) -> list[Entry]:
    """Political case papers from meeting portals, newest first: a feed apart from the plans."""
    base = base_of(request)
    names = queries.kommune_names(state.archive)
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
        for c in queries.case_documents(state.archive, kommune)
    ]


def search_entries(state: WebState, q: str, request: Request) -> list[Entry]:
    result = state.search_or_http_error(q, 50, 0)
    base = base_of(request)
    seen = queries.first_seen(state.archive, [h.sha256 for h in result.hits])
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


def signal_entries(state: WebState, signal: str, request: Request) -> list[Entry]:
    base = base_of(request)
    names = queries.kommune_names(state.archive)
    return [
        Entry(
            id=f"urn:boligarkiv:event:{e.id}",
            title=f"{'Kom til' if e.kind == 'signal_appeared' else 'Forsvant'}: {signal} i "
            f"{names.get(e.kommune_nummer or '', '')}",
            link=f"{base}/dokument/{e.document_sha256}",
            updated=e.created_at,
            summary=e.detail or "",
        )
        for e in queries.signal_events(state.archive, signal)
    ]


@router.get("/politiske-vedtak.atom", summary="Nye politiske saker om bolig fra møteportalene")
def feed_cases(state: State, request: Request) -> Response:
    return feed(
        request,
        "urn:boligarkiv:politiske-vedtak",
        "Boligarkiv: politiske saker om bolig",
        "",
        case_entries(state, None, request),
    )


@router.get("/kommune/{nummer}/politiske-vedtak.atom", summary="Politiske saker om bolig i en kommune")
def feed_kommune_cases(state: State, nummer: str, request: Request) -> Response:
    r = state.kommune_or_404(nummer)
    return feed(
        request,
        f"urn:boligarkiv:kommune:{nummer}:politiske-vedtak",
        f"Boligarkiv: politiske saker om bolig i {r['kommune']['navn']}",
        f"kommune/{nummer}",
        case_entries(state, nummer.zfill(4), request),
    )


@router.get("/planer.atom", summary="Nye og endrede planer")
def feed_all(state: State, request: Request) -> Response:
    return feed(
        request,
        "urn:boligarkiv:planer",
        "Boligarkiv: nye og endrede planer",
        "",
        plan_entries(state, None, request),
    )


@router.get("/kommune/{nummer}.atom", summary="Nye og endrede planer i en kommune")
def feed_kommune(state: State, nummer: str, request: Request) -> Response:
    r = state.kommune_or_404(nummer)
    return feed(
        request,
        f"urn:boligarkiv:kommune:{nummer}",
        f"Boligarkiv: planer i {r['kommune']['navn']}",
        f"kommune/{nummer}",
        plan_entries(state, nummer.zfill(4), request),
    )


@router.get("/sok.atom", summary="Dokumenter som treffer et søk")
def feed_search(state: State, request: Request, q: str = Query(..., min_length=1)) -> Response:
    return feed(
        request,
        f"urn:boligarkiv:sok:{q}",
        f"Boligarkiv: «{q}»",
        f"?{urlencode({'q': q})}",
        search_entries(state, q, request),
    )


@router.get("/lagret/{ident}.atom", summary="Dokumenter som treffer et lagret søk")
def feed_saved(state: State, request: Request, ident: int = Path(ge=1, le=MAX_ID)) -> Response:
    saved = queries.saved_search(state.archive, ident)
    if saved is None:
        raise HTTPException(404, "Ukjent lagret søk")
    name, q = saved
    return feed(
        request,
        f"urn:boligarkiv:lagret:{ident}",
        f"Boligarkiv: {name}",
        f"?{urlencode({'q': q})}",
        search_entries(state, q, request),
    )


@router.get("/folg/{ident}.atom", summary="Det en analytiker følger, som Atom-feed")
def feed_follow(state: State, request: Request, ident: int = Path(ge=1, le=MAX_ID)) -> Response:
    followed = queries.follow(state.archive, ident)
    if followed is None:
        raise HTTPException(404, "Ukjent følging")
    kind, value = followed
    if kind == "kommune":
        entries = plan_entries(state, value, request) + case_entries(state, value, request)
        title = f"Boligarkiv: {value}"
    elif kind == "signal":
        entries = signal_entries(state, value, request)
        title = f"Boligarkiv: signalet {value}"
    else:
        entries = search_entries(state, value, request)
        title = f"Boligarkiv: søket «{value}»"
    entries.sort(key=lambda e: e.updated, reverse=True)
    return feed(request, f"urn:boligarkiv:folg:{ident}", title, "", entries)
