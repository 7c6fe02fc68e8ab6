"""The flags stage: fetch SSB indicators and the ROBEK list, compute red flags, keep history.

Every flag row keeps kommune, indicator, year, value, threshold, flagged, source table and fetch time. A
new run marks the previous rows of the same kommune and indicator as not current; nothing is deleted. A
kommune SSB has no value for gets a row with `missing=True` and no value, never a zero. A failing indicator
(SSB error, malformed answer, configuration that no longer fits the table) is reported and the run goes on.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from boligarkiv.apifetch import ApiFetcher, GaveUp, HttpStatus, NotCached, Unreachable
from boligarkiv.db import Archive, stamp_stage
from boligarkiv.flags import robek
from boligarkiv.flags.indicators import (
    CONFIG,
    Indicator,
    IndicatorConfigError,
    load_indicators,
    measure,
    series_by_region,
)
from boligarkiv.flags.resolve import NoCurrentTable, choose_table, resolve
from boligarkiv.flags.ssb import SsbClient, SsbError, SsbUnreachable
from boligarkiv.kommunenavn import KommuneMatcher, KommuneRef
from boligarkiv.models import Flag, Kommune, utcnow

FLAGS_VERSION = "flags-2"
NATIONAL_NAMES = {"EAKUO": "Landet uten Oslo", "EAK": "Landet", "0": "Hele landet"}


def _write(archive: Archive, indicator: str, rows: list[dict[str, Any]]) -> None:
    with archive.session() as s:
        nummers = [r["kommune_nummer"] for r in rows]
        s.execute(
            update(Flag)
            .where(Flag.indicator == indicator, Flag.kommune_nummer.in_(nummers), Flag.current.is_(True))
            .values(current=False)
        )
        s.add_all(Flag(indicator=indicator, current=True, **r) for r in rows)


def run_flags(
    archive: Archive,
    *,
    offline: bool = False,
    indicators_path: Path = CONFIG,
    robek_csv: Path | None = None,
    robek_url: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    settings = archive.settings
    today = today or date.today()
    with archive.session() as s:
        kommuner = list(s.scalars(select(Kommune).order_by(Kommune.nummer)))
    if not kommuner:
        raise SsbError("arkivet har ingen kommuner (kjør boligarkiv init)")
    current = {k.nummer for k in kommuner}
    code_to_kommune = {k.nummer: k.nummer for k in kommuner}
    for k in kommuner:
        for old in k.tidligere_nummer or []:
            code_to_kommune.setdefault(old, k.nummer)
    client = SsbClient(archive, settings.ssb_url, offline=offline, max_calls=settings.ssb_calls_per_minute)
    metas: dict[str, dict[str, Any]] = {}
    searches: dict[str, list[dict[str, Any]]] = {}
    groups: dict[str, str] | None = None
    values: dict[str, dict[str, float | None]] = {}  # indicator → region → value, for per_1000_of
    summary: dict[str, Any] = {"indicators": {}, "errors": {}}
    try:
        for ind in load_indicators(indicators_path):
            try:
                table_id = ind.table
                if ind.search:
                    query = ind.search["query"]
                    if query not in searches:
                        searches[query] = client.search(query)
                    table_id = str(choose_table(ind, searches[query], today)["id"])
                assert table_id is not None
                if table_id not in metas:
                    metas[table_id] = client.metadata(table_id)
                res = resolve(ind, metas[table_id])
                if res.kostra and groups is None:
                    try:
                        groups = client.kostra_groups(settings.klass_url, today.isoformat())
                    except SsbUnreachable:
                        raise
                    except SsbError as exc:
                        groups = {}
                        summary["errors"]["kostragrupper"] = str(exc)
                extra = [res.national] if res.national else []
                if res.kostra and groups:
                    extra += sorted({g for g in groups.values() if g in res.region_codes})
                regions = [c for c in code_to_kommune if c in res.region_codes] + extra
                cells, cached_at = client.data(res.table, {res.region_var: regions, **res.selection}, res.region_var)
                series = series_by_region(ind, cells, res.region_var, res.time_var, code_to_kommune, current)
            except NoCurrentTable as exc:
                _write(archive, ind.id, [_no_table_row(k.nummer, ind, str(exc)) for k in kommuner])
                summary["indicators"][ind.id] = {"status": "ingen gjeldende tabell"}
                continue
            except SsbUnreachable as exc:
                summary["errors"]["ssb"] = str(exc)
                break
            except (SsbError, IndicatorConfigError) as exc:
                summary["errors"][ind.id] = str(exc)
                continue
            computed = {region: measure(ind, s) for region, s in series.items()}
            if ind.per_1000_of:
                base = values.get(ind.per_1000_of, {})
                computed = {
                    r: (round(v / base[r] * 1000, 2) if v is not None and base.get(r) else None, y)
                    for r, (v, y) in computed.items()
                }
            values[ind.id] = {r: v for r, (v, _) in computed.items()}
            fetched_at = cached_at or utcnow()
            described = res.describe()
            national = res.national
            rows = []
            for k in kommuner:
                value, year = computed.get(k.nummer, (None, None))
                group = (groups or {}).get(k.nummer) if res.kostra else None
                context = {
                    **described,
                    "tema": ind.theme,
                    "enhet": ind.unit,
                    "revidert": res.revised(year),
                    "gruppe": {"kode": group, "verdi": computed.get(group, (None, None))[0]} if group else None,
                    "landet": {
                        "kode": national,
                        "navn": NATIONAL_NAMES.get(national, national),
                        "verdi": computed.get(national, (None, None))[0],
                    }
                    if national
                    else None,
                    "status": None,
                }
                rows.append(
                    {
                        "kommune_nummer": k.nummer,
                        "year": year,
                        "value": value,
                        "threshold": ind.threshold,
                        "flagged": ind.flagged(value),
                        "missing": value is None,
                        "source": f"SSB tabell {res.table}",
                        "fetched_at": fetched_at,
                        "context": context,
                    }
                )
            _write(archive, ind.id, rows)
            summary["indicators"][ind.id] = {
                "table": res.table,
                "flagged": sum(1 for r in rows if r["flagged"]),
                "missing": sum(1 for r in rows if r["missing"]),
            }
    finally:
        client.close()
    try:
        summary["indicators"]["robek"] = run_robek(
            archive, kommuner, offline=offline, csv_path=robek_csv, url=robek_url or settings.robek_url
        )
    except (robek.RobekError, SsbError, OSError) as exc:
        summary["errors"]["robek"] = str(exc)
    stamp_stage(archive, "flags", FLAGS_VERSION)
    summary["ssb_calls"] = client.calls
    return summary


ROBEK_NOT_CACHED = "ingen lagret ROBEK-side (kjør uten --offline først, eller bruk --robek-csv)"
ROBEK_UNREACHABLE = "Får ikke kontakt med regjeringen.no for ROBEK-listen; bruk --robek-csv eller kjør --offline."


def _no_table_row(nummer: str, ind: Indicator, message: str) -> dict[str, Any]:
    return {
        "kommune_nummer": nummer,
        "year": None,
        "value": None,
        "threshold": ind.threshold,
        "flagged": None,
        "missing": True,
        "source": "SSB (ingen gjeldende tabell)",
        "fetched_at": utcnow(),
        "context": {"tema": ind.theme, "enhet": ind.unit, "status": "ingen gjeldende tabell", "melding": message},
    }


def run_robek(
    archive: Archive, kommuner: list[Kommune], *, offline: bool, csv_path: Path | None, url: str
) -> dict[str, int]:
    matcher = KommuneMatcher(
        [
            KommuneRef(k.nummer, k.navn, k.fylke, tuple(k.tidligere_nummer or ()), tuple(k.andre_navn or ()))
            for k in kommuner
        ]
    )
    fetched_at = utcnow()
    if csv_path is not None:
        entries = robek.load_file(csv_path, matcher)
        source = f"ROBEK (overstyring: {csv_path.name})"
    else:
        fetcher = ApiFetcher(archive, offline=offline, retries=2, user_agent="Boligarkiv (flags)")
        try:
            answer = fetcher.request("GET", url)
        except NotCached as exc:
            raise robek.RobekError(
                "ingen lagret ROBEK-side (kjør uten --offline først, eller bruk --robek-csv)"
            ) from exc
        except Unreachable as exc:
            raise robek.RobekError(ROBEK_UNREACHABLE) from exc
        except (HttpStatus, GaveUp) as exc:
            raise robek.RobekError(f"regjeringen.no svarte ikke med ROBEK-listen ({exc})") from exc
        finally:
            fetcher.close()
        page = answer.text
        fetched_at = answer.fetched_at or fetched_at
        entries = robek.parse_html(page, matcher)
        source = "ROBEK (regjeringen.no)"
    listed = {e.kommunenummer for e in entries}
    year = date.today().year
    _write(
        archive,
        "robek",
        [
            {
                "kommune_nummer": k.nummer,
                "year": year,
                "value": 1.0 if k.nummer in listed else 0.0,
                "threshold": 1.0,
                "flagged": k.nummer in listed,
                "missing": False,
                "source": source,
                "fetched_at": fetched_at,
            }
            for k in kommuner
        ],
    )
    return {"flagged": len(listed), "missing": 0}
