"""The whole job: crawl → extract → analyse → flags → index, each stage only on new or stale work.

Every stage is idempotent and commits as it goes, so an interrupted run is simply run again. The run is
recorded (kind «run») with its summary; change events are recorded after analysis.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from boligarkiv import __version__
from boligarkiv.changes import record_changes
from boligarkiv.crawler.pipeline import finish_run, start_run
from boligarkiv.db import Archive
from boligarkiv.models import ChangeEvent, Document, Fetch, utcnow
from boligarkiv.seeds import Seed

STAGES = ("crawl", "extract", "analyse", "flags", "index")


def run_all(
    archive: Archive,
    seeds: list[Seed],
    *,
    crawl_options: Any,
    skip: set[str] | None = None,
    offline_flags: bool = False,
    robek_csv: Path | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    from boligarkiv.extract.stage import run_extract
    from boligarkiv.flags.stage import run_flags
    from boligarkiv.index.stage import run_index
    from boligarkiv.nlp.stage import run_analyse

    skip = skip or set()
    say = progress or (lambda _stage, _msg: None)
    started = utcnow()
    run_id = start_run(
        archive, "run", f"boligarkiv-{__version__}", {"kommuner": [s.nummer for s in seeds], "skip": sorted(skip)}
    )
    summary: dict[str, Any] = {"run_id": run_id, "stages": {}, "seconds": {}, "errors": Counter(), "stage_errors": {}}
    status = "ok"

    def run_stage(stage: str) -> dict[str, Any]:
        if stage == "crawl":
            return crawl_in_child(archive, seeds, crawl_options)
        if stage == "extract":
            return run_extract(archive, stale=True)
        if stage == "analyse":
            return run_analyse(archive, stale=True)
        if stage == "flags":
            return run_flags(archive, offline=offline_flags, robek_csv=robek_csv)
        return run_index(archive)

    try:
        for stage in STAGES:
            if stage in skip:
                continue
            say(stage, "starter")
            t0 = time.perf_counter()
            try:
                result = run_stage(stage)
            except Exception as exc:  # one broken stage is recorded; the later stages still run
                status = "partial"
                summary["errors"][f"{stage}:{type(exc).__name__}"] += 1
                summary["stage_errors"][stage] = f"{type(exc).__name__}: {exc}"
                summary["seconds"][stage] = round(time.perf_counter() - t0, 2)
                say(stage, f"feilet: {exc}")
                continue
            if stage == "crawl" and not result["status"].startswith("ok"):
                status = "partial"
            if stage == "flags":
                for name, err in result["errors"].items():
                    summary["errors"][f"flags:{name}"] += 1
                    say(stage, f"{name}: {err}")
            summary["stages"][stage] = result
            summary["seconds"][stage] = round(time.perf_counter() - t0, 2)
            say(stage, "ferdig")
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
    return _jsonable(summary)


def crawl_in_child(archive: Archive, seeds: list[Seed], options: Any) -> dict[str, Any]:
    """Run the crawl in a forked process and return its summary.

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
            child.send(("ok", run_crawl(archive, seeds, options)))
        except BaseException as exc:
            child.send(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            child.close()

    proc = ctx.Process(target=target)
    proc.start()
    child.close()
    try:
        status, payload = parent.recv()
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
