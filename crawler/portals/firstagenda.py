"""FirstAgenda Publication (Kristiansand's `politiskagenda.kristiansand.kommune.no`; Danish kommuner use it
too): a JSON API behind an app that first hands out an anonymous session cookie. The front page sets the
cookie (Scrapy keeps it) → `/api/agenda/udvalgsliste` (every board of the term with its meetings, each
published as «Dagsorden», «Tillægsdagsorden» and later «Referat»; a Norwegian deployment may well say
«Sakskart», «Tilleggssakskart», «Protokoll» — not in the shapes, so both are read) →
`/api/agenda/dagsorden/<meeting guid>` (agenda items with fields and attachments) → papers at
`/Vis/Pdf/bilag/<guid>`. Field names vary between versions (`Navn`/`Caption`, `Number`/`Punktnummer`,
`SagsNummer`/`CaseNumber`), so each is read both ways. Shapes from `kommune_web/other_portals/SHAPES.md`.

A meeting's minutes (Referat) carry the decisions, so where a meeting has both, the minutes are read and the
agenda left; a supplementary agenda is read as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import Case, CaseFile, PortalError, PortalRef, Step, file_role, iso_date, json_body
from boligarkiv.vocabulary import PORTAL_LABELS

API_PATH = re.compile(r"^(.*?)/(?:api/agenda/|Vis/Pdf/|Home/AnonymousAuthentication)", re.IGNORECASE)
HOST_NAMES = ("politiskagenda.", "firstagenda.")


def _first(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if d.get(k) not in (None, ""):
            return d[k]
    return None


class FirstAgenda:
    name = "firstagenda"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        m = API_PATH.match(parts.path)
        if m:
            prefix = m.group(1)
        elif host.startswith(HOST_NAMES) or ".firstagenda." in host:
            prefix = ""
        else:
            return None
        return PortalRef(self.name, f"{parts.scheme}://{parts.netloc}{prefix}", host)

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        # The front page first: it sets the anonymous session cookie the API asks for.
        return [Step(f"{ref.base}/", "home")]

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        accept = {"Accept": "application/json"}
        if step.step == "home":
            yield Step(f"{ref.base}/api/agenda/udvalgsliste", "boards", accept)
            return
        data = json_body(response)
        if not isinstance(data, dict):
            raise PortalError("portal_not_json", step.url)
        if step.step == "boards":
            yield from self._meetings(ref, data, accept)
        elif step.step == "agenda":
            yield from self._cases(ref, step, data)

    def _meetings(self, ref: PortalRef, data: dict[str, Any], accept: dict[str, str]) -> Iterator[Step]:
        terms = data.get("Udvalg")
        if not isinstance(terms, dict):
            raise PortalError("portal_shape", "Udvalg")
        for boards in terms.values():
            for board in boards if isinstance(boards, list) else []:
                chosen: dict[tuple[str, bool], dict[str, Any]] = {}
                for m in board.get("Moeder") or []:
                    when = iso_date(_first(m, "Dato", "MeetingBeginUtc"))
                    if not m.get("Id") or when is None:
                        continue
                    supplementary = bool(m.get("IsSupplementaryAgenda")) or "till" in str(m.get("Navn", "")).lower()
                    key = (when.isoformat(), supplementary)
                    # Danish «Referat»; a Norwegian «Protokoll»/«Møteprotokoll» is read the same way.
                    minutes = any(w in str(m.get("Navn", "")).lower() for w in ("referat", "protokoll"))
                    if key not in chosen or minutes:
                        chosen[key] = m
                for (when, _), m in sorted(chosen.items()):
                    yield Step(
                        f"{ref.base}/api/agenda/dagsorden/{m['Id']}",
                        "agenda",
                        accept,
                        {"date": when, "body": board.get("Navn"), "meeting": m["Id"]},
                    )

    def _cases(self, ref: PortalRef, step: Step, data: dict[str, Any]) -> Iterator[Case]:
        when = date.fromisoformat(step.data["date"]) if step.data.get("date") else None
        for item in data.get("Dagsordenpunkter") or []:
            title = _first(item, "Navn", "Caption")
            if not title or not item.get("Id") or item.get("IsOpen") is False:
                continue  # a closed item: no public papers
            case = Case(
                self.name,
                f"{ref.base}/api/agenda/dagsorden/{step.data.get('meeting')}#{item['Id']}",
                str(title),
                body=step.data.get("body"),
                meeting_date=when,
                case_number=self._number(item, when),
            )
            seen: set[str] = set()
            for field in item.get("Felter") or []:
                link = field.get("Link")
                if not isinstance(link, str) or "/Vis/Pdf/" not in link:
                    continue
                url = link if link.startswith("http") else f"{ref.base}/{link.lstrip('/')}"
                if url not in seen:
                    seen.add(url)
                    label = str(_first(field, "Navn", "Caption", "Title") or case.title)
                    case.files.append(CaseFile(url, label, file_role(label)))
            for bilag in item.get("Bilag") or []:
                if not bilag.get("Id") or bilag.get("IsOpen") is False:
                    continue
                url = f"{ref.base}/Vis/Pdf/bilag/{bilag['Id']}"
                if url in seen:
                    continue
                seen.add(url)
                label = str(_first(bilag, "Navn", "Caption", "Title") or case.title)
                case.files.append(CaseFile(url, label, file_role(label)))
            yield case

    @staticmethod
    def _number(item: dict[str, Any], when: date | None) -> str | None:
        number = _first(item, "Number", "Punktnummer")
        archive = _first(item, "SagsNummer", "CaseNumber")
        own = f"PS {number}/{when.year % 100:02d}" if number is not None and when else None
        if own and archive:
            return f"{own} (sak {archive})"
        return own or (str(archive) if archive else None)


ADAPTER = FirstAgenda()
