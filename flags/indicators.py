"""Indicator definitions (flags/indicators.yaml) and the measures computed from a kommune's series."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from boligarkiv.flags.jsonstat import Cell

CONFIG = Path(__file__).resolve().parent / "indicators.yaml"
KINDS = ("latest", "negative_years", "growth", "change_to", "ratio", "sum_last")
EXPRESSION = re.compile(r"^(\*|top\(\d+(,\d+)?\)|bottom\(\d+\)|from\(.+\)|to\(.+\)|range\(.+\))$")


class IndicatorConfigError(ValueError):
    """The configuration does not fit the table as SSB describes it now."""


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    measure: str  # label pattern for the metric (ContentsCode) variable
    kind: str
    time: tuple[str, ...]
    table: str | None = None
    search: dict[str, str] = field(default_factory=dict)
    breakdowns: dict[str, str] = field(default_factory=dict)
    rule: dict[str, float] = field(default_factory=dict)
    theme: str = "flagg"
    unit: str = ""
    window: int = 3
    target: str | None = None
    ratio_var: str | None = None
    numerator: dict[str, int] = field(default_factory=dict)
    denominator: dict[str, int] = field(default_factory=dict)
    per_1000_of: str | None = None
    current_within: int | None = None

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
        raise IndicatorConfigError(f"{self.id}: ukjent regel {self.rule}")


def load_indicators(path: Path = CONFIG) -> list[Indicator]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Indicator] = []
    for raw in data.get("indicators", []):
        try:
            ind = Indicator(
                id=raw["id"],
                label=raw["label"],
                measure=str(raw["measure"]),
                kind=raw["kind"],
                time=tuple(str(t) for t in raw.get("time", ["top(1)"])),
                table=str(raw["table"]) if raw.get("table") else None,
                search={k: str(v) for k, v in (raw.get("search") or {}).items()},
                breakdowns={k: str(v) for k, v in (raw.get("breakdowns") or {}).items()},
                rule={k: float(v) for k, v in (raw.get("rule") or {}).items()},
                theme=raw.get("theme", "flagg"),
                unit=raw.get("unit", ""),
                window=int(raw.get("window", 3)),
                target=str(raw["target"]) if raw.get("target") else None,
                ratio_var=raw.get("ratio_var"),
                numerator=raw.get("numerator") or {},
                denominator=raw.get("denominator") or {},
                per_1000_of=raw.get("per_1000_of"),
                current_within=int(raw["current_within"]) if raw.get("current_within") else None,
            )
        except KeyError as exc:
            raise IndicatorConfigError(f"indikator {raw.get('id', '?')}: mangler {exc}") from exc
        if ind.kind not in KINDS:
            raise IndicatorConfigError(f"indikator {ind.id}: ukjent kind {ind.kind} (kjente: {', '.join(KINDS)})")
        if bool(ind.table) == bool(ind.search):
            raise IndicatorConfigError(f"indikator {ind.id}: oppgi enten table eller search")
        if ind.per_1000_of and ind.per_1000_of not in {i.id for i in out}:
            raise IndicatorConfigError(f"indikator {ind.id}: per_1000_of {ind.per_1000_of} må stå før den")
        out.append(ind)
    return out


def _age(code: str) -> int | None:
    m = re.match(r"^(\d+)", code)
    return int(m.group(1)) if m else None


def series_by_region(
    ind: Indicator,
    cells: list[Cell],
    region_var: str,
    time_var: str,
    code_to_kommune: dict[str, str],
    current_codes: set[str],
) -> dict[str, dict[str, float | None]]:
    """region → {period: value}. Kommuner by their current number: rows under an old kommunenummer (before a
    2024 merger or renumbering) count for the new kommune, and where both codes have a value for a period
    the current code wins. Other regions (groups, the country) by their own code."""
    out: dict[str, dict[str, float | None]] = defaultdict(dict)
    if ind.kind == "ratio":
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        seen: set[tuple[str, str]] = set()
        for c in cells:
            code = c.codes[region_var]
            k = code_to_kommune.get(code, code)
            if c.value is None:
                continue
            period = c.codes[time_var]
            age = _age(c.codes[ind.ratio_var or ""])
            if age is None:
                continue
            seen.add((k, period))
            if _in_range(age, ind.numerator):
                sums[(k, period)][0] += c.value
            if _in_range(age, ind.denominator):
                sums[(k, period)][1] += c.value
        for k, period in seen:
            num, den = sums[(k, period)]
            out[k][period] = round(100.0 * num / den, 2) if den else None
        return out
    from_current: dict[tuple[str, str], bool] = {}
    for c in cells:
        code = c.codes[region_var]
        k = code_to_kommune.get(code, code)
        slot = (k, c.codes[time_var])
        is_current = code in current_codes or code not in code_to_kommune
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
    """(value, year) for one region; (None, None) when SSB has no value for it."""
    periods = sorted((p for p, v in series.items() if v is not None), key=_period_key)
    if not periods:
        return None, None
    latest = periods[-1]
    if ind.kind in ("latest", "ratio"):
        return series[latest], _year(latest)
    if ind.kind == "negative_years":
        window = periods[-ind.window :]
        return float(sum(1 for p in window if (series[p] or 0) < 0)), _year(latest)
    if ind.kind == "sum_last":
        window = periods[-ind.window :]
        if len(window) < ind.window:
            return None, _year(latest)
        return round(sum(series[p] or 0.0 for p in window), 4), _year(latest)
    if ind.kind == "growth":
        if len(periods) < 2:
            return None, _year(latest)
        prev = periods[-2]
        v0, v1 = series[prev], series[latest]
        if not v0 or v0 <= 0 or v1 is None:
            return None, _year(latest)
        span = max(1, (_year(latest) or 0) - (_year(prev) or 0))
        return round(((v1 / v0) ** (1 / span) - 1) * 100, 2), _year(latest)
    if ind.kind == "change_to":
        target = ind.target or latest
        base = periods[0]
        if target not in series or series[target] is None or base == target or not series[base]:
            return None, _year(target)
        return round((series[target] / series[base] - 1) * 100, 2), _year(target)  # type: ignore[operator]
    raise IndicatorConfigError(f"ukjent kind {ind.kind}")


def _period_key(code: str) -> tuple[int, str]:
    return (_year(code) or 0, code)


def _year(code: str | None) -> int | None:
    m = re.match(r"^(\d{4})", code or "")
    return int(m.group(1)) if m else None
