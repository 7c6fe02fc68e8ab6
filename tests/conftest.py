"""Shared fixtures: a fresh archive in a temp dir, paths to ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boligarkiv.db import Archive, open_archive
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, REPO_ROOT, Settings

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data is not beside the checkout ({path} missing)")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    arch = open_archive(settings)
    with arch.session() as session:
        load_seeds(session, read_seeds(DEFAULT_SEEDS))
    yield arch
    arch.dispose()
