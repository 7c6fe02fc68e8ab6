"""Shared fixtures: a fresh archive in a temp dir, paths to ../shared/data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from boligarkiv.db import Archive, open_archive
from boligarkiv.seeds import load_seeds, read_seeds
from boligarkiv.settings import DEFAULT_SEEDS, Settings, load_settings

# Found from this checkout, not from the package: the suite runs against an installed wheel too, and
# `../shared` lies beside the checkout, not beside site-packages.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
os.environ.setdefault("BOLIGARKIV_SIGNALS_DEV", str(SHARED_DATA / "signals_dev"))


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data is not beside the checkout ({path} missing)")
    return path


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """One private PostgreSQL server for the session (tools/pg_server.py); each test gets its own database."""
    from tools.pg_server import PostgresServer, PostgresUnavailable

    server = PostgresServer()
    try:
        url = server.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"ingen PostgreSQL: {exc}")
    try:
        yield url
    finally:
        server.stop()


def fresh_database(server_url: str) -> str:
    """A new empty database on the test server; returns its SQLAlchemy URL."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    """The archive's database engine: SQLite, or PostgreSQL for modules marked `engines("sqlite", "postgresql")`."""
    return str(getattr(request, "param", "sqlite"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_engine" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("engines")
        if marker is not None:
            metafunc.parametrize("db_engine", marker.args, indirect=True)


@pytest.fixture
def settings(tmp_path: Path, db_engine: str, request: pytest.FixtureRequest) -> Settings:
    # Through load_settings, so the loopback defaults above apply to every test archive.
    url = fresh_database(request.getfixturevalue("pg_server_url")) if db_engine == "postgresql" else None
    return load_settings(None, data_dir=tmp_path / "data", database_url=url)


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
