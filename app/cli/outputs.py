"""CLI: what analysts take away — search, reports and exports, the web app, the weekly digest."""

from __future__ import annotations

import smtplib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from boligarkiv.app.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_INPUT,
    FormatOpt,
    app,
    fail,
    get_ctx,
)
from boligarkiv.output import Format, console, emit, err_console


class ReportFormat(StrEnum):
    html = "html"
    json = "json"
    md = "md"
    xlsx = "xlsx"
    csv = "csv"


@app.command(rich_help_panel="Utdata")
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            help='Søk: ord, "fraser", OR, -utelat, prefiks*, kommune:, fylke:, signal:, type:, språk:, år:2020..2024'
        ),
    ],
    limit: Annotated[int, typer.Option(help="Antall dokumenter.")] = 10,
    offset: Annotated[int, typer.Option(help="Hopp over så mange dokumenter (for å bla).")] = 0,
    fmt: FormatOpt = Format.table,
) -> None:
    """Søk i arkivet: rangerte dokumenter med sidetall, uthevede utdrag og fasetter."""
    from boligarkiv.index.query import QuerySyntaxError, SearchUnavailable, parse_query
    from boligarkiv.index.stage import get_backend

    try:
        parsed = parse_query(query)
        result = get_backend(get_ctx(ctx).archive()).search(parsed, limit=limit, offset=offset)
    except SearchUnavailable as exc:
        fail(str(exc), EXIT_CONFIG)
    except QuerySyntaxError as exc:
        fail(str(exc), EXIT_INPUT)
    if fmt is Format.json:
        emit(result.to_json(), fmt)
        return
    if fmt is Format.csv:
        from boligarkiv.report.render import SEARCH_COLUMNS, search_rows

        emit(search_rows(result, get_ctx(ctx).settings.web_base_url or "", offset), fmt, columns=SEARCH_COLUMNS)
        return
    from rich.markup import escape

    from boligarkiv.output import console

    at_least = "minst " if result.estimate else ""
    console.print(
        f"[bold]{at_least}{result.total_documents}[/] dokumenter ({at_least}{result.total_pages} sider) "
        f"· {result.backend}"
    )
    for n, hit in enumerate(result.hits, start=offset + 1):
        period = f"{hit.year_start}–{hit.year_end}" if hit.year_start else ""
        console.print(
            f"\n[bold]{n}. {escape(hit.title or hit.sha256[:12])}[/] · {escape(hit.kommune_navn or '')} "
            f"· {hit.doc_type or ''} · {period} · [dim]{hit.sha256[:12]}[/]"
        )
        for p in hit.pages:
            parts, pos = [], 0
            for s, e in p.marks:
                parts.append(escape(p.snippet[pos:s]) + "[bold yellow]" + escape(p.snippet[s:e]) + "[/]")
                pos = e
            parts.append(escape(p.snippet[pos:]))
            console.print(f"   s. {p.page}: " + "".join(parts))
    for facet, values in result.facets.items():
        if values:
            console.print(f"[dim]{facet}:[/] " + ", ".join(f"{escape(str(v))} ({c})" for v, c in values[:8]))


@app.command(rich_help_panel="Utdata")
def report(
    ctx: typer.Context,
    kommune: Annotated[str | None, typer.Argument(help="Kommunenummer eller navn.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Nasjonal screening av alle kommuner.")] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="html, json, md, xlsx (kommune) eller xlsx, csv, json, html (--all)."),
    ] = ReportFormat.html,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Skriv til fil i stedet for standard ut.")
    ] = None,
    fylke: Annotated[str | None, typer.Option(help="Screening: bare dette fylket.")] = None,
) -> None:
    """Signalrapport for en kommune, eller nasjonal screening av alle (--all)."""
    import sys

    from boligarkiv.report import data, render

    archive = get_ctx(ctx).archive()
    if all_ == (kommune is not None):
        fail("Oppgi enten en kommune eller --all", EXIT_INPUT)
    if all_:
        rows = render.filter_rows(data.screening(archive), fylke)
        content: str | bytes = {
            ReportFormat.json: lambda: render.to_json(rows),
            ReportFormat.csv: lambda: render.screening_csv(rows),
            ReportFormat.xlsx: lambda: render.screening_xlsx(rows),
            ReportFormat.html: lambda: render.screening_html(rows, fylke=fylke or ""),
        }.get(fmt, lambda: fail("--all støtter xlsx, csv, json og html", EXIT_INPUT))()
    else:
        assert kommune is not None
        from boligarkiv.seeds import match_kommuner

        with archive.session() as session:
            match = match_kommuner(session, kommune)
        if len(match) != 1:
            fail(f"Fant {'ingen' if not match else 'flere'} kommuner for {kommune!r}", EXIT_INPUT)
        r = data.kommune_report(archive, match[0])
        assert r is not None
        content = {
            ReportFormat.json: lambda: render.to_json(r),
            ReportFormat.md: lambda: render.kommune_markdown(r),
            ReportFormat.xlsx: lambda: render.kommune_xlsx(r),
            ReportFormat.html: lambda: render.kommune_html(r),
        }.get(fmt, lambda: fail("En kommunerapport støtter html, json, md og xlsx", EXIT_INPUT))()
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    if output is None and fmt is ReportFormat.xlsx and sys.stdout.isatty():
        # A spreadsheet is binary: written to the terminal it is noise. Name a file instead.
        output = Path(f"boligarkiv-{'screening' if all_ else match[0]}.xlsx")
    if output:
        output.write_bytes(raw)
        err_console.print(f"Skrev {output} ({len(raw):,} byte)".replace(",", "\u202f"))
    else:
        sys.stdout.buffer.write(raw)


@app.command(rich_help_panel="Utdata")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Adresse å lytte på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Antall prosesser.")] = 1,
) -> None:
    """Start webappen (søk, kommunerapporter, screening, feeds og JSON-API)."""
    import uvicorn

    from boligarkiv.web.app import create_app

    state = get_ctx(ctx)
    state.archive()  # fail early, with exit codes, on a bad data dir or schema
    err_console.print(f"Boligarkiv kjører på http://{host}:{port}/ (data: {state.settings.data_dir})")
    if workers > 1:
        # Several processes need an import string; each builds its app from the same settings via the environment.
        import os

        os.environ["BOLIGARKIV_DATA_DIR"] = str(state.settings.data_dir)
        if state.settings.database_url:
            os.environ["BOLIGARKIV_DATABASE_URL"] = state.settings.database_url
        uvicorn.run(
            "boligarkiv.web.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning"
        )
    else:
        uvicorn.run(create_app(state.settings, state.archive()), host=host, port=port, log_level="warning")


@app.command(rich_help_panel="Utdata")
def digest(
    ctx: typer.Context,
    dager: Annotated[int, typer.Option(help="Endringer de siste så mange dagene.", min=1, max=366)] = 7,
    send: Annotated[bool, typer.Option("--send", help="Send med e-post (smtp_host) i stedet for å skrive ut.")] = False,
) -> None:
    """Ukens sammendrag for alle som følger noe: nye og endrede planer, signaler, politiske saker, søk."""
    from boligarkiv.app.digest import build_digests, default_since, index_search, send_digests

    archive = get_ctx(ctx).archive()
    digests = build_digests(archive, default_since(dager), index_search(archive))
    if not send:
        for d in digests:
            console.print(f"[bold]Til {d.email}: {d.subject}[/]")
            console.print(d.text())
        return
    try:
        sent = send_digests(archive, digests)
    except (OSError, RuntimeError, smtplib.SMTPException) as exc:
        fail(f"Fikk ikke sendt sammendraget: {exc}", EXIT_FAILURE)
    err_console.print(f"Sendte {sent} sammendrag ({len(digests) - sent} uten endringer ble ikke sendt).")
