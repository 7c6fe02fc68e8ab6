"""Build report/data/kommuner_svg.json: every kommune's outline as an SVG path, projected once.

Source: shared/data/kommuner/Kommuner-S.geojson (Kartverket via robhop/fylker-og-kommuner, CC BY 4.0).
Projection: equirectangular with longitudes scaled by cos(65°), good enough for a national choropleth of
Norway; coordinates rounded to 0.1 unit in a 1000-unit-wide view box, rings of under three points dropped.

Usage: python -m report.build_map [GEOJSON]
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "kommuner_svg.json"
WIDTH = 1000.0
KX = math.cos(math.radians(65))


def main() -> None:
    src = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (Path(__file__).resolve().parents[2] / "shared" / "data" / "kommuner" / "Kommuner-S.geojson")
    )
    features = json.loads(src.read_text(encoding="utf-8"))["features"]

    def rings(geom: dict) -> list[list[list[float]]]:
        if geom["type"] == "Polygon":
            return geom["coordinates"]
        return [ring for poly in geom["coordinates"] for ring in poly]

    xs = [p[0] * KX for f in features for r in rings(f["geometry"]) for p in r]
    ys = [p[1] for f in features for r in rings(f["geometry"]) for p in r]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = WIDTH / (x1 - x0)
    height = (y1 - y0) * scale
    paths = {}
    for f in features:
        parts = []
        for ring in rings(f["geometry"]):
            pts, last = [], None
            for lon, lat in ring:
                p = (round((lon * KX - x0) * scale, 1), round((y1 - lat) * scale, 1))
                if p != last:
                    pts.append(p)
                    last = p
            if len(pts) >= 3:
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in pts) + "Z")
        paths[f["properties"]["kommunenummer"]] = "".join(parts)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"width": WIDTH, "height": round(height, 1), "paths": paths}, separators=(",", ":")),
        encoding="utf-8",
    )
    print(f"{len(paths)} kommuner → {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
