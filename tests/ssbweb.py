"""A local SSB on 127.0.0.1 in SSB's real shape, built from ../shared/data/ssb (TABLES.md, API_FORMAT.md and the
real responses there), not from our configuration:

- PxWebApi v2: `GET /tables?query=` (search, `tables[]` with id/label/updated/firstPeriod/lastPeriod),
  `GET /tables/{id}/metadata` (JSON-stat2 without values, `extension.elimination`, `role`, `note`), and
  `POST /tables/{id}/data` with `{"selection": [{"variableCode", "valueCodes"}]}` and the selection
  expressions `*`, `top(n)`, `from(x)`, `to(x)`, `range(a,b)`;
- KOSTRA tables with `KOKkommuneregion0000` (kommuner, historical codes, `EAK`, `EAKUO`, `EKG01`–`EKG17`) and
  non-eliminable variables; other tables with `Region` (role geo) and eliminable breakdowns, which SSB sums;
- content codes that must be found by label (`KOSAGD230000` «Netto driftresultat …», projections whose
  alternatives are content codes), suppressed cells (value null, status «:»), a discontinued plan table;
- errors as SSB gives them: 400 «Missing selection for mandantory variable», 400 «Too many cells selected»
  over 800,000 cells, 429 with Retry-After; and Klass classification 112 (KOSTRA groups) as a
  correspondence to the kommune classification.

Values are deterministic: hand-set for a few kommuner (the tests compute the flags by hand from them), a
hash of the cell otherwise.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "kommune_urls.csv"
MAX_CELLS = 800_000


def kommuner() -> tuple[dict[str, str], dict[str, str]]:
    """Current code → name, and old code → current code (2024 renumbering), from the seeds."""
    names, old = {}, {}
    with SEEDS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names[row["kommunenummer"]] = row["navn"]
            for o in filter(None, (row.get("tidligere_nummer") or "").split(";")):
                old[o.strip()] = row["kommunenummer"]
    return names, old


NAMES, OLD = kommuner()
# KOSTRA group per kommune (Klass 112 → 131). Bergen and Oslo as TABLES.md says; the rest spread by number.
GROUPS = {k: f"EKG{(int(k) % 15) + 1:02d}" for k in NAMES}
GROUPS.update({"4601": "EKG12", "0301": "EKG13", "1841": "EKG02", "3301": "EKG12"})


@dataclass
class Var:
    code: str
    label: str
    codes: dict[str, str]  # code → label, in order
    elimination: bool = False


@dataclass
class Table:
    id: str
    label: str
    updated: str
    vars: list[Var]
    role: dict[str, list[str]]
    note: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""

    def var(self, code: str) -> Var:
        return next(v for v in self.vars if v.code == code)


def _kostra_regions() -> dict[str, str]:
    codes = {k: n for k, n in NAMES.items()}
    codes.update({o: f"{NAMES[c]} (-2023)" for o, c in OLD.items()})
    codes.update({"EAK": "Landet", "EAKUO": "Landet uten Oslo"})
    codes.update({f"EKG{g:02d}": f"Kostragruppe {g:02d}" for g in range(1, 18)})
    return codes


def _regions() -> dict[str, str]:
    codes = {"0": "Hele landet"}
    codes.update(NAMES)
    codes.update({o: f"{NAMES[c]} (2020-2023)" for o, c in OLD.items()})
    return codes


def _years(a: int, b: int) -> dict[str, str]:
    return {str(y): str(y) for y in range(a, b + 1)}


def build_tables() -> dict[str, Table]:
    kostra = Var("KOKkommuneregion0000", "region", _kostra_regions())
    region = Var("Region", "region", _regions(), elimination=True)
    group_note = (
        "Fra og med 2020 er kommunene gruppert etter ny KOSTRA-gruppering; tall for 2019 og tidligere bruker den gamle."
    )
    kostra_role = {"time": ["Tid"], "metric": ["ContentsCode"]}
    geo_role = {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}
    t = [
        Table(
            "12134",
            "12134: Utvalgte nøkkeltall for kommuneregnskap, kommunekonsern (K) 2015 - 2025",
            "2026-06-15T06:00:00Z",
            [
                kostra,
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "KOSAG110000": "Frie inntekter i kroner per innbygger",
                        "KOSAGD230000": "Netto driftresultat i prosent av brutto driftsinntekter",
                        "KOSAGD290000": "Disposisjonsfond i prosent av brutto driftsinntekter",
                        "KOSKG320000": (
                            "Langsiktig gjeld ekskl. pensjonsforpliktelser i prosent av brutto driftsinntekter"
                        ),
                        "KOSKG280000": "Arbeidskapital ekskl. premieavvik i prosent av brutto driftsinntekter",
                    },
                ),
                Var("Tid", "år", _years(2015, 2025)),
            ],
            kostra_role,
            [group_note],
        ),
        Table(
            "12143",
            "12143: Finansielle nøkkeltall i prosent av brutto driftsinntekter, kommunekonsern (K) 2015 - 2025",
            "2026-06-15T06:00:00Z",
            [
                kostra,
                Var(
                    "KOKartkap0000",
                    "regnskapsbegrep",
                    {
                        "KG25": "Langsiktig gjeld",
                        "KG31": "Netto lånegjeld",
                        "KG39": "Renteeksponert gjeld",
                        "AGD23": "Netto driftsresultat",
                        "AGD97": "Netto renter",
                        "AGD21": "Avdrag",
                    },
                ),
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "KOSbelop0000": "Beløp (1000 kr)",
                        "KOSbelopbrinv0000": "Beløp i prosent av brutto driftsinntekter",
                    },
                ),
                Var("Tid", "år", _years(2015, 2025)),
            ],
            kostra_role,
            [group_note],
        ),
        Table(
            "14304",
            "14304: KOSTRA-nøkkeltall for plan- og byggesaksbehandling (K) 2015 - 2023",
            "2024-06-14T06:00:00Z",
            [
                kostra,
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "KOSsnittbehtidpl0000": (
                            "Gjennomsnittlig saksbehandlingstid fra komplett planforslag til vedtak (dager)"
                        ),
                        "KOSandelinnsigre0000": "Andel reguleringsplaner med innsigelse (prosent)",
                    },
                ),
                Var("Tid", "år", _years(2015, 2023)),
            ],
            kostra_role,
        ),
        Table(
            "12008",
            "12008: Kommunalt disponerte boliger (K) 2015 - 2025",
            "2026-06-15T06:00:00Z",
            [
                kostra,
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "KOSboligSper10000000": "Kommunalt disponerte boliger per 1 000 innbyggere",
                        "KOSventelistetil0000": "Husstander på venteliste for tilrettelagt bolig",
                    },
                ),
                Var("Tid", "år", _years(2015, 2025)),
            ],
            kostra_role,
        ),
        Table(
            "14288",
            "14288: Framskrevet folkemengde 1. januar, etter kjønn og alder, i 9 alternativer (K) 2024 - 2050",
            "2024-06-13T06:00:00Z",
            [
                region,
                Var("Kjonn", "kjønn", {"1": "Menn", "2": "Kvinner"}, elimination=True),
                Var("Alder", "alder", {"0-19": "0-19 år", "20-66": "20-66 år", "67+": "67 år eller eldre"}, True),
                Var("ContentsCode", "statistikkvariabel", {"Personer1": "Hovedalternativet (MMMM)"}),
                Var("Tid", "år", _years(2024, 2050)),
            ],
            geo_role,
        ),
        Table(
            "14746",
            "14746: Framskrevet folkemengde 1. januar, etter kjønn og alder, i 9 alternativer (K) 2026 - 2050",
            "2026-06-12T06:00:00Z",
            [
                region,
                Var("Kjonn", "kjønn", {"1": "Menn", "2": "Kvinner"}, elimination=True),
                Var("Alder", "alder", {"0-19": "0-19 år", "20-66": "20-66 år", "67+": "67 år eller eldre"}, True),
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "Personer": "Hovedalternativet (MMMM)",
                        "Personer1": "Lav nasjonal vekst (LLML)",
                        "Personer2": "Høy nasjonal vekst (HHMH)",
                    },
                ),
                Var("Tid", "år", _years(2026, 2050)),
            ],
            geo_role,
        ),
        Table(
            "07459",
            "07459: Befolkning, etter kjønn og ettårig alder (K) 1986 - 2026",
            "2026-02-25T07:00:00Z",
            [
                region,
                Var("Kjonn", "kjønn", {"2": "Kvinner", "1": "Menn"}, elimination=True),
                Var(
                    "Alder",
                    "alder",
                    {**{f"{a:03d}": f"{a} år" for a in range(105)}, "105+": "105 år eller eldre"},
                    elimination=True,
                ),
                Var("ContentsCode", "statistikkvariabel", {"Personer1": "Personer"}),
                Var("Tid", "år", _years(2022, 2026)),
            ],
            geo_role,
        ),
        Table(
            "11084",
            "11084: Husholdninger, etter eierstatus (K) 2015 - 2025",
            "2026-04-30T06:00:00Z",
            [
                region,
                Var(
                    "EierStatus", "eierstatus", {"1": "I alt", "2": "Selveier", "3": "Andels-/aksjeeier", "4": "Leier"}
                ),
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {"Husholdning": "Husholdninger", "HusholdningProsent": "Husholdninger (prosent)"},
                ),
                Var("Tid", "år", _years(2015, 2025)),
            ],
            geo_role,
        ),
        Table(
            "14545",
            "14545: Gjennomsnittlig kvadratmeterpris og antall omsetninger (K) 2025 - 2025",
            "2026-03-20T06:00:00Z",
            [
                region,
                Var("Boligtype", "boligtype", {"00": "Boliger i alt", "01": "Eneboliger"}),
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {"KvPris": "Gjennomsnittlig kvadratmeterpris (kr)", "Omsetninger": "Antall omsetninger"},
                ),
                Var("Tid", "år", _years(2025, 2025)),
            ],
            geo_role,
        ),
        Table(
            "05889",
            "05889: Igangsatte og fullførte boliger (K) 2000K1 - 2026K2",
            "2026-08-14T06:00:00Z",
            [
                region,
                Var("Byggeareal", "bygningstype", {"111-199": "Boligbygg i alt"}, elimination=True),
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {"Igangsatte": "Igangsatte boliger", "Fullforte": "Fullførte boliger"},
                ),
                Var(
                    "Tid",
                    "kvartal",
                    {f"{y}K{q}": f"{y}K{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4) if (y, q) <= (2026, 2)},
                ),
            ],
            geo_role,
        ),
        Table(
            "08764",
            "08764: Barn under 18 år i husholdninger med vedvarende lavinntekt (K) 2013 - 2024",
            "2026-01-16T07:00:00Z",
            [
                region,
                Var(
                    "ContentsCode",
                    "statistikkvariabel",
                    {
                        "AntallBarn": "Antall barn i husholdninger med vedvarende lavinntekt",
                        "AndelBarn": "Andel barn i husholdninger med vedvarende lavinntekt (prosent)",
                    },
                ),
                Var("Tid", "år", _years(2013, 2024)),
            ],
            geo_role,
        ),
    ]
    out = {x.id: x for x in t}
    for x in out.values():
        tid = list(x.var("Tid").codes)
        x.first, x.last = tid[0], tid[-1]
    return out


def _noise(*key: str) -> float:
    return int(hashlib.sha256("|".join(key).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def hand_values() -> dict[tuple[str, ...], float | None]:
    """(table, *codes in variable order) → value, for the cells the tests compute by hand."""
    v: dict[tuple[str, ...], float | None] = {}
    drift = {
        "4601": {"2022": -0.4, "2023": 1.2, "2024": 1.9, "2025": 1.5},
        "1841": {"2023": -2.0, "2024": -0.7, "2025": 0.5},
        "3005": {"2021": 1.0, "2022": -0.5, "2023": -0.3},  # Drammen before 2024
        "3301": {"2024": -1.1, "2025": 2.0},
        "EKG12": {"2025": 2.4},
        "EAKUO": {"2025": 3.1},
    }
    for k, ys in drift.items():
        for y, x in ys.items():
            v[("12134", k, "KOSAGD230000", y)] = x
    debt = {
        "4601": {"2024": 100.0, "2025": 112.0},
        "1841": {"2024": 80.0, "2025": 84.0},
        "3301": {"2024": 90.0, "2025": 90.0},
        "EKG12": {"2024": 95.0, "2025": 99.75},
        "EAKUO": {"2024": 70.0, "2025": 77.0},
    }
    for k, ys in debt.items():
        for y, x in ys.items():
            v[("12143", k, "KG31", "KOSbelopbrinv0000", y)] = x
    proj = {
        "4601": (290000.0, 319000.0),
        "1841": (9800.0, 9310.0),
        "3301": (104000.0, 114400.0),
        "0": (5600000.0, 6160000.0),
    }
    for k, (a, b) in proj.items():
        for sex, share in (("1", 0.5), ("2", 0.5)):
            for age, part in (("0-19", 0.2), ("20-66", 0.6), ("67+", 0.2)):
                v[("14746", k, sex, age, "Personer", "2026")] = a * share * part
                v[("14746", k, sex, age, "Personer", "2050")] = b * share * part
    return v


class SsbWeb:
    """The server. `renames` changes a code's id while keeping its label; `relabels` changes a label."""

    def __init__(self, robek_html: str = "") -> None:
        self.robek_html = robek_html
        self.tables = build_tables()
        self.values = hand_values()
        self.renames: dict[tuple[str, str, str], str] = {}  # (table, var, old code) → new code
        self.relabels: dict[tuple[str, str, str], str] = {}  # (table, var, code) → new label
        self.max_cells = MAX_CELLS
        self.fail_next: list[tuple[int, dict[str, str], str]] = []  # (status, headers, body) queue
        self.log: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/pxwebapi/v2"

    @property
    def robek_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/robek"

    @property
    def klass_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/klass/v1"

    def start(self) -> SsbWeb:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the table as served now (after renames and relabels) -------------------------------------------
    def codes(self, table: Table, var: Var) -> dict[str, str]:
        out = {}
        for code, label in var.codes.items():
            served = self.renames.get((table.id, var.code, code), code)
            out[served] = self.relabels.get((table.id, var.code, code), label)
        return out

    def original(self, table: Table, var: Var, served: str) -> str:
        for (t, v, old), new in self.renames.items():
            if t == table.id and v == var.code and new == served:
                return old
        return served

    def value(self, table: Table, codes: tuple[str, ...]) -> float | None:
        key = (table.id, *codes)
        if key in self.values:
            return self.values[key]
        names = [v.code for v in table.vars]
        region = codes[0]
        t = codes[names.index("Tid")]
        if region in OLD and int(t[:4]) >= 2024:
            return None  # an old kommunenummer has no figures after the 2024 renumbering
        if region in set(OLD.values()) and int(t[:4]) < 2024:
            return None  # … and its successor none before
        if table.id == "14545" and _noise(*key) < 0.2:
            return None  # too few sales: suppressed
        n = _noise(*key)
        return round(
            {
                "12134": -3 + 8 * n,
                "12143": 40 + 100 * n,
                "12008": 10 + 20 * n,
                "11084": 10 + 30 * n,
                "14545": 20000 + 40000 * n,
                "05889": 5 + 300 * n,
                "08764": 3 + 15 * n,
                "14304": 100 + 900 * n,
            }.get(table.id, 100 + 1000 * n),
            1,
        )

    # --- answers --------------------------------------------------------------------------------------------
    def metadata(self, table: Table, values: list | None = None, selected: dict[str, list[str]] | None = None) -> dict:
        dims = {}
        for var in table.vars:
            if selected is not None and var.code not in selected:
                continue  # eliminated: summed, not a dimension of the answer
            codes = self.codes(table, var)
            if selected is not None:
                codes = {c: codes[c] for c in selected[var.code]}
            dims[var.code] = {
                "label": var.label,
                "category": {"index": {c: i for i, c in enumerate(codes)}, "label": codes},
                "extension": {"elimination": var.elimination, "show": "value", "codelists": []},
            }
        ids = [v.code for v in table.vars if selected is None or v.code in selected]
        out = {
            "version": "2.0",
            "class": "dataset",
            "label": table.label,
            "source": "Statistisk sentralbyrå",
            "updated": table.updated,
            "note": table.note,
            "role": table.role,
            "id": ids,
            "size": [len(dims[i]["category"]["index"]) for i in ids],
            "dimension": {i: dims[i] for i in ids},
            "extension": {"px": {"tableid": table.id, "decimals": 1, "language": "no"}},
        }
        if values is not None:
            out["value"] = values
            status = {str(i): ":" for i, x in enumerate(values) if x is None and table.id == "14545"}
            if status:
                out["status"] = status
        return out

    def data(self, table: Table, body: dict) -> tuple[int, dict]:
        sel = {s["variableCode"]: s["valueCodes"] for s in body.get("selection", [])}
        chosen: dict[str, list[str]] = {}
        for var in table.vars:
            codes = list(self.codes(table, var))
            if var.code not in sel:
                if not var.elimination:
                    return 400, {
                        "type": "Parameter error",
                        "title": "Missing selection for mandantory variable",
                        "status": 400,
                    }
                continue
            picked: list[str] = []
            for expr in sel[var.code]:
                picked += expand(expr, codes)
            if not picked or any(c not in codes for c in picked):
                return 400, {"type": "Parameter error", "title": "Non-existent value", "status": 400}
            chosen[var.code] = list(dict.fromkeys(picked))
        unknown = set(sel) - {v.code for v in table.vars}
        if unknown:
            return 400, {"type": "Parameter error", "title": "Non-existent variable", "status": 400}
        cells = 1
        for c in chosen.values():
            cells *= len(c)
        if cells > self.max_cells:
            return 400, {"type": "Parameter error", "title": "Too many cells selected", "status": 400}
        order = [v for v in table.vars if v.code in chosen]
        eliminated = [v for v in table.vars if v.code not in chosen]
        values: list[float | None] = []
        for combo in product(*(chosen[v.code] for v in order)):
            fixed = dict(zip([v.code for v in order], combo, strict=True))
            total: float | None = None
            for rest in product(*(list(self.codes(table, v)) for v in eliminated)):
                full = {**fixed, **dict(zip([v.code for v in eliminated], rest, strict=True))}
                key = tuple(self.original(table, v, full[v.code]) for v in table.vars)
                x = self.value(table, key)
                if x is not None:
                    total = (total or 0.0) + x
            values.append(None if total is None else round(total, 4))
        return 200, self.metadata(table, values, chosen)

    def search(self, query: str) -> dict:
        words = [w.lower() for w in query.split()]
        hits = [t for t in self.tables.values() if all(w in t.label.lower() for w in words)]
        return {
            "language": "no",
            "tables": [
                {
                    "id": t.id,
                    "label": t.label,
                    "description": "",
                    "updated": t.updated,
                    "firstPeriod": t.first,
                    "lastPeriod": t.last,
                    "category": "public",
                    "variableNames": [v.label for v in t.vars],
                    "source": "Statistisk sentralbyrå",
                    "subjectCode": "al",
                    "timeUnit": "Annual",
                }
                for t in hits
            ],
            "page": {"pageNumber": 1, "pageSize": 20, "totalElements": len(hits), "totalPages": 1},
        }

    def klass(self) -> dict:
        return {
            "correspondenceItems": [
                {"sourceCode": g, "sourceName": f"Kostragruppe {g[3:]}", "targetCode": k, "targetName": NAMES[k]}
                for k, g in sorted(GROUPS.items())
            ]
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                with web.lock:
                    queued = web.fail_next.pop(0) if web.fail_next else None
                if queued is not None:
                    status, headers, body = queued
                    web.log.append((method, self.path, status))
                    return self._send(status, body.encode(), headers)
                path = parts.path
                if path == "/robek":
                    web.log.append((method, self.path, 200))
                    raw = web.robek_html.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return None
                if path.startswith("/api/klass/v1/classifications/112/correspondsAt"):
                    web.log.append((method, self.path, 200))
                    return self._send(200, web.klass())
                m = re.fullmatch(r"/api/pxwebapi/v2/tables(?:/(\w+)(/metadata|/data)?)?/?", path)
                if not m:
                    web.log.append((method, self.path, 404))
                    return self._send(404, {"type": "Not found", "title": "Not found", "status": 404})
                tid, what = m.group(1), m.group(2)
                if tid is None:
                    q = parse_qs(parts.query).get("query", [""])[0]
                    web.log.append((method, self.path, 200))
                    return self._send(200, web.search(q))
                table = web.tables.get(tid)
                if table is None:
                    web.log.append((method, self.path, 404))
                    return self._send(404, {"type": "Not found", "title": f"Table {tid} not found", "status": 404})
                if what == "/metadata":
                    web.log.append((method, self.path, 200))
                    return self._send(200, web.metadata(table))
                if what == "/data" and method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    status, body = web.data(table, json.loads(self.rfile.read(length) or b"{}"))
                    web.log.append((method, self.path, status))
                    return self._send(status, body)
                web.log.append((method, self.path, 405))
                return self._send(405, {"title": "Method not allowed", "status": 405})

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

        return Handler


def expand(expr: str, codes: list[str]) -> list[str]:
    """SSB's selection expressions over a variable's codes (in their order)."""
    if expr == "*":
        return list(codes)
    if m := re.fullmatch(r"top\((\d+)(?:,(\d+))?\)", expr):
        n, off = int(m.group(1)), int(m.group(2) or 0)
        return codes[::-1][off : off + n][::-1]
    if m := re.fullmatch(r"bottom\((\d+)\)", expr):
        return codes[: int(m.group(1))]
    if m := re.fullmatch(r"from\((.+)\)", expr):
        return codes[codes.index(m.group(1)) :] if m.group(1) in codes else []
    if m := re.fullmatch(r"to\((.+)\)", expr):
        return codes[: codes.index(m.group(1)) + 1] if m.group(1) in codes else []
    if m := re.fullmatch(r"range\((.+),(.+)\)", expr):
        a, b = m.group(1), m.group(2)
        return codes[codes.index(a) : codes.index(b) + 1] if a in codes and b in codes else []
    return [expr]


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False
