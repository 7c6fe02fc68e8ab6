"""Gather what an analyst needs about a kommune, or all of them, from the archive, as plain data.

Every renderer (HTML, Markdown, JSON, CSV, XLSX, the web app) reads these structures, so the numbers are
the same everywhere. Labels are Norwegian because analysts read them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select

from boligarkiv.db import Archive
from boligarkiv.extract.metadata import LABELS
from boligarkiv.lexicon import load_lexicon
from boligarkiv.models import (
    CaseDocument,
    ChangeEvent,
    Coverage,
    Document,
    Entity,
    Fetch,
    Flag,
    Kommune,
    Score,
    SignalHit,
)
from boligarkiv.vocabulary import CASE_ROLE_LABELS, PLAN_TYPES, PORTAL_LABELS

DOC_TYPE_LABELS: dict[str | None, str] = {**LABELS, None: "Ikke klassifisert"}
COMMITMENT_LABELS = {
    "gjennomfort": "gjennomført",
    "vedtatt": "vedtatt (skal)",
    "intensjon": "intensjon (vil)",
    "vurderes": "vurderes",
    "nevnt": "nevnt",
    None: "",
}
FLAG_LABELS = {
    "netto_driftsresultat": "Svakt netto driftsresultat",
    "driftsresultat_negativt": "Negativt driftsresultat flere år",
    "lanegjeld_vekst": "Sterk vekst i lånegjeld",
    "regulering_behandlingstid": "Lang behandlingstid reguleringsplan",
    "innsigelse_andel": "Høy andel planer med innsigelse",
    "netto_lanegjeld": "Netto lånegjeld",
    "befolkning_2050": "Befolkningsnedgang til 2050",
    "eldrebyrde": "Høy eldrebyrde",
    "robek": "På ROBEK-listen",
}
NEED_LABELS = {
    "folkemengde": "Folkemengde",
    "leie_andel": "Andel husholdninger som leier",
    "kvadratmeterpris": "Kvadratmeterpris (kr)",
    "omsetninger": "Antall boligomsetninger",
    "igangsatte_per_1000": "Igangsatte boliger per 1 000 innbyggere (siste 4 kvartaler)",
    "kommunale_boliger_per_1000": "Kommunalt disponerte boliger per 1 000 innbyggere",
    "barn_lavinntekt": "Barn i husholdninger med vedvarende lavinntekt (prosent)",
}


def flag_row(f: Flag) -> dict[str, Any]:
    """One flag or need indicator as an analyst reads it: value and year beside the KOSTRA group's and the
    country's, revised or preliminary, threshold and source table (all from the flag's stored context)."""
    ctx = f.context or {}
    group = ctx.get("gruppe") or {}
    national = ctx.get("landet") or {}
    revised = ctx.get("revidert")
    return {
        "indikator": f.indicator,
        "navn": FLAG_LABELS.get(f.indicator) or NEED_LABELS.get(f.indicator, f.indicator),
        "tema": ctx.get("tema", "flagg"),
        "år": f.year,
        "verdi": f.value,
        "terskel": f.threshold,
        "flagget": f.flagged,
        "mangler": f.missing,
        "kilde": f.source,
        "hentet": f.fetched_at,
        "gruppe": group.get("kode"),
        "gruppe_verdi": group.get("verdi"),
        "landet": national.get("navn"),
        "landet_verdi": national.get("verdi"),
        "revidert": {True: "revidert", False: "foreløpig (urevidert)"}.get(revised, "") if revised is not None else "",
        "status": ctx.get("status"),
        "tabell": ctx.get("tabell"),
        "tabell_oppdatert": ctx.get("oppdatert"),
        "merknader": ctx.get("merknader") or [],
        "enhet": ctx.get("enhet", ""),
    }


# Opportunity ranking (documented in the README and on the screening page): signals that point to room for
# a third-sector actor count fully, supporting signals half; a current plan adds one point; each red flag
# takes half a point away.
OPPORTUNITY_WEIGHTS = {
    "leie_til_eie": 1.0,
    "tredje_boligsektor": 1.0,
    "deleie": 1.0,
    "rimelige_boliger": 1.0,
    "prisregulert": 1.0,
    "samarbeid_utbyggere": 1.0,
    "tomt_og_avtaler": 1.0,
    "kommunale_utleieboliger": 0.5,
    "vanskeligstilte": 0.5,
    "boligbehov": 0.5,
    "startlan": 0.5,
    "bostotte_tilskudd": 0.5,
}
CURRENT_PLAN_BONUS = 1.0
FLAG_PENALTY = 0.5
QUOTES_PER_SIGNAL = 3


def distinct_quotes(hits: list[SignalHit]) -> list[SignalHit]:
    """The hits with a sentence not quoted before (in the order given): a kommune that publishes its plan as a
    PDF and as web pages, or a draft and the adopted plan, says the same sentence more than once, and a report
    quotes it once."""
    seen: set[str] = set()
    out = []
    for h in hits:
        key = " ".join(h.sentence.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


def plan_status(doc: Document, today: date | None = None) -> str:
    if doc.doc_type not in PLAN_TYPES:
        return ""
    year = (today or date.today()).year
    if doc.period_end is None:
        return "gjeldende (uten periode)"
    return "gjeldende" if doc.period_end >= year else "utløpt"


def _urls(session: Any, shas: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for sha, url in session.execute(
        select(Fetch.sha256, Fetch.url).where(Fetch.sha256.in_(shas)).order_by(Fetch.fetched_at)
    ):
        out.setdefault(sha, url)
    return out


def kommune_report(archive: Archive, nummer: str, today: date | None = None) -> dict[str, Any] | None:
    lex = load_lexicon()
    with archive.session() as s:
        k = s.get(Kommune, nummer)
        if k is None:
            return None
        docs = list(
            s.scalars(
                select(Document)
                .where(Document.kommune_nummer == nummer)
                .order_by(Document.period_end.desc().nulls_last(), Document.first_seen.desc())
            )
        )
        shas = [d.sha256 for d in docs]
        urls = _urls(s, shas)
        # By the case's kommune, not the document's: the same paper can reach two kommuners' portals.
        cases = list(
            s.scalars(
                select(CaseDocument)
                .where(CaseDocument.kommune_nummer == nummer)
                .order_by(CaseDocument.meeting_date.desc().nulls_last(), CaseDocument.id)
            )
        )
        # Case papers from meeting portals are shown as political decisions, apart from the plans; an
        # attachment that is itself a plan (a draft sent to the kommunestyre) stays among the plans too.
        case_only = {c.document_sha256 for c in cases if c.role != "vedlegg"}
        by_sha = {
            d.sha256: d
            for d in s.scalars(select(Document).where(Document.sha256.in_({c.document_sha256 for c in cases})))
        }
        political = [
            {
                "dato": c.meeting_date,
                "organ": c.body,
                "saksnummer": c.case_number,
                "sak": c.case_title,
                "dokument": c.document_title
                or (by_sha[c.document_sha256].title if c.document_sha256 in by_sha else ""),
                "rolle": CASE_ROLE_LABELS.get(c.role or "", c.role),
                "portal": PORTAL_LABELS.get(c.portal, c.portal),
                "portal_lenke": c.portal_url,
                "sha256": c.document_sha256,
            }
            for c in cases
        ]
        plans = [
            {
                "sha256": d.sha256,
                "tittel": d.title or d.first_url,
                "type": d.doc_type,
                "type_navn": DOC_TYPE_LABELS.get(d.doc_type, d.doc_type),
                "periode_fra": d.period_start,
                "periode_til": d.period_end,
                "vedtatt": d.adopted_date,
                "vedtatt_av": d.adopted_by,
                "språk": d.language,
                "status": plan_status(d, today),
                "kilde": urls.get(d.sha256) or d.first_url,
                "arkivert": d.first_seen,
                "sider": d.page_count,
                "feil": d.extract_error,
            }
            for d in docs
            if d.sha256 not in case_only
        ]
        scores = {
            sc.signal: sc
            for sc in s.scalars(select(Score).where(Score.scope == "kommune", Score.kommune_nummer == nummer))
        }
        hits = list(s.scalars(select(SignalHit).where(SignalHit.document_sha256.in_(shas))))
        titles = {d.sha256: d.title or d.sha256[:12] for d in docs}
        by_signal: dict[str, list[SignalHit]] = defaultdict(list)
        for h in hits:
            by_signal[h.signal].append(h)
        order = ["gjennomfort", "vedtatt", "intensjon", "vurderes", "nevnt"]
        signals = []
        for sig in lex.signals:
            sc = scores.get(sig.id)
            found = by_signal.get(sig.id, [])
            counted = sorted(
                (h for h in found if not h.negated), key=lambda h: (order.index(h.commitment), h.page_number)
            )
            negated = [h for h in found if h.negated]

            def quote(h: SignalHit) -> dict[str, Any]:
                return {
                    "sitat": h.sentence,
                    "treff": h.matched,
                    "side": h.page_number,
                    "dokument": h.document_sha256,
                    "dokument_tittel": titles.get(h.document_sha256),
                    "forpliktelse": COMMITMENT_LABELS.get(h.commitment, h.commitment),
                    "lenke": f"/dokument/{h.document_sha256}#side-{h.page_number}",
                }

            signals.append(
                {
                    "id": sig.id,
                    "navn": sig.label,
                    "beskrivelse": sig.description,
                    "poeng": round(sc.value, 3) if sc else 0.0,
                    "treff": len(counted),
                    "forpliktelse": COMMITMENT_LABELS.get(sc.commitment if sc else None, ""),
                    "sitater": [quote(h) for h in distinct_quotes(counted)[:QUOTES_PER_SIGNAL]],
                    "negerte_sitater": [quote(h) for h in distinct_quotes(negated)[:QUOTES_PER_SIGNAL]],
                }
            )
        entities: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        dwellings = []
        for e in s.scalars(
            select(Entity).where(
                Entity.document_sha256.in_(shas), Entity.label.in_(["ORG", "PROGRAM", "DWELLINGS", "NOK"])
            )
        ):
            if e.label == "DWELLINGS":
                dwellings.append(
                    {"tekst": e.text, "antall": int(e.value or 0), "side": e.page_number, "dokument": e.document_sha256}
                )
            elif e.label in ("ORG", "PROGRAM"):
                entities[e.label][e.normalized or e.text] += 1
        flags = [
            flag_row(f)
            for f in s.scalars(
                select(Flag).where(Flag.kommune_nummer == nummer, Flag.current.is_(True)).order_by(Flag.indicator)
            )
        ]
        coverage = [
            {
                "kjøring": c.run_id,
                "startet": c.started_at,
                "sider": c.pages_seen,
                "dokumenter": c.documents_found,
                "nye": c.new_documents,
                "uendret": c.not_modified,
                "feil": c.errors,
                "robots": c.robots_blocked,
                "budsjett_brukt_opp": c.budget_exhausted,
                "grunn": c.reason,
                "grunn_tekst": COVERAGE_REASONS.get(c.reason),
                "kilder": source_rows(c.sources),
            }
            for c in s.scalars(
                select(Coverage).where(Coverage.kommune_nummer == nummer).order_by(Coverage.run_id.desc()).limit(10)
            )
        ]
    return {
        "kommune": {
            "nummer": k.nummer,
            "navn": k.navn,
            "andre_navn": k.andre_navn,
            "fylke": k.fylke,
            "nettside": k.nettside,
        },
        "planer": plans,
        "politiske_vedtak": political,
        "signaler": signals,
        "enheter": {
            "organisasjoner": dict(sorted(entities["ORG"].items(), key=lambda kv: -kv[1])),
            "programmer": dict(sorted(entities["PROGRAM"].items(), key=lambda kv: -kv[1])),
            "boligtall": sorted(dwellings, key=lambda d: -d["antall"])[:10],
        },
        "flagg": flags,
        "dekning": coverage,
        "laget": date.today(),
    }


def source_rows(sources: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The coverage ledger's documents per source, in words: the kommune's site, then each meeting portal."""
    rows = []
    for key, value in (sources or {}).items():
        if key == "nettsted":
            rows.append({"kilde": "Kommunens nettsted", "dokumenter": value.get("dokumenter", 0), "detaljer": ""})
        elif key == "husbanken":
            rows.append({"kilde": "Husbankens bibliotek", "dokumenter": value.get("dokumenter", 0), "detaljer": ""})
        elif key.startswith("møteportal:"):
            portal = key.split(":", 1)[1]
            errors = ", ".join(f"{k}: {v}" for k, v in (value.get("feil") or {}).items())
            rows.append(
                {
                    "kilde": f"Møteportal ({PORTAL_LABELS.get(portal, portal)})",
                    "dokumenter": value.get("dokumenter", 0),
                    "detaljer": f"{value.get('saker', 0)} saker lest, {value.get('boligsaker', 0)} om bolig"
                    + (f"; feil: {errors}" if errors else ""),
                }
            )
    return rows


COVERAGE_REASONS = {
    "site_unreachable": "Nettstedet svarte ikke",
    "robots_disallow": "robots.txt stenger for innsamling",
    "budget_exhausted": "Sidebudsjettet ble brukt opp før en plan ble funnet",
    "nothing_relevant": "Fant ingen relevante dokumenter",
    None: None,
}


def screening(archive: Archive, today: date | None = None) -> list[dict[str, Any]]:
    """One row per kommune: signal scores, flags, plan status and the opportunity ranking."""
    lex = load_lexicon()
    with archive.session() as s:
        kommuner = list(s.scalars(select(Kommune).order_by(Kommune.nummer)))
        scores: dict[str, dict[str, float]] = defaultdict(dict)
        for sc in s.scalars(select(Score).where(Score.scope == "kommune")):
            scores[sc.kommune_nummer or ""][sc.signal] = sc.value
        flags: dict[str, list[str]] = defaultdict(list)
        for nummer, indicator in s.execute(
            select(Flag.kommune_nummer, Flag.indicator).where(Flag.current.is_(True), Flag.flagged.is_(True))
        ):
            flags[nummer].append(indicator)
        need: dict[str, dict[str, float | None]] = defaultdict(dict)
        for nummer, indicator, value in s.execute(
            select(Flag.kommune_nummer, Flag.indicator, Flag.value).where(
                Flag.current.is_(True), Flag.indicator.in_(list(NEED_LABELS))
            )
        ):
            need[nummer][indicator] = value
        plans: dict[str, list[Document]] = defaultdict(list)
        for d in s.scalars(select(Document).where(Document.doc_type.in_(PLAN_TYPES))):
            plans[d.kommune_nummer or ""].append(d)
        docs_count: dict[str, int] = {
            nummer: n
            for nummer, n in s.execute(select(Document.kommune_nummer, func.count()).group_by(Document.kommune_nummer))
        }
    rows = []
    for k in kommuner:
        ks = scores.get(k.nummer, {})
        current = [d for d in plans.get(k.nummer, []) if plan_status(d, today).startswith("gjeldende")]
        newest = max((d.period_end or 0 for d in plans.get(k.nummer, [])), default=0) or None
        kflags = sorted(flags.get(k.nummer, []))
        opportunity = sum(OPPORTUNITY_WEIGHTS.get(sig, 0.5) * v for sig, v in ks.items())
        opportunity += CURRENT_PLAN_BONUS if current else 0.0
        opportunity -= FLAG_PENALTY * len(kflags)
        rows.append(
            {
                "nummer": k.nummer,
                "navn": k.navn,
                "fylke": k.fylke,
                "dokumenter": docs_count.get(k.nummer, 0),
                "planstatus": "gjeldende plan"
                if current
                else "utløpt plan"
                if plans.get(k.nummer)
                else "ingen plan funnet",
                "plan_til": newest,
                **{sig.id: round(ks.get(sig.id, 0.0), 3) for sig in lex.signals},
                "flagg": kflags,
                "antall_flagg": len(kflags),
                **{ind: need.get(k.nummer, {}).get(ind) for ind in NEED_LABELS},
                "mulighet": round(opportunity, 3),
            }
        )
    rows.sort(key=lambda r: (-r["mulighet"], r["nummer"]))
    for rank, r in enumerate(rows, start=1):
        r["rangering"] = rank
    return rows


def compare(archive: Archive, numbers: list[str], today: date | None = None) -> dict[str, Any]:
    """2–6 kommuner side by side from their reports: plan status, every signal (score, strongest commitment,
    best quote), red flags and need indicators — one row per measure, one column per kommune."""
    reports = [r for r in (kommune_report(archive, n, today) for n in numbers) if r is not None]
    signals = []
    for i, sig in enumerate(reports[0]["signaler"] if reports else []):
        cells = [r["signaler"][i] for r in reports]
        signals.append({"id": sig["id"], "navn": sig["navn"], "celler": cells})
    indicators: dict[str, dict[str, Any]] = {}
    for col, r in enumerate(reports):
        for f in r["flagg"]:
            row = indicators.setdefault(
                f["indikator"], {"navn": f["navn"], "tema": f["tema"], "celler": [None] * len(reports)}
            )
            row["celler"][col] = f
    plans = []
    for r in reports:
        current = [p for p in r["planer"] if p["status"].startswith("gjeldende")]
        plans.append(current[0] if current else (r["planer"][0] if r["planer"] else None))
    return {
        "kommuner": [r["kommune"] for r in reports],
        "planer": plans,
        "signaler": signals,
        "indikatorer": sorted(indicators.values(), key=lambda x: (x["tema"] != "flagg", x["navn"])),
        "laget": date.today(),
    }


def timeline(archive: Archive, nummer: str) -> list[dict[str, Any]]:
    """A kommune's plans over time: each version with its period and adoption, what it replaced, and when each
    signal appeared or disappeared — newest first."""
    with archive.session() as s:
        docs = {
            d.sha256: d
            for d in s.scalars(
                select(Document).where(Document.kommune_nummer == nummer, Document.doc_type.in_(PLAN_TYPES))
            )
        }
        events = list(
            s.scalars(
                select(ChangeEvent)
                .where(ChangeEvent.kommune_nummer == nummer, ChangeEvent.document_sha256.in_(list(docs)))
                .order_by(ChangeEvent.created_at)
            )
        )
    rows = []
    for d in docs.values():
        mine = [e for e in events if e.document_sha256 == d.sha256]
        rows.append(
            {
                "sha256": d.sha256,
                "tittel": d.title or d.first_url or d.sha256[:12],
                "type_navn": DOC_TYPE_LABELS.get(d.doc_type, d.doc_type),
                "periode_fra": d.period_start,
                "periode_til": d.period_end,
                "vedtatt": d.adopted_date,
                "vedtatt_av": d.adopted_by,
                "arkivert": d.first_seen,
                "erstatter": next(
                    (
                        docs[e.previous_sha256].title
                        for e in mine
                        if e.kind in ("plan_replaced", "changed_document") and e.previous_sha256 in docs
                    ),
                    None,
                ),
                "signaler_kom": [(e.signal, e.created_at) for e in mine if e.kind == "signal_appeared"],
                "signaler_borte": [(e.signal, e.created_at) for e in mine if e.kind == "signal_disappeared"],
            }
        )
    return sorted(rows, key=lambda r: (r["periode_til"] or 0, r["arkivert"]), reverse=True)
