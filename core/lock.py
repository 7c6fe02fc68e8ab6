"""One job at a time per archive: an exclusive flock on <data_dir>/run.lock.

The operating system drops an flock when its holder dies, so a crashed run never leaves a stale lock
behind; the file records who held it last, for `boligarkiv status`.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from boligarkiv.models import utcnow


class AlreadyRunning(RuntimeError):
    pass


class RunLock:
    """`shared=True` for stages whose workers divide the work through claims (extract, analyse): any number
    of them hold the lock together, and none of them alongside a whole `run`, a crawl or an index."""

    def __init__(self, data_dir: Path, purpose: str = "run", *, shared: bool = False) -> None:
        self.path = Path(data_dir) / "run.lock"
        self.purpose = purpose
        self.shared = shared
        self.fh: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise AlreadyRunning(f"En annen kjøring holder på i samme arkiv ({holder or 'ukjent'})") from exc
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "purpose": self.purpose, "since": utcnow().isoformat()}))
        fh.flush()
        self.fh = fh
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None


def holder(data_dir: Path) -> dict[str, Any] | None:
    """Who holds the lock now, or None (a lock file left by a dead process is not held)."""
    path = Path(data_dir) / "run.lock"
    if not path.exists():
        return None
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            try:
                return json.loads(fh.read() or "{}")
            except ValueError:
                return {"pid": None}
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None
