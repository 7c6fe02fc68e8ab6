"""The house in floors, checked: `python -m tools.layers` exits 1 and names every import that breaks the rule.

- core (ground floor): folder `core/`, imported as `boligarkiv` — models, database, blobs, settings, seeds,
  vocabulary, formats, kommune names, lexicon, lemmas, language, workers, run lock, change events — imports
  nothing above it;
- stages (side by side): `boligarkiv.crawler`, `.extract`, `.nlp`, `.flags`, `.index` (folders `crawler/` …
  at the repository root) — each imports only the core;
- application (top floor): `boligarkiv.app` (folder `app/`: CLI, pipeline, scheduler, digest, test web …),
  `boligarkiv.report`, `boligarkiv.web`, and the repository's `bench`, `tools` — may import anything below.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("crawler", "extract", "nlp", "flags", "index")  # folders at the root, imported as boligarkiv.<stage>
APPLICATION_FOLDERS = ("app", "report", "web")  # installed as boligarkiv.app, boligarkiv.report, boligarkiv.web
CORE = "core"  # the folder installed as `boligarkiv` itself
DEV = ("bench", "tools")  # not installed


def module_name(path: Path) -> str:
    """The import name of a source file: `crawler/runner.py` is `boligarkiv.crawler.runner`."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts and parts[0] == CORE:
        parts[0] = "boligarkiv"
    elif parts and parts[0] in (*STAGES, *APPLICATION_FOLDERS):
        parts.insert(0, "boligarkiv")
    return ".".join(parts)


def floor(module: str) -> str | None:
    parts = module.split(".")
    top = parts[0]
    if top in DEV:
        return "application"
    if top in (*STAGES, *APPLICATION_FOLDERS, CORE):
        return "unique-names"  # a bare stage name: the import must say boligarkiv.<stage>
    if top != "boligarkiv":
        return None  # third-party or standard library
    if len(parts) > 1 and parts[1] in APPLICATION_FOLDERS:
        return "application"
    if len(parts) > 1 and parts[1] in STAGES:
        return parts[1]  # each stage is its own room
    return "core"


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def violations() -> list[str]:
    found = []
    for folder in (CORE, *STAGES, *APPLICATION_FOLDERS, *DEV):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            src = module_name(path)
            src_floor = floor(src)
            for line, target in imports(path):
                dst_floor = floor(target)
                if dst_floor == "unique-names":
                    found.append(f"{path.relative_to(ROOT)}:{line}: imports {target} by its folder name (boligarkiv.…)")
                    continue
                if src_floor in (None, "application"):
                    continue
                if dst_floor is None or dst_floor == src_floor or dst_floor == "core":
                    continue
                rule = "the core imports" if src_floor == "core" else f"stage {src_floor} imports"
                found.append(f"{path.relative_to(ROOT)}:{line}: {rule} {target} ({dst_floor})")
    return found


def main() -> int:
    found = violations()
    for v in found:
        print(v)
    print(
        f"{len(found)} import(s) across floors"
        if found
        else "floors ok: no stage imports another, the core imports nothing above"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
