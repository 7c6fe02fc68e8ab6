"""The `boligarkiv` command line, split by theme: `archive` (the archive itself), `stages` (one command per
stage), `outputs` (search, reports, web app, digest) and `job` (the whole job, schedule, demo). `common`
holds the Typer app, the shared options, the exit codes and the helpers every theme uses.

Exit codes: 0 ok (single sites or documents may have failed; recorded in the archive); 1 unexpected failure;
2 bad usage or bad input file; 3 configuration or data-dir problem; 4 database schema problem; 5 a stage failed
or was stopped (stage commands: some items failed); 6 no network (nothing crawled).
"""

from __future__ import annotations

# Importing the theme modules registers their commands on the shared app.
from boligarkiv.app.cli import archive, job, outputs, stages  # noqa: F401
from boligarkiv.app.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_INPUT,
    EXIT_OFFLINE,
    EXIT_PARTIAL,
    EXIT_SCHEMA,
    app,
)

__all__ = ["EXIT_CONFIG", "EXIT_FAILURE", "EXIT_INPUT", "EXIT_OFFLINE", "EXIT_PARTIAL", "EXIT_SCHEMA", "app"]
