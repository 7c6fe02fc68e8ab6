"""`boligarkiv schedule`: run the whole job on a cron expression, never two at once.

APScheduler fires the job; the archive's run lock (an flock, released by the OS if the holder dies) keeps
a scheduled run and a manual `boligarkiv run` from overlapping. The scheduler writes its state (cron, next
and last run) to <data_dir>/scheduler.json for `boligarkiv status` and the web run page; every run is
recorded in the archive as a run of kind «run».
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boligarkiv.lock import AlreadyRunning, RunLock
from boligarkiv.models import utcnow

STATE_FILE = "scheduler.json"


def write_state(data_dir: Path, **state: Any) -> None:
    path = Path(data_dir) / STATE_FILE
    current = read_state(data_dir) or {}
    current.update(state, pid=os.getpid(), updated=utcnow().isoformat())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_state(data_dir: Path) -> dict[str, Any] | None:
    path = Path(data_dir) / STATE_FILE
    if not path.exists():
        return None
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    pid = state.get("pid")
    alive = False
    if pid:
        try:
            os.kill(int(pid), 0)
            alive = True
        except (ProcessLookupError, PermissionError, ValueError):
            alive = False
    state["running"] = alive
    return state


def run_scheduler(
    data_dir: Path, cron: str, job: Callable[[], dict[str, Any]], *, max_runs: int | None = None, trigger: Any = None
) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    trigger = trigger or CronTrigger.from_crontab(cron)  # raises ValueError on a bad expression
    scheduler = BlockingScheduler()
    runs = {"n": 0}

    def tick() -> None:
        write_state(data_dir, last_start=utcnow().isoformat(), state="kjører")
        try:
            with RunLock(data_dir, "schedule"):
                result = job()
            write_state(data_dir, last_end=utcnow().isoformat(), last_status=result.get("status"), state="venter")
        except AlreadyRunning as exc:
            write_state(data_dir, last_end=utcnow().isoformat(), last_status=f"hoppet over: {exc}", state="venter")
        except Exception as exc:  # a failed run is recorded; the schedule goes on
            write_state(data_dir, last_end=utcnow().isoformat(), last_status=f"feilet: {exc!r}", state="venter")
        runs["n"] += 1
        if max_runs is not None and runs["n"] >= max_runs:
            scheduler.shutdown(wait=False)
        else:
            nxt = scheduler.get_job("boligarkiv-run").next_run_time if scheduler.get_job("boligarkiv-run") else None
            write_state(data_dir, next_run=str(nxt) if nxt else None)

    scheduler.add_job(tick, trigger, id="boligarkiv-run", max_instances=1, coalesce=True, misfire_grace_time=3600)
    first = trigger.get_next_fire_time(None, datetime.now(UTC))
    write_state(data_dir, cron=cron, state="venter", next_run=str(first), started=utcnow().isoformat())
    scheduler.start()  # blocks until shutdown (Ctrl+C, or max_runs reached)
