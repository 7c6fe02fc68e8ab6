"""What the routers share, built once per app: settings, the archive, the caches and the page renderer.

Routers receive it through the `State` dependency (`request.app.state.web`), so no route builds a backend,
a template environment or a cache of its own, and two apps in one process never share state.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from boligarkiv.app import queries
from boligarkiv.db import Archive
from boligarkiv.index.query import QuerySyntaxError, SearchUnavailable, parse_query
from boligarkiv.index.stage import get_backend
from boligarkiv.report import data as report_data
from boligarkiv.report import render
from boligarkiv.report.data import DOC_TYPE_LABELS
from boligarkiv.settings import Settings

T = TypeVar("T")
FINGERPRINT_SECONDS = 2.0
CACHE_ENTRIES = 2000
STALE_CACHE_SECONDS = 600.0
LANGUAGE_LABELS = {"nb": "bokmål", "nn": "nynorsk"}
FACET_FILTERS = {"kommune": "kommune", "fylke": "fylke", "type": "type", "språk": "språk", "signal": "signal"}


def facet_filter(name: str, value: str) -> str:
    if name == "kommune":
        value = value.split(" ", 1)[0]
    value = f'"{value}"' if " " in value else value
    return f"{FACET_FILTERS.get(name, name)}:{value}"


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


class WebState:
    def __init__(self, settings: Settings, archive: Archive) -> None:
        from boligarkiv.output import RUN_STATUS_LABELS, counts_text

        self.settings = settings
        self.archive = archive
        # The web pages' helpers go into each render's context: the report module's template environment
        # stays as the report module left it.
        self.template_globals: dict[str, Any] = {
            "facet_filter": facet_filter,
            "facet_label": facet_label,
            "doc_type_labels": DOC_TYPE_LABELS,
            "run_status": RUN_STATUS_LABELS,
            "counts_text": counts_text,
        }
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._print: tuple[float, tuple[Any, ...] | None] = (0.0, None)
        self._lock = threading.Lock()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}

    def page(self, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = render.env.get_template(template).render(static=False, **self.template_globals, **ctx)
        return HTMLResponse(html, status_code=status)

    def fingerprint(self) -> tuple[Any, ...]:
        """Read at most every 2 s: a page may show the archive as it was a moment ago, and the query (max over
        several tables) is not paid on every request."""
        now = time.monotonic()
        at, value = self._print
        if value is not None and now - at < FINGERPRINT_SECONDS:
            return value
        value = queries.archive_fingerprint(self.archive)
        self._print = (now, value)
        return value

    def cached(self, name: str, compute: Callable[[], T], *, shared: bool = False) -> T:
        """Reports, the screening and searches change only when the archive does: cached per worker under the
        archive's fingerprint (one cheap query per request instead of dozens). `shared` values (rendered
        kommune pages) also go to a cache folder in the data dir, under the same fingerprint, so every worker
        — and the next server start — reuses what one worker computed."""
        fingerprint = self.fingerprint()
        key = (name, fingerprint)
        hit = self._cache.get(key, _MISSING)
        if hit is not _MISSING:
            return hit  # type: ignore[no-any-return]
        # One computation per key: twenty requests for the same cold page wait for the first instead of
        # computing it twenty times over on two cores.
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._cache.get(key, _MISSING)
            if hit is not _MISSING:
                return hit  # type: ignore[no-any-return]
            try:
                disk = self._disk_path(name, fingerprint) if shared else None
                value = _read_pickle(disk) if disk is not None else _MISSING
                if value is _MISSING:
                    value = compute()
                    if disk is not None:
                        _write_pickle(disk, value)
                with self._lock:
                    if len(self._cache) > CACHE_ENTRIES:
                        self._cache.clear()
                    self._cache[key] = value
            finally:
                with self._lock:
                    self._computing.pop(key, None)  # also when compute raised (an unknown kommune)
        return value  # type: ignore[no-any-return]

    def _disk_path(self, name: str, fingerprint: tuple[Any, ...]) -> Path | None:
        version = hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:16]
        root = self.settings.data_dir / "cache" / "web"
        folder = root / version
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                return None  # a read-only data dir: the memory cache still works
            # A new archive state: what was cached for earlier states will not be asked for again. Only
            # folders untouched for a while go: a worker whose fingerprint is a moment old must not remove
            # the pages a run has just rendered for the newer state.
            stale_before = time.time() - STALE_CACHE_SECONDS
            for old in root.iterdir():
                try:
                    if old.name != version and old.stat().st_mtime < stale_before:
                        shutil.rmtree(old, ignore_errors=True)
                except OSError:
                    continue
        return folder / (hashlib.sha256(name.encode()).hexdigest()[:24] + ".pickle")

    def run_search(self, q: str, limit: int, offset: int) -> Any:
        # Syntax errors are raised before the cache; the same query on the same index gives the same result.
        query = parse_query(q)
        return self.cached(
            f"sok:{limit}:{offset}:{q}", lambda: get_backend(self.archive).search(query, limit=limit, offset=offset)
        )

    def search_or_http_error(self, q: str, limit: int, offset: int) -> Any:
        """`run_search` for routes that answer with an error status: 503 without an index, 400 for bad syntax."""
        try:
            return self.run_search(q, limit, offset)
        except SearchUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        except QuerySyntaxError as exc:
            raise HTTPException(400, str(exc)) from exc

    def screening_rows(self) -> list[dict[str, Any]]:
        return self.cached("screening", lambda: report_data.screening(self.archive))

    def kommune_or_404(self, nummer: str) -> dict[str, Any]:
        nr = nummer.zfill(4)
        r = self.cached(f"kommune:{nr}", lambda: report_data.kommune_report(self.archive, nr))
        if r is None:
            raise HTTPException(
                404, f"Kommune {nummer} finnes ikke i arkivet (kommunenummer har fire siffer, f.eks. 4601)."
            )
        return r

    def require_token(self, authorization: str | None) -> None:
        token = self.settings.write_token
        if not token:
            raise HTTPException(403, "Skriving er slått av (sett BOLIGARKIV_WRITE_TOKEN)")
        given = (authorization or "").removeprefix("Bearer ").strip()
        # Bytes, not str: compare_digest refuses non-ASCII strings with a TypeError (a 500, not a 401).
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "Feil eller manglende token")


_MISSING: Any = object()


def _read_pickle(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return _MISSING  # not there yet, or removed by a worker that saw the archive change


def _write_pickle(path: Path, value: Any) -> None:
    # Written to a temporary name and renamed: another worker reads the whole value or nothing.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only or full data dir: the memory cache still works


def get_state(request: Request) -> WebState:
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state


State = Annotated[WebState, Depends(get_state)]


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
