"""The JSON API under /api: search, kommuner and their reports, the screening, documents and saved searches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from boligarkiv.app import queries
from boligarkiv.index.query import QuerySyntaxError, SearchUnavailable, parse_query
from boligarkiv.models import SavedSearch
from boligarkiv.report import render
from boligarkiv.web.state import MAX_OFFSET, State, WebState, get_state

router = APIRouter(prefix="/api")


class SavedSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1, max_length=1000)


def require_token(
    state: Annotated[WebState, Depends(get_state)], authorization: str | None = Header(default=None)
) -> None:
    state.require_token(authorization)


@router.get("/sok", summary="Søk (JSON)")
def api_search(
    state: State,
    q: str = Query(..., min_length=1),
    limit: int = Query(10, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> JSONResponse:
    try:
        return JSONResponse(state.run_search(q, limit, offset).to_json())
    except SearchUnavailable as exc:
        return JSONResponse({"feil": str(exc)}, status_code=503)
    except QuerySyntaxError as exc:
        return JSONResponse({"feil": str(exc)}, status_code=400)


@router.get("/kommuner", summary="Kommuner (sidevis)")
def api_kommuner(
    state: State, limit: int = Query(100, ge=1, le=400), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> dict[str, Any]:
    rows = [
        {"nummer": k["nummer"], "navn": k["navn"], "fylke": k["fylke"], "nettside": k["nettside"]}
        for k in queries.kommune_rows(state.archive, limit, offset)
    ]
    return {"totalt": queries.kommune_count(state.archive), "kommuner": rows}


@router.get("/kommuner/{nummer}", summary="Kommunerapport (JSON)")
def api_kommune(state: State, nummer: str) -> Response:
    return Response(render.to_json(state.kommune_or_404(nummer)), media_type="application/json")


@router.get("/screening", summary="Nasjonal screening (JSON)")
def api_screening(state: State, fylke: str = "", flagg: str = "", signal: str = "") -> Response:
    rows = render.filter_rows(state.screening_rows(), fylke or None, flagg or None, None, signal or None)
    return Response(render.to_json(rows), media_type="application/json")


@router.get("/dokumenter/{sha256}", summary="Dokumentets metadata")
def api_document(state: State, sha256: str) -> Response:
    body = queries.document_columns(state.archive, sha256)
    if body is None:
        raise HTTPException(404, "Ukjent dokument")
    return Response(render.to_json(body), media_type="application/json")


@router.get("/lagrede-sok", summary="Lagrede søk")
def api_saved(state: State) -> list[dict[str, Any]]:
    return [
        {"id": x.id, "navn": x.name, "sok": x.query, "feed": f"/feeds/lagret/{x.id}.atom"}
        for x in queries.saved_searches(state.archive)
    ]


@router.post(
    "/lagrede-sok", status_code=201, dependencies=[Depends(require_token)], summary="Lagre et søk (krever token)"
)
def api_save(state: State, body: SavedSearchIn) -> dict[str, Any]:
    try:
        parse_query(body.query)
    except QuerySyntaxError as exc:
        raise HTTPException(400, str(exc)) from exc
    with state.archive.session() as s:
        saved = SavedSearch(name=body.name, query=body.query)
        s.add(saved)
        s.flush()
        return {"id": saved.id, "navn": saved.name, "sok": saved.query, "feed": f"/feeds/lagret/{saved.id}.atom"}
