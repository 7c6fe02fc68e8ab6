"""The installed package (issue 16): a wheel built from this checkout installs one top-level import name,
`boligarkiv`, with its stages, templates, models and seeds inside, and the CLI works from that install alone
(outside the checkout): `run --help` and the offline demo without the web app."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel, target dir) — the wheel built without network and unpacked as pip installs it."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp.glob("boligarkiv-*.whl")
    target = tmp / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return wheel, target


def test_the_wheel_installs_one_top_level_name(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"boligarkiv"}
    for needed in (
        "boligarkiv/crawler/portals/acos_websak.py",
        "boligarkiv/crawler/spiders/kommune.py",
        "boligarkiv/nlp/data/signal_model.npz",
        "boligarkiv/report/templates/kommune.html",
        "boligarkiv/flags/indicators.yaml",
        "boligarkiv/seeddata/kommune_urls.csv",
        "boligarkiv/migrations/versions/0006_case_documents.py",
        "boligarkiv/data/signals.yaml",
    ):
        assert needed in names, needed


def test_the_cli_runs_from_the_install(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, target = installed
    # The install comes first on the path and the checkout is not the working directory, so nothing is
    # imported from the source tree (the dependencies come from this environment).
    env = {**os.environ, "PYTHONPATH": str(target), "BOLIGARKIV_DATA_DIR": str(tmp_path / "data")}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import boligarkiv.crawler, boligarkiv.settings as s; print(boligarkiv.crawler.__file__);"
            "print(s.DEFAULT_SEEDS)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    crawler_file, seeds = where.stdout.split()
    assert crawler_file.startswith(str(target)) and seeds.startswith(str(target)) and Path(seeds).is_file()
    cli = [sys.executable, "-m", "boligarkiv.app.cli"]
    help_run = subprocess.run(
        [*cli, "run", "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert help_run.returncode == 0 and "run" in help_run.stdout, help_run.stderr
    demo = subprocess.run(
        [*cli, "demo", "--no-serve", "--sites", "3"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Kjøring" in demo.stderr


def test_tests_run_against_the_install(installed: tuple[Path, Path], tmp_path: Path) -> None:
    """The suite's modules run with the wheel on the path (a copy of tests/ outside the checkout), and import
    `boligarkiv` from the install, not from the source tree."""
    import shutil

    _, target = installed
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("artifacts", "__pycache__"))
    (tmp_path / "tests" / "test_where.py").write_text(
        "import boligarkiv.index.query\n\n\ndef test_where():\n"
        f"    assert boligarkiv.index.query.__file__.startswith({str(target)!r})\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_where.py",
            "tests/test_query_language.py",
            "tests/test_seeds.py",
            "-k",
            "not docker_compose",  # reads the checkout's compose file, which is not part of the package
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
