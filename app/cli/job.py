"""CLI: the whole job — `run` once, `schedule` on a cron expression, and the offline `demo`."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Annotated, Any

import typer

from boligarkiv.app.cli.common import (
    EXIT_FAILURE,
    EXIT_INPUT,
    EXIT_PARTIAL,
    EtaColumn,
    FormatOpt,
    SeedsOpt,
    app,
    check_network,
    crawl_options,
    fail,
    get_ctx,
    read_seed_file,
)
from boligarkiv.db import open_archive
from boligarkiv.output import Format, emit, err_console
from boligarkiv.seeds import SeedsError, load_seeds
from boligarkiv.settings import load_settings

STAGE_LABELS = {
    "crawl": "Crawler nettsteder",
    "extract": "Henter ut tekst",
    "analyse": "Analyserer",
    "flags": "Flagg fra SSB og ROBEK",
    "index": "Indekserer",
    "web": "Forbereder kommunesider",
}


class RichRunProgress:
    """One display for the whole run on stderr: a row per stage with its counts, a bar and an ETA where the
    number of items is known (extract, analyse, index), elapsed time where it is not (crawl, flags). Drawn
    only on a terminal and cleared at the end, so a cron job's log holds just the summary."""

    def __init__(self, fmt: Format) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.display = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            EtaColumn(),
            TextColumn("{task.fields[note]}"),
            console=err_console,
            transient=True,
            disable=fmt is Format.json,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> RichRunProgress:
        self.display.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.display.__exit__(None, None, None)

    def _task(self, stage: str) -> Any:
        # A stage that failed before it could say how big it is still gets its row.
        if stage not in self.tasks:
            self.tasks[stage] = self.display.add_task(STAGE_LABELS.get(stage, stage), total=None, note="")
        return self.tasks[stage]

    def start(self, stage: str, total: int | None) -> None:
        self.display.update(self._task(stage), total=total)

    def advance(self, stage: str) -> None:
        self.display.advance(self._task(stage))

    def note(self, stage: str, text: str) -> None:
        self.display.update(self._task(stage), note=text)

    def finish(self, stage: str, text: str) -> None:
        task = self._task(stage)
        done = self.display.tasks[task].completed
        # A stage without a known size is full when it ends; one with a size shows how far it got.
        if self.display.tasks[task].total is None:
            self.display.update(task, total=max(done, 1), completed=max(done, 1))
        self.display.update(task, note=text)
        self.display.stop_task(task)


def _print_run_summary(result: dict[str, Any]) -> None:
    from boligarkiv.output import RUN_STATUS_LABELS, counts_text

    status = RUN_STATUS_LABELS.get(result["status"], result["status"])
    err_console.print(f"[bold]Kjøring {result['run_id']}:[/] {status}")
    for stage, secs in result["seconds"].items():
        shown = result["stages"].get(stage)
        text = counts_text(shown) if isinstance(shown, dict) else str(shown or "")
        seconds = f"{secs:>8.1f}".replace(".", ",")  # Norwegian decimal comma
        err_console.print(f"  {stage:<8} {seconds} s  {text}")
    err_console.print(
        f"  nye dokumenter: {result['new_documents']} · endrede planer: {result['changed_plans']} · "
        f"kommunesider klare: {result.get('web_pages', 0)}"
    )
    for nummer, sigs in sorted(result["new_signals_per_kommune"].items()):
        err_console.print(f"  nye signaler i {nummer}: {', '.join(sigs)}")
    if result["errors"]:
        err_console.print("  feil: " + ", ".join(f"{k}={v}" for k, v in sorted(result["errors"].items())))


@app.command(rich_help_panel="Hele jobben")
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
    from boligarkiv.app.pipeline import STAGES, run_all
    from boligarkiv.lock import AlreadyRunning, RunLock
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
        with RunLock(state.settings.data_dir), RichRunProgress(fmt) as shown:
            result = run_all(
                archive,
                chosen,
                crawl_options=crawl_options(state.settings),
                skip=set(skip or []),
                offline_flags=offline_flags,
                progress=shown,
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


@app.command(rich_help_panel="Hele jobben")
def schedule(
    ctx: typer.Context,
    cron: Annotated[str, typer.Option("--cron", help='Cron-uttrykk, for eksempel "0 3 * * 1" (mandag kl. 03).')],
    seeds: SeedsOpt = None,
    offline_flags: Annotated[bool, typer.Option("--offline-flags")] = False,
    max_runs: Annotated[int | None, typer.Option(help="Avslutt etter så mange kjøringer (for testing).")] = None,
) -> None:
    """Kjør hele jobben etter en timeplan (aldri to samtidig), til den stoppes."""
    from apscheduler.triggers.cron import CronTrigger

    from boligarkiv.app.pipeline import run_all
    from boligarkiv.app.scheduler import run_scheduler

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
        result = run_all(archive, chosen, crawl_options=crawl_options(state.settings), offline_flags=offline_flags)
        if state.settings.smtp_host:
            # The digest follows the run it reports on; a mail server that is down is logged, not fatal.
            from boligarkiv.app.digest import build_digests, default_since, index_search, send_digests

            try:
                digests = build_digests(archive, default_since(7), index_search(archive))
                result["digests_sent"] = send_digests(archive, digests)
            except (OSError, RuntimeError, smtplib.SMTPException) as exc:
                err_console.print(f"Fikk ikke sendt ukens sammendrag: {exc}")
        return result

    run_scheduler(state.settings.data_dir, cron, weekly, max_runs=max_runs)


@app.command(rich_help_panel="Hele jobben")
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port for webappen.")] = 8000,
    sites: Annotated[int, typer.Option(help="Antall kommuner i eksempel-nettet.")] = 6,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Start webappen etterpå.")] = True,
) -> None:
    """Første titt uten internett: et lite eksempel-nett på 127.0.0.1, hele jobben i en midlertidig
    datamappe, og webappen."""
    import tempfile

    from boligarkiv.app.pipeline import run_all
    from boligarkiv.app.testweb.server import build_test_web

    web = build_test_web(max(1, min(sites, 30))).start()
    tmp = Path(tempfile.mkdtemp(prefix="boligarkiv-demo-"))
    settings = load_settings(None, data_dir=tmp / "data", crawl_delay=0)
    seeds_file = web.write_seeds(tmp / "seeds.csv")
    chosen = read_seed_file(seeds_file, settings)
    archive = open_archive(settings)
    with archive.session() as session:
        load_seeds(session, chosen)
    err_console.print(f"Eksempel-nett med {len(web.sites)} kommuner på 127.0.0.1; data i {tmp / 'data'}")
    with RichRunProgress(Format.table) as shown:
        result = run_all(
            archive,
            chosen,
            crawl_options=crawl_options(settings, husbanken=False),  # the sample web has no library
            skip={"flags"},
            progress=shown,
        )
    _print_run_summary(result)
    if serve_app:
        import uvicorn

        from boligarkiv.web.app import create_app

        err_console.print(f"Åpne http://127.0.0.1:{port}/ (Ctrl+C avslutter)")
        uvicorn.run(create_app(settings, archive), host="127.0.0.1", port=port, log_level="warning")
    web.stop()
