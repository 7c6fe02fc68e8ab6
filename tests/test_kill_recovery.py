"""kill -9 in the middle of `analyse` (at points read from the database, not after a sleep), then a rerun:
kommune scores and change events must equal an uninterrupted run's (issue 13, item 2)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from boligarkiv.changes import record_changes
from boligarkiv.db import Archive, open_archive
from boligarkiv.models import ChangeEvent, Document, Page, Score
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, Settings
from boligarkiv.testweb.texts import NB_PLAN_SENTENCES
from nlp.stage import run_analyse

ROOT = Path(__file__).resolve().parents[1]
KOMMUNER = ["0301", "4601", "5001", "1103", "3403", "1841"]


def build(data_dir: Path) -> Archive:
    """24 extracted plans over six kommuner; every kommune has an older version of one plan."""
    archive = open_archive(Settings(data_dir=data_dir))
    with archive.session() as s:
        load_seeds(s, read_seeds(DEFAULT_SEEDS))
    rng = random.Random(13)
    year = date.today().year
    with archive.session() as s:
        for k, nummer in enumerate(KOMMUNER):
            previous = None
            for d in range(4):
                sha = f"{k:02d}{d:02d}".ljust(64, "0")
                pages = [" ".join(rng.sample(NB_PLAN_SENTENCES, 6)) * 3 for _ in range(3)]
                s.add(
                    Document(
                        sha256=sha,
                        kommune_nummer=nummer,
                        mime="application/pdf",
                        size=1,
                        doc_type="boligsosial_handlingsplan" if d % 2 == 0 else "boligplan",
                        period_end=year - 6 + 3 * d,
                        language="nb",
                        extract_version="extract-1",
                        previous_sha256=previous if d == 2 else None,
                        title=f"Plan {nummer}-{d}",
                    )
                )
                s.flush()
                s.add_all(Page(document_sha256=sha, number=i, text=t) for i, t in enumerate(pages, start=1))
                previous = sha
    return archive


def outcome(archive: Archive) -> tuple[set[tuple], set[tuple]]:
    with archive.session() as s:
        scores = {
            (sc.kommune_nummer, sc.signal, round(sc.value, 4), sc.hits, sc.commitment)
            for sc in s.query(Score).filter_by(scope="kommune")
        }
        events = {(e.kind, e.document_sha256, e.previous_sha256, e.signal) for e in s.query(ChangeEvent)}
    return scores, events


def analysed(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("SELECT count(*) FROM document WHERE analysis_version IS NOT NULL").fetchone()[0]
    except sqlite3.Error:
        return 0


def cli(data_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "boligarkiv.cli", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the stage forks workers: kill the whole group
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[tuple], set[tuple]]:
    archive = build(tmp_path_factory.mktemp("reference") / "data")
    run_analyse(archive, workers=1)
    record_changes(archive)
    ref = outcome(archive)
    archive.dispose()
    assert ref[0] and ref[1], "the fixture must produce kommune scores and change events"
    return ref


@pytest.mark.parametrize("kill_after", [1, 12, 22])
def test_kill_during_analyse_then_rerun_equals_reference(
    tmp_path: Path, reference: tuple[set[tuple], set[tuple]], kill_after: int
) -> None:
    data_dir = tmp_path / "data"
    build(data_dir).dispose()
    db = data_dir / "boligarkiv.sqlite3"
    proc = cli(data_dir, "analyse", "--workers", "1")
    deadline = time.monotonic() + 120
    while analysed(db) < kill_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the stage finished before the kill point"
    assert kill_after <= analysed(db) < 24
    rerun = cli(data_dir, "analyse", "--workers", "1")
    assert rerun.wait(timeout=300) == 0
    archive = open_archive(Settings(data_dir=data_dir))
    try:
        assert outcome(archive) == reference
    finally:
        archive.dispose()


def test_stage_alone_then_changes_equal_the_whole_run(tmp_path: Path, reference: tuple[set[tuple], set[tuple]]) -> None:
    """A run that died between analysing and recording change events: the next `analyse` records them."""
    archive = build(tmp_path / "data")
    run_analyse(archive, workers=1)  # no record_changes: the process «died» here
    assert outcome(archive)[1] == set()
    archive.dispose()
    assert cli(tmp_path / "data", "analyse").wait(timeout=300) == 0
    archive = open_archive(Settings(data_dir=tmp_path / "data"))
    try:
        assert outcome(archive) == reference
    finally:
        archive.dispose()
