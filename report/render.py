"""Render kommune reports and the national screening as HTML, Markdown, JSON, CSV and XLSX."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from boligarkiv.lexicon import load_lexicon
from boligarkiv.output import CsvDialect, csv_text, nb_number
from boligarkiv.report.data import DOC_TYPE_LABELS, FLAG_LABELS, NEED_LABELS, OPPORTUNITY_WEIGHTS
from boligarkiv.report.map import render_map

TEMPLATES = Path(__file__).resolve().parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


env.filters["nb"] = nb_number
MAP_CHOICES = (
    [("mulighet", "Mulighetsscore")]
    + [(s.id, s.label) for s in load_lexicon().signals]
    + [(ind, f"Behov: {label}") for ind, label in NEED_LABELS.items()]
)
FLAG_CHOICES = list(FLAG_LABELS.items())


def _json_default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


# --- kommune report -----------------------------------------------------------------------------------
def kommune_html(r: dict[str, Any], static: bool = True) -> str:
    return env.get_template("kommune.html").render(r=r, static=static)


def kommune_markdown(r: dict[str, Any]) -> str:
    k = r["kommune"]
    out = [
        f"# {k['navn']} kommune ({k['nummer']}, {k['fylke']})",
        "",
        f"Rapport laget {r['laget']}.",
        "",
        "## Planer",
        "",
    ]
    if r["planer"]:
        out += ["| Dokument | Type | Periode | Vedtatt | Status | Kilde |", "|---|---|---|---|---|---|"]
        for p in r["planer"]:
            period = f"{p['periode_fra'] or ''}–{p['periode_til'] or ''}" if p["periode_til"] else ""
            out.append(
                f"| {p['tittel']} | {p['type_navn']} | {period} | {p['vedtatt'] or ''} | {p['status']} | "
                f"{p['kilde'] or ''} |"
            )
    else:
        out.append("Ingen dokumenter arkivert.")
    out += ["", "## Politiske vedtak", ""]
    if r["politiske_vedtak"]:
        out += ["| Møtedato | Organ | Saksnr. | Sak | Dokument | Portal |", "|---|---|---|---|---|---|"]
        for c in r["politiske_vedtak"]:
            when = c["dato"].strftime("%d.%m.%Y") if c["dato"] else ""
            out.append(
                f"| {when} | {c['organ'] or ''} | {c['saksnummer'] or ''} | {c['sak'] or ''} | {c['rolle']} | "
                f"[{c['portal']}]({c['portal_lenke']}) |"
            )
    else:
        out.append("Ingen boligsaker funnet i kommunens møteportal.")
    out += ["", "## Signaler", "", "| Signal | Poeng | Treff | Forpliktelse |", "|---|---|---|---|"]
    out += [f"| {s['navn']} | {s['poeng']:.2f} | {s['treff']} | {s['forpliktelse']} |" for s in r["signaler"]]
    for s in r["signaler"]:
        if s["sitater"] or s["negerte_sitater"]:
            out += ["", f"### {s['navn']}", ""]
            out += [
                f"> «{q['sitat']}» — {q['forpliktelse']}, {q['dokument_tittel']}, s. {q['side']}" for q in s["sitater"]
            ]
            out += [f"> (negert) «{q['sitat']}» — {q['dokument_tittel']}, s. {q['side']}" for q in s["negerte_sitater"]]
    out += ["", "## Røde flagg", ""]
    if r["flagg"]:
        out += [
            "| Indikator | År | Verdi | Kostragruppe | Landet | Tall | Terskel | Flagget | Kilde |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in r["flagg"]:
            value = f["status"] or ("mangler" if f["mangler"] else nb_number(f["verdi"]))
            flagged = "ja" if f["flagget"] else "–" if f["flagget"] is None else "nei"
            group = f"{nb_number(f['gruppe_verdi'])} ({f['gruppe']})" if f["gruppe_verdi"] is not None else ""
            national = f"{nb_number(f['landet_verdi'])} ({f['landet']})" if f["landet_verdi"] is not None else ""
            out.append(
                f"| {f['navn']} | {f['år'] or ''} | {value} | {group} | {national} | {f['revidert']} | "
                f"{nb_number(f['terskel'])} | {flagged} | {f['kilde']} |"
            )
    else:
        out.append("Ingen flagg beregnet.")
    out += ["", "## Dekning", ""]
    for c in r["dekning"]:
        out.append(
            f"- Kjøring {c['kjøring']}: {c['sider']} sider, {c['dokumenter']} dokumenter"
            + (f" — {c['grunn_tekst']}" if c["grunn_tekst"] else "")
        )
        out += [
            f"  - {k['kilde']}: {k['dokumenter']} dokumenter" + (f" ({k['detaljer']})" if k["detaljer"] else "")
            for k in c["kilder"]
        ]
    if not r["dekning"]:
        out.append("Ikke gjennomsøkt ennå.")
    return "\n".join(out) + "\n"


def kommune_xlsx(r: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Kommune"
    for key, value in r["kommune"].items():
        ws.append([key, ", ".join(value) if isinstance(value, list) else value])
    sheets = {
        "Planer": (
            ["Tittel", "Type", "Fra", "Til", "Vedtatt", "Status", "Kilde", "sha256"],
            [
                [
                    p["tittel"],
                    p["type_navn"],
                    p["periode_fra"],
                    p["periode_til"],
                    p["vedtatt"],
                    p["status"],
                    p["kilde"],
                    p["sha256"],
                ]
                for p in r["planer"]
            ],
        ),
        "Signaler": (
            ["Signal", "Navn", "Poeng", "Treff", "Forpliktelse"],
            [[s["id"], s["navn"], s["poeng"], s["treff"], s["forpliktelse"]] for s in r["signaler"]],
        ),
        "Sitater": (
            ["Signal", "Sitat", "Negert", "Forpliktelse", "Dokument", "Side"],
            [
                [s["id"], q["sitat"], neg, q["forpliktelse"], q["dokument_tittel"], q["side"]]
                for s in r["signaler"]
                for neg, qs in ((False, s["sitater"]), (True, s["negerte_sitater"]))
                for q in qs
            ],
        ),
        "Politiske vedtak": (
            ["Møtedato", "Organ", "Saksnr.", "Sak", "Dokument", "Rolle", "Portal", "Lenke", "sha256"],
            [
                [
                    c["dato"],
                    c["organ"],
                    c["saksnummer"],
                    c["sak"],
                    c["dokument"],
                    c["rolle"],
                    c["portal"],
                    c["portal_lenke"],
                    c["sha256"],
                ]
                for c in r["politiske_vedtak"]
            ],
        ),
        "Flagg": (
            ["Indikator", "Navn", "År", "Verdi", "Terskel", "Flagget", "Mangler", "Kilde"],
            [
                [f["indikator"], f["navn"], f["år"], f["verdi"], f["terskel"], f["flagget"], f["mangler"], f["kilde"]]
                for f in r["flagg"]
            ],
        ),
        "Dekning": (
            ["Kjøring", "Kilde", "Sider", "Dokumenter", "Nye", "Grunn"],
            [[c["kjøring"], "I alt", c["sider"], c["dokumenter"], c["nye"], c["grunn_tekst"]] for c in r["dekning"]]
            + [
                [c["kjøring"], k["kilde"], None, k["dokumenter"], None, k["detaljer"]]
                for c in r["dekning"]
                for k in c["kilder"]
            ],
        ),
    }
    for title, (header, rows) in sheets.items():
        sheet = wb.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        style_sheet(sheet)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- national screening -------------------------------------------------------------------------------
def screening_columns() -> list[str]:
    return (
        ["rangering", "nummer", "navn", "fylke", "planstatus", "plan_til", "dokumenter", "mulighet"]
        + [s.id for s in load_lexicon().signals]
        + ["antall_flagg", "flagg"]
        + list(NEED_LABELS)
    )


def filter_rows(
    rows: list[dict[str, Any]],
    fylke: str | None = None,
    flagg: str | None = None,
    sort: str | None = None,
    signal: str | None = None,
) -> list[dict[str, Any]]:
    """Keep a fylke, kommuner with a flag, kommuner where a signal scores above zero; sort by a column."""
    out = [
        r
        for r in rows
        if (not fylke or r["fylke"].casefold() == fylke.casefold())
        and (not flagg or flagg in r["flagg"])
        and (not signal or (r.get(signal) or 0) > 0)
    ]
    if out and sort and sort in out[0]:
        out = sorted(out, key=lambda r: (-(r[sort] or 0), r["nummer"]))
    return out


def screening_map(rows: list[dict[str, Any]], vis: str = "mulighet") -> str:
    label = dict(MAP_CHOICES).get(vis) or FLAG_LABELS.get(vis, vis)
    if vis in FLAG_LABELS:
        values: dict[str, float | bool | None] = {r["nummer"]: vis in r["flagg"] for r in rows}
    else:
        values = {r["nummer"]: r.get(vis) for r in rows}
    return render_map(values, {r["nummer"]: r["navn"] for r in rows}, f"Kart: {label}")


def screening_html(
    rows: list[dict[str, Any]],
    *,
    vis: str = "mulighet",
    fylke: str = "",
    flagg: str = "",
    static: bool = True,
    fylker: list[str] | None = None,
    side: int = 1,
    per_side: int | None = None,
    signal: str = "",
) -> str:
    """The screening page: the map shows every kommune the filters keep; the table pages when asked to."""
    shown = filter_rows(rows, fylke or None, flagg or None, vis, signal or None)
    pages = max(1, -(-len(shown) // per_side)) if per_side else 1
    side = min(max(1, side), pages)
    table = shown[(side - 1) * per_side : side * per_side] if per_side else shown
    return env.get_template("screening.html").render(
        rader=table,
        antall=len(shown),
        side=side,
        sider=pages,
        kart=screening_map(shown, vis),
        signaler=load_lexicon().signals,
        flaggnavn=FLAG_LABELS,
        static=static,
        valg=MAP_CHOICES,
        flaggvalg=FLAG_CHOICES,
        fylker=fylker or sorted({r["fylke"] for r in rows}),
        valgt={"fylke": fylke, "vis": vis, "flagg": flagg, "signal": signal},
    )


def screening_csv(rows: list[dict[str, Any]], dialect: CsvDialect | None = None) -> str:
    """The screening for Excel (`;`, decimal comma, BOM) unless the `maskin` dialect is asked for."""
    return csv_text([{**r, "flagg": " ".join(r["flagg"])} for r in rows], screening_columns(), dialect)


def style_sheet(ws: Any, *, freeze: str = "A2", widths: dict[str, int] | None = None) -> None:
    """Bold frozen header row, a filter, column widths from the content (capped), Norwegian number formats;
    cells that hold a web link become clickable."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if ws.max_row < 1:
        return
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = ws.dimensions
    for col in ws.iter_cols(min_row=1, max_row=min(ws.max_row, 400)):
        letter = get_column_letter(col[0].column)
        longest = max((len(str(c.value)) for c in col if c.value is not None), default=8)
        ws.column_dimensions[letter].width = (widths or {}).get(str(col[0].value), min(max(10, longest + 2), 60))
        for c in col[1:]:
            if isinstance(c.value, float):
                c.number_format = "#,##0.00"
            elif isinstance(c.value, str) and c.value.startswith(("http://", "https://")):
                c.hyperlink = c.value
                c.style = "Hyperlink"


def screening_xlsx(rows: list[dict[str, Any]], base_url: str = "") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Screening"
    cols = [*screening_columns(), "lenke"]
    ws.append(cols)
    for r in rows:
        link = f"{base_url.rstrip('/')}/kommune/{r['nummer']}" if base_url else ""
        ws.append(
            [" ".join(r["flagg"]) if c == "flagg" else (link or None) if c == "lenke" else r.get(c) for c in cols]
        )
    style_sheet(ws, freeze="D2")
    method = wb.create_sheet("Metode")
    for line in (
        [
            "Mulighetsscore",
            "Summen av kommunens signalpoeng (se vektene under) + 1 for en gjeldende plan − 0,5 per rødt flagg.",
        ],
        ["Signalpoeng", "Sum over treff av signalvekt × forpliktelsesvekt per 1000 ord; gjeldende planer først."],
        *[[f"vekt {k}", v] for k, v in OPPORTUNITY_WEIGHTS.items()],
        *[[f"flagg {k}", v] for k, v in FLAG_LABELS.items()],
        ["Laget", date.today().isoformat()],
    ):
        method.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SEARCH_COLUMNS = [
    "nr",
    "kommunenummer",
    "kommune",
    "fylke",
    "tittel",
    "dokumenttype",
    "periode",
    "signaler",
    "rangering",
    "side",
    "utdrag",
    "lenke",
    "kilde",
]


def search_rows(result: Any, base_url: str = "", offset: int = 0) -> list[dict[str, Any]]:
    """One row per document hit: what the search page shows, with a link back to the page in the archive."""
    labels = {s.id: s.label for s in load_lexicon().signals}
    rows = []
    for n, h in enumerate(result.hits, start=offset + 1):
        first = h.pages[0] if h.pages else None
        period = f"{h.year_start}–{h.year_end}" if h.year_start and h.year_end and h.year_end != h.year_start else ""
        rows.append(
            {
                "nr": n,
                "kommunenummer": h.kommune_nummer,
                "kommune": h.kommune_navn,
                "fylke": h.fylke,
                "tittel": h.title,
                "dokumenttype": DOC_TYPE_LABELS.get(h.doc_type or "", h.doc_type),
                "periode": period or (str(h.year_start) if h.year_start else ""),
                "signaler": ", ".join(labels.get(x, x) for x in h.signals),
                "rangering": float(h.score),
                "side": first.page if first else None,
                "utdrag": first.snippet if first else "",
                "lenke": (
                    f"{base_url.rstrip('/')}/dokument/{h.sha256}" + (f"#side-{first.page}" if first else "")
                    if base_url
                    else h.sha256
                ),
                "kilde": h.url,
            }
        )
    return rows


def search_csv(rows: list[dict[str, Any]], dialect: CsvDialect | None = None) -> str:
    return csv_text(rows, SEARCH_COLUMNS, dialect)


def search_xlsx(rows: list[dict[str, Any]], query: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Treff"
    ws.append(SEARCH_COLUMNS)
    for r in rows:
        ws.append([r.get(c) for c in SEARCH_COLUMNS])
    style_sheet(ws, freeze="C2", widths={"utdrag": 80, "tittel": 50})
    about = wb.create_sheet("Søk")
    for line in (["Søk", query], ["Treff", len(rows)], ["Laget", date.today().isoformat()]):
        about.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["DOC_TYPE_LABELS", "env"]
