"""A run without the network (issue 17): `boligarkiv run` ends within 60 seconds, prints under 30 lines,
names the cause in Norwegian, changes nothing, and exits with the documented code 6. The sites are loopback
ports where nothing listens, so no traffic leaves the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from boligarkiv.db import open_archive
from boligarkiv.models import Document, Fetch
from boligarkiv.settings import Settings
from tools.loopback import free_port


def test_run_without_network_stops_at_once_and_says_why(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    rows = [("4601", "Bergen", "Vestland"), ("0301", "Oslo", "Oslo"), ("5001", "Trondheim", "Trøndelag")]
    # Free ports where nothing listens: each connection is refused at once.
    seeds.write_text(
        "kommunenummer,navn,fylke,nettside\n"
        + "".join(f"{n},{k},{f},http://127.0.0.1:{free_port()}/\n" for n, k, f in rows),
        encoding="utf-8",
    )
    data = tmp_path / "data"
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "boligarkiv.app.cli", "--data-dir", str(data), "run", "--seeds", str(seeds)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "BOLIGARKIV_USER_AGENT_CONTACT": "test@example.org"},
    )
    seconds = time.monotonic() - started
    lines = (out.stdout + out.stderr).strip().splitlines()
    assert seconds < 60, seconds
    assert out.returncode == 6, out.stderr
    assert len(lines) < 30, lines
    text = " ".join(" ".join(lines).split())  # Rich wraps long lines
    assert "Ingen av 3 kommunenettsteder svarer" in text and "forbindelsen ble avvist" in text
    assert "Traceback" not in out.stderr
    archive = open_archive(Settings(data_dir=data))
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Fetch)) == 0
        assert s.scalar(select(func.count()).select_from(Document)) == 0
    archive.dispose()
