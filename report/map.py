"""A map of Norway by kommune, coloured by one signal or flag, rendered server-side as SVG.

SVG needs no JavaScript, so the same map works in the web app and in a static HTML report. Values fall
into five quantile classes (sequential palette); kommuner without a value are grey.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "kommuner_svg.json"
PALETTE = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA = "#d9d9d9"
FLAG_COLOURS = {True: "#cb181d", False: "#fee5d9"}


@cache
def shapes() -> dict[str, object]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def classes(values: list[float]) -> list[float]:
    """Upper bounds of five quantile classes over the positive values."""
    pos = sorted(v for v in values if v > 0)
    if not pos:
        return []
    bounds = sorted({pos[min(len(pos) - 1, int(len(pos) * q / 5))] for q in range(1, 5)})
    return bounds if bounds[-1] < pos[-1] else bounds[:-1] or bounds


def colour(value: float | None, bounds: list[float]) -> str:
    if value is None:
        return NO_DATA
    if value <= 0 or not bounds:
        return PALETTE[0]
    for i, b in enumerate(bounds, start=1):
        if value <= b:
            return PALETTE[i] if i < len(PALETTE) else PALETTE[-1]
    return PALETTE[-1]


def render_map(
    values: dict[str, float | bool | None],
    names: dict[str, str],
    title: str,
    *,
    link: str = "/kommune/{nummer}",
    width: int = 560,
) -> str:
    data = shapes()
    paths: dict[str, str] = data["paths"]  # type: ignore[assignment]
    w, h = float(data["width"]), float(data["height"])  # type: ignore[arg-type]
    flags = all(isinstance(v, bool) or v is None for v in values.values())
    bounds = [] if flags else classes([float(v) for v in values.values() if v is not None])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" width="{width}" '
        f'height="{round(width * h / w)}" role="img" aria-label="{html.escape(title)}" class="kart">',
        f"<title>{html.escape(title)}</title>",
    ]
    for nummer, d in paths.items():
        v = values.get(nummer)
        fill = (
            (FLAG_COLOURS[bool(v)] if v is not None else NO_DATA)
            if flags
            else colour(None if v is None else float(v), bounds)
        )
        label = "ingen data" if v is None else ("ja" if v is True else "nei" if v is False else f"{float(v):.2f}")
        name = html.escape(names.get(nummer, nummer))
        out.append(
            f'<a href="{html.escape(link.format(nummer=nummer))}"><path d="{d}" fill="{fill}" '
            f'stroke="#666" stroke-width="0.3" data-kommune="{nummer}"><title>{name} ({nummer}): {label}'
            f"</title></path></a>"
        )
    legend_items = (
        [("flagget", FLAG_COLOURS[True]), ("ikke flagget", FLAG_COLOURS[False])]
        if flags
        else [("0", PALETTE[0])]
        + [(f"≤ {b:.2f}", PALETTE[i]) for i, b in enumerate(bounds, start=1)]
        + ([(f"> {bounds[-1]:.2f}", PALETTE[-1])] if bounds else [])
    )
    # Legend in the sea south-east of the coast, sized to stay readable at the rendered width.
    y = 30
    for text, fill in [*legend_items, ("ingen data", NO_DATA)]:
        out.append(
            f'<rect x="{w - 330:g}" y="{h - 60 - y:g}" width="34" height="26" fill="{fill}" stroke="#666"/>'
            f'<text x="{w - 285:g}" y="{h - 38 - y:g}" font-size="30">{html.escape(text)}</text>'
        )
        y += 40
    out.append("</svg>")
    return "".join(out)
