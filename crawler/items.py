"""The fetch item both spiders hand to the archive pipeline: one dict shape for responses and failures."""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.http import Response


def _header(response: Response, name: bytes) -> str | None:
    return response.headers.get(name, b"").decode("latin-1")[:300] or None


def response_item(response: Response, what: str, kommune: str | None, **extra: Any) -> dict[str, Any]:
    meta = response.meta
    redirects = meta.get("redirect_urls") or []
    return {
        "what": what,
        "kommune": kommune,
        "url": redirects[0] if redirects else response.url,
        "final_url": response.url,
        "status": response.status,
        "content_type": _header(response, b"Content-Type"),
        "etag": _header(response, b"ETag"),
        "last_modified": _header(response, b"Last-Modified"),
        "referrer": meta.get("referrer"),
        "anchor": meta.get("anchor") or None,
        **extra,
    }


def request_item(request: scrapy.Request, what: str, kommune: str | None, **extra: Any) -> dict[str, Any]:
    meta = request.meta
    return {
        "what": what,
        "kommune": kommune,
        "url": request.url,
        "final_url": None,
        "status": None,
        "content_type": None,
        "etag": None,
        "last_modified": None,
        "referrer": meta.get("referrer"),
        "anchor": meta.get("anchor") or None,
        **extra,
    }
