"""Run each document's extraction in its own forked process, bounded in time and memory.

A parser that hangs or a decompression bomb kills only its own process: the parent waits with a
deadline, and the child runs under RLIMIT_AS. The pool keeps `workers` children busy.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass
class Job:
    key: str
    data: bytes
    mime: str
    filename: str | None = None


@dataclass
class Outcome:
    key: str
    result: Any = None
    error: str | None = None
    seconds: float = 0.0


def _child(conn: Connection, fn: Callable[[Job], Any], job: Job, mem_bytes: int) -> None:
    try:
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        conn.send(("ok", fn(job)))
    except MemoryError:
        conn.send(("err", "memory: over the per-document memory limit"))
    except Exception as exc:
        reason = getattr(exc, "reason", None)
        detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        conn.send(("err", f"{reason}: {detail}" if reason else f"{type(exc).__name__}: {detail}"))
        traceback.print_exc(limit=0)
    finally:
        conn.close()


def run_pool(
    fn: Callable[[Job], Any], jobs: Iterable[Job], *, workers: int = 2, timeout: float = 120.0, mem_bytes: int = 2 << 30
) -> Iterator[Outcome]:
    ctx = mp.get_context("fork")
    pending = iter(jobs)
    running: dict[str, tuple[Any, Connection, float]] = {}
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < workers:
            job = next(pending, None)
            if job is None:
                exhausted = True
                break
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(child, fn, job, mem_bytes), daemon=True)
            proc.start()
            child.close()
            running[job.key] = (proc, parent, time.monotonic())
        if not running:
            break
        conns = [c for _, c, _ in running.values()]
        mp.connection.wait(conns, timeout=0.05)
        now = time.monotonic()
        for key, (proc, conn, started) in list(running.items()):
            outcome: Outcome | None = None
            if conn.poll():
                try:
                    status, payload = conn.recv()
                    outcome = Outcome(key, payload if status == "ok" else None, None if status == "ok" else payload)
                except (EOFError, OSError):
                    outcome = Outcome(key, error=f"crashed: worker died (exit code {proc.exitcode})")
            elif not proc.is_alive():
                proc.join()
                outcome = Outcome(key, error=f"crashed: worker died (exit code {proc.exitcode})")
            elif now - started > timeout:
                proc.kill()
                outcome = Outcome(key, error=f"timeout: no result within {timeout:.0f} s")
            if outcome is not None:
                outcome.seconds = now - started
                proc.join(timeout=5)
                conn.close()
                del running[key]
                yield outcome
