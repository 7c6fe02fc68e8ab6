"""eInnsyn (api.einnsyn.no): the national JSON API. Meetings of one administrative unit in the period
(`/search?entity=Moetemappe`, cursor pages via `next`) → their cases → one case with its documents,
innstilling and vedtak expanded. Shapes from the real OpenAPI spec in `kommune_web/einnsyn/`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from scrapy.http import Response

from boligarkiv.crawler.portals.base import Case, CaseFile, PortalError, PortalRef, Step, iso_date, json_body
from boligarkiv.vocabulary import PORTAL_LABELS

ENHET_RE = re.compile(r"^enh_[0-9a-z]{10,40}$")
CASE_TYPES = {"politisk": "PS", "referat": "RS", "orientering": "OS", "delegert": "DS", "interpellasjon": "IP"}
EXPAND = ",".join(
    (
        "dokumentbeskrivelse.dokumentobjekt",
        "utredning.utredningsdokument.dokumentobjekt",
        "vedtak.vedtaksdokument.dokumentobjekt",
    )
)


class EInnsyn:
    name = "einnsyn"
    label = PORTAL_LABELS[name]

    def detect(self, url: str) -> PortalRef | None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        enhet = next(
            (v[0] for k in ("administrativEnhet", "enhet", "journalenhet") if (v := query.get(k)) and v[0]), None
        )
        if not enhet or not ENHET_RE.match(enhet):
            return None
        host = (parts.hostname or "").lower()
        if host in ("einnsyn.no", "www.einnsyn.no"):
            base = "https://api.einnsyn.no"
        elif host == "api.einnsyn.no":
            base = f"{parts.scheme}://{parts.netloc}"
        elif parts.path.rstrip("/").endswith("/search"):
            base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')[: -len('/search')]}"
        else:
            return None
        return PortalRef(self.name, base, enhet)

    def start(self, ref: PortalRef, since: date, until: date) -> list[Step]:
        url = (
            f"{ref.base}/search?entity=Moetemappe&administrativEnhet={quote(ref.key)}"
            f"&moetedatoFrom={since.isoformat()}&moetedatoTo={until.isoformat()}"
            "&sortBy=moetedato&sortOrder=desc&limit=100&expand=moetesak"
        )
        return [Step(url, "meetings", {"Accept": "application/json"})]

    def parse(self, ref: PortalRef, step: Step, response: Response) -> Iterator[Step | Case]:
        data = json_body(response)
        if not isinstance(data, dict):
            raise PortalError("portal_not_json", step.url)
        if step.step == "meetings":
            for m in data.get("items") or []:
                if isinstance(m, str):
                    yield Step(f"{ref.base}/moetemappe/{m}?expand=moetesak", "meeting", step.headers)
                elif isinstance(m, dict):
                    yield from self._meeting(ref, m)
            if data.get("next"):
                yield Step(str(data["next"]), "meetings", step.headers)
        elif step.step == "meeting":
            yield from self._meeting(ref, data)
        elif step.step == "case":
            yield self._files(step.data["case"], data)

    def _meeting(self, ref: PortalRef, m: dict[str, Any]) -> Iterator[Step | Case]:
        when = iso_date(m.get("moetedato"))
        body = m.get("utvalg")
        for s in m.get("moetesak") or []:
            if isinstance(s, str):
                # A bare id: the case itself says what it is about.
                case = Case(self.name, f"{ref.base}/moetesak/{s}", "", body=body, meeting_date=when)
                case.detail = Step(f"{ref.base}/moetesak/{s}?expand={EXPAND}", "case", {"Accept": "application/json"})
                yield case
                continue
            title = s.get("offentligTittel") or ""
            if not title or s.get("id") is None:
                continue
            case = Case(
                self.name,
                f"{ref.base}/moetesak/{s['id']}",
                title,
                body=s.get("utvalg") or body,
                meeting_date=when,
                case_number=_number(s),
            )
            case.detail = Step(f"{ref.base}/moetesak/{s['id']}?expand={EXPAND}", "case", {"Accept": "application/json"})
            yield case

    def _files(self, case: Case, s: dict[str, Any]) -> Case:
        case.title = case.title or s.get("offentligTittel") or ""
        case.case_number = case.case_number or _number(s)
        groups: list[tuple[str | None, list[Any]]] = [(None, s.get("dokumentbeskrivelse") or [])]
        if isinstance(s.get("utredning"), dict):
            groups.append(("saksframlegg", s["utredning"].get("utredningsdokument") or []))
        if isinstance(s.get("vedtak"), dict):
            groups.append(("vedtak", s["vedtak"].get("vedtaksdokument") or []))
        seen: set[str] = set()
        for role, docs in groups:
            for d in docs:
                if not isinstance(d, dict):
                    continue
                r = role or ("saksframlegg" if d.get("tilknyttetRegistreringSom") == "hoveddokument" else "vedlegg")
                for o in d.get("dokumentobjekt") or []:
                    if not isinstance(o, dict):
                        continue
                    url = o.get("url") or (
                        f"{case.portal_url.rsplit('/moetesak/', 1)[0]}/dokumentobjekt/{o['id']}/download"
                        if o.get("id")
                        else None
                    )
                    if url and url not in seen:
                        seen.add(url)
                        case.files.append(CaseFile(url, d.get("tittel") or case.title, r, {}))
        case.detail = None
        return case


def _number(s: dict[str, Any]) -> str | None:
    seq, year = s.get("moetesakssekvensnummer"), s.get("moetesaksaar")
    if seq is None or not year:
        return None
    return f"{CASE_TYPES.get(str(s.get('moetesakstype')), 'PS')} {seq}/{year}"


ADAPTER = EInnsyn()
