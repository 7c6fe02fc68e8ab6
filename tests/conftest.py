"""Shared fixtures: a fresh archive in a temp dir, paths to ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boligarkiv.db import Archive, open_archive
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, REPO_ROOT, Settings, load_settings

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data is not beside the checkout ({path} missing)")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Through load_settings, so the loopback defaults above apply to every test archive.
    return load_settings(None, data_dir=tmp_path / "data")


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    arch = open_archive(settings)
    with arch.session() as session:
        load_seeds(session, read_seeds(DEFAULT_SEEDS))
    yield arch
    arch.dispose()


@pytest.fixture(autouse=True, scope="session")
def _no_traffic_beyond_loopback() -> Iterator[None]:
    """Tests talk to servers on 127.0.0.1 only: the public SSB, Klass and ROBEK defaults point at a closed
    loopback port unless a test sets its own local server."""
    import os

    closed = "http://127.0.0.1:9"
    defaults = {
        "BOLIGARKIV_SSB_URL": f"{closed}/api/pxwebapi/v2",
        "BOLIGARKIV_KLASS_URL": f"{closed}/api/klass/v1",
        "BOLIGARKIV_ROBEK_URL": f"{closed}/robek",
        "BOLIGARKIV_HUSBANKEN_START_URL": f"{closed}/husbanken/",
    }
    added = {k: v for k, v in defaults.items() if k not in os.environ}
    os.environ.update(added)
    yield
    for k in added:
        os.environ.pop(k, None)


@pytest.fixture(scope="session")
def search_node_url() -> Iterator[str]:
    """A real search node: BOLIGARKIV_ES_URL if set (docker compose), else an OpenSearch 2.19 node started here
    from Maven artifacts (tools/search_node.py). Skipped only where no JDK/Maven exists at all — after
    `./setup.sh --test` (the README's test command, and CI) they do, and the contract cases run."""
    import os

    from tools.search_node import SearchNode, SearchNodeUnavailable

    if os.environ.get("BOLIGARKIV_ES_URL"):
        yield os.environ["BOLIGARKIV_ES_URL"]
        return
    node = SearchNode()
    try:
        url = node.start()
    except SearchNodeUnavailable as exc:
        pytest.skip(f"ingen søkenode: {exc}")
    try:
        yield url
    finally:
        node.stop()
