"""The CLI commands of the spine, run in-process (Typer's runner) and once as a real console script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from boligarkiv.app.cli import EXIT_CONFIG, EXIT_INPUT, EXIT_SCHEMA, app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_init_then_kommuner_by_fylke_json(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "init")
    assert result.exit_code == 0, result.output
    assert "357 kommuner" in result.output
    result = run("--data-dir", str(tmp_path), "kommuner", "--fylke", "Vestland", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 43
    assert {r["fylke"] for r in rows} == {"Vestland"}
    assert any(r["navn"] == "Bergen" and r["nummer"] == "4601" for r in rows)
    # Filter by fylkesnummer too, and by name fragment.
    rows = json.loads(run("-d", str(tmp_path), "kommuner", "--fylke", "46", "--navn", "berg", "-f", "json").stdout)
    assert [r["navn"] for r in rows] == ["Bergen"]


def test_unknown_fylke_is_exit_2(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "kommuner", "--fylke", "Atlantis")
    assert result.exit_code == EXIT_INPUT
    assert "Atlantis" in result.output


def test_status_json_counts_tables(tmp_path: Path) -> None:
    run("--data-dir", str(tmp_path), "init")
    data = json.loads(run("--data-dir", str(tmp_path), "status", "--format", "json").stdout)
    assert data["tabeller"]["kommune"] == 357
    assert data["tabeller"]["document"] == 0
    assert data["kjoringer"] == []


def test_env_var_and_toml_config(tmp_path: Path) -> None:
    data_dir = tmp_path / "via-env"
    assert run("init", env={"BOLIGARKIV_DATA_DIR": str(data_dir)}).exit_code == 0
    assert (data_dir / "boligarkiv.sqlite3").is_file()
    cfg = tmp_path / "b.toml"
    cfg.write_text(f'[boligarkiv]\ndata_dir = "{tmp_path / "via-toml"}"\n')
    assert run("--config", str(cfg), "init").exit_code == 0
    assert (tmp_path / "via-toml" / "boligarkiv.sqlite3").is_file()
    cfg.write_text("[boligarkiv\n")
    result = run("--config", str(cfg), "init")
    assert result.exit_code == EXIT_CONFIG and "Ugyldig TOML" in result.output


def test_bad_seeds_and_unwritable_dir_and_newer_schema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kommunenummer,navn,fylke,nettside\n0301,Oslo,Oslo,https://oslo.kommune.no\n0301,X,Oslo,https://x.no\n"
    )
    result = run("-d", str(tmp_path / "d"), "init", "--seeds", str(bad))
    assert result.exit_code == EXIT_INPUT and "linje 3" in result.output

    blocker = tmp_path / "blocker"
    blocker.write_text("")
    result = run("-d", str(blocker / "sub"), "init")
    assert result.exit_code == EXIT_CONFIG and "ikke skrivbar" in result.output

    import sqlite3

    run("-d", str(tmp_path / "d"), "init")
    con = sqlite3.connect(tmp_path / "d" / "boligarkiv.sqlite3")
    con.execute("UPDATE alembic_version SET version_num='zzzz'")
    con.commit()
    con.close()
    result = run("-d", str(tmp_path / "d"), "status")
    assert result.exit_code == EXIT_SCHEMA and "nyere" in result.output


def test_console_script_help_on_every_command(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("boligarkiv")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "boligarkiv.app.cli"]
    top = subprocess.run([*cmd, "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert top.returncode == 0
    commands = [c for c in ("init", "status", "kommuner") if c in top.stdout]
    assert commands == ["init", "status", "kommuner"]
    for c in commands:
        out = subprocess.run([*cmd, c, "--help"], capture_output=True, text=True)
        assert out.returncode == 0 and "--help" in out.stdout
    out = subprocess.run(
        [*cmd, "--data-dir", str(tmp_path), "kommuner", "--fylke", "Oslo", "-f", "csv"], capture_output=True, text=True
    )
    assert out.returncode == 0
    # Excel-native by default: BOM, semicolons; `--csv-dialect maskin` for programs.
    assert out.stdout.splitlines() == ["\ufeffnummer;navn;fylke;nettside", "0301;Oslo;Oslo;https://www.oslo.kommune.no"]
    out = subprocess.run(
        [*cmd, "--data-dir", str(tmp_path), "--csv-dialect", "maskin", "kommuner", "--fylke", "Oslo", "-f", "csv"],
        capture_output=True,
        text=True,
    )
    assert out.stdout.splitlines() == ["nummer,navn,fylke,nettside", "0301,Oslo,Oslo,https://www.oslo.kommune.no"]


@pytest.mark.parametrize("stage", ["extract", "analyse", "index", "flags --offline"])
def test_stage_commands_take_the_run_lock(tmp_path: Path, stage: str) -> None:
    import subprocess
    import sys

    from boligarkiv.lock import RunLock

    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "boligarkiv.app.cli", "--data-dir", str(data), *stage.split()]
    with RunLock(data, "run"):
        busy = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert busy.returncode == 1 and "En annen kjøring holder på" in busy.stderr
