"""Read and validate a seeds file (seeds/kommune_urls.csv or one of the same shape) and load it.

Validation is strict and names the line, because a silently skipped kommune would be a hole in the
national screening that nobody notices.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from boligarkiv.models import Kommune

REQUIRED = ("kommunenummer", "navn", "fylke", "nettside")
OPTIONAL = ("fylkesnummer", "ekstra_urler", "tidligere_nummer", "andre_navn", "moteportaler")
NUMMER_RE = re.compile(r"^\d{4}$")


class SeedsError(ValueError):
    """The seeds file is unusable; the message names the file and line."""


@dataclass(frozen=True)
class Seed:
    nummer: str
    navn: str
    fylke: str
    nettside: str
    fylkesnummer: str | None = None
    ekstra_urler: tuple[str, ...] = ()
    tidligere_nummer: tuple[str, ...] = field(default=())
    andre_navn: tuple[str, ...] = field(default=())
    # Meeting portals (ACOS WebSak innsyn, OpenGov 360, Elements Publikum, eInnsyn, Digdem, FirstAgenda) the
    # kommune's site does not link, named in the seeds so their case papers are fetched all the same.
    moteportaler: tuple[str, ...] = field(default=())

    @property
    def start_urls(self) -> list[str]:
        return [self.nettside, *self.ekstra_urler]


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def read_seeds(path: Path) -> list[Seed]:
    path = Path(path)
    if not path.is_file():
        raise SeedsError(f"Fant ikke seeds-filen {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise SeedsError(f"{path}, linje 1: mangler kolonne(r) {', '.join(missing)} (fant: {', '.join(header)})")
        seeds: list[Seed] = []
        seen: dict[str, int] = {}
        for lineno, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if not any(row.values()):
                continue
            if None in raw:
                raise SeedsError(f"{path}, linje {lineno}: flere felt enn kolonner i overskriften")
            nummer = row["kommunenummer"]
            if not NUMMER_RE.match(nummer):
                raise SeedsError(f"{path}, linje {lineno}: ugyldig kommunenummer {nummer!r} (skal være fire siffer)")
            if nummer in seen:
                raise SeedsError(
                    f"{path}, linje {lineno}: kommunenummer {nummer} finnes allerede på linje {seen[nummer]}"
                )
            seen[nummer] = lineno
            for col in ("navn", "fylke"):
                if not row[col]:
                    raise SeedsError(f"{path}, linje {lineno}: tom verdi i kolonnen {col}")
            if not _valid_url(row["nettside"]):
                raise SeedsError(f"{path}, linje {lineno}: ugyldig nettside-URL {row['nettside']!r}")
            extra = tuple(row.get("ekstra_urler", "").split())
            for url in extra:
                if not _valid_url(url):
                    raise SeedsError(f"{path}, linje {lineno}: ugyldig URL i ekstra_urler: {url!r}")
            portals = tuple(row.get("moteportaler", "").split())
            for url in portals:
                if not _valid_url(url):
                    raise SeedsError(f"{path}, linje {lineno}: ugyldig URL i moteportaler: {url!r}")
            old = tuple(n for n in re.split(r"[\s;]+", row.get("tidligere_nummer", "")) if n)
            for n in old:
                if not NUMMER_RE.match(n):
                    raise SeedsError(f"{path}, linje {lineno}: ugyldig tidligere_nummer {n!r}")
            seeds.append(
                Seed(
                    nummer=nummer,
                    navn=row["navn"],
                    fylke=row["fylke"],
                    nettside=row["nettside"],
                    fylkesnummer=row.get("fylkesnummer") or None,
                    ekstra_urler=extra,
                    tidligere_nummer=old,
                    andre_navn=tuple(n.strip() for n in row.get("andre_navn", "").split("|") if n.strip()),
                    moteportaler=portals,
                )
            )
    if not seeds:
        raise SeedsError(f"{path}: ingen kommuner i filen")
    return seeds


def load_seeds(session: Session, seeds: list[Seed]) -> int:
    """Upsert seeds into the kommune table; return how many rows changed."""
    changed = 0
    existing = {k.nummer: k for k in session.query(Kommune).filter(Kommune.nummer.in_([s.nummer for s in seeds]))}
    for s in seeds:
        values = {
            "navn": s.navn,
            "fylke": s.fylke,
            "fylkesnummer": s.fylkesnummer,
            "nettside": s.nettside,
            "ekstra_urler": list(s.ekstra_urler),
            "tidligere_nummer": list(s.tidligere_nummer),
            "andre_navn": list(s.andre_navn),
        }
        row = existing.get(s.nummer)
        if row is None:
            session.add(Kommune(nummer=s.nummer, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed += 1
    return changed


def match_kommuner(session: Session, text: str) -> list[str]:
    """Numbers of the archived kommuner a user's text names: by number, name or another official name."""
    key = text.strip().casefold()
    return [
        k.nummer
        for k in session.query(Kommune)
        if k.nummer == text.strip().zfill(4)
        or k.navn.casefold() == key
        or key in [n.casefold() for n in (k.andre_navn or [])]
    ]


def select_seeds(seeds: list[Seed], kommuner: list[str] | None) -> list[Seed]:
    """Filter seeds by kommunenummer or name (case-insensitive); unknown selectors are an error."""
    if not kommuner:
        return seeds
    by_key: dict[str, Seed] = {}
    for s in seeds:
        by_key[s.nummer] = s
        by_key[s.navn.casefold()] = s
    chosen: list[Seed] = []
    for sel in kommuner:
        seed = by_key.get(sel.strip()) or by_key.get(sel.strip().casefold())
        if seed is None:
            raise SeedsError(f"Ukjent kommune {sel!r} i seeds-filen")
        if seed not in chosen:
            chosen.append(seed)
    return chosen
