"""A local SSB PxWebApi v2 on 127.0.0.1 for the flags tests: metadata and data answers in the real
JSON-stat2 shape (see ../shared/data/ssb), with hand-chosen values for a handful of kommuner, plus the
failures SSB produces: 400 with its error body, 429 with Retry-After, and a malformed body."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import product
from typing import Any

AGES = [f"{a:03d}" for a in range(105)] + ["105+"]
KOMMUNE_CODES = ["0301", "1841", "4601", "3301", "3005"]

# table -> (variables in order, codes per variable); the region codes are filled in per table below.
TABLES: dict[str, dict[str, list[str]]] = {
    "12134": {
        "KOKkommuneregion0000": KOMMUNE_CODES,
        "KOKartkap0000": ["AGD9", "AGD10"],
        "ContentsCode": ["KOSAG110000", "KOSAG120000"],
        "Tid": ["2021", "2022", "2023", "2024"],
    },
    "13016": {
        "KOKkommuneregion0000": KOMMUNE_CODES,
        "ContentsCode": ["KOSbehtidregplan0000"],
        "Tid": ["2022", "2023", "2024"],
    },
    "12690": {
        "KOKkommuneregion0000": KOMMUNE_CODES,
        "ContentsCode": ["KOSandelinnsig0000"],
        "Tid": ["2022", "2023", "2024"],
    },
    "12671": {
        "KOKkommuneregion0000": KOMMUNE_CODES,
        "ContentsCode": ["KOSbehtidbygg0000"],
        "Tid": ["2022", "2023", "2024"],
    },
    "14288": {
        "Region": KOMMUNE_CODES,
        "ContentsCode": ["Personer1"],
        "Alternativ": ["MMMM", "LLML"],
        "Tid": ["2024", "2030", "2050"],
    },
    "07459": {
        "Region": KOMMUNE_CODES,
        "Kjonn": ["1", "2"],
        "Alder": AGES,
        "ContentsCode": ["Personer1"],
        "Tid": ["2025", "2026"],
    },
    "99999": {"Region": KOMMUNE_CODES, "ContentsCode": ["X"], "Tid": ["2024"]},
    "55555": {"Region": KOMMUNE_CODES, "ContentsCode": ["X"], "Tid": ["2024"]},
}


def values() -> dict[tuple[str, ...], float | None]:
    """(table, *codes in variable order) -> value. Everything not listed is absent (null in the answer)."""
    v: dict[tuple[str, ...], float | None] = {}
    drift = {
        "4601": {"2021": 2.5, "2022": -0.4, "2023": 1.2, "2024": 1.9},
        "1841": {"2022": -1.0, "2023": -2.0, "2024": 0.5},
        "3005": {"2021": 1.0, "2022": -0.5, "2023": -0.3},
        "3301": {"2024": 2.0},
    }
    debt = {
        "4601": {"2023": 50000.0, "2024": 56000.0},
        "1841": {"2023": 100.0, "2024": 105.0},
        "3005": {"2023": 200.0},
        "3301": {"2024": 230.0},
    }
    for k, ys in drift.items():
        for y, x in ys.items():
            v[("12134", k, "AGD10", "KOSAG110000", y)] = x
    for k, ys in debt.items():
        for y, x in ys.items():
            v[("12134", k, "AGD9", "KOSAG120000", y)] = x
    v[("13016", "4601", "KOSbehtidregplan0000", "2024")] = 1200.0
    v[("13016", "1841", "KOSbehtidregplan0000", "2024")] = 800.0
    v[("12690", "4601", "KOSandelinnsig0000", "2024")] = 45.0
    v[("12690", "1841", "KOSandelinnsig0000", "2023")] = 20.0
    v[("12671", "4601", "KOSbehtidbygg0000", "2024")] = 70.0
    for k, (a, b) in {"4601": (290000.0, 320000.0), "1841": (9800.0, 8500.0)}.items():
        v[("14288", k, "Personer1", "MMMM", "2024")] = a
        v[("14288", k, "Personer1", "MMMM", "2050")] = b
        v[("14288", k, "Personer1", "LLML", "2050")] = 1.0  # another alternative: must not be read
    # Old-age dependency: Fauske 2,600 aged 67+ per 5,000 aged 20–66 (52.0); Bergen 40,000 per 180,000 (22.22).
    for k, old, working in (("1841", 2600.0, 5000.0), ("4601", 40000.0, 180000.0)):
        v[("07459", k, "1", "030", "Personer1", "2026")] = working / 2
        v[("07459", k, "2", "045", "Personer1", "2026")] = working / 2
        v[("07459", k, "1", "070", "Personer1", "2026")] = old / 2
        v[("07459", k, "2", "105+", "Personer1", "2026")] = old / 2
        v[("07459", k, "1", "010", "Personer1", "2026")] = 999.0  # children count in neither part
    return v


def metadata(table: str) -> dict[str, Any]:
    dims = TABLES[table]
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"{table}: test table",
        "source": "Statistics Norway",
        "id": list(dims),
        "size": [len(c) for c in dims.values()],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            var: {
                "label": var,
                "category": {"index": {c: i for i, c in enumerate(codes)}, "label": {c: c for c in codes}},
                "extension": {"elimination": var not in ("ContentsCode", "Tid")},
            }
            for var, codes in dims.items()
        },
    }


def _expand(codes: list[str], wanted: list[str]) -> list[str]:
    out: list[str] = []
    for w in wanted:
        if w == "*":
            out += codes
        elif m := re.fullmatch(r"top\((\d+)\)", w):
            out += codes[-int(m.group(1)) :]
        elif w in codes:
            out.append(w)
        else:
            raise KeyError(w)
    return [c for c in codes if c in out]


@dataclass
class SsbWeb:
    log: list[tuple[str, str, int, float]] = field(default_factory=list)
    limited_once: set[str] = field(default_factory=set)  # tables whose first data call gets a 429
    robek_html: str = ""
    server: ThreadingHTTPServer | None = None
    data = values()

    @property
    def robek_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/robek"

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/api/pxwebapi/v2"

    def start(self) -> SsbWeb:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                web.log.append((self.command, self.path, status, time.time()))

            def do_GET(self) -> None:
                if self.path == "/robek":
                    self.send_response(200)
                    body = web.robek_html.encode()
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return None
                m = re.match(r"^/api/pxwebapi/v2/tables/(\w+)/metadata", self.path)
                if not m or m.group(1) not in TABLES:
                    return self.send(404, b'{"type":"Not found","title":"No such table","status":404}')
                return self.send(200, json.dumps(metadata(m.group(1))).encode())

            def do_POST(self) -> None:
                m = re.match(r"^/api/pxwebapi/v2/tables/(\w+)/data", self.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not m or m.group(1) not in TABLES:
                    return self.send(404, b'{"type":"Not found","title":"No such table","status":404}')
                table = m.group(1)
                if table in web.limited_once:
                    web.limited_once.discard(table)
                    return self.send(429, b'{"title":"Too many requests","status":429}', {"Retry-After": "1"})
                if table == "99999":
                    return self.send(200, b'{"version": "2.0", "class": "dataset", "id": [')
                selection = {s["variableCode"]: s["valueCodes"] for s in body.get("selection", [])}
                dims = TABLES[table]
                if table == "55555" or any(v not in selection for v in ("ContentsCode", "Tid")):
                    return self.send(
                        400,
                        b'{"type":"Parameter error","title":"Missing selection for mandantory variable","status":400}',
                    )
                try:
                    chosen = {var: _expand(codes, selection.get(var, codes)) for var, codes in dims.items()}
                except KeyError as exc:
                    return self.send(
                        400,
                        json.dumps(
                            {"type": "Parameter error", "title": f"Non-existent value {exc}", "status": 400}
                        ).encode(),
                    )
                cells = [web.data.get((table, *combo)) for combo in product(*chosen.values())]
                answer = metadata(table)
                answer["id"], answer["size"] = list(chosen), [len(c) for c in chosen.values()]
                for var, codes in chosen.items():
                    answer["dimension"][var]["category"] = {
                        "index": {c: i for i, c in enumerate(codes)},
                        "label": {c: c for c in codes},
                    }
                answer["value"] = cells
                answer["status"] = {str(i): ".." for i, x in enumerate(cells) if x is None}
                return self.send(200, json.dumps(answer).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
