"""The whole job: crawl → extract → analyse → flags → index, each stage only on new or stale work.

Every stage is idempotent and commits as it goes, so an interrupted run is simply run again. The run is
recorded (kind «run») with its summary; change events are recorded after analysis; last, the pages of the
kommuner with archived documents are rendered into the web app's shared cache.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from boligarkiv import __version__
from boligarkiv.changes import record_changes
from boligarkiv.crawler.pipeline import finish_run, start_run
from boligarkiv.db import Archive
from boligarkiv.models import ChangeEvent, Document, Fetch, utcnow
from boligarkiv.output import counts_text
from boligarkiv.seeds import Seed


class RunProgress:
    """What `run_all` reports while it works: a stage starts (with the number of items when known), an item
    is done, a line of counts, a stage ends. The CLI draws it as one display with an ETA per stage; the
    scheduler and the tests use this silent base."""

    def start(self, stage: str, total: int | None) -> None:
        return None

    def advance(self, stage: str) -> None:
        return None

    def note(self, stage: str, text: str) -> None:
        return None

    def finish(self, stage: str, text: str) -> None:
        return None


class CrawlCounts:
    """The crawl's running counts, from the spider's item callback (pages, documents, unchanged, errors), as
    one Norwegian line for the run's display and for `boligarkiv crawl`."""

    def __init__(self, progress: RunProgress | None = None) -> None:
        self.progress = progress
        self.counts: Counter[str] = Counter()

    def __call__(self, what: str) -> None:
        self.counts[what] += 1
        if self.progress is not None:
            self.progress.note("crawl", self.text())

    def text(self) -> str:
        c = self.counts
        return (
            f"{c['page']} sider · {c['document']} nye/endrede dokumenter · {c['not_modified']} uendret · "
            f"{c['error']} feil"
        )


@dataclass
class JobContext:
    """What a stage of the whole job gets: the archive, the kommuner, the job's options and its progress."""

    archive: Archive
    seeds: list[Seed]
    crawl_options: Any
    offline_flags: bool
    robek_csv: Path | None
    progress: RunProgress

    def tick(self, stage: str) -> Callable[..., None]:
        return lambda *_args: self.progress.advance(stage)


def _crawl(job: JobContext) -> dict[str, Any]:
    job.progress.start("crawl", None)
    return crawl_in_child(job.archive, job.seeds, job.crawl_options, on_item=CrawlCounts(job.progress))


def _extract(job: JobContext) -> dict[str, Any]:
    from boligarkiv.extract.stage import pending, run_extract

    job.progress.start("extract", len(pending(job.archive, True)))
    return run_extract(job.archive, stale=True, on_done=job.tick("extract"))


def _analyse(job: JobContext) -> dict[str, Any]:
    from boligarkiv.nlp.stage import pending, run_analyse

    job.progress.start("analyse", len(pending(job.archive, True)))
    return run_analyse(job.archive, stale=True, on_done=job.tick("analyse"))


def _flags(job: JobContext) -> dict[str, Any]:
    from boligarkiv.flags.stage import run_flags

    job.progress.start("flags", None)
    return run_flags(job.archive, offline=job.offline_flags, robek_csv=job.robek_csv)


def _index(job: JobContext) -> dict[str, Any]:
    from boligarkiv.index.stage import run_index

    job.progress.start("index", None)
    return run_index(job.archive, on_total=lambda n: job.progress.start("index", n), on_done=job.tick("index"))


# The whole job as a table: stage name → what runs it, in order. Each stage reads and writes the archive only.
STAGE_TABLE: dict[str, Callable[[JobContext], dict[str, Any]]] = {
    "crawl": _crawl,
    "extract": _extract,
    "analyse": _analyse,
    "flags": _flags,
    "index": _index,
}
STAGES = tuple(STAGE_TABLE)


def run_all(
    archive: Archive,
    seeds: list[Seed],
    *,
    crawl_options: Any,
    skip: set[str] | None = None,
    offline_flags: bool = False,
    robek_csv: Path | None = None,
    progress: RunProgress | None = None,
) -> dict[str, Any]:
    skip = skip or set()
    shown = progress or RunProgress()
    job = JobContext(archive, seeds, crawl_options, offline_flags, robek_csv, shown)
    started = utcnow()
    run_id = start_run(
        archive, "run", f"boligarkiv-{__version__}", {"kommuner": [s.nummer for s in seeds], "skip": sorted(skip)}
    )
    summary: dict[str, Any] = {"run_id": run_id, "stages": {}, "seconds": {}, "errors": Counter(), "stage_errors": {}}
    status = "ok"

    try:
        for stage in STAGES:
            if stage in skip:
                continue
            t0 = time.perf_counter()
            try:
                result = STAGE_TABLE[stage](job)
            except Exception as exc:  # one broken stage is recorded; the later stages still run
                status = "partial"
                summary["errors"][f"{stage}:{type(exc).__name__}"] += 1
                summary["stage_errors"][stage] = f"{type(exc).__name__}: {exc}"
                summary["seconds"][stage] = round(time.perf_counter() - t0, 2)
                shown.finish(stage, f"feilet: {exc}")
                continue
            if stage == "crawl" and not result["status"].startswith("ok"):
                status = "partial"
            if stage == "flags":
                for name, err in result["errors"].items():
                    summary["errors"][f"flags:{name}"] += 1
                    shown.note(stage, f"{name}: {err}")
            summary["stages"][stage] = result
            summary["seconds"][stage] = round(time.perf_counter() - t0, 2)
            shown.finish(stage, counts_text(result))
        events = record_changes(archive)
    except BaseException as exc:
        finish_run(
            archive,
            run_id,
            "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
            _jsonable(summary),
            error=repr(exc),
        )
        raise
    with archive.session() as s:
        new_docs = s.scalar(select(func.count()).select_from(Document).where(Document.first_seen >= started)) or 0
        changed = list(s.scalars(select(ChangeEvent).where(ChangeEvent.created_at >= started)))
        for kind, n in s.execute(
            select(Document.extract_error, func.count())
            .where(Document.extracted_at >= started, Document.extract_error.is_not(None))
            .group_by(Document.extract_error)
        ):
            summary["errors"][f"extract:{(kind or '').split(':')[0]}"] += n
        for err, n in s.execute(
            select(Fetch.error, func.count())
            .where(Fetch.fetched_at >= started, Fetch.error.is_not(None))
            .group_by(Fetch.error)
        ):
            summary["errors"][f"crawl:{err}"] += n
    per_kommune: dict[str, list[str]] = {}
    for e in [*changed, *events]:
        if e.kind == "signal_appeared" and e.kommune_nummer:
            per_kommune.setdefault(e.kommune_nummer, []).append(e.signal or "")
    summary.update(
        {
            "new_documents": new_docs,
            "changed_plans": sum(1 for e in changed if e.kind in ("changed_document", "plan_replaced")),
            "new_signals_per_kommune": {k: sorted(set(v)) for k, v in per_kommune.items()},
            "events": Counter(e.kind for e in changed),
        }
    )
    if summary["errors"] and status == "ok":
        status = "ok_with_errors"
    finish_run(archive, run_id, status, _jsonable(summary))
    summary["status"] = status
    summary["web_pages"] = warm_web_pages(archive, shown)
    return _jsonable(summary)


def warm_web_pages(archive: Archive, progress: RunProgress | None = None) -> int:
    """After a run the archive is what analysts will read all week: every kommune page is rendered once into
    the web app's shared cache (`<data_dir>/cache/web/`), under the fingerprint the web app will see. A
    failure here costs only speed, never the run."""
    from boligarkiv.web.pages import warm_kommune_pages
    from boligarkiv.web.state import WebState

    shown = progress or RunProgress()
    shown.start("web", None)
    try:
        n = warm_kommune_pages(WebState(archive.settings, archive))
    except Exception as exc:  # the pages are rendered again on their first visit
        shown.finish("web", f"ikke forhåndsvist: {exc}")
        return 0
    shown.finish("web", f"kommunesider {n}")
    return n


def crawl_in_child(
    archive: Archive, seeds: list[Seed], options: Any, on_item: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run the crawl in a forked process and return its summary; `on_item` hears of each page, document or
    error as the child meets them.

    Scrapy's Twisted reactor can be started once per process; the scheduler runs the job again and again in
    one process, so each crawl gets a fresh child. The child opens its own database connections.
    """
    import multiprocessing as mp

    from boligarkiv.crawler.runner import run_crawl

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        archive.engine.dispose(close=False)  # never share the parent's pooled connections across fork
        try:
            report = (lambda what, _item: child.send(("item", what))) if on_item else None
            child.send(("ok", run_crawl(archive, seeds, options, on_item=report)))
        except BaseException as exc:
            child.send(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            child.close()

    proc = ctx.Process(target=target)
    proc.start()
    child.close()
    try:
        while True:
            status, payload = parent.recv()
            if status != "item":
                break
            if on_item:
                on_item(payload)
    except EOFError as exc:
        proc.join()
        raise RuntimeError(f"crawl process died (exit code {proc.exitcode})") from exc
    finally:
        proc.join()
    if status != "ok":
        raise RuntimeError(payload)
    return payload


def _jsonable(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in summary.items()}
