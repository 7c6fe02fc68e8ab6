"""Sikri Elements «Publikum» (elementscloud.no/publikum): a JSON API behind a React app. Every call needs the
`Tenant` header; a wrong path answers 200 with the app's HTML, so each body is checked to be JSON. Year's
meetings → a meeting's agenda → one case handling with its registry entry's documents. Shapes from
`kommune_web/elements_publikum/`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import Case, CaseFile, PortalError, PortalRef, Step, iso_date, json_body, years
from boligarkiv.vocabulary import PORTAL_LABELS

TENANT_RE = re.compile(r"^(/(?:[^/]+/)*?publikum/)(\d{9}(?:_PROD-\d{9}(?:-[A-Za-z0-9]+)?)?)(?:/|$)")


class ElementsPublikum:
    name = "elements"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        m = TENANT_RE.match(parts.path)
        if not m:
            return None
        return PortalRef(self.name, f"{parts.scheme}://{parts.netloc}{m.group(1)}", m.group(2))

    def headers(self, ref: PortalRef) -> dict[str, str]:
        return {"Tenant": ref.key, "Accept": "application/json"}

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        return [
            Step(f"{ref.base}api/PredefinedQuery/DmbMeetings?year={y}", "meetings", self.headers(ref))
            for y in years(since, until)
        ]

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        data = json_body(response)
        if data is None:
            raise PortalError("portal_not_json", step.url)
        if step.step == "meetings":
            for m in data if isinstance(data, list) else []:
                mo_id = m.get("MO_ID")
                if mo_id is None:
                    continue
                when = iso_date(m.get("MO_START"))
                yield Step(
                    f"{ref.base}api/DmbHandlings/GetByMeetingId/{mo_id}",
                    "agenda",
                    self.headers(ref),
                    {"body": m.get("UT_NAVN"), "date": when.isoformat() if when else None, "meeting": mo_id},
                )
        elif step.step == "agenda":
            for h in data if isinstance(data, list) else []:
                if not h.get("Title") or h.get("Id") is None:
                    continue  # skjermet: no title, nothing public
                when = iso_date((h.get("Meeting") or {}).get("StartDate")) or (
                    date.fromisoformat(step.data["date"]) if step.data.get("date") else None
                )
                number = None
                if h.get("SequenceNumber") is not None and h.get("Year"):
                    number = f"{h.get('MeetingCaseTypeId') or 'PS'} {h['SequenceNumber']}/{h['Year']}"
                case = Case(
                    self.name,
                    f"{ref.base}{ref.key}/DmbMeeting/{step.data.get('meeting')}#{h['Id']}",
                    h["Title"],
                    body=(h.get("Dmb") or {}).get("Name") or step.data.get("body"),
                    meeting_date=when,
                    case_number=number,
                )
                case.detail = Step(f"{ref.base}api/DmbHandlings/{h['Id']}", "handling", self.headers(ref))
                yield case
        elif step.step == "handling":
            case: Case = step.data["case"]
            yield self._files(ref, case, data)

    def _files(self, ref: PortalRef, case: Case, h: dict[str, Any]) -> Case:
        saksnr = (h.get("Case") or {}).get("CaseNumber")
        if saksnr:
            case.case_number = f"{case.case_number} (sak {saksnr})" if case.case_number else saksnr
        entry = h.get("RegistryEntry") or {}
        database = entry.get("Database") or h.get("Database")
        for d in entry.get("Documents") or []:
            desc = d.get("DocumentDescription") or {}
            if not desc.get("IsPublished", True) or desc.get("Id") is None or not database:
                continue
            role = "saksframlegg" if d.get("IsMainDocument") or d.get("DocumentLinkTypeId") == "SF" else "vedlegg"
            case.files.append(
                CaseFile(
                    f"{ref.base}Documents/ShowDocument/{database}/{entry.get('Id')}/{desc['Id']}",
                    desc.get("DocumentTitle") or case.title,
                    role,
                    {"Tenant": ref.key},
                )
            )
        if h.get("ProtocolPublished") and not h.get("ProtocolRestricted") and database:
            case.files.append(
                CaseFile(
                    f"{ref.base}Documents/ShowDmbHandlingDocument/{database}/{h['Id']}/Protokoll",
                    f"Vedtak: {case.title}",
                    "vedtak",
                    {"Tenant": ref.key},
                )
            )
        case.detail = None
        return case


ADAPTER = ElementsPublikum()
