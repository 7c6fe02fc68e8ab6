"""SSB PxWebApi v2 client: metadata first, then data in JSON-stat2, within SSB's published limits.

- at most `max_calls` calls per `window` seconds (SSB: 30 per 60 s), by a sliding window;
- at most `max_cells` cells per data call (SSB: 800,000): region selections are split into chunks;
- retries on 429 and 5xx and on transport errors, with exponential backoff and Retry-After honoured;
- every raw answer is stored in the archive (`http_cache`) with its fetch time; `offline=True` answers
  from that cache only, so flags can be recomputed without the network.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.flags.jsonstat import Cell, JsonStatError, parse_dataset
from boligarkiv.models import HttpCache

DEFAULT_URL = "https://data.ssb.no/api/pxwebapi/v2"


class SsbError(RuntimeError):
    """SSB said no (400/403/404), kept failing, or answered with something that is not JSON-stat2."""


class SsbUnreachable(SsbError):
    """No connection to SSB at all (DNS, refused, no route): the whole SSB part stops at once."""


UNREACHABLE = (
    "Får ikke kontakt med SSB ({detail}). Sjekk nettverket, eller kjør «boligarkiv flags --offline» for å regne "
    "ut flaggene fra svarene som er lagret i arkivet."
)


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
        # A short connect timeout: an unreachable SSB should end the SSB part in seconds, not minutes.
        self.http = (
            httpx.Client(timeout=httpx.Timeout(timeout, connect=8.0), headers={"User-Agent": "Boligarkiv (flags)"})
            if not offline
            else None
        )
        self.calls = 0
        self.unreachable: str | None = None

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

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, base: str | None = None
    ) -> tuple[Any, Any]:
        url = f"{(base or self.base).rstrip('/')}{path}"
        key = cache_key(method, url, body)
        if self.offline:
            return self._cached(key)
        assert self.http is not None
        if self.unreachable:
            raise SsbUnreachable(UNREACHABLE.format(detail=self.unreachable))
        last = ""
        connect_failures = 0
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            self.calls += 1
            try:
                resp = self.http.request(method, url, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # DNS failure, refused, no route: one quick second try, then SSB counts as unreachable.
                connect_failures += 1
                last = f"{type(exc).__name__}: {exc}"
                if connect_failures >= 2:
                    self.unreachable = last
                    raise SsbUnreachable(UNREACHABLE.format(detail=last)) from exc
                time.sleep(min(1.0, self.backoff))
                continue
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(self.backoff * 2**attempt)
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                wait = retry_after_seconds(resp.headers.get("Retry-After", ""))
                time.sleep(min(wait if wait is not None else self.backoff * 2**attempt, 120.0))
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
    def search(self, query: str) -> list[dict[str, Any]]:
        from urllib.parse import quote

        data, _ = self._request("GET", f"/tables?lang={self.lang}&query={quote(query)}&pageSize=100")
        if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
            raise SsbError(f"tabellsøket «{query}» ga et svar uten tables[]")
        return list(data["tables"])

    def kostra_groups(self, klass_url: str, on: str) -> dict[str, str]:
        """kommunenummer → KOSTRA group code (EKGnn), from Klass classification 112's correspondence to the
        kommune classification (131) on a date. Cached in the archive like every SSB answer."""
        data, _ = self._request(
            "GET",
            f"/classifications/112/correspondsAt?targetClassificationId=131&date={on}&language=nb",
            base=klass_url,
        )
        items = data.get("correspondenceItems") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SsbError("Klass 112 svarte uten correspondenceItems")
        out: dict[str, str] = {}
        for item in items:
            group, kommune = str(item.get("sourceCode", "")), str(item.get("targetCode", ""))
            if group and kommune:
                out[kommune] = (
                    group if group.startswith("EKG") else f"EKG{int(group):02d}" if group.isdigit() else group
                )
        return out

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


def cache_key(method: str, url: str, body: dict[str, Any] | None) -> str:
    """The archive's key for an answer: the body by its hash, so a request for 357 kommuner fits the column and
    an offline lookup finds exactly the answer to the same request."""
    if not body:
        return f"{method} {url}"[:2000]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{method} {url}"[:1900] + f" body-sha256:{digest}"


def retry_after_seconds(value: str) -> float | None:
    """Retry-After in seconds or as an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.replace(".", "", 1).isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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
