"""From an indicator's configuration and SSB's own description of a table to a concrete data request.

Tables are named by id or found by search; variables by role; codes by label. Nothing is assumed about a
code's id, so SSB renaming a code changes nothing, while a label that no longer picks exactly one code
stops the indicator with the candidates named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from boligarkiv.flags.indicators import EXPRESSION, Indicator, IndicatorConfigError

NATIONAL_CODES = ("EAKUO", "0")  # KOSTRA «Landet uten Oslo»; elsewhere «Hele landet»
GROUP_CODE = re.compile(r"^EKG\d\d$")


class NoCurrentTable(IndicatorConfigError):
    """The series has no table that is still updated: show «ingen gjeldende tabell», not stale numbers."""


@dataclass
class Resolved:
    table: str
    table_label: str
    updated: str
    region_var: str
    time_var: str
    selection: dict[str, list[str]]  # every variable but the region: codes or SSB expressions
    labels: dict[str, dict[str, str]]  # the chosen codes with their labels, per variable
    region_codes: set[str]
    notes: list[str] = field(default_factory=list)

    @property
    def kostra(self) -> bool:
        return self.region_var.startswith("KOK")

    @property
    def national(self) -> str | None:
        return next((c for c in NATIONAL_CODES if c in self.region_codes), None)

    def revised(self, year: int | None) -> bool | None:
        """KOSTRA publishes unrevised figures for the last year on 15 March and revised ones on 15 June; the API
        does not mark them, so only the table's `updated` tells. None outside KOSTRA."""
        if not self.kostra or year is None:
            return None
        try:
            updated = date.fromisoformat(self.updated[:10])
        except ValueError:
            return None
        unrevised_window = date(updated.year, 3, 15) <= updated < date(updated.year, 6, 15)
        return not (year == updated.year - 1 and unrevised_window)

    def describe(self) -> dict[str, Any]:
        return {
            "tabell": self.table,
            "tittel": self.table_label,
            "oppdatert": self.updated,
            "koder": {var: list(codes) for var, codes in self.labels.items()},
            "etiketter": self.labels,
            "merknader": self.notes,
        }


def choose_table(ind: Indicator, found: list[dict[str, Any]], today: date | None = None) -> dict[str, Any]:
    """The current table among search results: titles matching the pattern, the latest last period first,
    then the latest first period and update (a new projection round replaces the old table)."""
    pattern = re.compile(ind.search.get("title", ""), re.IGNORECASE)
    candidates = [t for t in found if pattern.search(t.get("label", "")) and not t.get("discontinued")]
    if not candidates:
        labels = "; ".join(t.get("label", t.get("id", "?")) for t in found[:10]) or "ingen"
        raise IndicatorConfigError(f"{ind.id}: søket «{ind.search.get('query')}» fant ingen passende tabell ({labels})")
    best = max(candidates, key=lambda t: (t.get("lastPeriod", ""), t.get("firstPeriod", ""), t.get("updated", "")))
    if ind.current_within is not None:
        last = _year(best.get("lastPeriod", ""))
        this_year = (today or date.today()).year
        if last is None or last < this_year - ind.current_within:
            raise NoCurrentTable(
                f"{ind.id}: ingen gjeldende tabell (nyeste er {best.get('label', best['id'])}, siste periode "
                f"{best.get('lastPeriod', '?')})"
            )
    return best


def resolve(ind: Indicator, meta: dict[str, Any]) -> Resolved:
    dims: dict[str, Any] = meta["dimension"]
    role: dict[str, list[str]] = meta.get("role") or {}
    ids: list[str] = list(meta["id"])
    table = str(meta.get("extension", {}).get("px", {}).get("tableid") or meta.get("label", "").split(":")[0])
    region_var = _region_var(ids, role)
    time_var = (role.get("time") or ["Tid"])[0]
    metric_var = (role.get("metric") or ["ContentsCode"])[0]
    if region_var is None:
        raise IndicatorConfigError(f"{ind.id}: tabell {table} har ingen regionvariabel (variabler: {', '.join(ids)})")
    unknown = set(ind.breakdowns) - set(ids)
    if unknown:
        raise IndicatorConfigError(
            f"{ind.id}: tabell {table} har ikke variabelen {', '.join(sorted(unknown))} (har: {', '.join(ids)})"
        )
    selection: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    for var in ids:
        if var in (region_var, time_var):
            continue
        codes = _codes(dims[var])
        if var == metric_var:
            pattern = ind.measure
        elif var in ind.breakdowns:
            pattern = ind.breakdowns[var]
        elif dims[var].get("extension", {}).get("elimination", False):
            continue  # left out: SSB sums over it
        elif len(codes) == 1:
            pattern = "*"
        else:
            shown = ", ".join(f"{c} «{lab}»" for c, lab in list(codes.items())[:8])
            raise IndicatorConfigError(
                f"{ind.id}: variabelen {var} i tabell {table} kan ikke utelates; velg med breakdowns (blant: {shown})"
            )
        chosen = _by_label(ind, table, var, codes, pattern)
        selection[var] = list(chosen)
        labels[var] = chosen
    times = _codes(dims[time_var])
    for t in ind.time:
        if not EXPRESSION.match(t) and t not in times:
            raise IndicatorConfigError(f"{ind.id}: tabell {table} har ikke perioden {t} (siste: {list(times)[-1]})")
    selection[time_var] = list(ind.time)
    notes = [str(n) for n in (meta.get("note") or [])]
    return Resolved(
        table=table,
        table_label=str(meta.get("label", table)),
        updated=str(meta.get("updated", "")),
        region_var=region_var,
        time_var=time_var,
        selection=selection,
        labels=labels,
        region_codes=set(_codes(dims[region_var])),
        notes=notes,
    )


def _region_var(ids: list[str], role: dict[str, list[str]]) -> str | None:
    if role.get("geo"):
        return role["geo"][0]
    for var in ids:
        if var.startswith("KOK") and "region" in var.lower():
            return var
    return "Region" if "Region" in ids else None


def _codes(dim: dict[str, Any]) -> dict[str, str]:
    cat = dim["category"]
    index = cat.get("index") or {}
    order = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
    labels = cat.get("label") or {}
    return {c: str(labels.get(c, c)) for c in order}


def _by_label(ind: Indicator, table: str, var: str, codes: dict[str, str], pattern: str) -> dict[str, str]:
    if pattern == "*":
        return dict(codes)
    rx = re.compile(pattern, re.IGNORECASE)
    hits = {c: lab for c, lab in codes.items() if rx.search(lab)}
    if len(hits) == 1:
        return hits
    if not hits:
        shown = "; ".join(f"{c} «{lab}»" for c, lab in list(codes.items())[:12])
        raise IndicatorConfigError(
            f"{ind.id}: ingen kode i {var} (tabell {table}) har en etikett som passer «{pattern}»; kandidater: {shown}"
        )
    shown = "; ".join(f"{c} «{lab}»" for c, lab in hits.items())
    raise IndicatorConfigError(
        f"{ind.id}: flere koder i {var} (tabell {table}) passer «{pattern}»: {shown}; gjør mønsteret strengere"
    )


def _year(period: str) -> int | None:
    m = re.match(r"^(\d{4})", period or "")
    return int(m.group(1)) if m else None
