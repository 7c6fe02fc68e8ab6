"""Red flags from a local SSB PxWebApi v2 and a ROBEK page on 127.0.0.1, checked by hand-calculated values."""

from __future__ import annotations

import csv
import html
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import Flag, HttpCache
from flags.indicators import IndicatorConfigError, check_against_metadata, load_indicators
from flags.jsonstat import JsonStatError, parse_dataset
from flags.ssb import RateLimiter, SsbClient, SsbError
from flags.stage import run_flags

from .conftest import shared_data
from .ssbweb import SsbWeb, metadata


def robek_page() -> str:
    rows = list(csv.DictReader(shared_data("kommuner", "robek_2022-08-09_snapshot.csv").open(encoding="utf-8")))
    body = "".join(
        f"<tr><td>{html.escape(r['kommunenavn'])}</td><td>{html.escape(r['fylke_2022'])}</td>"
        f"<td>{html.escape(r['lovhjemmel_kommuneloven_28-1_bokstav'])}</td></tr>"
        for r in rows
    )
    return (
        "<html><body><h1>Kommuner som er oppført i registeret</h1><table><tr><th>Kommune</th><th>Fylke</th>"
        f"<th>Hjemmel</th></tr>{body}</table><p>Registeret er sist oppdatert 09.08.2022</p></body></html>"
    )


@pytest.fixture
def ssb(archive: Archive) -> Iterator[SsbWeb]:
    web = SsbWeb(robek_html=robek_page()).start()
    archive.settings.ssb_url = web.url
    archive.settings.robek_url = web.robek_url
    yield web
    web.stop()


def current(archive: Archive) -> dict[tuple[str, str], Flag]:
    with archive.session() as s:
        return {(f.kommune_nummer, f.indicator): f for f in s.scalars(select(Flag).where(Flag.current.is_(True)))}


def test_flags_by_hand_calculated_values(archive: Archive, ssb: SsbWeb) -> None:
    ssb.limited_once.add("13016")
    result = run_flags(archive)
    assert result["errors"] == {}
    f = current(archive)
    # Bergen: netto driftsresultat 1.9 (not below 1.75); one negative year of the last three; debt 50,000 → 56,000.
    assert (f[("4601", "netto_driftsresultat")].value, f[("4601", "netto_driftsresultat")].flagged) == (1.9, False)
    assert f[("4601", "netto_driftsresultat")].year == 2024 and f[("4601", "netto_driftsresultat")].threshold == 1.75
    assert (f[("4601", "driftsresultat_negativt")].value, f[("4601", "driftsresultat_negativt")].flagged) == (1, False)
    assert (f[("4601", "lanegjeld_vekst")].value, f[("4601", "lanegjeld_vekst")].flagged) == (12.0, True)
    assert (f[("4601", "regulering_behandlingstid")].value, f[("4601", "regulering_behandlingstid")].flagged) == (
        1200,
        True,
    )
    assert f[("4601", "innsigelse_andel")].flagged is True
    assert f[("4601", "byggesak_behandlingstid")].value == 70 and f[("4601", "byggesak_behandlingstid")].flagged is None
    assert f[("4601", "befolkning_2050")].value == round((320000 / 290000 - 1) * 100, 2)  # 10.34
    assert f[("4601", "befolkning_2050")].flagged is False and f[("4601", "befolkning_2050")].year == 2050
    assert f[("4601", "eldrebyrde")].value == 22.22 and f[("4601", "eldrebyrde")].flagged is False
    # Fauske: 0.5 % (weak), two negative years, debt +5 %, population −13.27 %, old-age dependency 52.0, on ROBEK.
    assert (f[("1841", "netto_driftsresultat")].value, f[("1841", "netto_driftsresultat")].flagged) == (0.5, True)
    assert (f[("1841", "driftsresultat_negativt")].value, f[("1841", "driftsresultat_negativt")].flagged) == (2, True)
    assert (f[("1841", "lanegjeld_vekst")].value, f[("1841", "lanegjeld_vekst")].flagged) == (5.0, False)
    assert f[("1841", "innsigelse_andel")].year == 2023  # latest year with a value
    assert (f[("1841", "befolkning_2050")].value, f[("1841", "befolkning_2050")].flagged) == (-13.27, True)
    assert (f[("1841", "eldrebyrde")].value, f[("1841", "eldrebyrde")].flagged) == (52.0, True)
    assert f[("1841", "robek")].flagged is True and f[("4601", "robek")].flagged is False
    assert f[("1841", "netto_driftsresultat")].source == "SSB tabell 12134" and f[("1841", "robek")].fetched_at


def test_renumbered_kommune_and_missing_values(archive: Archive, ssb: SsbWeb) -> None:
    run_flags(archive)
    f = current(archive)
    # Drammen: 2021–2023 are published under the old number 3005, 2024 under 3301.
    assert f[("3301", "netto_driftsresultat")].value == 2.0
    assert f[("3301", "driftsresultat_negativt")].value == 2 and f[("3301", "driftsresultat_negativt")].flagged
    assert f[("3301", "lanegjeld_vekst")].value == 15.0  # 200 (as 3005, 2023) → 230 (as 3301, 2024)
    # Oslo is in the tables but has no values: missing, not zero.
    oslo = f[("0301", "netto_driftsresultat")]
    assert oslo.missing is True and oslo.value is None and oslo.flagged is None
    # A kommune SSB's answer does not contain at all is missing too.
    assert f[("5001", "regulering_behandlingstid")].missing is True
    assert f[("3301", "regulering_behandlingstid")].missing is True  # status «..»


def test_history_is_kept_and_offline_recomputes_from_cache(archive: Archive, ssb: SsbWeb) -> None:
    run_flags(archive)
    calls_before = len(ssb.log)
    ssb.stop()  # nothing to talk to: --offline must use the cached answers
    result = run_flags(archive, offline=True)
    assert result["errors"] == {} and result["ssb_calls"] == 0
    assert len(ssb.log) == calls_before
    with archive.session() as s:
        rows = list(s.scalars(select(Flag).where(Flag.kommune_nummer == "4601", Flag.indicator == "lanegjeld_vekst")))
        assert len(rows) == 2 and sum(r.current for r in rows) == 1
        assert s.scalar(select(HttpCache.fetched_at).where(HttpCache.status == 200).limit(1)) is not None


def test_retry_after_429(archive: Archive, ssb: SsbWeb) -> None:
    ssb.limited_once.add("12134")
    run_flags(archive)
    posts = [entry for entry in ssb.log if entry[0] == "POST" and "/12134/" in entry[1]]
    assert posts[0][2] == 429 and posts[1][2] == 200
    assert posts[1][3] - posts[0][3] >= 0.95


def test_errors_are_reported_and_the_run_goes_on(archive: Archive, ssb: SsbWeb, tmp_path: Path) -> None:
    config = tmp_path / "indicators.yaml"
    config.write_text(
        "indicators:\n"
        "  - {id: malformed, label: M, table: '99999', region_var: Region, time: ['2024'], select: {ContentsCode: [X]},"
        " measure: latest, rule: {}}\n"
        "  - {id: refused, label: R, table: '55555', region_var: Region, time: ['2024'], select: {ContentsCode: [X]},"
        " measure: latest, rule: {}}\n"
        "  - {id: renamed, label: N, table: '12690', region_var: Region, time: ['2024'], select: {ContentsCode: [X]},"
        " measure: latest, rule: {}}\n"
        "  - {id: no_table, label: T, table: '11111', region_var: Region, time: ['2024'], select: {}, measure: latest,"
        " rule: {}}\n"
        "  - {id: innsigelse_andel, label: I, table: '12690', region_var: KOKkommuneregion0000, time: ['top(3)'],"
        " select: {ContentsCode: [KOSandelinnsig0000]}, measure: latest, rule: {above: 39}}\n",
        encoding="utf-8",
    )
    result = run_flags(archive, indicators_path=config)
    errors = result["errors"]
    assert "ikke er JSON" in errors["malformed"]
    assert "Missing selection for mandantory variable" in errors["refused"]
    assert "har ikke variabelen «Region»" in errors["renamed"]
    assert "404" in errors["no_table"]
    assert result["indicators"]["innsigelse_andel"]["flagged"] == 1  # the good indicator still ran


def test_cells_are_split_to_respect_the_limit(archive: Archive, ssb: SsbWeb) -> None:
    client = SsbClient(archive, ssb.url, max_cells=4)
    cells, _ = client.data(
        "12690",
        {
            "KOKkommuneregion0000": ["0301", "1841", "4601", "3301", "3005"],
            "ContentsCode": ["KOSandelinnsig0000"],
            "Tid": ["2023", "2024"],
        },
        split_on="KOKkommuneregion0000",
    )
    assert len(cells) == 10 and client.calls == 3  # 2 regions x 2 years per call
    client.close()


def test_rate_limiter_keeps_to_the_window() -> None:
    limiter = RateLimiter(max_calls=3, window=0.3)
    started = time.monotonic()
    for _ in range(7):
        limiter.wait()
    assert time.monotonic() - started >= 0.6  # calls 4–6 wait for the first window, call 7 for the second


def test_robek_csv_override_and_real_snapshot(archive: Archive, ssb: SsbWeb, tmp_path: Path) -> None:
    snapshot = shared_data("kommuner", "robek_2022-08-09_snapshot.csv")
    result = run_flags(archive, robek_csv=snapshot, indicators_path=_empty_config(tmp_path))
    assert result["indicators"]["robek"]["flagged"] == 14
    f = current(archive)
    assert f[("1841", "robek")].flagged and f[("1841", "robek")].source.startswith("ROBEK (overstyring")
    with snapshot.open(encoding="utf-8") as fh:
        expected = {r["kommunenummer_2024"] for r in csv.DictReader(fh)}
    assert {k for (k, i), fl in f.items() if i == "robek" and fl.flagged} == expected


def _empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "none.yaml"
    path.write_text("indicators: []\n", encoding="utf-8")
    return path


def test_jsonstat_parser_on_real_answers() -> None:
    data = json.loads(shared_data("ssb", "pxwebapi_v2_ssb_data_14700.json").read_text())
    ids, _dims, cells = parse_dataset(data)
    assert ids == ["VareTjenesteGrp", "ContentsCode", "Tid"] and len(cells) == 6
    assert cells[0].codes == {"VareTjenesteGrp": "00", "ContentsCode": "KpiIndMnd", "Tid": "2026M05"}
    assert cells[0].value == 103.0
    laks = json.loads(shared_data("ssb", "pxwebapi_v2_data_03024_laks_jsonstat2.json").read_text())
    assert len(parse_dataset(laks)[2]) == 192
    sparse = {
        "class": "dataset",
        "id": ["a", "b"],
        "size": [1, 2],
        "dimension": {"a": {"category": {"index": ["x"]}}, "b": {"category": {"index": {"p": 0, "q": 1}}}},
        "value": {"0": 5},
        "status": {"1": ".."},
    }
    assert [(c.value, c.status) for c in parse_dataset(sparse)[2]] == [(5.0, None), (None, "..")]
    with pytest.raises(JsonStatError):
        parse_dataset(
            {"class": "dataset", "id": ["a"], "size": [2], "dimension": {"a": {"category": {"index": ["x"]}}}}
        )
    error = json.loads(shared_data("ssb", "pxwebapi_v2_ssb_error_400.json").read_text())
    with pytest.raises(JsonStatError):
        parse_dataset(error)


def test_metadata_check_on_real_metadata() -> None:
    from flags.ssb import metadata_codes

    meta = metadata_codes(json.loads(shared_data("ssb", "pxwebapi_v2_ssb_meta_07459.json").read_text()))
    eldre = next(i for i in load_indicators() if i.id == "eldrebyrde")
    check_against_metadata(eldre, meta)  # the shipped configuration fits SSB's real 07459
    assert meta["Region"]["3005"] == "Drammen (2020-2023)"
    broken = eldre.__class__(**{**eldre.__dict__, "select": {"ContentsCode": ["Folkemengde"]}})
    with pytest.raises(IndicatorConfigError, match="har ikke koden «Folkemengde»"):
        check_against_metadata(broken, meta)


def test_offline_without_cache_is_a_clear_error(archive: Archive) -> None:
    client = SsbClient(archive, "http://127.0.0.1:9/api", offline=True)
    with pytest.raises(SsbError, match="ingen lagret SSB-respons"):
        client.metadata("12134")


def test_server_metadata_matches_shipped_config() -> None:
    from flags.ssb import metadata_codes

    for ind in load_indicators():
        check_against_metadata(ind, metadata_codes(metadata(ind.table)))


def test_flags_command(archive: Archive, ssb: SsbWeb, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from boligarkiv.cli import EXIT_PARTIAL, app

    env = {"BOLIGARKIV_SSB_URL": ssb.url, "BOLIGARKIV_ROBEK_URL": ssb.robek_url}
    d = str(archive.settings.data_dir)
    out = CliRunner().invoke(app, ["--data-dir", d, "flags", "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["indicators"]["robek"]["flagged"] == 14 and data["errors"] == {}
    ssb.stop()
    offline = CliRunner().invoke(app, ["--data-dir", d, "flags", "--offline", "--format", "json"], env=env)
    assert offline.exit_code == 0 and json.loads(offline.stdout)["ssb_calls"] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "indicators:\n  - {id: x, label: X, table: '12134', region_var: Region, select: {}, measure: latest,"
        " rule: {}}\n",
        encoding="utf-8",
    )
    partial = CliRunner().invoke(app, ["--data-dir", d, "flags", "--offline", "--indicators", str(bad)], env=env)
    assert partial.exit_code == EXIT_PARTIAL and "x:" in partial.output
