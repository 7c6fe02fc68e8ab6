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

import httpx
from sqlalchemy import select, update

from boligarkiv.db import Archive, stamp_stage
from boligarkiv.models import Flag, HttpCache, Kommune, utcnow
from crawler.attribution import KommuneMatcher, KommuneRef
from flags import robek
from flags.indicators import (
    CONFIG,
    IndicatorConfigError,
    check_against_metadata,
    load_indicators,
    measure,
    series_by_kommune,
)
from flags.ssb import SsbClient, SsbError, metadata_codes

FLAGS_VERSION = "flags-1"


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
) -> dict[str, Any]:
    settings = archive.settings
    with archive.session() as s:
        kommuner = list(s.scalars(select(Kommune).order_by(Kommune.nummer)))
    if not kommuner:
        raise SsbError("arkivet har ingen kommuner (kjør boligarkiv init)")
    current = {k.nummer for k in kommuner}
    code_to_kommune = {k.nummer: k.nummer for k in kommuner}
    for k in kommuner:
        for old in k.tidligere_nummer or []:
            code_to_kommune.setdefault(old, k.nummer)
    client = SsbClient(archive, settings.ssb_url, offline=offline)
    metadata: dict[str, dict[str, dict[str, str]]] = {}
    summary: dict[str, Any] = {"indicators": {}, "errors": {}}
    try:
        for ind in load_indicators(indicators_path):
            try:
                if ind.table not in metadata:
                    metadata[ind.table] = metadata_codes(client.metadata(ind.table))
                codes = metadata[ind.table]
                check_against_metadata(ind, codes)
                regions = [c for c in code_to_kommune if c in codes[ind.region_var]]
                selection = {ind.region_var: regions, ind.time_var: list(ind.time)}
                for var, wanted in ind.select.items():
                    selection[var] = list(codes[var]) if wanted == ["*"] else wanted
                cells, cached_at = client.data(ind.table, selection, split_on=ind.region_var)
                series = series_by_kommune(ind, cells, code_to_kommune, current)
            except (SsbError, IndicatorConfigError) as exc:
                summary["errors"][ind.id] = str(exc)
                continue
            fetched_at = cached_at or utcnow()
            rows = []
            for k in kommuner:
                value, year = measure(ind, series.get(k.nummer, {}))
                rows.append(
                    {
                        "kommune_nummer": k.nummer,
                        "year": year,
                        "value": value,
                        "threshold": ind.threshold,
                        "flagged": ind.flagged(value),
                        "missing": value is None,
                        "source": f"SSB tabell {ind.table}",
                        "fetched_at": fetched_at,
                    }
                )
            _write(archive, ind.id, rows)
            summary["indicators"][ind.id] = {
                "flagged": sum(1 for r in rows if r["flagged"]),
                "missing": sum(1 for r in rows if r["missing"]),
            }
    finally:
        client.close()
    try:
        summary["indicators"]["robek"] = run_robek(
            archive, kommuner, offline=offline, csv_path=robek_csv, url=robek_url or settings.robek_url
        )
    except (robek.RobekError, SsbError, httpx.HTTPError, OSError) as exc:
        summary["errors"]["robek"] = str(exc)
    stamp_stage(archive, "flags", FLAGS_VERSION)
    summary["ssb_calls"] = client.calls
    return summary


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
        key = f"GET {url}"
        if offline:
            with archive.session() as s:
                cached = s.scalars(
                    select(HttpCache)
                    .where(HttpCache.key == key, HttpCache.status == 200)
                    .order_by(HttpCache.fetched_at.desc())
                    .limit(1)
                ).first()
                if cached is None:
                    raise robek.RobekError(
                        "ingen lagret ROBEK-side (kjør uten --offline først, eller bruk --robek-csv)"
                    )
                page, fetched_at = cached.body, cached.fetched_at
        else:
            resp = httpx.get(url, timeout=60, follow_redirects=True, headers={"User-Agent": "Boligarkiv (flags)"})
            resp.raise_for_status()
            page = resp.text
            with archive.session() as s:
                s.add(HttpCache(key=key, status=resp.status_code, body=page))
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
