"""JSON-stat 2.0 datasets (SSB PxWebApi v2's default format) as rows.

Values are in row-major order over `id` (the last dimension varies fastest). `value` and `status` may be
lists or sparse objects keyed by flat index; `status` may also be one string for every cell. SSB marks
missing values with null plus a status symbol ("." not applicable, ".." not available, ":" confidential,
"-" nil); a missing value stays None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

MISSING_SYMBOLS = {".", "..", ":", "…", "x"}


class JsonStatError(ValueError):
    """The answer is not a JSON-stat2 dataset we can read."""


@dataclass(frozen=True)
class Cell:
    codes: dict[str, str]  # dimension id -> category code
    value: float | None
    status: str | None


def _category_codes(dim: dict[str, Any]) -> list[str]:
    index = dim["category"].get("index")
    if index is None:
        labels = dim["category"].get("label") or {}
        if len(labels) == 1:
            return list(labels)
        raise JsonStatError("a dimension has no category index")
    if isinstance(index, list):
        return [str(c) for c in index]
    return [code for code, _ in sorted(index.items(), key=lambda kv: kv[1])]


def parse_dataset(data: Any) -> tuple[list[str], dict[str, list[str]], list[Cell]]:
    """Return (dimension ids, codes per dimension, cells)."""
    if not isinstance(data, dict) or data.get("class") != "dataset":
        raise JsonStatError("not a JSON-stat2 dataset (class != dataset)")
    try:
        ids = [str(i) for i in data["id"]]
        size = [int(s) for s in data["size"]]
        dims = {d: _category_codes(data["dimension"][d]) for d in ids}
    except (KeyError, TypeError, ValueError) as exc:
        raise JsonStatError(f"missing or malformed id/size/dimension: {exc}") from exc
    if [len(dims[d]) for d in ids] != size:
        raise JsonStatError("dimension sizes do not match the categories")
    total = 1
    for s in size:
        total *= s
    values = data.get("value")
    if isinstance(values, dict):
        values = [values.get(str(i)) for i in range(total)]
    if not isinstance(values, list) or len(values) != total:
        raise JsonStatError(f"expected {total} values, got {len(values) if isinstance(values, list) else 'none'}")
    status = data.get("status")
    if isinstance(status, str):
        statuses: list[str | None] = [status] * total
    elif isinstance(status, dict):
        statuses = [status.get(str(i)) for i in range(total)]
    elif isinstance(status, list):
        statuses = list(status) + [None] * (total - len(status))
    else:
        statuses = [None] * total
    cells = []
    for flat, combo in enumerate(product(*(dims[d] for d in ids))):
        raw, st = values[flat], statuses[flat]
        value: float | None
        if raw is None or (st in MISSING_SYMBOLS and raw in (None, 0)):
            value = None
        else:
            try:
                value = float(raw)
            except (TypeError, ValueError) as exc:
                raise JsonStatError(f"non-numeric value {raw!r}") from exc
        cells.append(Cell(dict(zip(ids, combo, strict=True)), value, st))
    return ids, dims, cells
