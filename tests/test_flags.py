"""Red flags and housing need from a local SSB in SSB's real shape (tests/ssbweb.py, built from
../shared/data/ssb), checked against values computed by hand from the server's cells."""

from __future__ import annotations

import csv
import html
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from boligarkiv.apifetch import RateLimiter, retry_after_seconds
from boligarkiv.db import Archive
from boligarkiv.flags.indicators import IndicatorConfigError, load_indicators
from boligarkiv.flags.jsonstat import JsonStatError, parse_dataset
from boligarkiv.flags.resolve import resolve
from boligarkiv.flags.ssb import SsbClient, SsbError
from boligarkiv.flags.stage import run_flags
from boligarkiv.models import Flag

from .conftest import shared_data
from .ssbweb import NAMES, SsbWeb

# The archive tests run on SQLite and on PostgreSQL (issue 18).
pytestmark = pytest.mark.engines("sqlite", "postgresql")

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 29)


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
    archive.settings.klass_url = web.klass_url
    archive.settings.robek_url = web.robek_url
    archive.settings.ssb_calls_per_minute = 10_000  # the local server has no quota; SSB's is 30
    yield web
    web.stop()


def current(archive: Archive) -> dict[tuple[str, str], Flag]:
    with archive.session() as s:
        return {(f.kommune_nummer, f.indicator): f for f in s.scalars(select(Flag).where(Flag.current.is_(True)))}


def cell(web: SsbWeb, table: str, *codes: str) -> float:
    value = web.value(web.tables[table], codes)
    assert value is not None, (table, codes)
    return value


def test_every_indicator_for_all_357_kommuner_with_context(archive: Archive, ssb: SsbWeb) -> None:
    result = run_flags(archive, today=TODAY)
    assert result["errors"] == {}, result["errors"]
    f = current(archive)
    indicators = [i.id for i in load_indicators()]
    for ind in indicators:
        assert sum(1 for (k, i) in f if i == ind) == 357, ind

    bergen = f[("4601", "netto_driftsresultat")]
    assert (bergen.value, bergen.year, bergen.flagged) == (1.5, 2025, True)  # below 1.75
    ctx = bergen.context or {}
    assert ctx["gruppe"] == {"kode": "EKG12", "verdi": 2.4}
    assert ctx["landet"] == {"kode": "EAKUO", "navn": "Landet uten Oslo", "verdi": 3.1}
    assert ctx["revidert"] is True and ctx["tabell"] == "12134" and ctx["oppdatert"].startswith("2026-06-15")
    assert ctx["koder"]["ContentsCode"] == ["KOSAGD230000"]
    assert ctx["etiketter"]["ContentsCode"]["KOSAGD230000"].startswith("Netto driftresultat")
    assert any("KOSTRA-gruppering" in n for n in ctx["merknader"])  # SSB's note travels with the flag

    fauske = f[("1841", "driftsresultat_negativt")]  # 2023 −2.0, 2024 −0.7, 2025 0.5
    assert (fauske.value, fauske.flagged) == (2.0, True)
    # Drammen was 3005 until 2024: its old number's 2023 value counts for 3301.
    drammen = f[("3301", "driftsresultat_negativt")]  # 2023 −0.3 (as 3005), 2024 −1.1, 2025 2.0
    assert (drammen.value, drammen.flagged) == (2.0, True)
    assert f[("3301", "netto_driftsresultat")].value == 2.0

    growth = f[("4601", "lanegjeld_vekst")]  # netto lånegjeld 100 → 112 % of BDI (12143, KG31)
    assert (growth.value, growth.flagged) == (12.0, True)
    assert (growth.context or {})["gruppe"]["verdi"] == 5.0 and (growth.context or {})["landet"]["verdi"] == 10.0
    assert (growth.context or {})["koder"]["KOKartkap0000"] == ["KG31"]
    assert f[("4601", "netto_lanegjeld")].value == 112.0

    pop = f[("1841", "befolkning_2050")]  # 14746 (the 2026 round), main alternative: 9 800 → 9 310
    assert (pop.value, pop.year, pop.flagged) == (-5.0, 2050, True)
    assert (pop.context or {})["tabell"] == "14746" and (pop.context or {})["koder"]["ContentsCode"] == ["Personer"]
    assert f[("4601", "befolkning_2050")].value == 10.0 and (pop.context or {})["landet"]["verdi"] == 10.0

    plan = f[("4601", "regulering_behandlingstid")]  # 14304 stopped in 2023: no stale numbers
    assert plan.missing and plan.value is None and (plan.context or {})["status"] == "ingen gjeldende tabell"

    ages = [f"{a:03d}" for a in range(105)] + ["105+"]

    def people(kommune: str, lo: int, hi: int) -> float:
        return sum(
            cell(ssb, "07459", kommune, sex, age, "Personer1", "2026")
            for sex in ("1", "2")
            for age in ages
            if lo <= int(age.rstrip("+")) <= hi
        )

    eldre = f[("4601", "eldrebyrde")]
    assert eldre.value == round(100 * people("4601", 67, 200) / people("4601", 20, 66), 2)
    folk = people("4601", 0, 200)
    assert f[("4601", "folkemengde")].value == round(folk, 4)
    quarters = ["2025K3", "2025K4", "2026K1", "2026K2"]
    started = sum(cell(ssb, "05889", "4601", "111-199", "Igangsatte", q) for q in quarters)
    assert f[("4601", "igangsatte_per_1000")].value == round(started / folk * 1000, 2)
    assert f[("4601", "leie_andel")].value == cell(ssb, "11084", "4601", "4", "HusholdningProsent", "2025")
    # Suppressed kvadratmeterpris stays missing, never 0.
    suppressed = [k for k in NAMES if ssb.value(ssb.tables["14545"], (k, "00", "KvPris", "2025")) is None]
    assert suppressed and all(f[(k, "kvadratmeterpris")].missing for k in suppressed)
    assert (f[("4601", "kommunale_boliger_per_1000")].context or {})["gruppe"]["kode"] == "EKG12"


def test_a_renamed_code_with_the_same_label_changes_nothing(archive: Archive, ssb: SsbWeb) -> None:
    run_flags(archive, today=TODAY)
    before = {k: (f.value, f.year) for k, f in current(archive).items()}
    ssb.renames[("12134", "ContentsCode", "KOSAGD230000")] = "KOSAGD230001"
    ssb.renames[("14746", "ContentsCode", "Personer")] = "PersonerMMMM"
    result = run_flags(archive, today=TODAY)
    assert result["errors"] == {}
    after = current(archive)
    assert {k: (f.value, f.year) for k, f in after.items()} == before
    assert (after[("4601", "netto_driftsresultat")].context or {})["koder"]["ContentsCode"] == ["KOSAGD230001"]


def test_a_label_that_matches_two_codes_stops_that_indicator_naming_both(archive: Archive, ssb: SsbWeb) -> None:
    ssb.relabels[("12134", "ContentsCode", "KOSAGD290000")] = (
        "Netto driftsresultat i prosent av brutto driftsinntekter, korrigert"
    )
    result = run_flags(archive, today=TODAY)
    message = result["errors"]["netto_driftsresultat"]
    assert "KOSAGD230000" in message and "KOSAGD290000" in message
    assert "driftsresultat_negativt" in result["errors"]  # same pattern, same table
    assert "lanegjeld_vekst" not in result["errors"] and ("4601", "lanegjeld_vekst") in current(archive)


def test_search_picks_the_current_projection_round(archive: Archive, ssb: SsbWeb) -> None:
    client = SsbClient(archive, ssb.url)
    from boligarkiv.flags.resolve import choose_table

    ind = next(i for i in load_indicators() if i.id == "befolkning_2050")
    found = client.search(ind.search["query"])
    assert {t["id"] for t in found} >= {"14288", "14746"}
    assert choose_table(ind, found, TODAY)["id"] == "14746"
    client.close()


def test_unrevised_kostra_figures_are_marked(archive: Archive, ssb: SsbWeb) -> None:
    ssb.tables["12134"].updated = "2026-03-16T06:00:00Z"  # between 15 March and 15 June
    run_flags(archive, today=TODAY)
    f = current(archive)
    assert (f[("4601", "netto_driftsresultat")].context or {})["revidert"] is False
    assert (f[("4601", "befolkning_2050")].context or {})["revidert"] is None  # not a KOSTRA table


def test_offline_recomputes_from_the_cache_and_history_is_kept(archive: Archive, ssb: SsbWeb) -> None:
    run_flags(archive, today=TODAY)
    first = {k: f.value for k, f in current(archive).items()}
    ssb.stop()
    result = run_flags(archive, offline=True, today=TODAY)
    assert result["errors"] == {} and result["ssb_calls"] == 0
    assert {k: f.value for k, f in current(archive).items()} == first
    with archive.session() as s:
        assert s.query(Flag).filter_by(kommune_nummer="4601", indicator="eldrebyrde").count() == 2


def test_429_honours_retry_after(archive: Archive, ssb: SsbWeb) -> None:
    ssb.fail_next.append((429, {"Retry-After": "1"}, '{"title": "Too many requests", "status": 429}'))
    client = SsbClient(archive, ssb.url, backoff=0.01)
    started = time.monotonic()
    client.metadata("12134")
    assert time.monotonic() - started >= 1.0
    assert [s for _, _, s in ssb.log[-2:]] == [429, 200]
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0 and retry_after_seconds("2") == 2.0
    client.close()


def test_ssb_errors_in_their_real_shape(archive: Archive, ssb: SsbWeb) -> None:
    client = SsbClient(archive, ssb.url)
    with pytest.raises(SsbError, match="Missing selection for mandantory variable"):
        client.data("12134", {"ContentsCode": ["KOSAGD230000"], "Tid": ["2025"]}, "ContentsCode")
    ssb.max_cells = 100_000  # SSB's limit is 800,000; smaller here so a request can exceed it cheaply
    everything = {"Region": ["*"], "Alder": ["*"], "ContentsCode": ["*"], "Tid": ["*"]}
    with pytest.raises(SsbError, match="Too many cells selected"):
        SsbClient(archive, ssb.url, max_cells=10_000_000).data("07459", everything, "ContentsCode")
    # Within the limit the client splits the region list into calls of at most max_cells.
    regions = sorted(NAMES)
    splitter = SsbClient(archive, ssb.url, max_cells=50_000)
    cells, _ = splitter.data(
        "07459",
        {
            "Region": regions,
            "Alder": list(ssb.tables["07459"].var("Alder").codes),
            "ContentsCode": ["Personer1"],
            "Tid": ["2025", "2026"],
        },
        "Region",
    )
    assert len(cells) == len(regions) * 106 * 2 and splitter.calls == 2  # 75,684 cells in two calls
    splitter.close()
    client.close()


def test_no_network_ends_within_30_seconds_with_one_sentence(archive: Archive) -> None:
    env = {
        "BOLIGARKIV_SSB_URL": "http://127.0.0.1:9/api/pxwebapi/v2",  # nothing listens: connection refused
        "BOLIGARKIV_KLASS_URL": "http://127.0.0.1:9/api/klass/v1",
        "BOLIGARKIV_ROBEK_URL": "http://127.0.0.1:9/robek",
        "BOLIGARKIV_DATABASE_URL": archive.settings.database_url or "",  # the same archive on either engine
    }
    import os

    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "boligarkiv.app.cli", "--data-dir", str(archive.settings.data_dir), "flags"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        cwd=ROOT,
    )
    assert time.monotonic() - started < 30
    assert out.returncode == 5, out.stderr
    assert "Får ikke kontakt med SSB" in out.stdout + out.stderr and "Traceback" not in out.stderr


def test_offline_without_cache_says_what_to_run(archive: Archive) -> None:
    client = SsbClient(archive, "http://127.0.0.1:9/api", offline=True)
    with pytest.raises(SsbError, match="kjør uten --offline"):
        client.metadata("12134")


def test_shipped_configuration_resolves_on_real_metadata() -> None:
    meta = json.loads(shared_data("ssb", "pxwebapi_v2_ssb_meta_07459.json").read_text())
    eldre = next(i for i in load_indicators() if i.id == "eldrebyrde")
    res = resolve(eldre, meta)  # SSB's real 07459 (lang=en): Region by its geo role, Persons by label
    assert res.region_var == "Region" and res.selection["ContentsCode"] == ["Personer1"]
    assert len(res.selection["Alder"]) == 106 and "Kjonn" not in res.selection  # eliminable: summed by SSB
    assert res.national == "0" and not res.kostra
    broken = eldre.__class__(**{**eldre.__dict__, "measure": "^folkemengde$"})
    with pytest.raises(IndicatorConfigError, match="Personer1 «Persons»"):
        resolve(broken, meta)


def test_rate_limiter_keeps_to_the_window() -> None:
    limiter = RateLimiter(max_calls=3, window=0.3)
    started = time.monotonic()
    for _ in range(7):
        limiter.wait()
    assert time.monotonic() - started >= 0.6  # calls 4–6 wait for the first window, call 7 for the second


def test_robek_csv_override_and_real_snapshot(archive: Archive, ssb: SsbWeb, tmp_path: Path) -> None:
    snapshot = shared_data("kommuner", "robek_2022-08-09_snapshot.csv")
    empty = tmp_path / "none.yaml"
    empty.write_text("indicators: []\n", encoding="utf-8")
    result = run_flags(archive, robek_csv=snapshot, indicators_path=empty)
    assert result["indicators"]["robek"]["flagged"] == 14
    f = current(archive)
    assert f[("1841", "robek")].flagged and f[("1841", "robek")].source.startswith("ROBEK (overstyring")
    with snapshot.open(encoding="utf-8") as fh:
        expected = {r["kommunenummer_2024"] for r in csv.DictReader(fh)}
    assert {k for (k, i), fl in f.items() if i == "robek" and fl.flagged} == expected


def test_jsonstat_parser_on_real_answers() -> None:
    data = json.loads(shared_data("ssb", "pxwebapi_v2_ssb_data_14700.json").read_text())
    ids, _dims, cells = parse_dataset(data)
    assert ids == ["VareTjenesteGrp", "ContentsCode", "Tid"] and len(cells) == 6
    assert cells[0].codes == {"VareTjenesteGrp": "00", "ContentsCode": "KpiIndMnd", "Tid": "2026M05"}
    assert cells[0].value == 103.0
    laks = json.loads(shared_data("ssb", "pxwebapi_v2_data_03024_laks_jsonstat2.json").read_text())
    assert len(parse_dataset(laks)[2]) == 192
    error = json.loads(shared_data("ssb", "pxwebapi_v2_ssb_error_400.json").read_text())
    with pytest.raises(JsonStatError):
        parse_dataset(error)


def test_kommune_report_shows_group_national_revised_threshold_and_source(archive: Archive, ssb: SsbWeb) -> None:
    from boligarkiv.report.data import kommune_report
    from boligarkiv.report.render import kommune_markdown

    run_flags(archive, today=TODAY)
    r = kommune_report(archive, "4601")
    assert r is not None
    row = next(x for x in r["flagg"] if x["indikator"] == "netto_driftsresultat")
    assert (row["gruppe_verdi"], row["landet_verdi"], row["revidert"]) == (2.4, 3.1, "revidert")
    md = kommune_markdown(r)
    assert (
        "| Svakt netto driftsresultat | 2025 | 1,5 | 2,4 (EKG12) | 3,1 (Landet uten Oslo) | revidert | 1,75 | ja |"
        in md
    )
    assert "SSB tabell 12134" in md and "ingen gjeldende tabell" in md


def test_need_indicators_are_screening_columns_and_map_layers(archive: Archive, ssb: SsbWeb) -> None:
    from boligarkiv.report.data import screening
    from boligarkiv.report.render import screening_columns, screening_map

    run_flags(archive, today=TODAY)
    rows = screening(archive)
    bergen = next(r for r in rows if r["nummer"] == "4601")
    assert bergen["leie_andel"] == cell(ssb, "11084", "4601", "4", "HusholdningProsent", "2025")
    assert "kvadratmeterpris" in screening_columns() and "igangsatte_per_1000" in screening_columns()
    svg = screening_map(rows, "leie_andel")
    assert "Kart: Behov: Andel husholdninger som leier" in svg
