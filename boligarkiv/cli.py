"""The `boligarkiv` command line. Each stage's command is a thin wrapper that opens the archive and calls
the stage; no stage calls another stage directly.

Exit codes: 0 ok (single sites or documents may have failed; recorded in the archive); 1 unexpected failure;
2 bad usage or bad input file; 3 configuration or data-dir problem; 4 database schema problem; 5 a stage failed
or was stopped (stage commands: some items failed); 6 no network (nothing crawled).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import func, select

from boligarkiv import __version__
from boligarkiv.db import Archive, SchemaError, open_archive
from boligarkiv.models import Base, ChangeEvent, Coverage, Document, Fetch, Kommune, Run
from boligarkiv.output import Format, console, emit, err_console
from boligarkiv.seeds import SeedsError, load_seeds, read_seeds
from boligarkiv.settings import Settings, SettingsError, load_settings

EXIT_FAILURE = 1
EXIT_INPUT = 2
EXIT_CONFIG = 3
EXIT_SCHEMA = 4
EXIT_PARTIAL = 5
EXIT_OFFLINE = 6  # none of the kommuner's sites answered: nothing was crawled

app = typer.Typer(
    name="boligarkiv",
    help="Boligarkiv: arkiv over kommunenes boligsosiale planer, med signaler, søk og rapporter.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Utdataformat: table, json eller csv.")]
SeedsOpt = Annotated[
    Path | None, typer.Option("--seeds", help="Seeds-fil (CSV) i samme format som seeds/kommune_urls.csv.")
]


@dataclass
class Context:
    settings: Settings
    _archive: Archive | None = None

    def archive(self) -> Archive:
        if self._archive is None:
            try:
                self._archive = open_archive(self.settings)
            except SchemaError as exc:
                fail(str(exc), EXIT_SCHEMA)
            except SettingsError as exc:
                fail(str(exc), EXIT_CONFIG)
        return self._archive


def hold_run_lock(ctx: typer.Context, purpose: str, *, shared: bool = False) -> None:
    """Stage commands take the same lock as `run`: two writers on one archive never interleave. Extract and
    analyse share it among themselves: their workers divide the work through claims (boligarkiv/claims.py)."""
    from boligarkiv.lock import AlreadyRunning, RunLock

    lock = RunLock(get_ctx(ctx).settings.data_dir, purpose, shared=shared)
    try:
        lock.__enter__()
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_FAILURE)
    ctx.call_on_close(lambda: lock.__exit__(None, None, None))


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    err_console.print(f"[bold red]Feil:[/] {message}")
    raise typer.Exit(code)


def get_ctx(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


def read_seed_file(path: Path | None, settings: Settings) -> list[Any]:
    try:
        return read_seeds(path or settings.seeds)
    except SeedsError as exc:
        fail(str(exc), EXIT_INPUT)


@contextmanager
def progress_bar(label: str, total: int | None, fmt: Format) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr (off for JSON output); yields a function that advances it by one."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=fmt is Format.json,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda *_args: progress.advance(task)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"boligarkiv {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            "-d",
            help="Datamappe (database og filarkiv). Standard: ./data eller "
            "~/.local/share/boligarkiv; kan også settes med BOLIGARKIV_DATA_DIR.",
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML-fil med innstillinger ([boligarkiv]-tabell).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Vis versjon og avslutt.")
    ] = False,
    csv_dialect: Annotated[
        str | None,
        typer.Option(
            "--csv-dialect",
            help="CSV for norsk Excel («excel»: semikolon, desimalkomma, BOM; standard) eller for programmer "
            "(«maskin»: komma, desimalpunktum).",
        ),
    ] = None,
) -> None:
    try:
        settings = load_settings(config, data_dir=data_dir, csv_dialect=csv_dialect)
    except SettingsError as exc:
        fail(str(exc), EXIT_CONFIG)
    from boligarkiv import output

    output.CSV_DIALECT = output.CsvDialect(settings.csv_dialect)
    state = Context(settings)
    ctx.obj = state
    ctx.call_on_close(lambda: state._archive.dispose() if state._archive else None)


@app.command()
def init(ctx: typer.Context, seeds: SeedsOpt = None) -> None:
    """Opprett eller oppgrader arkivet og last inn kommunene fra seeds-filen."""
    state = get_ctx(ctx)
    seed_rows = read_seed_file(seeds, state.settings)
    archive = state.archive()
    with archive.session() as session:
        changed = load_seeds(session, seed_rows)
        total = session.scalar(select(func.count()).select_from(Kommune))
    err_console.print(
        f"Arkivet er klart i [bold]{state.settings.data_dir}[/]: {total} kommuner ({changed} nye eller endret)."
    )


@app.command()
def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Vis antall rader per tabell og de siste kjøringene."""
    archive = get_ctx(ctx).archive()
    with archive.session() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
        runs = [
            {
                "id": r.id,
                "type": r.kind,
                "startet": r.started_at,
                "ferdig": r.finished_at,
                "status": r.status,
                "versjon": r.code_version,
                "statistikk": r.stats,
            }
            for r in session.scalars(select(Run).order_by(Run.id.desc()).limit(10))
        ]
    from boligarkiv.lock import holder
    from boligarkiv.scheduler import read_state

    with archive.session() as session:
        events = [
            {"tid": e.created_at, "type": e.kind, "kommune": e.kommune_nummer, "signal": e.signal, "detalj": e.detail}
            for e in session.scalars(select(ChangeEvent).order_by(ChangeEvent.id.desc()).limit(10))
        ]
    sched = read_state(archive.settings.data_dir)
    lock = holder(archive.settings.data_dir)
    if fmt is Format.json:
        emit(
            {
                "data_dir": str(archive.settings.data_dir),
                "tabeller": counts,
                "kjoringer": runs,
                "endringer": events,
                "planlegger": sched,
                "kjorer_na": lock,
            },
            fmt,
        )
        return
    emit([{"tabell": k, "rader": v} for k, v in counts.items()], fmt, title="Arkivet")
    if runs:
        emit(runs, fmt, title="Siste kjøringer")
    if events:
        emit(events, fmt, title="Siste endringer")
    if sched:
        err_console.print(
            f"Planlegger: {sched.get('cron')} · {'kjører' if sched['running'] else 'stoppet'} · "
            f"neste: {sched.get('next_run')} · sist: {sched.get('last_status')}"
        )
    if lock:
        err_console.print(f"En jobb holder på nå: {lock}")


@app.command()
def kommuner(
    ctx: typer.Context,
    fylke: Annotated[str | None, typer.Option(help="Bare kommuner i dette fylket (navn eller nummer).")] = None,
    sok: Annotated[str | None, typer.Option("--navn", help="Bare kommuner der navnet inneholder teksten.")] = None,
    seeds: SeedsOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List kommunene i arkivet (eller i en seeds-fil), med filter på fylke og navn."""
    state = get_ctx(ctx)
    if seeds is not None:
        rows = [
            {
                "nummer": s.nummer,
                "navn": s.navn,
                "fylkesnummer": s.fylkesnummer,
                "fylke": s.fylke,
                "nettside": s.nettside,
                "ekstra_urler": list(s.ekstra_urler),
            }
            for s in read_seed_file(seeds, state.settings)
        ]
    else:
        archive = state.archive()
        with archive.session() as session:
            if session.scalar(select(func.count()).select_from(Kommune)) == 0:
                load_seeds(session, read_seed_file(None, state.settings))
            rows = [
                {
                    "nummer": k.nummer,
                    "navn": k.navn,
                    "fylkesnummer": k.fylkesnummer,
                    "fylke": k.fylke,
                    "nettside": k.nettside,
                    "ekstra_urler": k.ekstra_urler,
                }
                for k in session.scalars(select(Kommune).order_by(Kommune.nummer))
            ]
    if fylke:
        key = fylke.strip().casefold()
        rows = [r for r in rows if (r["fylke"] or "").casefold() == key or r["fylkesnummer"] == fylke.strip()]
        if not rows:
            fail(f"Ingen kommuner i fylket {fylke!r}", EXIT_INPUT)
    if sok:
        rows = [r for r in rows if sok.casefold() in r["navn"].casefold()]
    emit(rows, fmt, columns=["nummer", "navn", "fylke", "nettside"], title=f"{len(rows)} kommuner")


@app.command()
def crawl(
    ctx: typer.Context,
    seeds: SeedsOpt = None,
    kommune: Annotated[
        list[str] | None, typer.Option("--kommune", "-k", help="Kommunenummer eller navn (kan gjentas).")
    ] = None,
    max_pages: Annotated[int | None, typer.Option(help="Sidebudsjett per kommune.")] = None,
    max_depth: Annotated[int | None, typer.Option(help="Største lenkedybde fra startsiden.")] = None,
    husbanken: Annotated[bool, typer.Option("--husbanken", help="Gå også gjennom Husbankens bibliotek.")] = False,
    husbanken_url: Annotated[str | None, typer.Option(help="Start-URL for Husbankens bibliotek.")] = None,
    husbanken_only: Annotated[bool, typer.Option("--husbanken-only", help="Bare Husbankens bibliotek.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Vis Scrapy-logg.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Gå gjennom kommunenes nettsteder og arkiver plandokumenter (høflig og inkrementelt)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from boligarkiv.crawler.runner import run_crawl
    from boligarkiv.seeds import select_seeds

    hold_run_lock(ctx, "crawl")
    state = get_ctx(ctx)
    s = state.settings
    all_seeds = read_seed_file(seeds, s)
    try:
        chosen = select_seeds(all_seeds, kommune)
    except SeedsError as exc:
        fail(str(exc), EXIT_INPUT)
    archive = state.archive()
    with archive.session() as session:
        load_seeds(session, chosen)
    opts = _crawl_options(
        s,
        verbose,
        max_pages=max_pages,
        max_depth=max_depth,
        husbanken=bool(husbanken or husbanken_url or husbanken_only),
        husbanken_url=husbanken_url,
    )
    counts = {"page": 0, "document": 0, "not_modified": 0, "error": 0, "skipped": 0}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=fmt is Format.json,
    ) as progress:
        task = progress.add_task("Crawler …")

        def on_item(what: str, item: dict[str, Any]) -> None:
            counts[what] = counts.get(what, 0) + 1
            progress.update(
                task,
                description=(
                    f"{len(chosen)} kommuner · {counts['page']} sider · {counts['document']} nye/endrede dokumenter · "
                    f"{counts['not_modified']} uendret · {counts['error']} feil"
                ),
            )

        if not husbanken_only:
            check_network(chosen, fmt, s)
        result = run_crawl(archive, [] if husbanken_only else chosen, opts, on_item=on_item)
    with archive.session() as session:
        ledger = [
            {
                "kommune": c.kommune_nummer,
                "sider": c.pages_seen,
                "dokumenter": c.documents_found,
                "nye": c.new_documents,
                "uendret": c.not_modified,
                "robots": c.robots_blocked,
                "feil": c.errors,
                "budsjett_brukt_opp": c.budget_exhausted,
                "grunn": c.reason,
                "politiske_saker": sum(
                    v.get("dokumenter", 0) for k, v in (c.sources or {}).items() if k.startswith("møteportal:")
                ),
                "kilder": c.sources or {},
            }
            for c in session.scalars(
                select(Coverage).where(Coverage.run_id == result["run_id"]).order_by(Coverage.kommune_nummer)
            )
        ]
    if fmt is Format.json:
        emit({"kjoring": result, "dekning": ledger}, fmt)
    else:
        columns = [c for c in (ledger[0] if ledger else {}) if c != "kilder"]
        emit(ledger, fmt, columns=columns or None, title=f"Dekning, kjøring {result['run_id']}")
        err_console.print(
            f"Ferdig: {result['pages']} sider, {result['new_documents']} nye dokumenter, "
            f"{result['not_modified']} uendret, {result['errors']} feil."
        )
    if not result["status"].startswith("ok"):
        raise typer.Exit(EXIT_PARTIAL)


def document_rows(archive: Archive, kommuner: list[str] | None) -> list[dict[str, Any]]:
    with archive.session() as session:
        q = select(Document).order_by(Document.kommune_nummer, Document.first_seen)
        if kommuner:
            nums = [k for k in kommuner if k.isdigit()]
            names = [k.casefold() for k in kommuner if not k.isdigit()]
            if names:
                nums += [k.nummer for k in session.scalars(select(Kommune)) if k.navn.casefold() in names]
            q = q.where(Document.kommune_nummer.in_(nums))
        docs = list(session.scalars(q))
        fetches: dict[str, list[dict[str, Any]]] = {}
        for f in session.scalars(
            select(Fetch).where(Fetch.sha256.in_([d.sha256 for d in docs])).order_by(Fetch.fetched_at)
        ):
            fetches.setdefault(f.sha256 or "", []).append(
                {"url": f.url, "status": f.status, "fetched_at": f.fetched_at, "not_modified": f.not_modified}
            )
        return [
            {
                "sha256": d.sha256,
                "kommune": d.kommune_nummer,
                "content_type": d.mime,
                "size": d.size,
                "first_seen": d.first_seen,
                "previous_sha256": d.previous_sha256,
                "urls": sorted({f["url"] for f in fetches.get(d.sha256, [])}),
                "fetches": fetches.get(d.sha256, []),
                "doc_type": d.doc_type,
                "title": d.title,
                "language": d.language,
                "period_start": d.period_start,
                "period_end": d.period_end,
                "adopted_date": d.adopted_date,
            }
            for d in docs
        ]


@app.command()
def documents(
    ctx: typer.Context,
    kommune: Annotated[list[str] | None, typer.Option("--kommune", "-k", help="Kommunenummer eller navn.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List arkiverte dokumenter med alle URL-er de er hentet fra."""
    rows = document_rows(get_ctx(ctx).archive(), kommune)
    if fmt is Format.table:
        rows = [{**r, "sha256": r["sha256"][:12], "urls": len(r["urls"])} for r in rows]
    emit(
        rows,
        fmt,
        columns=["sha256", "kommune", "content_type", "size", "doc_type", "title", "urls"],
        title=f"{len(rows)} dokumenter",
    )


@app.command()
def extract(
    ctx: typer.Context,
    stale: Annotated[
        bool, typer.Option("--stale", help="Hent ut på nytt det som er laget av en eldre versjon.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Antall prosesser (standard: én per kjerne).")] = None,
    timeout: Annotated[float, typer.Option(help="Sekunder per dokument før det gis opp.")] = 120.0,
    fmt: FormatOpt = Format.table,
) -> None:
    """Hent ut sidetekst og planmetadata fra arkiverte dokumenter (PDF, HTML, DOCX, OCR)."""

    from boligarkiv.extract.stage import pending, run_extract

    hold_run_lock(ctx, "extract", shared=True)
    archive = get_ctx(ctx).archive()
    total = len(pending(archive, stale))
    with progress_bar("Henter ut tekst", total, fmt) as advance:
        result = run_extract(archive, stale=stale, workers=workers, timeout=timeout, on_done=advance)
    emit(result, fmt)
    if result["errors"]:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def show(
    ctx: typer.Context,
    sha256: Annotated[str, typer.Argument(help="Dokumentets sha256 (eller et entydig prefiks).")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Vis et dokuments metadata (med begrunnelse for dokumenttypen) og sidetekst."""
    archive = get_ctx(ctx).archive()
    with archive.session() as session:
        docs = list(session.scalars(select(Document).where(Document.sha256.like(f"{sha256.lower()}%")).limit(2)))
        if len(docs) != 1:
            fail(f"Fant {'ingen' if not docs else 'flere'} dokumenter for {sha256!r}", EXIT_INPUT)
        d = docs[0]
        data = {
            "sha256": d.sha256,
            "kommune": d.kommune_nummer,
            "content_type": d.mime,
            "size": d.size,
            "first_url": d.first_url,
            "first_seen": d.first_seen,
            "title": d.title,
            "doc_type": d.doc_type,
            "doc_type_evidence": d.doc_type_evidence,
            "language": d.language,
            "period_start": d.period_start,
            "period_end": d.period_end,
            "adopted_date": d.adopted_date,
            "adopted_by": d.adopted_by,
            "page_count": d.page_count,
            "extract_version": d.extract_version,
            "extract_error": d.extract_error,
            "pages": [{"number": p.number, "ocr": p.ocr, "text": p.text} for p in d.pages],
        }
    if fmt is Format.json:
        emit(data, fmt)
        return
    emit([{k: v for k, v in data.items() if k != "pages"}], Format.table if fmt is Format.table else fmt)
    for p in data["pages"]:
        err_console.rule(f"Side {p['number']}{' (OCR)' if p['ocr'] else ''}")
        typer.echo(p["text"])


@app.command()
def signals(
    file: Annotated[str, typer.Argument(help="Tekstfil, eller - for standard inn.")] = "-",
    lang: Annotated[str | None, typer.Option("--lang", help="nb eller nn (standard: gjenkjennes).")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Analyser en ren tekst og vis signaltreff og poeng (for å teste tekst direkte)."""
    import sys

    from boligarkiv.nlp.analysis import analyse_text

    if file == "-":
        text = sys.stdin.read()
    else:
        path = Path(file)
        if not path.is_file():
            fail(f"Fant ikke filen {file}", EXIT_INPUT)
        text = path.read_text(encoding="utf-8", errors="replace")
    if lang is not None and lang not in ("nb", "nn"):
        fail("--lang må være nb eller nn", EXIT_INPUT)
    result = analyse_text(text, lang).to_json()
    if fmt is Format.json:
        emit(result, fmt)
        return
    rows = [
        {
            "signal": h["signal"],
            "tekst": h["text"],
            "negert": h["negated"],
            "forpliktelse": h["commitment"],
            "setning": h["sentence"],
        }
        for h in result["hits"]
    ]
    emit(rows, fmt, title="Signaltreff")
    emit([{"signal": k, "poeng": v} for k, v in result["scores"].items() if v], fmt, title="Poeng")


@app.command()
def analyse(
    ctx: typer.Context,
    stale: Annotated[
        bool, typer.Option("--stale", help="Analyser på nytt det som er laget av en eldre versjon.")
    ] = False,
    workers: Annotated[int | None, typer.Option(help="Antall prosesser (standard: én per kjerne).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Finn signaler, enheter og poeng i alle uttrukne dokumenter."""

    from boligarkiv.nlp.stage import pending, run_analyse

    hold_run_lock(ctx, "analyse", shared=True)
    archive = get_ctx(ctx).archive()
    total = len(pending(archive, stale))
    with progress_bar("Analyserer", total, fmt) as advance:
        result = run_analyse(archive, stale=stale, workers=workers, on_done=advance)
    from boligarkiv.changes import record_changes

    result["endringer"] = len(record_changes(archive))
    emit(result, fmt)
    if result["errors"]:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def index(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Bygg indeksen på nytt fra arkivet.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Oppdater søkeindeksen (SQLite FTS5, eller Elasticsearch når BOLIGARKIV_ES_URL er satt)."""

    from boligarkiv.index.stage import run_index

    hold_run_lock(ctx, "index")
    archive = get_ctx(ctx).archive()
    with progress_bar("Indekserer", None, fmt) as advance:
        result = run_index(archive, rebuild=rebuild, on_done=advance)
    emit(result, fmt)


@app.command()
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


@app.command()
def flags(
    ctx: typer.Context,
    offline: Annotated[bool, typer.Option("--offline", help="Bruk bare lagrede SSB- og ROBEK-svar.")] = False,
    robek_csv: Annotated[
        Path | None, typer.Option("--robek-csv", help="ROBEK-liste (CSV/XLSX/HTML) som overstyrer nettsiden.")
    ] = None,
    indicators: Annotated[
        Path | None, typer.Option("--indicators", help="Indikatorfil (standard: flags/indicators.yaml).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Hent SSB-indikatorer og ROBEK-listen og beregn røde flagg per kommune."""
    from boligarkiv.flags.indicators import CONFIG, IndicatorConfigError
    from boligarkiv.flags.ssb import SsbError
    from boligarkiv.flags.stage import run_flags

    hold_run_lock(ctx, "flags")
    archive = get_ctx(ctx).archive()
    try:
        with err_console.status("Henter indikatorer fra SSB …"):
            result = run_flags(archive, offline=offline, indicators_path=indicators or CONFIG, robek_csv=robek_csv)
    except (SsbError, IndicatorConfigError) as exc:
        fail(str(exc), EXIT_INPUT)
    if fmt is Format.json:
        emit(result, fmt)
    else:
        emit(
            [
                {"indikator": k, "flagget": v["flagged"], "mangler": v["missing"]}
                for k, v in result["indicators"].items()
            ],
            fmt,
            title="Røde flagg",
        )
        for ind, err in result["errors"].items():
            err_console.print(f"[red]{ind}:[/] {err}")
    if result["errors"]:
        raise typer.Exit(EXIT_PARTIAL)


class ReportFormat(StrEnum):
    html = "html"
    json = "json"
    md = "md"
    xlsx = "xlsx"
    csv = "csv"


@app.command()
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


@app.command()
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


def _crawl_options(
    settings: Settings,
    verbose: bool = False,
    *,
    max_pages: int | None = None,
    max_depth: int | None = None,
    husbanken: bool | None = None,
    husbanken_url: str | None = None,
) -> Any:
    """The one place crawl options come from, for crawl, run, schedule and demo. Husbanken's library is
    walked when asked for, or by default in the whole job (`crawl_husbanken`)."""
    from boligarkiv.crawler.runner import CrawlOptions

    walk_library = settings.crawl_husbanken if husbanken is None else husbanken
    judge = None
    if settings.crawl_portals:
        from boligarkiv.casefilter import make_case_judge

        judge = make_case_judge()
    return CrawlOptions(
        max_pages=max_pages or settings.crawl_max_pages,
        max_depth=max_depth or settings.crawl_max_depth,
        delay=settings.crawl_delay,
        per_host=settings.crawl_concurrency_per_host,
        max_bytes=settings.crawl_max_bytes,
        contact=settings.user_agent_contact,
        log_level="INFO" if verbose else "WARNING",
        # Scrapy's own log goes to a file in the data dir (the terminal gets our summary), unless --verbose.
        log_file=None if verbose else settings.data_dir / "logs" / "crawl.log",
        husbanken_url=(husbanken_url or settings.husbanken_start_url) if walk_library or husbanken_url else None,
        case_judge=judge,
        portal_months=settings.portal_months,
        max_portal_pages=settings.portal_max_pages,
        max_case_documents=settings.portal_max_documents,
    )


def check_network(seeds: list[Any], fmt: Format, settings: Settings | None = None) -> None:
    """Before crawling: say so when real sites would be crawled without a contact address, and stop at once,
    with the cause, when none of a sample of the sites answers."""
    from boligarkiv.crawler.reachability import check_sites
    from boligarkiv.crawler.scope import is_private_host

    urls = [u for s in seeds for u in s.start_urls]
    if not urls:
        return
    unset_contact = settings is not None and settings.user_agent_contact == "boligarkiv@example.org"
    if unset_contact and any(not is_private_host(u) for u in urls):
        err_console.print(
            "[yellow]Merk:[/] BOLIGARKIV_USER_AGENT_CONTACT er ikke satt. Kommunene ser «boligarkiv@example.org» "
            "som kontakt; sett din e-postadresse før du samler inn fra ekte nettsteder."
        )
    reach = check_sites(urls)
    if reach.none:
        why = ", ".join(f"{REACH_REASONS.get(k, k)}: {v}" for k, v in sorted(reach.reasons.items()))
        fail(
            f"Ingen av {reach.tried} kommunenettsteder svarer ({why}). Sjekk nettverket (proxy, brannmur, DNS); "
            "ingenting er samlet inn og ingenting i arkivet er endret.",
            EXIT_OFFLINE,
        )


REACH_REASONS = {
    "dns": "navnet finnes ikke (DNS)",
    "refused": "forbindelsen ble avvist",
    "timeout": "tidsavbrudd",
    "unreachable": "nettet er utilgjengelig",
    "private_address": "peker til en privat adresse",
}


def _print_run_summary(result: dict[str, Any]) -> None:
    from boligarkiv.output import RUN_STATUS_LABELS, counts_text

    status = RUN_STATUS_LABELS.get(result["status"], result["status"])
    err_console.print(f"[bold]Kjøring {result['run_id']}:[/] {status}")
    for stage, secs in result["seconds"].items():
        shown = result["stages"].get(stage)
        text = counts_text(shown) if isinstance(shown, dict) else str(shown or "")
        seconds = f"{secs:>8.1f}".replace(".", ",")  # Norwegian decimal comma
        err_console.print(f"  {stage:<8} {seconds} s  {text}")
    err_console.print(f"  nye dokumenter: {result['new_documents']} · endrede planer: {result['changed_plans']}")
    for nummer, sigs in sorted(result["new_signals_per_kommune"].items()):
        err_console.print(f"  nye signaler i {nummer}: {', '.join(sigs)}")
    if result["errors"]:
        err_console.print("  feil: " + ", ".join(f"{k}={v}" for k, v in sorted(result["errors"].items())))


@app.command()
def run(
    ctx: typer.Context,
    seeds: SeedsOpt = None,
    kommune: Annotated[list[str] | None, typer.Option("--kommune", "-k", help="Kommunenummer eller navn.")] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="Hopp over et steg (crawl, extract, analyse, flags, index).")
    ] = None,
    offline_flags: Annotated[bool, typer.Option("--offline-flags", help="Beregn flagg fra lagrede svar.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Hele jobben: crawl → extract → analyse → flags → index, bare nytt eller utdatert arbeid."""
    from boligarkiv.lock import AlreadyRunning, RunLock
    from boligarkiv.pipeline import STAGES, run_all
    from boligarkiv.seeds import select_seeds

    state = get_ctx(ctx)
    unknown = set(skip or []) - set(STAGES)
    if unknown:
        fail(f"Ukjent steg: {', '.join(sorted(unknown))} (kjente: {', '.join(STAGES)})", EXIT_INPUT)
    try:
        chosen = select_seeds(read_seed_file(seeds, state.settings), kommune)
    except SeedsError as exc:
        fail(str(exc), EXIT_INPUT)
    archive = state.archive()
    with archive.session() as session:
        load_seeds(session, chosen)
    if "crawl" not in set(skip or []):
        check_network(chosen, fmt, state.settings)
    try:
        with RunLock(state.settings.data_dir), err_console.status("Starter …") as status_line:
            result = run_all(
                archive,
                chosen,
                crawl_options=_crawl_options(state.settings),
                skip=set(skip or []),
                offline_flags=offline_flags,
                progress=lambda stage, msg: status_line.update(f"[bold]{stage}[/] {msg}"),
            )
    except AlreadyRunning as exc:
        fail(str(exc), EXIT_FAILURE)
    if fmt is Format.json:
        emit(result, fmt)
    else:
        _print_run_summary(result)
    # Single sites or documents that failed are recorded in the archive and are not a failed run (a weekly
    # cron job would otherwise always look failed); a stage that broke or a crawl that was stopped is.
    if result["status"] not in ("ok", "ok_with_errors"):
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def folg(
    ctx: typer.Context,
    hva: Annotated[str, typer.Argument(help="kommune, signal eller sok")],
    verdi: Annotated[str, typer.Argument(help="Kommunenummer/-navn, signal-id/-navn eller et søk.")],
    epost: Annotated[str, typer.Option("--epost", help="Hvem som følger (får sammendraget).")],
) -> None:
    """Følg en kommune, et signal eller et søk: en Atom-feed og punkter i ukens sammendrag."""
    from boligarkiv.follows import FOLLOW_KINDS, add_follow, follow_value

    if hva not in FOLLOW_KINDS:
        fail(f"Kan følge {', '.join(FOLLOW_KINDS)}, ikke {hva!r}", EXIT_INPUT)
    if "@" not in epost:
        fail(f"Ugyldig e-postadresse {epost!r}", EXIT_INPUT)
    archive = get_ctx(ctx).archive()
    try:
        value = follow_value(archive, hva, verdi)
    except ValueError as exc:
        fail(str(exc), EXIT_INPUT)
    ident, created = add_follow(archive, epost, hva, value)
    err_console.print(
        f"{epost} følger {'nå' if created else 'allerede'} {hva} «{value}» (feed: /feeds/folg/{ident}.atom)"
    )


@app.command()
def digest(
    ctx: typer.Context,
    dager: Annotated[int, typer.Option(help="Endringer de siste så mange dagene.", min=1, max=366)] = 7,
    send: Annotated[bool, typer.Option("--send", help="Send med e-post (smtp_host) i stedet for å skrive ut.")] = False,
) -> None:
    """Ukens sammendrag for alle som følger noe: nye og endrede planer, signaler, politiske saker, søk."""
    from boligarkiv.digest import build_digests, default_since, index_search, send_digests

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


@app.command()
def schedule(
    ctx: typer.Context,
    cron: Annotated[str, typer.Option("--cron", help='Cron-uttrykk, for eksempel "0 3 * * 1" (mandag kl. 03).')],
    seeds: SeedsOpt = None,
    offline_flags: Annotated[bool, typer.Option("--offline-flags")] = False,
    max_runs: Annotated[int | None, typer.Option(help="Avslutt etter så mange kjøringer (for testing).")] = None,
) -> None:
    """Kjør hele jobben etter en timeplan (aldri to samtidig), til den stoppes."""
    from apscheduler.triggers.cron import CronTrigger

    from boligarkiv.pipeline import run_all
    from boligarkiv.scheduler import run_scheduler

    state = get_ctx(ctx)
    try:
        CronTrigger.from_crontab(cron)
    except ValueError as exc:
        fail(f"Ugyldig cron-uttrykk {cron!r}: {exc}", EXIT_INPUT)
    chosen = read_seed_file(seeds, state.settings)
    archive = state.archive()
    with archive.session() as session:
        load_seeds(session, chosen)
    err_console.print(f"Planlagt kjøring «{cron}» for {len(chosen)} kommuner. Stopp med Ctrl+C.")

    def weekly() -> dict[str, Any]:
        result = run_all(archive, chosen, crawl_options=_crawl_options(state.settings), offline_flags=offline_flags)
        if state.settings.smtp_host:
            # The digest follows the run it reports on; a mail server that is down is logged, not fatal.
            from boligarkiv.digest import build_digests, default_since, index_search, send_digests

            try:
                digests = build_digests(archive, default_since(7), index_search(archive))
                result["digests_sent"] = send_digests(archive, digests)
            except (OSError, RuntimeError, smtplib.SMTPException) as exc:
                err_console.print(f"Fikk ikke sendt ukens sammendrag: {exc}")
        return result

    run_scheduler(state.settings.data_dir, cron, weekly, max_runs=max_runs)


@app.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port for webappen.")] = 8000,
    sites: Annotated[int, typer.Option(help="Antall kommuner i eksempel-nettet.")] = 6,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Start webappen etterpå.")] = True,
) -> None:
    """Første titt uten internett: et lite eksempel-nett på 127.0.0.1, hele jobben i en midlertidig
    datamappe, og webappen."""
    import tempfile

    from boligarkiv.pipeline import run_all
    from boligarkiv.testweb.server import build_test_web

    web = build_test_web(max(1, min(sites, 30))).start()
    tmp = Path(tempfile.mkdtemp(prefix="boligarkiv-demo-"))
    settings = load_settings(None, data_dir=tmp / "data", crawl_delay=0)
    seeds_file = web.write_seeds(tmp / "seeds.csv")
    chosen = read_seed_file(seeds_file, settings)
    archive = open_archive(settings)
    with archive.session() as session:
        load_seeds(session, chosen)
    err_console.print(f"Eksempel-nett med {len(web.sites)} kommuner på 127.0.0.1; data i {tmp / 'data'}")
    with err_console.status("Kjører hele jobben …") as status_line:
        result = run_all(
            archive,
            chosen,
            crawl_options=_crawl_options(settings, husbanken=False),  # the sample web has no library
            skip={"flags"},
            progress=lambda stage, msg: status_line.update(f"[bold]{stage}[/] {msg}"),
        )
    _print_run_summary(result)
    if serve_app:
        import uvicorn

        from boligarkiv.web.app import create_app

        err_console.print(f"Åpne http://127.0.0.1:{port}/ (Ctrl+C avslutter)")
        uvicorn.run(create_app(settings, archive), host="127.0.0.1", port=port, log_level="warning")
    web.stop()


if __name__ == "__main__":
    app()
