"""A real OpenSearch node on 127.0.0.1 for the tests and benchmarks, from published Maven artifacts.

`tools/search-node/` is a small Maven project: OpenSearch 2.19's server with its transport-netty4,
analysis-common and lang-painless modules, started in one JVM. Maven keeps the artifacts in ~/.m2, so only the
first build downloads (about 46 MB); the build output stays in tools/search-node/target.

    python -m tools.search_node            # build if needed, start, print the URL, stop on Ctrl+C
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tools.loopback import free_port

PROJECT = Path(__file__).resolve().parent / "search-node"
MAIN = "no.boligarkiv.searchnode.SearchNode"
READY = "SEARCH-NODE-READY"


class SearchNodeUnavailable(RuntimeError):
    """No JDK or Maven here, so no node can be built (the caller decides whether that is an error)."""


def build(quiet: bool = True) -> str:
    """Compile the launcher and gather its jars (once); return the Java class path."""
    classes = PROJECT / "target" / "classes"
    lib = PROJECT / "target" / "lib"
    if not (classes / "no" / "boligarkiv" / "searchnode" / "SearchNode.class").is_file() or not any(lib.glob("*.jar")):
        if not shutil.which("java") or not shutil.which("mvn"):
            raise SearchNodeUnavailable("trenger java og mvn (./setup.sh --test installerer dem)")
        cmd = ["mvn", "-B", "-DskipTests", "-f", str(PROJECT / "pom.xml"), "package"]
        if quiet:
            cmd.insert(1, "-q")
        done = subprocess.run(cmd, capture_output=quiet, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"bygging av søkenoden feilet:\n{(done.stdout or '')[-3000:]}")
    return f"{classes}:{lib}/*"


class SearchNode:
    """`with SearchNode() as url:` — a node in a temporary home, stopped (and its data removed) on exit."""

    def __init__(self, heap: str = "512m", timeout: float = 180.0) -> None:
        self.heap = heap
        self.timeout = timeout
        self.url = ""
        self.home = Path(tempfile.mkdtemp(prefix="boligarkiv-search-node-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        classpath = build()
        port = free_port()
        log = (self.home / "node.log").open("wb")
        self.proc = subprocess.Popen(
            ["java", f"-Xms{self.heap}", f"-Xmx{self.heap}", "-cp", classpath, MAIN, str(self.home), str(port)],
            stdin=subprocess.PIPE,  # the node stops when this pipe closes, also if we are killed
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            text = (self.home / "node.log").read_text(errors="replace")
            if READY in text:
                self.url = f"http://127.0.0.1:{port}"
                return self.url
            if self.proc.poll() is not None:
                raise RuntimeError(f"søkenoden stoppet under oppstart:\n{text[-3000:]}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"søkenoden svarte ikke innen {self.timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    with SearchNode() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.exit(main())
