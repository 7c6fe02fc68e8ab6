"""SSB PxWebApi v2 client: metadata first, then data in JSON-stat2, within SSB's published limits.

- at most `max_calls` calls per `window` seconds (SSB: 30 per 60 s), by a sliding window;
- at most `max_cells` cells per data call (SSB: 800,000): region selections are split into chunks;
- retries on 429 and 5xx and on transport errors, with exponential backoff and Retry-After honoured;
- every raw answer is stored in the archive (`http_cache`) with its fetch time; `offline=True` answers
  from that cache only, so flags can be recomputed without the network.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import HttpCache
from flags.jsonstat import Cell, JsonStatError, parse_dataset

DEFAULT_URL = "https://data.ssb.no/api/pxwebapi/v2"


class SsbError(RuntimeError):
    """SSB said no (400/403/404), kept failing, or answered with something that is not JSON-stat2."""


class RateLimiter:
    def __init__(
        self,
        max_calls: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_calls, self.window, self.clock, self.sleep = max_calls, window, clock, sleep
        self.calls: deque[float] = deque()

    def wait(self) -> None:
        now = self.clock()
        while self.calls and now - self.calls[0] >= self.window:
            self.calls.popleft()
        if len(self.calls) >= self.max_calls:
            self.sleep(self.window - (now - self.calls[0]) + 0.01)
            return self.wait()
        self.calls.append(self.clock())
        return None


class SsbClient:
    def __init__(
        self,
        archive: Archive,
        base_url: str = DEFAULT_URL,
        *,
        offline: bool = False,
        max_calls: int = 30,
        window: float = 60.0,
        max_cells: int = 800_000,
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 60.0,
        lang: str = "no",
    ) -> None:
        self.archive = archive
        self.base = base_url.rstrip("/")
        self.offline = offline
        self.max_cells = max_cells
        self.retries = retries
        self.backoff = backoff
        self.lang = lang
        self.limiter = RateLimiter(max_calls, window)
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": "Boligarkiv (flags)"}) if not offline else None
        self.calls = 0

    # --- transport -------------------------------------------------------------------------------------
    def _cached(self, key: str) -> tuple[Any, Any]:
        with self.archive.session() as s:
            row = s.scalars(
                select(HttpCache)
                .where(HttpCache.key == key, HttpCache.status == 200)
                .order_by(HttpCache.fetched_at.desc())
                .limit(1)
            ).first()
            if row is None:
                raise SsbError(f"ingen lagret SSB-respons for {key} (kjør uten --offline først)")
            return json.loads(row.body), row.fetched_at

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[Any, Any]:
        url = f"{self.base}{path}"
        key = f"{method} {url}" + (f" {json.dumps(body, sort_keys=True, ensure_ascii=False)}" if body else "")
        if self.offline:
            return self._cached(key)
        assert self.http is not None
        last = ""
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            self.calls += 1
            try:
                resp = self.http.request(method, url, json=body)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(self.backoff * 2**attempt)
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                retry_after = resp.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else self.backoff * 2**attempt
                time.sleep(min(wait, 120.0))
                continue
            with self.archive.session() as s:
                s.add(HttpCache(key=key[:2000], status=resp.status_code, body=resp.text))
            if resp.status_code >= 400:
                try:
                    detail = resp.json().get("title") or resp.text[:200]
                except ValueError:
                    detail = resp.text[:200]
                raise SsbError(f"SSB svarte {resp.status_code} for {path}: {detail}")
            try:
                return resp.json(), None
            except ValueError as exc:
                raise SsbError(f"SSB svarte med noe som ikke er JSON for {path}") from exc
        raise SsbError(f"SSB svarte ikke etter {self.retries + 1} forsøk ({path}): {last}")

    # --- API ---------------------------------------------------------------------------------------------
    def metadata(self, table: str) -> dict[str, Any]:
        data, _ = self._request("GET", f"/tables/{table}/metadata?lang={self.lang}&outputFormat=json-stat2")
        if not isinstance(data, dict) or "dimension" not in data or "id" not in data:
            raise SsbError(f"metadata for tabell {table} er ikke JSON-stat2")
        return data

    def data(self, table: str, selection: dict[str, list[str]], split_on: str) -> tuple[list[Cell], Any]:
        """Fetch cells for `selection`; the `split_on` variable's codes are chunked to respect max_cells."""
        per_code = 1
        for var, codes in selection.items():
            if var != split_on:
                per_code *= max(1, len(codes))
        chunk = max(1, self.max_cells // per_code)
        codes = selection[split_on]
        cells: list[Cell] = []
        fetched_at = None
        for i in range(0, len(codes), chunk):
            part = {**selection, split_on: codes[i : i + chunk]}
            body = {"selection": [{"variableCode": v, "valueCodes": c} for v, c in part.items()]}
            raw, fetched = self._request("POST", f"/tables/{table}/data?lang={self.lang}&outputFormat=json-stat2", body)
            fetched_at = fetched_at or fetched
            try:
                cells.extend(parse_dataset(raw)[2])
            except JsonStatError as exc:
                raise SsbError(f"tabell {table}: uleselig JSON-stat2 ({exc})") from exc
        return cells, fetched_at

    def close(self) -> None:
        if self.http is not None:
            self.http.close()


def metadata_codes(meta: dict[str, Any]) -> dict[str, dict[str, str]]:
    """variable -> {code: label} from a metadata answer."""
    out: dict[str, dict[str, str]] = {}
    for var in meta["id"]:
        cat = meta["dimension"][var]["category"]
        index = cat.get("index") or {}
        codes = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
        labels = cat.get("label") or {}
        out[var] = {c: labels.get(c, c) for c in codes}
    return out
