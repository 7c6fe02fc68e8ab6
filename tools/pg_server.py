"""A private PostgreSQL server for the tests, from Debian's packages (`postgresql`): a fresh cluster in a
temporary directory on a free loopback port, fsync off, trust authentication for one role, removed on exit.

    python -m tools.pg_server     # start one, print its URL, stop on Ctrl+C
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tools.loopback import free_port


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (`./setup.sh --test` installs them)."""


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("fant ikke PostgreSQL (initdb); ./setup.sh --test installerer postgresql")


class PostgresServer:
    """`with PostgresServer() as url:` — an SQLAlchemy URL (psycopg 3) to an empty database `boligarkiv`."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="boligarkiv-pg-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.bin = bin_dir()
        self.started = False
        # PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} feilet: {done.stderr[-2000:] or done.stdout[-2000:]}")
        return done

    def start(self) -> str:
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.home, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "boligarkiv", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.home / "server.log"), "-w", "start")
        self.started = True
        for _ in range(50):
            try:
                self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "boligarkiv", "boligarkiv")
                break
            except RuntimeError:
                time.sleep(0.2)
        return self.url

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://boligarkiv@127.0.0.1:{self.port}/boligarkiv"

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
            self.started = False
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    with PostgresServer() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.exit(main())
