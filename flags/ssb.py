"""SSB PxWebApi v2 client: metadata first, then data in JSON-stat2, within SSB's published limits.

- at most `max_cells` cells per data call (SSB: 800,000): region selections are split into chunks;
- the transport is the core's API fetcher (`core/apifetch.py`), shared with ROBEK: at most `max_calls` calls
  per `window` seconds (SSB: 30 per 60 s), retries on 429/5xx with Retry-After, every raw answer stored in the
  archive (`http_cache`) with its fetch time, and `offline=True` answering from that cache only, so flags can
  be recomputed without the network.
"""

from __future__ import annotations

from typing import Any

from boligarkiv.apifetch import ApiFetcher, GaveUp, HttpStatus, NotCached, Unreachable
from boligarkiv.db import Archive
from boligarkiv.flags.jsonstat import Cell, JsonStatError, parse_dataset

DEFAULT_URL = "https://data.ssb.no/api/pxwebapi/v2"


class SsbError(RuntimeError):
    """SSB said no (400/403/404), kept failing, or answered with something that is not JSON-stat2."""


class SsbUnreachable(SsbError):
    """No connection to SSB at all (DNS, refused, no route): the whole SSB part stops at once."""


UNREACHABLE = (
    "Får ikke kontakt med SSB ({detail}). Sjekk nettverket, eller kjør «boligarkiv flags --offline» for å regne "
    "ut flaggene fra svarene som er lagret i arkivet."
)


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
        self.max_cells = max_cells
        self.lang = lang
        self.fetcher = ApiFetcher(
            archive,
            offline=offline,
            max_calls=max_calls,
            window=window,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            user_agent="Boligarkiv (flags)",
        )

    @property
    def calls(self) -> int:
        return self.fetcher.calls

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, base: str | None = None
    ) -> tuple[Any, Any]:
        """(parsed JSON, fetch time of a cached answer or None when fresh)."""
        url = f"{(base or self.base).rstrip('/')}{path}"
        try:
            answer = self.fetcher.request(method, url, body)
        except NotCached as exc:
            raise SsbError(f"ingen lagret SSB-respons for {exc} (kjør uten --offline først)") from exc
        except Unreachable as exc:
            raise SsbUnreachable(UNREACHABLE.format(detail=exc.detail)) from exc
        except GaveUp as exc:
            raise SsbError(f"SSB svarte ikke etter {exc.attempts} forsøk ({path}): {exc.last}") from exc
        except HttpStatus as exc:
            try:
                detail = exc.answer.json().get("title") or exc.answer.text[:200]
            except (ValueError, AttributeError):
                detail = exc.answer.text[:200]
            raise SsbError(f"SSB svarte {exc.answer.status} for {path}: {detail}") from exc
        try:
            return answer.json(), answer.fetched_at
        except ValueError as exc:
            raise SsbError(f"SSB svarte med noe som ikke er JSON for {path}") from exc

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
        self.fetcher.close()


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
