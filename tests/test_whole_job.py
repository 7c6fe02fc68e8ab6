"""The whole job end to end: `boligarkiv run` on the local test web and the local SSB, then search and a
report; a rerun does (almost) nothing; a revised plan becomes change events; the lock and the scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boligarkiv.app.scheduler import read_state, run_scheduler
from boligarkiv.app.testweb.server import build_test_web
from boligarkiv.app.testweb.texts import make_pdf
from boligarkiv.db import open_archive
from boligarkiv.lock import AlreadyRunning, RunLock, holder
from boligarkiv.models import ChangeEvent, Document, Run
from boligarkiv.settings import Settings

from .ssbweb import SsbWeb
from .test_flags import robek_page

CLI = [sys.executable, "-m", "boligarkiv.app.cli"]


def cli(data: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [*CLI, "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BOLIGARKIV_CRAWL_DELAY": "0", **(env or {})},
    )
    if check:
        assert out.returncode in (0, 5), out.stderr[-3000:]
    return out


def test_run_search_report_rerun_and_changes(tmp_path: Path) -> None:
    from boligarkiv.app.testweb.server import TestWeb
    from boligarkiv.app.testweb.sites import build_library

    web = build_test_web(8).start()
    library, in_library = build_library([(s.kommune_nummer, s.kommune_navn, "Testfylke") for s in web.sites[:3]])
    lib = TestWeb([library]).start()
    ssb = SsbWeb(robek_html=robek_page()).start()
    env = {
        "BOLIGARKIV_HUSBANKEN_START_URL": lib.seed_urls["library"],  # `run` walks Husbanken's library too
        "BOLIGARKIV_SSB_URL": ssb.url,
        "BOLIGARKIV_KLASS_URL": ssb.klass_url,
        "BOLIGARKIV_ROBEK_URL": ssb.robek_url,
        "BOLIGARKIV_SSB_CALLS_PER_MINUTE": "10000",
    }
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        data = tmp_path / "data"
        first = json.loads(cli(data, "run", "--seeds", str(seeds), "--format", "json", env=env).stdout)
        assert set(first["stages"]) == {"crawl", "extract", "analyse", "flags", "index"}
        assert first["new_documents"] >= len(web.plans())
        assert first["stages"]["flags"]["errors"] == {} and first["stages"]["index"]["documents"] > 0
        arch = open_archive(Settings(data_dir=data))
        with arch.session() as s:
            from_library = {d.sha256: d.kommune_nummer for d in s.query(Document) if d.sha256 in in_library}
        arch.dispose()
        assert from_library and all(in_library[sha] == k for sha, k in from_library.items())
        # Search finds the plans, with page numbers; a Nynorsk plan through its lemma.
        found = json.loads(cli(data, "search", "utleigebustad", "--format", "json").stdout)
        assert found["total_documents"] >= 1 and found["hits"][0]["language"] == "nn"
        assert found["hits"][0]["pages"][0]["page"] >= 1
        # A kommune report has its plans, scored signals with quotes, and flags.
        site = web.sites[0]
        report = json.loads(cli(data, "report", site.kommune_nummer, "--format", "json").stdout)
        assert len([p for p in report["planer"] if p["status"]]) >= len(site.plans)
        assert any(s["poeng"] > 0 and s["sitater"] for s in report["signaler"])
        assert any(f["indikator"] == "robek" for f in report["flagg"])

        # Rerun: nothing new is downloaded, extracted, analysed or indexed.
        again = json.loads(cli(data, "run", "--seeds", str(seeds), "--format", "json", env=env).stdout)
        assert again["new_documents"] == 0 and again["stages"]["crawl"]["not_modified"] > 0
        assert again["stages"]["extract"]["documents"] == 0 and again["stages"]["analyse"]["documents"] == 0
        assert again["stages"]["index"]["documents"] == 0

        # The kommune revises a plan at the same URL: other words, other signals.
        _path, res = next(
            (p, r)
            for p, r in site.resources.items()
            if r.body.startswith(b"%PDF") and __import__("hashlib").sha256(r.body).hexdigest() in site.plans
        )
        title = site.plans[__import__("hashlib").sha256(res.body).hexdigest()]
        res.body = make_pdf(
            [
                [
                    title,
                    "Vedtatt i kommunestyret 01.02.2026.",
                    "Kommunen skal prøve ut deleie og delt eierskap for unge kjøpere.",
                ]
            ],
            title,
        )
        third = json.loads(
            cli(
                data,
                "run",
                "--seeds",
                str(seeds),
                "--kommune",
                site.kommune_nummer,
                "--skip",
                "flags",
                "--format",
                "json",
                env=env,
            ).stdout
        )
        assert third["new_documents"] == 1 and third["changed_plans"] >= 1
        arch = open_archive(Settings(data_dir=data))
        with arch.session() as s:
            from boligarkiv.models import SignalHit

            new = s.scalars(select(Document).where(Document.previous_sha256.is_not(None))).one()

            def signals(sha: str) -> set[str]:
                return set(
                    s.scalars(
                        select(SignalHit.signal).where(SignalHit.document_sha256 == sha, SignalHit.negated.is_(False))
                    )
                )

            before, after = signals(new.previous_sha256 or ""), signals(new.sha256)
            events = list(s.scalars(select(ChangeEvent).where(ChangeEvent.document_sha256 == new.sha256)))
            runs = [r.kind for r in s.scalars(select(Run).order_by(Run.id))]
        arch.dispose()
        assert before != after
        assert {e.signal for e in events if e.kind == "signal_appeared"} == after - before
        assert {e.signal for e in events if e.kind == "signal_disappeared"} == before - after
        assert any(e.kind == "changed_document" for e in events)
        assert runs.count("run") == 3
        status = json.loads(cli(data, "status", "--format", "json").stdout)
        assert status["endringer"] and status["kjorer_na"] is None
    finally:
        web.stop()
        lib.stop()
        ssb.stop()


def test_lock_refuses_a_second_run_and_survives_a_crashed_holder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli(data, "init")
    holder_proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; sys.path.insert(0, '.');"
                "from boligarkiv.lock import RunLock;"
                f"lock = RunLock(__import__('pathlib').Path({str(data)!r})).__enter__(); print('held', flush=True);"
                "time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder_proc.stdout and holder_proc.stdout.readline().strip() == "held"
    busy = cli(data, "run", "--skip", "crawl", "--skip", "flags", check=False)
    assert busy.returncode == 1 and "En annen kjøring" in busy.stderr
    assert holder(data)["pid"] == holder_proc.pid
    holder_proc.send_signal(signal.SIGKILL)  # the holder crashes
    holder_proc.wait()
    assert holder(data) is None
    with RunLock(data), pytest.raises(AlreadyRunning):
        RunLock(data).__enter__()


def test_scheduler_runs_records_state_and_never_overlaps(tmp_path: Path) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    data = tmp_path / "data"
    data.mkdir()
    calls: list[float] = []

    def job() -> dict[str, Any]:
        calls.append(time.monotonic())
        return {"status": "ok"}

    run_scheduler(data, "*/1 * * * *", job, max_runs=2, trigger=IntervalTrigger(seconds=1))
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9
    state = read_state(data)
    assert state and state["cron"] == "*/1 * * * *" and state["last_status"] == "ok"
    # While a manual run holds the lock, a scheduled tick is skipped and says so.
    with RunLock(data):
        run_scheduler(data, "*/1 * * * *", job, max_runs=1, trigger=IntervalTrigger(seconds=1))
    assert len(calls) == 2 and read_state(data)["last_status"].startswith("hoppet over")


def test_schedule_command_rejects_a_bad_cron(tmp_path: Path) -> None:
    out = cli(tmp_path / "d", "schedule", "--cron", "hver mandag", check=False)
    assert out.returncode == 2 and "Ugyldig cron" in out.stderr


def test_the_job_runs_twice_in_one_process(tmp_path: Path) -> None:
    """What the scheduler does: Scrapy's reactor cannot restart, so each crawl runs in its own child. The
    run reports its progress per stage as it goes (what `boligarkiv run` draws with an ETA)."""
    from boligarkiv.app.pipeline import RunProgress, run_all

    class Recorder(RunProgress):
        def __init__(self) -> None:
            self.events: list[tuple[str, str, object]] = []

        def start(self, stage: str, total: int | None) -> None:
            self.events.append(("start", stage, total))

        def advance(self, stage: str) -> None:
            self.events.append(("advance", stage, None))

        def note(self, stage: str, text: str) -> None:
            self.events.append(("note", stage, text))

        def finish(self, stage: str, text: str) -> None:
            self.events.append(("finish", stage, text))

    from boligarkiv.crawler.runner import CrawlOptions
    from boligarkiv.seeds import load_seeds, read_seeds

    web = build_test_web(2).start()
    try:
        archive = open_archive(Settings(data_dir=tmp_path / "data", crawl_delay=0))
        seeds = read_seeds(web.write_seeds(tmp_path / "seeds.csv"))
        with archive.session() as s:
            load_seeds(s, seeds)
        opts = CrawlOptions(delay=0)
        seen = Recorder()
        first = run_all(archive, seeds, crawl_options=opts, skip={"flags"}, progress=seen)
        second = run_all(archive, seeds, crawl_options=opts, skip={"flags"})
        started = [(stage, total) for kind, stage, total in seen.events if kind == "start"]
        assert [stage for stage, _ in started][:4] == ["crawl", "extract", "analyse", "index"]
        for stage in ("extract", "analyse"):
            total = next(t for s_, t in started if s_ == stage)
            ticks = sum(1 for kind, s_, _ in seen.events if kind == "advance" and s_ == stage)
            assert isinstance(total, int) and total > 0 and ticks == total == first["stages"][stage]["documents"]
        crawl_notes = [text for kind, stage, text in seen.events if kind == "note" and stage == "crawl"]
        assert crawl_notes and int(str(crawl_notes[-1]).split(" sider")[0]) > 0
        assert [stage for kind, stage, _ in seen.events if kind == "finish"] == [
            "crawl",
            "extract",
            "analyse",
            "index",
            "web",
        ]
        # The run leaves the page of every kommune with documents rendered in the web app's shared cache for
        # the week ahead (one folder per archive state; the second run's is the newest).
        with archive.session() as s:
            with_documents = len(set(s.scalars(select(Document.kommune_nummer))))
        assert first["web_pages"] == second["web_pages"] == with_documents > 0
        folders = sorted((tmp_path / "data" / "cache" / "web").iterdir(), key=lambda p: p.stat().st_mtime)
        assert len(list(folders[-1].glob("*.pickle"))) == with_documents
        assert first["stage_errors"] == {} and second["stage_errors"] == {}
        assert first["new_documents"] >= len(web.plans()) and second["new_documents"] == 0
        assert second["stages"]["crawl"]["not_modified"] > 0
        archive.dispose()
    finally:
        web.stop()


def test_a_broken_stage_is_recorded_and_the_rest_runs(tmp_path: Path) -> None:
    from boligarkiv.app.pipeline import run_all
    from boligarkiv.crawler.runner import CrawlOptions

    archive = open_archive(
        Settings(
            data_dir=tmp_path / "data",
            ssb_url="http://127.0.0.1:9/api",
            klass_url="http://127.0.0.1:9/klass",
            robek_url="http://127.0.0.1:9/robek",
        )
    )
    result = run_all(archive, [], crawl_options=CrawlOptions(delay=0), skip={"crawl"})
    assert result["status"] == "partial"
    assert "flags" in result["stage_errors"] and "index" in result["stages"]  # index ran after flags failed
    archive.dispose()
