"""Indicator definitions (flags/indicators.yaml), their check against table metadata, and the measures."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from flags.jsonstat import Cell

CONFIG = Path(__file__).resolve().parent / "indicators.yaml"
EXPRESSION = re.compile(r"^(\*|top\(\d+(,\d+)?\)|bottom\(\d+\)|from\(.+\)|to\(.+\)|range\(.+\))$")


class IndicatorConfigError(ValueError):
    """The configuration does not fit the table as SSB describes it now."""


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    table: str
    region_var: str
    time_var: str
    time: tuple[str, ...]
    select: dict[str, list[str]]
    measure: str
    rule: dict[str, float]
    unit: str = ""
    window: int = 3
    target: str | None = None
    ratio_var: str | None = None
    numerator: dict[str, int] = field(default_factory=dict)
    denominator: dict[str, int] = field(default_factory=dict)

    @property
    def threshold(self) -> float | None:
        return next(iter(self.rule.values()), None)

    def flagged(self, value: float | None) -> bool | None:
        if value is None or not self.rule:
            return None
        if "below" in self.rule:
            return value < self.rule["below"]
        if "above" in self.rule:
            return value > self.rule["above"]
        if "at_least" in self.rule:
            return value >= self.rule["at_least"]
        raise IndicatorConfigError(f"{self.id}: unknown rule {self.rule}")


def load_indicators(path: Path = CONFIG) -> list[Indicator]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in data.get("indicators", []):
        try:
            out.append(
                Indicator(
                    id=raw["id"],
                    label=raw["label"],
                    table=str(raw["table"]),
                    region_var=raw["region_var"],
                    time_var=raw.get("time_var", "Tid"),
                    time=tuple(str(t) for t in raw.get("time", ["top(1)"])),
                    select={k: [str(c) for c in v] for k, v in (raw.get("select") or {}).items()},
                    measure=raw["measure"],
                    rule={k: float(v) for k, v in (raw.get("rule") or {}).items()},
                    unit=raw.get("unit", ""),
                    window=int(raw.get("window", 3)),
                    target=raw.get("target"),
                    ratio_var=raw.get("ratio_var"),
                    numerator=raw.get("numerator") or {},
                    denominator=raw.get("denominator") or {},
                )
            )
        except KeyError as exc:
            raise IndicatorConfigError(f"indicator {raw.get('id', '?')}: missing key {exc}") from exc
        if out[-1].measure not in ("latest", "negative_years", "growth", "change_to", "ratio"):
            raise IndicatorConfigError(f"indicator {out[-1].id}: unknown measure {out[-1].measure}")
    return out


def check_against_metadata(ind: Indicator, codes: dict[str, dict[str, str]]) -> None:
    """Fail loudly, naming the table, variable and code, when the metadata no longer has them."""
    for var in (ind.region_var, ind.time_var, *ind.select):
        if var not in codes:
            raise IndicatorConfigError(
                f"{ind.id}: tabell {ind.table} har ikke variabelen «{var}» (har: {', '.join(codes)})"
            )
    for var, wanted in [*ind.select.items(), (ind.time_var, list(ind.time))]:
        for code in wanted:
            if EXPRESSION.match(code):
                continue
            if code not in codes[var]:
                raise IndicatorConfigError(f"{ind.id}: tabell {ind.table}, variabel {var} har ikke koden «{code}»")


def _age(code: str) -> int | None:
    m = re.match(r"^(\d+)", code)
    return int(m.group(1)) if m else None


def series_by_kommune(
    ind: Indicator, cells: list[Cell], code_to_kommune: dict[str, str], current_codes: set[str]
) -> dict[str, dict[str, float | None]]:
    """kommune -> {year: value}. Rows under an old kommunenummer (before a 2024 merger or renumbering) count
    for the new kommune; where both codes have a value for a year, the current code wins."""
    out: dict[str, dict[str, float | None]] = defaultdict(dict)
    if ind.measure == "ratio":
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        seen: set[tuple[str, str]] = set()
        for c in cells:
            k = code_to_kommune.get(c.codes[ind.region_var])
            if k is None or c.value is None:
                continue
            year = c.codes[ind.time_var]
            age = _age(c.codes[ind.ratio_var or ""])
            if age is None:
                continue
            seen.add((k, year))
            if _in_range(age, ind.numerator):
                sums[(k, year)][0] += c.value
            if _in_range(age, ind.denominator):
                sums[(k, year)][1] += c.value
        for k, year in seen:
            num, den = sums[(k, year)]
            out[k][year] = round(100.0 * num / den, 2) if den else None
        return out
    from_current: dict[tuple[str, str], bool] = {}
    for c in cells:
        code = c.codes[ind.region_var]
        k = code_to_kommune.get(code)
        if k is None:
            continue
        slot = (k, c.codes[ind.time_var])
        is_current = code in current_codes
        have = out[k].get(slot[1])
        if slot not in from_current or (
            c.value is not None and (have is None or (is_current and not from_current[slot]))
        ):
            # A value beats no value; between two values the current kommunenummer wins.
            out[k][slot[1]] = c.value
            from_current[slot] = is_current
    return out


def _in_range(age: int, spec: dict[str, int]) -> bool:
    return age >= spec.get("from", 0) and age <= spec.get("to", 10_000)


def measure(ind: Indicator, series: dict[str, float | None]) -> tuple[float | None, int | None]:
    """(value, year) for one kommune; (None, None) when SSB has no value for it."""
    years = sorted((y for y, v in series.items() if v is not None), key=_year_key)
    if not years:
        return None, None
    latest = years[-1]
    if ind.measure in ("latest", "ratio"):
        return series[latest], _year(latest)
    if ind.measure == "negative_years":
        window = years[-ind.window :]
        return float(sum(1 for y in window if (series[y] or 0) < 0)), _year(latest)
    if ind.measure == "growth":
        if len(years) < 2:
            return None, _year(latest)
        prev = years[-2]
        v0, v1 = series[prev], series[latest]
        if not v0 or v0 <= 0 or v1 is None:
            return None, _year(latest)
        span = max(1, (_year(latest) or 0) - (_year(prev) or 0))
        return round(((v1 / v0) ** (1 / span) - 1) * 100, 2), _year(latest)
    if ind.measure == "change_to":
        target = ind.target or latest
        base = years[0]
        if target not in series or series[target] is None or base == target or not series[base]:
            return None, _year(target)
        return round((series[target] / series[base] - 1) * 100, 2), _year(target)  # type: ignore[operator]
    raise IndicatorConfigError(f"unknown measure {ind.measure}")


def _year_key(code: str) -> tuple[int, str]:
    return (_year(code) or 0, code)


def _year(code: str | None) -> int | None:
    m = re.match(r"^(\d{4})", code or "")
    return int(m.group(1)) if m else None
