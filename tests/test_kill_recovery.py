"""kill -9 in the middle of every stage (at points read from the database, not after a sleep), then a rerun:
the kommune scores (the screening), change events and search results must equal an uninterrupted run's
(issue 13). The crawl has its own kill test in test_crawler.py."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import pytest

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES, make_pdf
from boligarkiv.changes import record_changes
from boligarkiv.db import Archive, open_archive
from boligarkiv.extract.stage import run_extract
from boligarkiv.index.fts import FtsBackend
from boligarkiv.index.query import parse_query
from boligarkiv.index.stage import run_index
from boligarkiv.models import ChangeEvent, Document, Score
from boligarkiv.nlp.stage import run_analyse
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, Settings

ROOT = Path(__file__).resolve().parents[1]
KOMMUNER = ["0301", "4601", "5001", "1103", "3403", "1841"]
PER_KOMMUNE = 4
TOTAL = len(KOMMUNER) * PER_KOMMUNE
QUERIES = ("bolig", "leie til eie", "startlån", "signal:tredje_boligsektor", "utleieboliger -deleie")


@cache
def pdfs() -> tuple[bytes, ...]:
    """The same bytes for every archive (so the same hashes): built once."""
    rng = random.Random(13)
    year = date.today().year
    out = []
    for k, nummer in enumerate(KOMMUNER):
        for d in range(PER_KOMMUNE):
            kind = "Boligsosial handlingsplan" if d % 2 == 0 else "Boligplan"
            start = year - 6 + 3 * d
            title = f"{kind} {start}–{start + 3} for kommune {nummer}"
            body = [[title, *(" ".join(rng.sample(NB_PLAN_SENTENCES, 4)) for _ in range(4))] for _ in range(2)]
            out.append(make_pdf(body, title) + f"\n% {k}-{d}\n".encode())
    return tuple(out)


def build(data_dir: Path) -> Archive:
    """24 archived plan PDFs over six kommuner, nothing extracted; each kommune has a revised plan."""
    archive = open_archive(Settings(data_dir=data_dir))
    with archive.session() as s:
        load_seeds(s, read_seeds(DEFAULT_SEEDS))
    with archive.session() as s:
        for k, nummer in enumerate(KOMMUNER):
            previous = None
            for d in range(PER_KOMMUNE):
                data = pdfs()[k * PER_KOMMUNE + d]
                sha = archive.blobs.put(data)
                s.add(
                    Document(
                        sha256=sha,
                        kommune_nummer=nummer,
                        mime="application/pdf",
                        size=len(data),
                        first_url=f"https://{nummer}.kommune.example/plan{d}.pdf",
                        previous_sha256=previous if d == 2 else None,
                    )
                )
                previous = sha
    return archive


def outcome(archive: Archive) -> tuple[set[tuple], set[tuple], dict[str, list[tuple]]]:
    with archive.session() as s:
        scores = {
            (sc.kommune_nummer, sc.signal, round(sc.value, 4), sc.hits, sc.commitment)
            for sc in s.query(Score).filter_by(scope="kommune")
        }
        events = {
            (e.kind, e.document_sha256, e.previous_sha256, e.signal)
            for e in s.query(ChangeEvent).filter(ChangeEvent.kind != "new_document")
        }
    backend = FtsBackend(archive.engine)
    results = {}
    for q in QUERIES:
        r = backend.search(parse_query(q), limit=50)
        results[q] = sorted((h.sha256, tuple(sorted(p.page for p in h.pages))) for h in r.hits)
    return scores, events, results


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return int(con.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def cli(data_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "boligarkiv.app.cli", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the stages fork workers: kill the whole group
    )


def kill_when(proc: subprocess.Popen[bytes], db: Path, sql: str, at_least: int) -> None:
    deadline = time.monotonic() + 180
    while count(db, sql) < at_least and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.003)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"finished before the kill point ({sql} ≥ {at_least})"


def finish(data_dir: Path, *args: str) -> None:
    done = cli(data_dir, *args)
    assert done.wait(timeout=300) == 0, args


RUN = ("run", "--skip", "crawl", "--skip", "flags", "--format", "json")
EXTRACTED = "SELECT count(*) FROM document WHERE extract_version IS NOT NULL"
ANALYSED = "SELECT count(*) FROM document WHERE analysis_version IS NOT NULL"
INDEXED = "SELECT count(*) FROM document WHERE index_version IS NOT NULL"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    archive = build(tmp_path_factory.mktemp("reference") / "data")
    run_extract(archive, workers=1)
    run_analyse(archive, workers=1)
    record_changes(archive)
    run_index(archive)
    ref = outcome(archive)
    archive.dispose()
    assert ref[0] and ref[1] and all(ref[2].values()), "the fixture must give scores, events and hits"
    return ref


# (stage command, what to count in the database, kill when it reaches this many): 18 points here, 3 more for
# index --rebuild below, and the crawl's in test_crawler.py.
POINTS = [
    *((("extract", "--workers", "1"), EXTRACTED, n) for n in (1, 8, 16, 23)),
    *((("analyse", "--workers", "1"), ANALYSED, n) for n in (1, 8, 16, 23)),
    *((("index",), INDEXED, n) for n in (1, 12, 23)),
    *((RUN, EXTRACTED, n) for n in (2, 20)),
    *((RUN, ANALYSED, n) for n in (2, 12, 24)),
    *((RUN, INDEXED, n) for n in (2, 20)),
]


@pytest.mark.parametrize(("command", "sql", "at"), POINTS, ids=[f"{c[0]}-{s.split()[-4]}-{n}" for c, s, n in POINTS])
def test_kill_then_rerun_equals_reference(tmp_path: Path, reference: tuple, command: tuple, sql: str, at: int) -> None:
    data_dir = tmp_path / "data"
    archive = build(data_dir)
    if command[0] in ("analyse", "index"):  # the stages before it have run
        run_extract(archive, workers=1)
    if command[0] == "index":
        run_analyse(archive, workers=1)
        record_changes(archive)
    archive.dispose()
    kill_when(cli(data_dir, *command), data_dir / "boligarkiv.sqlite3", sql, at)
    finish(data_dir, *RUN)  # the weekly job after the crash
    archive = open_archive(Settings(data_dir=data_dir))
    try:
        assert outcome(archive) == reference
    finally:
        archive.dispose()


@pytest.mark.parametrize("at", [1, 12, 23])
def test_kill_during_index_rebuild_is_finished_by_the_next_index(tmp_path: Path, reference: tuple, at: int) -> None:
    data_dir = tmp_path / "data"
    archive = build(data_dir)
    run_extract(archive, workers=1)
    run_analyse(archive, workers=1)
    record_changes(archive)
    run_index(archive)
    archive.dispose()
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    rebuilt = f"SELECT count(*) FROM document WHERE indexed_at > '{since}'"
    kill_when(cli(data_dir, "index", "--rebuild"), data_dir / "boligarkiv.sqlite3", rebuilt, at)
    finish(data_dir, "index")  # not --rebuild: the archive remembers what the rebuild had not reached
    archive = open_archive(Settings(data_dir=data_dir))
    try:
        assert outcome(archive) == reference
    finally:
        archive.dispose()


def test_stage_alone_then_changes_equal_the_whole_run(tmp_path: Path, reference: tuple) -> None:
    """A run that died between analysing and recording change events: the next `analyse` records them."""
    archive = build(tmp_path / "data")
    run_extract(archive, workers=1)
    run_analyse(archive, workers=1)  # no record_changes: the process «died» here
    run_index(archive)
    assert outcome(archive)[1] == set()
    archive.dispose()
    finish(tmp_path / "data", "analyse")
    archive = open_archive(Settings(data_dir=tmp_path / "data"))
    try:
        assert outcome(archive) == reference
    finally:
        archive.dispose()
