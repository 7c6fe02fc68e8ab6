"""One damaged blob is one document's problem: recorded, the stage goes on, and the next fetch of the same
bytes repairs it and makes the document extract again (issue 13, item 6)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from boligarkiv.app.cli import app as cli
from boligarkiv.app.testweb.server import build_test_web
from boligarkiv.db import open_archive
from boligarkiv.extract.stage import run_extract
from boligarkiv.models import Document
from boligarkiv.settings import Settings
from boligarkiv.vocabulary import CORRUPT_BLOB

from .test_crawler import crawl


def verify(data_dir: Path) -> Any:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "verify", "--format", "json"])


def damage(path: Path) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.chmod(path, 0o444)


def test_corrupt_blob_is_recorded_the_stage_goes_on_and_a_refetch_repairs_it(tmp_path: Path) -> None:
    web = build_test_web(3).start()
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        site = web.sites[0]
        crawl(tmp_path / "data", seeds, "--kommune", site.kommune_nummer)
        archive = open_archive(Settings(data_dir=tmp_path / "data"))
        with archive.session() as s:
            shas = sorted(s.scalars(select(Document.sha256)))
        assert len(shas) >= 2
        victim = shas[0]
        original = archive.blobs.path(victim).read_bytes()
        damage(archive.blobs.path(victim))

        result = run_extract(archive, workers=1)
        assert result["errors"] == 1 and result["ok"] == len(shas) - 1  # the others were extracted
        with archive.session() as s:
            doc = s.get(Document, victim)
            assert doc is not None and doc.extract_error is not None
            assert doc.extract_error.startswith(CORRUPT_BLOB)
        archive.dispose()
        check = verify(tmp_path / "data")
        assert check.exit_code == 5 and json.loads(check.stdout) == {
            "problemer": [{"sha256": victim, "problem": "korrupt"}]
        }

        crawl(tmp_path / "data", seeds, "--kommune", site.kommune_nummer)  # fetched again, unconditionally
        archive = open_archive(Settings(data_dir=tmp_path / "data"))
        assert archive.blobs.path(victim).read_bytes() == original and archive.blobs.intact(victim)
        with archive.session() as s:
            doc = s.get(Document, victim)
            assert doc is not None and doc.extract_version is None and doc.extract_error is None
        again = run_extract(archive, workers=1)
        assert again["documents"] == 1 and again["ok"] == 1
        archive.dispose()
        assert verify(tmp_path / "data").exit_code == 0
    finally:
        web.stop()
