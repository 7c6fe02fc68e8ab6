"""End to end in a real browser: Debian's headless Chromium against `boligarkiv serve` on 127.0.0.1.

Each step loads a page the way a person would reach it (the next URL is read from the page the browser
rendered), checks what is on it and writes a screenshot to tests/artifacts/ for review. The «Følg» buttons
are clicked, not posted: Playwright drives the same Chromium (its own browser builds are not downloadable
here, so it launches Debian's binary).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from boligarkiv.db import Archive
from tools.loopback import free_port

from .webfixture import build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent / "artifacts"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (setup.sh installs it)")


WRITE_TOKEN = "analytiker-ÆØÅ-token"


@pytest.fixture
def server(archive: Archive) -> Iterator[str]:
    build(archive)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "boligarkiv.app.cli",
            "--data-dir",
            str(archive.settings.data_dir),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "BOLIGARKIV_WRITE_TOKEN": WRITE_TOKEN},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/status", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def chromium(tmp: Path, *args: str) -> str:
    cmd = [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp}",
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env={**os.environ, "LANG": "nb_NO.UTF-8"})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def visit(tmp: Path, url: str, shot: str) -> str:
    """The DOM as the browser rendered it, and a screenshot of the page."""
    ARTIFACTS.mkdir(exist_ok=True)
    dom = chromium(tmp / "dom", "--dump-dom", url)
    chromium(tmp / "shot", f"--screenshot={ARTIFACTS / shot}", "--window-size=1280,1800", url)
    assert (ARTIFACTS / shot).stat().st_size > 10_000
    return dom


def test_search_document_kommune_and_map_in_chromium(server: str, tmp_path: Path) -> None:
    dom = visit(tmp_path, f"{server}/?q=leie+til+eie", "1-search.png")
    assert "dokumenter" in dom and "<mark>" in dom
    link = re.search(r'<a href="(/dokument/[0-9a-f]{64}#side-\d+)" class="hit-link">', dom)
    assert link, "no hit link on the search page"
    doc = visit(tmp_path, server + html.unescape(link.group(1)), "2-document.png")
    assert '<mark title="leie_til_eie">' in doc and "Boligsosial handlingsplan for Bergen" in doc
    kommune_link = re.search(r'<a href="(/kommune/\d{4})">', doc)
    assert kommune_link
    report = visit(tmp_path, server + kommune_link.group(1), "3-kommune.png")
    assert "Bergen kommune" in report and "leie-til-eie-modell" in report and "Sterk vekst i lånegjeld" in report
    screening = visit(tmp_path, f"{server}/screening", "4-screening-map.png")
    assert screening.count("<path ") == 357 and "Mulighetsscore" in screening
    bad = visit(tmp_path, f"{server}/?q=%C3%A5r%3Atjue", "5-search-error.png")
    assert "Ugyldig år" in bad


def test_follow_buttons_clicked_in_chromium(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(locale="nb-NO", viewport={"width": 1280, "height": 1400})
        try:
            # A kommune: the form at the top of its report.
            page.goto(f"{server}/kommune/4601")
            form = page.locator("form.follow").filter(has=page.get_by_role("button", name=re.compile("^Følg Bergen")))
            form.get_by_label("E-post").fill("analytiker@example.no")
            form.get_by_label("Token for skriving").fill(WRITE_TOKEN)
            form.get_by_role("button").click()
            page.wait_for_url(re.compile(r"/kommune/4601\?fulgt=\d+$"))
            confirmation = page.get_by_role("status")
            expect(confirmation).to_contain_text("Du følger nå dette")
            page.screenshot(path=str(ARTIFACTS / "6-follow-kommune.png"))
            feed = confirmation.get_by_role("link").get_attribute("href")
            assert feed is not None and re.fullmatch(r"/feeds/folg/\d+\.atom", feed)
            atom = httpx.get(server + feed, timeout=10)
            assert atom.status_code == 200 and "<title>Boligarkiv: 4601</title>" in atom.text

            # A signal, chosen from the kommune's signals.
            form = page.locator("form.follow").filter(
                has=page.get_by_role("button", name="Følg signalet i alle kommuner")
            )
            form.get_by_label("Hva du vil følge").select_option("leie_til_eie")
            form.get_by_label("E-post").fill("analytiker@example.no")
            form.get_by_label("Token for skriving").fill(WRITE_TOKEN)
            form.get_by_role("button").click()
            page.wait_for_url(re.compile(r"/kommune/4601\?fulgt=\d+$"))
            signal_feed = page.get_by_role("status").get_by_role("link").get_attribute("href")
            assert signal_feed and signal_feed != feed
            assert "signalet leie_til_eie" in httpx.get(server + signal_feed, timeout=10).text

            # A search, from its result page.
            page.goto(f"{server}/?q=leie+til+eie")
            form = page.locator("form.follow")
            form.get_by_label("E-post").fill("analytiker@example.no")
            form.get_by_label("Token for skriving").fill(WRITE_TOKEN)
            form.get_by_role("button", name="Følg dette søket").click()
            page.wait_for_url(re.compile(r"/\?q=leie(\+|%20)til(\+|%20)eie&fulgt=\d+$"))
            expect(page.get_by_role("status")).to_contain_text("Du følger nå søket")
            page.screenshot(path=str(ARTIFACTS / "7-follow-search.png"))

            # A wrong token: a Norwegian page that says so, and nothing followed.
            form = page.locator("form.follow")
            form.get_by_label("E-post").fill("analytiker@example.no")
            form.get_by_label("Token for skriving").fill("feil")
            form.get_by_role("button", name="Følg dette søket").click()
            expect(page.locator("body")).to_contain_text("Feil eller manglende token")
            assert page.title().startswith("Ikke logget inn")
        finally:
            browser.close()
