"""What every CLI theme shares: the Typer app and its root callback (settings, data dir, CSV dialect), the
archive context, exit codes, common options, the run lock, the progress bar, crawl options and the
network check. Each stage's command is a thin wrapper that opens the archive and calls the stage; no stage
calls another stage directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.progress import ProgressColumn, Task
from rich.text import Text

from boligarkiv import __version__
from boligarkiv.db import Archive, SchemaError, open_archive
from boligarkiv.output import Format, err_console
from boligarkiv.seeds import SeedsError, read_seeds
from boligarkiv.settings import Settings, SettingsError, load_settings

EXIT_FAILURE = 1
EXIT_INPUT = 2
EXIT_CONFIG = 3
EXIT_SCHEMA = 4
EXIT_PARTIAL = 5
EXIT_OFFLINE = 6  # none of the kommuner's sites answered: nothing was crawled


def _norwegian_panels() -> None:
    """Typer's help and error panels in Norwegian: their titles are module constants read when a panel is
    drawn. (Click's own few strings — «Usage:», the --help line — stay as Click writes them.)"""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenter"
    rich_utils.OPTIONS_PANEL_TITLE = "Valg"
    rich_utils.COMMANDS_PANEL_TITLE = "Kommandoer"
    rich_utils.ERRORS_PANEL_TITLE = "Feil"
    rich_utils.ABORTED_TEXT = "Avbrutt."
    rich_utils.RICH_HELP = "Se [blue]«{command_path} {help_option}»[/] for hjelp."
    rich_utils.DEFAULT_STRING = "[standard: {}]"
    rich_utils.ENVVAR_STRING = "[miljøvariabel: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[påkrevd]"


_norwegian_panels()

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
    analyse share it among themselves: their workers divide the work through claims (core/claims.py)."""
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


class EtaColumn(ProgressColumn):
    """«ca. 2 min igjen» where a stage knows its size, nothing where it does not (Rich's own says 0:00:00)."""

    def render(self, task: Task) -> Text:
        left = task.time_remaining
        if task.total is None or left is None or task.finished:
            return Text("")
        minutes, seconds = divmod(int(left), 60)
        return Text(f"ca. {minutes} min {seconds:02d} s igjen" if minutes else f"ca. {seconds} s igjen", style="cyan")


@contextmanager
def progress_bar(label: str, total: int | None, fmt: Format) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr (off for JSON output); yields a function that advances it by one."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        EtaColumn(),
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
        Path | None, typer.Option("--config", help="TOML-fil med innstillinger (\\[boligarkiv]-tabell).")
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


def crawl_options(
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
        from boligarkiv.app.casefilter import make_case_judge

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
