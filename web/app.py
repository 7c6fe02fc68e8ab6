"""The Boligarkiv web app: search, kommune reports, documents, screening with map, run status, Atom feeds
and a JSON API (OpenAPI at /docs). Server-rendered with the report templates; works without JavaScript.

Three routers — pages (`web/pages.py`), feeds (`web/feeds.py`) and the API (`web/api.py`) — over one
`WebState` built here per app (`web/state.py`) and reading the archive through the shared read model
(`app/queries.py`).

Read-only by default. Changing anything (saved searches, follows) needs `Authorization: Bearer <token>`
matching BOLIGARKIV_WRITE_TOKEN; with no token configured, writing is off.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from boligarkiv import __version__
from boligarkiv.db import Archive, open_archive
from boligarkiv.settings import Settings
from boligarkiv.web import api, feeds, pages
from boligarkiv.web.errors import install_error_pages
from boligarkiv.web.state import WebState


def create_app(settings: Settings, archive: Archive | None = None) -> FastAPI:
    app = FastAPI(
        title="Boligarkiv",
        version=__version__,
        description="Kommunenes boligsosiale planer: søk, signaler, røde flagg og screening.",
        # Swagger UI loads its scripts from a CDN and is blank offline; /docs is our own page instead.
        docs_url=None,
        redoc_url=None,
    )
    state = WebState(settings, archive or open_archive(settings))
    app.state.web = state
    app.state.archive = state.archive
    # The query lemmatisers are built once per worker, here: 20 concurrent first searches would otherwise
    # each build them at once (seconds per request right after start-up).
    from boligarkiv.lemmas import lemmatizer

    for lang in ("nb", "nn"):
        lemmatizer(lang).lemma("utleieboliger")
    # The screening page carries a 400 kB SVG map of 357 kommuner; it compresses tenfold.
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    install_error_pages(app, state)
    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: settings come from BOLIGARKIV_* (serve sets them from its options)."""
    from boligarkiv.settings import load_settings

    return create_app(load_settings())
