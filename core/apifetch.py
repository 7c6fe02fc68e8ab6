"""One way to call an external API (SSB, Klass, ROBEK at regjeringen.no, and any later one).

- at most `max_calls` calls per `window` seconds, by a sliding window;
- retries on 429 and 5xx and on transport errors, with exponential backoff and Retry-After honoured (seconds
  or an HTTP date, capped);
- an unreachable host (DNS, refused, no route) gets one quick second try and then counts as unreachable for
  the rest of the run, so a dead network ends the job in seconds;
- every answer is stored in the archive (`http_cache`) with its fetch time, keyed by method, URL and the
  request body's hash; `offline=True` answers from that cache only.

Callers turn `Unreachable`, `HttpStatus` and `GaveUp` into their own Norwegian messages.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import HttpCache

MAX_RETRY_AFTER = 120.0


class FetchError(RuntimeError):
    """The answer could not be had."""


class Unreachable(FetchError):
    """No connection at all; `detail` names the transport error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class HttpStatus(FetchError):
    """The server answered with 4xx (other than 429): asking again will not help. The answer is kept."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(f"HTTP {answer.status}")
        self.answer = answer


class GaveUp(FetchError):
    """Still 429, 5xx or a transport error after every retry; `last` says what the last try got."""

    def __init__(self, attempts: int, last: str) -> None:
        super().__init__(f"{attempts} forsøk: {last}")
        self.attempts, self.last = attempts, last


class NotCached(FetchError):
    """Offline, and the archive holds no earlier answer to this request."""


@dataclass
class Answer:
    status: int
    text: str
    fetched_at: datetime | None  # None: fresh from the network now; else when the cached answer was fetched

    def json(self) -> Any:
        return json.loads(self.text)


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
    from datetime import UTC

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ApiFetcher:
    def __init__(
        self,
        archive: Archive,
        *,
        offline: bool = False,
        max_calls: int = 30,
        window: float = 60.0,
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 60.0,
        user_agent: str = "Boligarkiv",
    ) -> None:
        self.archive = archive
        self.offline = offline
        self.retries = retries
        self.backoff = backoff
        self.limiter = RateLimiter(max_calls, window)
        # A short connect timeout: an unreachable host should end its part of the run in seconds, not minutes.
        self.http = (
            None
            if offline
            else httpx.Client(
                timeout=httpx.Timeout(timeout, connect=8.0), headers={"User-Agent": user_agent}, follow_redirects=True
            )
        )
        self.calls = 0
        self.unreachable: str | None = None

    def cached(self, key: str) -> Answer:
        with self.archive.session() as s:
            row = s.scalars(
                select(HttpCache)
                .where(HttpCache.key == key, HttpCache.status == 200)
                .order_by(HttpCache.fetched_at.desc())
                .limit(1)
            ).first()
            if row is None:
                raise NotCached(key)
            return Answer(row.status, row.body, row.fetched_at)

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Answer:
        key = cache_key(method, url, body)
        if self.offline:
            return self.cached(key)
        assert self.http is not None
        if self.unreachable:
            raise Unreachable(self.unreachable)
        last = ""
        connect_failures = 0
        for attempt in range(self.retries + 1):
            self.limiter.wait()
            self.calls += 1
            try:
                resp = self.http.request(method, url, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                connect_failures += 1
                last = f"{type(exc).__name__}: {exc}"
                if connect_failures >= 2:
                    self.unreachable = last
                    raise Unreachable(last) from exc
                time.sleep(min(1.0, self.backoff))
                continue
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(self.backoff * 2**attempt)
                continue
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                wait = retry_after_seconds(resp.headers.get("Retry-After", ""))
                time.sleep(min(wait if wait is not None else self.backoff * 2**attempt, MAX_RETRY_AFTER))
                continue
            with self.archive.session() as s:
                s.add(HttpCache(key=key[:2000], status=resp.status_code, body=resp.text))
            answer = Answer(resp.status_code, resp.text, None)
            if resp.status_code >= 400:
                raise HttpStatus(answer)
            return answer
        raise GaveUp(self.retries + 1, last)

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
