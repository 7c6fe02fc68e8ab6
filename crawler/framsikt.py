"""Plans published through Framsikt (pub.framsikt.net/plan/<kommune>/plan-<uuid>-<n>/): an Angular app whose
text lives in static files beside it (../shared/data/kommune_web/framsikt/SHAPES.md). The «whole plan on one
page» view lists the headings and, for each text block, a `dataId`; each block's HTML is in
`content/text<dataId>/description.json`. The crawler reads these and archives the plan as one document, a
page of text per top-level heading, like a plan in chapters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from parsel import Selector

from boligarkiv.formats import CHAPTER_MARKER

PLAN_PATH = re.compile(r"^/plan/[^/]+/plan-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+/?$")
SUMMARY = "content/html/summary/11111111-1111-1111-1111-111111111111/content.html"
MAX_BLOCKS = 400


def plan_base(url: str) -> str | None:
    """The publication's base URL (ending in /) when `url` is a Framsikt plan, else None."""
    parts = urlsplit(url.split("#")[0])
    if not PLAN_PATH.match(parts.path):
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def summary_url(base: str) -> str:
    return base + SUMMARY


def text_url(base: str, data_id: str) -> str:
    return base + "content/text" + (data_id if data_id.startswith("/") else "/" + data_id) + "/description.json"


@dataclass
class FramsiktPlan:
    base: str
    title: str
    skeleton: list[tuple[str, str]]  # ("h1".."h6", heading text) or ("text", dataId), in order
    blocks: dict[str, str] = field(default_factory=dict)  # dataId → HTML
    failed: set[str] = field(default_factory=set)

    @property
    def data_ids(self) -> list[str]:
        return [v for k, v in self.skeleton if k == "text"]

    @property
    def complete(self) -> bool:
        return len(self.blocks) + len(self.failed) >= len(self.data_ids)

    def body(self) -> bytes:
        """Chapters at each top-level heading, behind the same marker as a plan in chapters."""
        out = [f"<html><head><title>{_esc(self.title)}</title></head><body>"]
        chapter = 0
        for kind, value in self.skeleton:
            if kind == "h1":
                chapter += 1
                out.append(CHAPTER_MARKER.format(url=f"{self.base}#kapittel-{chapter}"))
                out.append(f"<h1>{_esc(value)}</h1>")
            elif kind.startswith("h"):
                out.append(f"<{kind}>{_esc(value)}</{kind}>")
            elif value in self.blocks:
                out.append(f"<div>{self.blocks[value]}</div>")
        if chapter == 0:
            out.insert(1, CHAPTER_MARKER.format(url=self.base))
        out.append("</body></html>")
        return "\n".join(out).encode("utf-8")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_summary(html: str) -> list[tuple[str, str]]:
    """Headings (`<div class="row h1">…`) and text placeholders (`dataId="…"`) in document order."""
    sel = Selector(text=html)
    out: list[tuple[str, str]] = []
    for el in sel.xpath("//*[@dataId or @dataid or contains(concat(' ', normalize-space(@class), ' '), ' row ')]"):
        data_id = el.attrib.get("dataId") or el.attrib.get("dataid")
        if data_id:
            out.append(("text", data_id))
            continue
        classes = (el.attrib.get("class") or "").split()
        level = next((c for c in classes if re.fullmatch(r"h[1-6]", c)), None)
        if level:
            text = " ".join(" ".join(el.css("::text").getall()).split())
            if text:
                out.append((level, text))
        if len(out) >= MAX_BLOCKS:
            break
    return out


def parse_description(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    html = data.get("description") if isinstance(data, dict) else None
    return html if isinstance(html, str) else None
