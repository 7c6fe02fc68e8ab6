"""CLI: one command per stage (crawl, extract, analyse, index, flags) and a signal check for any text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from boligarkiv.app import queries
from boligarkiv.app.cli.common import (
    EXIT_INPUT,
    EXIT_PARTIAL,
    FormatOpt,
    SeedsOpt,
    app,
    check_network,
    crawl_options,
    fail,
    get_ctx,
    hold_run_lock,
    progress_bar,
    read_seed_file,
)
from boligarkiv.output import Format, emit, err_console, nb_number
from boligarkiv.seeds import SeedsError, load_seeds


@app.command(rich_help_panel="Trinn for trinn")
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
    opts = crawl_options(
        s,
        verbose,
        max_pages=max_pages,
        max_depth=max_depth,
        husbanken=bool(husbanken or husbanken_url or husbanken_only),
        husbanken_url=husbanken_url,
    )
    from boligarkiv.app.pipeline import CrawlCounts

    tally = CrawlCounts()
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
            tally(what)
            progress.update(task, description=f"{len(chosen)} kommuner · {tally.text()}")

        if not husbanken_only:
            check_network(chosen, fmt, s)
        result = run_crawl(archive, [] if husbanken_only else chosen, opts, on_item=on_item)
    ledger = queries.coverage_ledger(archive, result["run_id"])
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


@app.command(rich_help_panel="Trinn for trinn")
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


@app.command(rich_help_panel="Trinn for trinn")
def signals(
    file: Annotated[str, typer.Argument(help="Tekstfil, eller - for standard inn.")] = "-",
    lang: Annotated[str | None, typer.Option("--lang", help="nb eller nn (standard: gjenkjennes).")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Dokumentets tittel (standard: tekstens første linje).")
    ] = None,
    url: Annotated[str, typer.Option("--url", help="Adressen teksten kom fra (hvem som publiserer).")] = "",
    fmt: FormatOpt = Format.json,
) -> None:
    """Analyser en ren tekst og vis signaltreff, signalenes status og dokumenttype (for å teste tekst direkte)."""
    import sys

    from boligarkiv.nlp.analysis import analyse_text
    from boligarkiv.nlp.doc_kind import load_doc_kind_model

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
    # As the analyse stage judges an archived document: by its title and first page (an empty title gives way
    # to the text's first line).
    kind_model = load_doc_kind_model()
    if kind_model is not None:
        decision = kind_model.decide(title or "", text, url)
        result["doc_kind"], result["is_housing_plan"] = decision.kind, decision.plan
        # Why, for checking by hand: the rule that chose the kind, and the plan head's probability and cues.
        result["doc_kind_rule"] = decision.rule
        result["housing_plan_probability"] = round(decision.plan_probability, 4)
        result["housing_plan_threshold"] = round(decision.plan_threshold, 4)
        result["housing_plan_cues"] = [{"cue": c, "weight": round(w, 3)} for c, w in decision.plan_cues]
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
    status = {"present": "til stede", "negated": "bare avvist", "absent": "ikke nevnt"}
    emit(
        [{"signal": k, "status": status[v], "poeng": result["scores"][k]} for k, v in result["signals"].items()],
        fmt,
        title="Signaler",
    )
    if "doc_kind" in result:
        emit(
            # «boligplan» alone would read as the document kind of that name; the guide's is_housing_plan is the
            # kommune's own boligsosial handlingsplan or boligplan.
            [
                {"felt": "dokumenttype", "verdi": result["doc_kind"]},
                {"felt": "valgt ved", "verdi": KIND_RULE_TEXT[result["doc_kind_rule"]]},
                {"felt": "kommunens egen boligplan", "verdi": "ja" if result["is_housing_plan"] else "nei"},
                {
                    "felt": "sannsynlighet (terskel)",
                    "verdi": f"{nb_number(result['housing_plan_probability'])} "
                    f"({nb_number(result['housing_plan_threshold'])})",
                },
                {
                    "felt": "kjennetegn",
                    "verdi": ", ".join(
                        f"{PLAN_CUE_TEXT[c['cue']]} ({'+' if c['weight'] >= 0 else ''}{nb_number(c['weight'])})"
                        for c in result["housing_plan_cues"]
                    )
                    or "ingen",
                },
            ],
            fmt,
            title="Dokument",
        )


# The analyst's words for DocKindModel.decide's rules and the plan head's cues (nlp/doc_kind.py).
KIND_RULE_TEXT = {
    "plan_name": "plannavnet i tittelen",
    "plan_kind_model": "boligplan etter kjennetegnene; typen etter modellen",
    "samfunnsdel_title": "tittelen begynner med samfunnsdelen",
    "case_title": "tittelen begynner med saksdokumentets navn",
    "other_plan_title": "tittelen begynner med en annen temaplan",
    "report_title": "tittelen begynner med rapport/veileder",
    "kind_model": "modellen (ord i tittel og åpning)",
}
PLAN_CUE_TEXT = {
    "name_title": "plannavn i tittelen",
    "name_lead": "tittelen begynner med plannavnet",
    "name_opening": "plannavn i åpningen",
    "about_title": "tittelen handler om en plan",
    "about_opening": "åpningen handler om en plan",
    "notice_title": "kunngjøring/høring i tittelen",
    "national_host": "nasjonal eller regional utgiver",
    "name_lead_kommune": "kommunens nettsted begynner tittelen med plannavnet",
}


@app.command(rich_help_panel="Trinn for trinn")
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


@app.command(rich_help_panel="Trinn for trinn")
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


@app.command(rich_help_panel="Trinn for trinn")
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
