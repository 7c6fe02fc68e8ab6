"""Meeting-portal adapters: one module per portal family, each turning a portal's own pages or API into
meetings, agenda items and case papers. `detect` finds which adapter (if any) a URL belongs to."""

from __future__ import annotations

from boligarkiv.crawler.portals import acos_websak, digdem, einnsyn, elements, firstagenda, opengov360
from boligarkiv.crawler.portals.base import Adapter, Case, CaseFile, PortalRef, Step

ADAPTERS: tuple[Adapter, ...] = (
    acos_websak.ADAPTER,
    opengov360.ADAPTER,
    elements.ADAPTER,
    einnsyn.ADAPTER,
    digdem.ADAPTER,
    firstagenda.ADAPTER,
)
BY_NAME = {a.name: a for a in ADAPTERS}


def detect(url: str) -> PortalRef | None:
    for adapter in ADAPTERS:
        ref = adapter.detect(url)
        if ref is not None:
            return ref
    return None


__all__ = ["ADAPTERS", "BY_NAME", "Case", "CaseFile", "PortalRef", "Step", "detect"]
