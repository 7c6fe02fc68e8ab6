"""ACOS WebSak innsyn (classic, server-rendered `wfinnsyn.ashx`): møteplan per year → møte → saksliste with
its documents (`wfdocument.ashx`). Shapes from `kommune_web/acos_websak_innsyn/` (a real Bærum page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import Case, CaseFile, PortalRef, Step, dotted_date, file_role, years
from boligarkiv.vocabulary import PORTAL_LABELS

# «PS 12/18 Tittel», «RS 3/2024 Tittel», also without the type letters.
AGENDA_RE = re.compile(r"^\s*(?:(PS|RS|OS|FO|DS|SR|ES|KS|IP)\s+)?(\d{1,4}/\d{2,4})\s*[-–:]?\s*(.*)$", re.S)


class AcosWebSak:
    name = "acos_websak"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        path = parts.path
        low = path.lower()
        for handler in ("wfinnsyn.ashx", "wfdocument.ashx"):
            if low.endswith(handler):
                base = f"{parts.scheme}://{parts.netloc}{path[: len(path) - len(handler)]}wfinnsyn.ashx"
                return PortalRef(self.name, base)
        return None

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        return [
            Step(f"{ref.base}?response=moteplan&fradato={y}-01-01T00:00:00&", "moteplan", data={"year": y})
            for y in years(since, until)
        ]

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        if step.step == "moteplan":
            yield from self._moteplan(response, step.data.get("year"))
        elif step.step == "mote":
            yield from self._mote(response, step.data)

    def _moteplan(self, response: Response, year: int | None) -> Iterator[Step]:
        caption = " ".join(response.css("caption::text, h1::text").getall())
        m = re.search(r"\b(19|20)\d{2}\b", caption)
        year = int(m.group(0)) if m else year
        for row in response.css("tr"):
            header = row.css("th")
            if not header:
                continue
            board = " ".join(" ".join(header[0].css("::text").getall()).split())
            cells = row.css("td")
            for month, cell in enumerate(cells[:12], start=1):
                for a in cell.css('a[href*="response=mote"]'):
                    href = a.attrib.get("href", "")
                    if "moteid=" not in href:
                        continue
                    when = dotted_date(a.attrib.get("title", ""))
                    if when is None and year:
                        day = "".join(a.css("::text").getall()).strip()
                        try:
                            when = date(year, month, int(day))
                        except ValueError:
                            when = None
                    yield Step(
                        urljoin(response.url, href),
                        "mote",
                        data={"body": board, "date": when.isoformat() if when else None},
                    )

    def _mote(self, response: Response, data: dict) -> Iterator[Case]:
        title = " ".join(" ".join(response.css("title::text").getall()).split())
        body = data.get("body") or re.sub(r"\s*\d{1,2}\.\d{1,2}\.\d{4}.*$", "", title) or None
        when = date.fromisoformat(data["date"]) if data.get("date") else dotted_date(title)
        items = response.css("#div_sok_resultstable > ul > li") or response.xpath(
            "//li[.//h3/a[contains(concat(' ', normalize-space(@class), ' '), ' content-link ')]]"
        )
        for li in items:
            heading = li.css("div.det h3 a.content-link") or li.css("h3 a.content-link")
            if not heading:
                continue
            text = " ".join(" ".join(heading[0].css("::text").getall()).split())
            m = AGENDA_RE.match(text)
            kind, number, case_title = (m.group(1), m.group(2), m.group(3)) if m else (None, None, text)
            case_number = f"{kind} {number}" if kind and number else number
            sak = li.css('a[href*="arkivsak_detaljer"]::attr(href)').get()
            if sak:
                sak_id = (parse_qs(urlsplit(sak).query).get("arkivsakid") or [""])[0]
                if len(sak_id) >= 8 and sak_id.isdigit():
                    saksnr = f"{sak_id[:4]}/{int(sak_id[4:])}"
                    case_number = f"{case_number} (sak {saksnr})" if case_number else saksnr
            anchor = li.css("h3 a[id]::attr(id)").get()
            files = []
            seen: set[str] = set()
            for a in li.css('a[href*="wfdocument.ashx"]'):
                url = urljoin(response.url, a.attrib["href"])
                if url in seen:
                    continue
                seen.add(url)
                label = a.attrib.get("title", "")
                name = " ".join(" ".join(a.css("::text").getall()).split())
                files.append(CaseFile(url, name or case_title, file_role(label.split("|")[0], name)))
            yield Case(
                self.name,
                urljoin(response.url, sak) if sak else response.url + (f"#{anchor}" if anchor else ""),
                case_title.strip() or text,
                body=body,
                meeting_date=when,
                case_number=case_number,
                files=files,
            )


ADAPTER = AcosWebSak()
