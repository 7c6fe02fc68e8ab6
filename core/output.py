"""Render command results as a Rich table, JSON or CSV, the same way for every command."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CsvDialect(StrEnum):
    """`excel`: what Norwegian Excel opens as columns — `;` between fields, decimal comma, a UTF-8 BOM (so
    «Ålesund» is not garbled), CRLF. `maskin`: for programs — `,`, decimal point, no BOM, LF."""

    excel = "excel"
    maskin = "maskin"


CSV_DIALECT = CsvDialect.excel  # set by the CLI from --csv-dialect / BOLIGARKIV_CSV_DIALECT


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str], dialect: CsvDialect | None = None) -> str:
    dialect = dialect or CSV_DIALECT
    excel = dialect is CsvDialect.excel
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c), excel) for c in columns])
    return ("\ufeff" if excel else "") + buf.getvalue()


def _csv_cell(value: Any, excel: bool) -> str:
    if isinstance(value, bool):
        return ("ja" if value else "nei") if excel else str(value).lower()
    if isinstance(value, float):
        text = f"{value:.6g}" if abs(value) < 1e15 else repr(value)
        return text.replace(".", ",") if excel else text
    return _cell(value)


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def emit(data: Any, fmt: Format, *, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print `data` (a list of dicts, or a dict) in the chosen format. JSON goes to stdout unstyled."""
    if fmt is Format.json:
        sys.stdout.write(to_json(data) + "\n")
        return
    rows = data if isinstance(data, list) else [data]
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt is Format.csv:
        sys.stdout.write(csv_text(rows, cols))
        return
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in cols))
    console.print(table)


def nb_number(value: float | int | None, decimals: int = 2) -> str:
    """Norwegian number format: decimal comma, thin space between thousands, trailing zeros dropped."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"
    return text.replace(",", "\u2009").replace(".", ",")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return nb_number(value, 4)  # an analyst reads «0,25», not «0.25»
    if isinstance(value, datetime | date):
        return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=_default)
    return str(value)


# What the counts in stage results and run records are called in Norwegian.
COUNT_LABELS = {
    "pages": "sider",
    "documents": "dokumenter",
    "new_documents": "nye dokumenter",
    "not_modified": "uendret",
    "errors": "feil",
    "ok": "ok",
    "hits": "signaltreff",
    "entities": "enheter",
    "kommuner": "kommuner",
    "ocr_pages": "OCR-sider",
    "total_pages": "sider i indeksen",
    "left_to_others": "overlatt til andre arbeidere",
    "ssb_calls": "SSB-kall",
    "indicators": "indikatorer",
}
RUN_STATUS_LABELS = {
    "ok": "fullført",
    "ok_with_errors": "fullført; enkelte nettsteder eller dokumenter feilet",
    "partial": "delvis: et steg feilet eller ble stoppet",
    "interrupted": "avbrutt",
    "running": "pågår",
    "failed": "feilet",
}


def counts_text(stats: dict[str, Any] | None) -> str:
    """«sider 42 · dokumenter 10 · feil 12» — the numbers of a stage or run, not a Python dict."""
    parts = []
    for key, value in (stats or {}).items():
        if key in COUNT_LABELS and isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f"{COUNT_LABELS[key]} {value:,}".replace(",", "\u202f"))
        elif key in COUNT_LABELS and isinstance(value, list | dict):
            parts.append(f"{COUNT_LABELS[key]} {len(value)}")
    return " · ".join(parts)
