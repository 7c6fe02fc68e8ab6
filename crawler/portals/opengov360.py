"""Tieto/Evry 360 OpenGov Meetings (`/Meetings/<ORG>`): boards → a board's meetings per year → meeting page
with its agenda → an agenda item's fragment with the files. Shapes from `kommune_web/opengov_360/` (real
Telemark pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import Case, CaseFile, PortalRef, Step, dotted_date, file_role
from boligarkiv.vocabulary import PORTAL_LABELS

ORG_RE = re.compile(r"^(/Meetings/[A-Za-z0-9_.-]+)(?:/|$)")
ITEM_RE = re.compile(r"^\s*(\d{1,4}/\d{2,4})\s+-\s+(.*)$", re.S)
PERIOD_RE = re.compile(r"(\d{4})\s*-\s*(\d{4})")


class OpenGov360:
    name = "opengov360"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        m = ORG_RE.match(parts.path)
        if not m:
            return None
        return PortalRef(self.name, f"{parts.scheme}://{parts.netloc}{m.group(1)}", m.group(1).rsplit("/", 1)[1])

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        return [Step(f"{ref.base}/Boards", "boards", data={"since": since.year, "until": until.year})]

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        if step.step == "boards":
            for a in response.css('li.boardLink a[href*="/Boards/Details/"]'):
                period = PERIOD_RE.search(" ".join(a.css("div.boardPeriod ::text").getall()))
                if period and int(period.group(2)) < step.data["since"]:
                    continue  # a board of an earlier term
                name = " ".join(" ".join(a.css("div.boardName ::text").getall()).split())
                url = urljoin(response.url, a.attrib["href"]).split("?")[0]
                for y in range(step.data["since"], step.data["until"] + 1):
                    yield Step(f"{url}?Year={y}", "board_year", data={"body": name})
        elif step.step == "board_year":
            body = " ".join(" ".join(response.css("div.meetingTitleHeader h2 ::text").getall()).split())
            for a in response.css('li.boardLink a[href*="/Meetings/Details/"]'):
                when = dotted_date(" ".join(a.css("div.meetingDate ::text, div.meetingName ::text").getall()))
                yield Step(
                    urljoin(response.url, a.attrib["href"]),
                    "meeting",
                    data={"body": body or step.data.get("body"), "date": when.isoformat() if when else None},
                )
        elif step.step == "meeting":
            yield from self._meeting(response, step.data)
        elif step.step == "item":
            yield from self._item(response, step.data)

    def _meeting(self, response: Response, data: dict) -> Iterator[Case]:
        header = " ".join(" ".join(response.css("h2.meetingTitleHeaderText ::text").getall()).split())
        body = data.get("body") or re.sub(r"\s*\(.*\)\s*$", "", header) or None
        when = date.fromisoformat(data["date"]) if data.get("date") else dotted_date(header)
        for a in response.css("div.meetingAgendaList a.accordion[id]"):
            item_id = a.attrib["id"].removeprefix("agendaItem_")
            text = " ".join(" ".join(a.css("h5 ::text").getall()).split())
            m = ITEM_RE.match(text)
            number, title = (m.group(1), m.group(2)) if m else (None, text)
            onclick = a.attrib.get("onclick", "")
            found = re.search(r"'([^']*LoadAgendaItemDetail/[^']*)'", onclick)
            detail = urljoin(response.url, found.group(1)) if found else None
            case = Case(
                self.name,
                f"{response.url.split('?')[0]}?agendaItemId={item_id}",
                title,
                body=body,
                meeting_date=when,
                case_number=number,
            )
            if detail:
                case.detail = Step(detail, "item")
            yield case

    def _item(self, response: Response, data: dict) -> Iterator[Case]:
        case: Case = data["case"]
        for li in response.css("div.filesList li"):
            a = li.css('a[href*="/File/Details/"]')
            if not a:
                continue
            name = " ".join(" ".join(a.css("div.fileNameDetail ::text").getall()).split()) or li.attrib.get("title", "")
            category = " ".join(" ".join(a.css("div.fileDocumentCategory ::text").getall()).split())
            cat = category.casefold()
            if "saksfrem" in cat or "innstilling" in cat:
                role = "saksframlegg"
            elif "vedtak" in cat or "saksprotokoll" in name.casefold():
                role = "vedtak"
            else:
                role = file_role(category, name)
            case.files.append(CaseFile(urljoin(response.url, a[0].attrib["href"]), name, role))
        # «Saksansvarlig» / «Saksnr.» headers, each followed by its value.
        for header in response.css("div.detailsSection div.detailHeader"):
            if "saksnr" not in " ".join(header.css("::text").getall()).casefold():
                continue
            content = header.xpath("following-sibling::div[contains(@class, 'detailContent')][1]//text()").getall()
            value = " ".join(" ".join(content).split())
            if value:
                case.case_number = f"{case.case_number} (sak {value})" if case.case_number else value
        case.detail = None
        yield case


ADAPTER = OpenGov360()
