"""CLI: the archive itself — set it up, see its state, list kommuner and documents, follow kommuner."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func, select

from boligarkiv.app import queries
from boligarkiv.app.cli.common import (
    EXIT_INPUT,
    EXIT_PARTIAL,
    FormatOpt,
    SeedsOpt,
    app,
    fail,
    get_ctx,
    read_seed_file,
)
from boligarkiv.models import Kommune
from boligarkiv.output import Format, emit, err_console
from boligarkiv.seeds import load_seeds


@app.command(rich_help_panel="Arkivet")
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


@app.command(rich_help_panel="Arkivet")
def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Vis antall rader per tabell og de siste kjøringene."""
    archive = get_ctx(ctx).archive()
    from boligarkiv.app.scheduler import read_state
    from boligarkiv.lock import holder

    counts = queries.table_counts(archive)
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
        for r in queries.recent_runs(archive, 10)
    ]
    events = [
        {"tid": e.created_at, "type": e.kind, "kommune": e.kommune_nummer, "signal": e.signal, "detalj": e.detail}
        for e in queries.recent_changes(archive, 10)
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


@app.command(rich_help_panel="Arkivet")
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
        if queries.kommune_count(archive) == 0:
            with archive.session() as session:
                load_seeds(session, read_seed_file(None, state.settings))
        rows = queries.kommune_rows(archive)
    if fylke:
        key = fylke.strip().casefold()
        rows = [r for r in rows if (r["fylke"] or "").casefold() == key or r["fylkesnummer"] == fylke.strip()]
        if not rows:
            fail(f"Ingen kommuner i fylket {fylke!r}", EXIT_INPUT)
    if sok:
        rows = [r for r in rows if sok.casefold() in r["navn"].casefold()]
    emit(rows, fmt, columns=["nummer", "navn", "fylke", "nettside"], title=f"{len(rows)} kommuner")


@app.command(rich_help_panel="Arkivet")
def documents(
    ctx: typer.Context,
    kommune: Annotated[list[str] | None, typer.Option("--kommune", "-k", help="Kommunenummer eller navn.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List arkiverte dokumenter med alle URL-er de er hentet fra."""
    rows = queries.document_rows(get_ctx(ctx).archive(), kommune)
    if fmt is Format.table:
        rows = [{**r, "sha256": r["sha256"][:12], "urls": len(r["urls"])} for r in rows]
    emit(
        rows,
        fmt,
        columns=["sha256", "kommune", "content_type", "size", "doc_type", "title", "urls"],
        title=f"{len(rows)} dokumenter",
    )


@app.command(rich_help_panel="Arkivet")
def show(
    ctx: typer.Context,
    sha256: Annotated[str, typer.Argument(help="Dokumentets sha256 (eller et entydig prefiks).")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Vis et dokuments metadata (med begrunnelse for dokumenttypen) og sidetekst."""
    docs = queries.documents_by_prefix(get_ctx(ctx).archive(), sha256)
    if len(docs) != 1:
        fail(f"Fant {'ingen' if not docs else 'flere'} dokumenter for {sha256!r}", EXIT_INPUT)
    data = docs[0]
    if fmt is Format.json:
        emit(data, fmt)
        return
    emit([{k: v for k, v in data.items() if k != "pages"}], Format.table if fmt is Format.table else fmt)
    for p in data["pages"]:
        err_console.rule(f"Side {p['number']}{' (OCR)' if p['ocr'] else ''}")
        typer.echo(p["text"])


@app.command(rich_help_panel="Arkivet")
def verify(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Kontroller at hver arkivert fil finnes og fortsatt stemmer med hashen sin (avslutter med 5 ved feil)."""
    archive = get_ctx(ctx).archive()
    problems = [{"sha256": sha, "problem": "korrupt"} for sha in archive.blobs.verify_all()]
    problems += [
        {"sha256": sha, "problem": "mangler"}
        for sha in queries.document_hashes(archive)
        if not archive.blobs.exists(sha)
    ]
    if fmt is Format.json:
        emit({"problemer": problems}, fmt)
    elif problems:
        emit(problems, fmt, title=f"{len(problems)} arkiverte filer med feil")
    if problems:
        err_console.print(
            "Hent filene på nytt med «boligarkiv crawl»: samme innhold reparerer en korrupt kopi, og ingenting "
            "annet i arkivet røres."
        )
        raise typer.Exit(EXIT_PARTIAL)
    err_console.print("Alle arkiverte filer er hele og stemmer med hashen sin.")


@app.command(rich_help_panel="Arkivet")
def folg(
    ctx: typer.Context,
    hva: Annotated[str, typer.Argument(help="kommune, signal eller sok")],
    verdi: Annotated[str, typer.Argument(help="Kommunenummer/-navn, signal-id/-navn eller et søk.")],
    epost: Annotated[str, typer.Option("--epost", help="Hvem som følger (får sammendraget).")],
) -> None:
    """Følg en kommune, et signal eller et søk: en Atom-feed og punkter i ukens sammendrag."""
    from boligarkiv.app.follows import FOLLOW_KINDS, add_follow, follow_value

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
