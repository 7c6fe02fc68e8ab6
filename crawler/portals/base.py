"""What every meeting-portal adapter hands the spider: navigation steps, and cases with their files.

An adapter knows one portal's shapes and nothing about budgets, robots or relevance: the spider decides
which cases concern housing (with the judge the application gives it) and fetches their files politely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from scrapy.http import Response


@dataclass(frozen=True)
class PortalRef:
    """One kommune's presence on a portal: the adapter, the portal's base URL and its key (org, tenant …)."""

    portal: str
    base: str
    key: str = ""


@dataclass
class Step:
    """A portal page or API call to fetch next; `data` comes back to the adapter with the response. A GraphQL
    portal is read by POSTing a query (`method`, `body`)."""

    url: str
    step: str
    headers: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    method: str = "GET"
    body: bytes | None = None

    def with_data(self, **data: Any) -> Step:
        return Step(self.url, self.step, dict(self.headers), {**self.data, **data}, self.method, self.body)


@dataclass
class CaseFile:
    url: str
    title: str
    role: str  # saksframlegg, vedtak, protokoll, vedlegg
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    """One agenda item: a case treated by a body at a meeting. `files` may come later, from `detail`."""

    portal: str
    portal_url: str
    title: str
    body: str | None = None
    meeting_date: date | None = None
    case_number: str | None = None
    files: list[CaseFile] = field(default_factory=list)
    detail: Step | None = None

    def meta(self) -> dict[str, Any]:
        return {
            "portal": self.portal,
            "portal_url": self.portal_url,
            "case_title": self.title[:500],
            "body": (self.body or "")[:200] or None,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "case_number": self.case_number,
        }


class Adapter(Protocol):
    name: str
    label: str  # the portal's name as analysts know it

    def detect(self, url: str) -> PortalRef | None: ...

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]: ...

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]: ...


DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def dotted_date(text: str) -> date | None:
    m = DOTTED_DATE.search(text or "")
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.fromisoformat(value[:19].replace("Z", "")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def file_role(*labels: str) -> str:
    """The part a file plays in a case, from the portal's document type or title («Hoveddokument | 245 KB»,
    «Saksfremlegg/innstilling», «Vedtak», «Saksprotokoll …», «Beslutning», «Bilag 2: …», DocumentLinkTypeId SF/V)."""
    text = " ".join(labels).casefold()
    if "protokoll" in text:
        return "protokoll"
    if "vedtak" in text or "beslutning" in text:
        return "vedtak"
    if "vedlegg" in text or "bilag" in text or text.strip() == "v":
        return "vedlegg"
    return "saksframlegg"


def years(since: date, until: date) -> range:
    return range(since.year, until.year + 1)


def json_body(response: Response) -> Any:
    """The response as JSON, or None: Elements answers a wrong path with its app's HTML and status 200."""
    import json

    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    text = response.body.lstrip()[:1]
    if "json" not in ctype and text not in (b"{", b"["):
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


class PortalError(Exception):
    """A portal answered in a shape the adapter cannot read; `kind` goes to the coverage ledger."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
