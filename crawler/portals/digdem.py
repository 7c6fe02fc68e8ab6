"""Digdem (Sikri Elements møteportal, `<tenant>.digdem.no/motekalender`: Stavanger, Trondheim, Tromsø, Hamar …):
a React app over one Apollo GraphQL endpoint. Everything is a POST to `/graphql` with a JSON body; Apollo's
CSRF guard wants `apollo-require-preflight` (or a JSON content type) and answers a refused or mistyped query
with `errors`. A year's meetings (`GetYearMeetings`) → one meeting with its agenda and papers
(`ModalMeeting`) → papers at `/api/doc/<id>`. Ids are cuid strings. Shapes from
`kommune_web/other_portals/SHAPES.md`; the queries are written as the portal's own client writes them,
with fragments.

The app is mounted at the host's root, so besides `*.digdem.no` a link to exactly `/motekalender` (not a
CMS page deeper in a site, such as `/politikk/motekalender`) is read as Digdem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import (
    Case,
    CaseFile,
    PortalError,
    PortalRef,
    Step,
    file_role,
    iso_date,
    json_body,
)
from boligarkiv.vocabulary import PORTAL_LABELS

YEAR_MEETINGS = """query GetYearMeetings($where: MeetingListWhere) {
  meetings(where: $where, orderBy: date_ASC) {
    ...MeetingListItem
  }
}

fragment MeetingListItem on Meeting {
  id
  date
  endDateTime
  internalStatus
  status
  meetingName
  published
  commission {
    id
  }
}"""

MODAL_MEETING = """query ModalMeeting($id: ID!) {
  meeting(where: {id: $id}) {
    ...ModalMeetingFields
  }
}

fragment ModalMeetingFields on Meeting {
  id
  date
  location
  mergedPdf {
    id
    url
  }
  commission {
    id
    name
  }
  documents(orderBy: order_ASC) {
    id
    title
    type
    azureCustomLink
    classified
    registrationCode
    journalArchiveId
  }
  proceedings {
    id
    title
    sequenceNumber
    classified
    type
    order
    agendaOrder
    agendaGroupType
    documents {
      id
      title
      type
      classified
      azureCustomLink
    }
  }
}"""


def _query(operation: str, query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"operationName": operation, "variables": variables, "query": query}).encode()


def _utc_midnight(d: date) -> str:
    return f"{d.isoformat()}T00:00:00.000Z"


class Digdem:
    name = "digdem"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        root_app = parts.path.rstrip("/") == "/motekalender" or parts.path.startswith("/motekalender/")
        if not (host == "digdem.no" or host.endswith(".digdem.no") or root_app):
            return None
        return PortalRef(self.name, f"{parts.scheme}://{parts.netloc}/", host.split(".")[0])

    def headers(self, ref: PortalRef) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "apollo-require-preflight": "true",
            "Referer": f"{ref.base}motekalender",
        }

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        steps = []
        for y in range(since.year, until.year + 1):
            lo = max(since, date(y, 1, 1)) - timedelta(days=1)
            hi = min(until, date(y, 12, 31)) + timedelta(days=1)
            where = {"searchTerm": "", "date_gt": _utc_midnight(lo), "date_lt": _utc_midnight(hi)}
            body = _query("GetYearMeetings", YEAR_MEETINGS, {"where": where})
            steps.append(self._post(ref, "meetings", {"year": y}, body))
        return steps

    def _post(self, ref: PortalRef, step: str, data: dict[str, Any], body: bytes) -> Step:
        return Step(f"{ref.base}graphql", step, self.headers(ref), data, "POST", body)

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        answer = json_body(response)
        if not isinstance(answer, dict):
            raise PortalError("portal_not_json", step.url)
        data = answer.get("data")
        if answer.get("errors") and not data:
            first = answer["errors"][0] if isinstance(answer["errors"], list) and answer["errors"] else {}
            raise PortalError("portal_graphql_error", str(first.get("message", ""))[:200])
        data = data or {}
        if step.step == "meetings":
            for m in data.get("meetings") or []:
                if not m.get("id") or m.get("published") is False:
                    continue  # an unpublished meeting has no public papers yet
                when = iso_date(m.get("date"))
                body = _query("ModalMeeting", MODAL_MEETING, {"id": m["id"]})
                listed = {"date": when.isoformat() if when else None, "body": m.get("meetingName"), "meeting": m["id"]}
                yield self._post(ref, "meeting", listed, body)
        elif step.step == "meeting":
            meeting = data.get("meeting")
            if not isinstance(meeting, dict):
                raise PortalError("portal_meeting_missing", str(step.data.get("meeting")))
            yield from self._cases(ref, step, meeting)

    def _cases(self, ref: PortalRef, step: Step, meeting: dict[str, Any]) -> Iterator[Case]:
        listed = step.data.get("date")
        when = iso_date(meeting.get("date")) or (date.fromisoformat(listed) if listed else None)
        body = (meeting.get("commission") or {}).get("name") or step.data.get("body")
        for p in meeting.get("proceedings") or []:
            if p.get("classified") or not p.get("title") or not p.get("id"):
                continue  # unntatt offentlighet: no public title or papers
            case = Case(
                self.name,
                f"{ref.base}motekalender/{meeting.get('id')}#{p['id']}",
                p["title"],
                body=body,
                meeting_date=when,
                case_number=self._number(p, when),
            )
            for d in p.get("documents") or []:
                if d.get("classified") or not d.get("id"):
                    continue
                title = d.get("title") or case.title
                role = file_role(d.get("type") or "", title)
                case.files.append(CaseFile(f"{ref.base}api/doc/{d['id']}", title, role))
            yield case

    @staticmethod
    def _number(p: dict[str, Any], when: date | None) -> str | None:
        """«PS 12/26» from the proceeding's type and sequence number; a number already written out is kept."""
        seq = p.get("sequenceNumber")
        if seq is None or seq == "":
            return None
        text = str(seq).strip()
        if "/" in text or not text.isdigit():
            return text
        kind = p.get("type") if isinstance(p.get("type"), str) and 1 < len(p["type"]) <= 3 else "PS"
        return f"{kind} {text}/{when.year % 100:02d}" if when else f"{kind} {text}"


ADAPTER = Digdem()
