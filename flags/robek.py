"""The ROBEK list (Register om betinget godkjenning og kontroll): kommuner under state financial control.

Sources, in order of preference: a CSV override given by the user (for when the ministry changes its page),
else the ministry's page (HTML table) or an Excel file. Names are resolved to 2024 kommunenummer with the
same matcher the Husbanken spider uses; numbers from before 2024 map to today's kommune.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from boligarkiv.kommunenavn import KommuneMatcher, KommuneRef

DEFAULT_URL = (
    "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommuneokonomi/robek-2/"
    "kommuner-som-er-oppfort-i-registeret/id415422/"
)


class RobekError(ValueError):
    pass


@dataclass(frozen=True)
class RobekEntry:
    kommunenummer: str
    navn: str
    grunnlag: str | None = None  # kommuneloven § 28-1 bokstav ...


def _resolve(matcher: KommuneMatcher, number: str | None, name: str | None) -> KommuneRef | None:
    if number and number.zfill(4) in matcher.by_number:
        return matcher.by_number[number.zfill(4)]
    if name:
        return matcher.match(f"{name} kommune")
    return None


def parse_csv(text: str, matcher: KommuneMatcher) -> list[RobekEntry]:
    reader = csv.DictReader(io.StringIO(text))
    cols = {c.lower(): c for c in (reader.fieldnames or [])}
    num_col = next((cols[c] for c in cols if c.startswith("kommunenummer")), None)
    name_col = next((cols[c] for c in cols if c in ("kommunenavn", "kommune", "navn")), None)
    if num_col is None and name_col is None:
        raise RobekError("ROBEK-CSV må ha en kolonne kommunenummer eller kommunenavn")
    basis_col = next((cols[c] for c in cols if "lovhjemmel" in c or "grunnlag" in c), None)
    out = []
    for line, row in enumerate(reader, start=2):
        ref = _resolve(
            matcher,
            (row.get(num_col) or "").strip() if num_col else None,
            (row.get(name_col) or "").strip() if name_col else None,
        )
        if ref is None:
            raise RobekError(f"ROBEK-CSV linje {line}: ukjent kommune {dict(row)}")
        out.append(RobekEntry(ref.nummer, ref.navn, (row.get(basis_col) or None) if basis_col else None))
    return out


def parse_html(page: str, matcher: KommuneMatcher) -> list[RobekEntry]:
    """The ministry's page lists the kommuner in a table (kommune, fylke, hjemmel); read every table row."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, etree.ParserError) as exc:
        raise RobekError(f"ROBEK-siden er tom eller uleselig ({exc}); bruk --robek-csv") from exc
    out: list[RobekEntry] = []
    for row in tree.xpath("//table//tr"):
        cells = [" ".join(c.text_content().split()) for c in row.xpath("./td")]
        if not cells or not cells[0]:
            continue
        number = next((c for c in cells if re.fullmatch(r"\d{4}", c)), None)
        name = re.sub(r"\s+kommune$", "", cells[0] if number != cells[0] else cells[1], flags=re.I)
        ref = _resolve(matcher, number, f"{name}, {' '.join(cells[1:])}")
        if ref is not None and all(e.kommunenummer != ref.nummer for e in out):
            basis = next((c for c in cells if "§" in c or re.search(r"bokstav|\b[a-f]\b", c)), None)
            out.append(RobekEntry(ref.nummer, ref.navn, basis))
    if not out:
        raise RobekError("fant ingen kommuner i ROBEK-siden (har siden endret form? bruk --robek-csv)")
    return out


def parse_excel(data: bytes, matcher: KommuneMatcher) -> list[RobekEntry]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise RobekError("tomt ROBEK-regneark")
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow(["" if v is None else str(v) for v in r])
    return parse_csv(buf.getvalue(), matcher)


def load_file(path: Path, matcher: KommuneMatcher) -> list[RobekEntry]:
    data = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return parse_excel(data, matcher)
    text = data.decode("utf-8-sig")
    return parse_html(text, matcher) if path.suffix.lower() in (".html", ".htm") else parse_csv(text, matcher)
