"""Errors in Norwegian: an HTML page for people, JSON for the API, feeds, exports and clients asking for JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from boligarkiv.web.state import WebState

ERROR_TITLES = {
    400: "Ugyldig forespørsel",
    401: "Ikke logget inn",
    403: "Ingen tilgang",
    404: "Fant ikke siden",
    405: "Ikke tillatt",
    422: "Ugyldig verdi",
    503: "Tjenesten er ikke tilgjengelig",
}
# Starlette's own messages are English: «Not Found» for an unknown path, and so on.
STARLETTE_MESSAGES = {"Not Found": "Fant ikke siden.", "Method Not Allowed": "Metoden er ikke tillatt her."}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/feeds")) or path.endswith((".json", ".atom", ".csv", ".xlsx", ".md")):
        return False
    accept = request.headers.get("accept", "*/*")
    return "text/html" in accept or "*/*" in accept


def install_error_pages(app: FastAPI, state: WebState) -> None:
    def error_response(request: Request, status: int, message: str) -> Response:
        if wants_html(request):
            return state.page("error.html", status, tittel=ERROR_TITLES.get(status, "Noe gikk galt"), melding=message)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        message = STARLETTE_MESSAGES.get(detail, detail) or ERROR_TITLES.get(exc.status_code, "Noe gikk galt.")
        return error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "forespørselen"
            parts.append(f"«{where}» har en ugyldig verdi ({err.get('input', '')!s:.60})")
        return error_response(request, 422, "; ".join(parts) or "Ugyldig verdi.")
