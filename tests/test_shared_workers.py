"""Shared workers (issue 18): three `boligarkiv analyse` processes on one PostgreSQL archive divide the work
through claims; one is killed mid-run (SIGKILL, its whole process group); the other two take its documents
over when its leases expire, and every document is analysed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from boligarkiv.app.testweb.texts import NB_PLAN_SENTENCES
from boligarkiv.db import open_archive
from boligarkiv.models import Document, Page, SignalHit, WorkClaim
from boligarkiv.nlp.analysis import analyse_pages, analysis_version
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, Settings

from .conftest import fresh_database

N_DOCS = 36
LEASE = 4.0


def test_three_workers_one_killed_every_document_analysed_once(pg_server_url: str, tmp_path: Path) -> None:
    url = fresh_database(pg_server_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    archive = open_archive(settings)
    texts: dict[str, list[str]] = {}
    with archive.session() as s:
        load_seeds(s, read_seeds(DEFAULT_SEEDS))
    with archive.session() as s:
        for i in range(N_DOCS):
            sha = f"{i:064x}"
            # Long enough that a worker is busy for a while: 12 pages of plan text each, all different.
            pages = [
                " ".join(NB_PLAN_SENTENCES[(i * 7 + p * 3 + k) % len(NB_PLAN_SENTENCES)] for k in range(40))
                for p in range(12)
            ]
            texts[sha] = pages
            s.add(
                Document(
                    sha256=sha,
                    kommune_nummer="4601",
                    mime="application/pdf",
                    size=1,
                    title=f"Dokument {i}",
                    language="nb",
                    extract_version="test",
                    page_count=len(pages),
                )
            )
            s.add_all(Page(document_sha256=sha, number=n, text=t) for n, t in enumerate(pages, 1))
    env = {
        **os.environ,
        "BOLIGARKIV_DATABASE_URL": url,
        "BOLIGARKIV_WORK_LEASE_SECONDS": str(LEASE),
    }
    cmd = [
        sys.executable,
        "-m",
        "boligarkiv.app.cli",
        "--data-dir",
        str(settings.data_dir),
        "analyse",
        "--workers",
        "1",
    ]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        for _ in range(3)
    ]
    victim = procs[0]
    # Kill the first worker once it has written a document and holds a claim it has not finished.
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and not killed:
        with archive.session() as s:
            rows = s.execute(
                select(WorkClaim.done, func.count())
                .where(WorkClaim.worker.like(f"%:{victim.pid}:%"))
                .group_by(WorkClaim.done)
            ).all()
        state = dict(rows)
        if state.get(True, 0) >= 1 and state.get(False, 0) >= 1:
            os.killpg(victim.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.05)
    assert killed, "the first worker never had a document written and one in hand"
    victim.wait(timeout=30)
    outs = [p.communicate(timeout=300) for p in procs[1:]]
    for p, (_out, err) in zip(procs[1:], outs, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]

    version = analysis_version()
    with archive.session() as s:
        docs = list(s.scalars(select(Document)))
        assert all(d.analysis_version == version for d in docs), "a document was lost"
        claims = {c.key: c for c in s.scalars(select(WorkClaim).where(WorkClaim.stage == "analyse"))}
        assert set(claims) == set(texts) and all(c.done for c in claims.values())
        # The victim's unfinished claims were taken over by a live worker after the lease ran out.
        taken_over = [c for c in claims.values() if c.attempts > 1]
        assert taken_over and all(f":{victim.pid}:" not in c.worker for c in taken_over)
        # Exactly once: each document's hits are those of one analysis, not two added together.
        counts = dict(
            s.execute(select(SignalHit.document_sha256, func.count()).group_by(SignalHit.document_sha256)).all()
        )
    for sha in list(texts)[:6] + [c.key for c in taken_over]:
        assert counts.get(sha, 0) == len(analyse_pages(texts[sha], "nb").hits), sha
    archive.dispose()
