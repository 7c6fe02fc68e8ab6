from pathlib import Path

import pytest

from boligarkiv.seeds import SeedsError, read_seeds, select_seeds
from boligarkiv.settings import DEFAULT_SEEDS

from .conftest import shared_data

HEADER = "kommunenummer,navn,fylkesnummer,fylke,nettside,ekstra_urler,tidligere_nummer\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_bundled_seeds_match_shared_kommune_list() -> None:
    import csv

    seeds = read_seeds(DEFAULT_SEEDS)
    assert len(seeds) == 357
    source = {r["kommunenummer"]: r for r in csv.DictReader(shared_data("kommuner", "kommuner_2024.csv").open())}
    assert {s.nummer for s in seeds} == set(source)
    for s in seeds:
        assert s.nettside == source[s.nummer]["nettside"]
        assert s.fylke == source[s.nummer]["fylkesnavn"]
    drammen = next(s for s in seeds if s.navn == "Drammen")
    assert drammen.nummer == "3301" and drammen.tidligere_nummer == ("3005",)
    hamaroy = next(s for s in seeds if s.nummer == "1875")
    assert hamaroy.navn == "Hábmer" and hamaroy.andre_navn == ("Hamarøy",)


def test_extra_urls_and_selection(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "0301,Oslo,03,Oslo,http://127.0.0.1:8401/,http://127.0.0.1:8401/planer http://127.0.0.1:8402/,\n"
        "4601,Bergen,46,Vestland,https://www.bergen.kommune.no,,1201\n",
    )
    seeds = read_seeds(path)
    assert seeds[0].start_urls == ["http://127.0.0.1:8401/", "http://127.0.0.1:8401/planer", "http://127.0.0.1:8402/"]
    assert [s.nummer for s in select_seeds(seeds, ["bergen"])] == ["4601"]
    assert [s.nummer for s in select_seeds(seeds, ["0301", "Oslo"])] == ["0301"]
    with pytest.raises(SeedsError, match="Ukjent kommune"):
        select_seeds(seeds, ["9999"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "0301,Oslo,03,Oslo,https://oslo.kommune.no,,\n0301,Oslo2,03,Oslo,https://x.no,,\n",
            "linje 3: kommunenummer 0301 finnes allerede på linje 2",
        ),
        ("0301,Oslo,03,Oslo,ftp://oslo.kommune.no,,\n", "linje 2: ugyldig nettside-URL"),
        (
            "0301,Oslo,03,Oslo,https://oslo.kommune.no,,\n1101,Eigersund,11,Rogaland,not a url,,\n",
            "linje 3: ugyldig nettside-URL",
        ),
        ("301,Oslo,03,Oslo,https://oslo.kommune.no,,\n", "linje 2: ugyldig kommunenummer"),
        ("0301,,03,Oslo,https://oslo.kommune.no,,\n", "linje 2: tom verdi i kolonnen navn"),
        ("0301,Oslo,03,Oslo,https://oslo.kommune.no,https://ok.no htp://bad,\n", "linje 2: ugyldig URL i ekstra_urler"),
        ("0301,Oslo,03,Oslo,https://oslo.kommune.no,,,extra\n", "linje 2: flere felt"),
    ],
)
def test_bad_rows_are_refused_with_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SeedsError, match=message):
        read_seeds(write(tmp_path, body))


def test_missing_column_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "0301,Oslo,03,https://oslo.kommune.no\n", header="kommunenummer,navn,fylkesnummer,nettside\n"
    )
    with pytest.raises(SeedsError, match=r"linje 1: mangler kolonne.*fylke"):
        read_seeds(path)


def test_empty_and_absent_files(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="ingen kommuner"):
        read_seeds(write(tmp_path, ""))
    with pytest.raises(SeedsError, match="Fant ikke"):
        read_seeds(tmp_path / "nope.csv")
