"""Run each document's extraction in its own forked process, bounded in time and memory.

A parser that hangs or a decompression bomb kills only its own process: the parent waits with a
deadline, and the child runs under RLIMIT_AS. The pool keeps `workers` children busy.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from boligarkiv.vocabulary import ERROR_KINDS


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


def error_text(exc: BaseException) -> str:
    """«kind: detail» with kind from the shared vocabulary: a parser that raises anything of its own on
    these bytes (XMLSyntaxError, AttributeError …) has met a corrupt document."""
    reason = getattr(exc, "reason", None)
    detail = getattr(exc, "detail", None) if reason else None
    if not detail:
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        detail = f"{type(exc).__name__}: {first}" if first and not reason else (first or type(exc).__name__)
    kind = reason if reason in ERROR_KINDS else "corrupt"
    return f"{kind}: {detail}"


def _died(proc: Any) -> str:
    proc.join(timeout=5)
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        # Killed by the kernel (OOM) or by a limit: the document needed more than it may have.
        kind = "memory" if -code == signal.SIGKILL else "crashed"
        return f"{kind}: worker killed by {name}"
    return f"crashed: worker died (exit code {code})" if code is not None else "crashed: worker died"


def _child(conn: Connection, fn: Callable[[Job], Any], job: Job, mem_bytes: int) -> None:
    try:
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        conn.send(("ok", fn(job)))
    except MemoryError:
        conn.send(("err", "memory: over the per-document memory limit"))
    except Exception as exc:
        conn.send(("err", error_text(exc)))
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
                    outcome = Outcome(key, error=_died(proc))
            elif not proc.is_alive():
                outcome = Outcome(key, error=_died(proc))
            elif now - started > timeout:
                proc.kill()
                outcome = Outcome(key, error=f"timeout: no result within {timeout:.0f} s")
            if outcome is not None:
                outcome.seconds = now - started
                proc.join(timeout=5)
                conn.close()
                del running[key]
                yield outcome


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (run records and work claims name their process)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's
    return True
