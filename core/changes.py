"""Change events between runs: a kommune's plan replaced by a newer one, and signals that appear or
disappear between two versions of a plan. The crawler already records new and changed documents."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import ChangeEvent, Document, SignalHit
from boligarkiv.vocabulary import PLAN_TYPES


def _signals(session: object, sha: str) -> set[str]:
    return set(
        session.scalars(
            select(SignalHit.signal).where(  # type: ignore[attr-defined]
                SignalHit.document_sha256 == sha, SignalHit.negated.is_(False)
            )
        )
    )


def record_changes(archive: Archive, since: datetime | None = None) -> list[ChangeEvent]:
    """Events for analysed plans (all of them, or those analysed since `since`); each event is recorded once,
    so calling this after every analyse — whole job or stage alone, after a kill or not — loses none and
    repeats none. Returns the events new in this call."""
    events: list[ChangeEvent] = []
    with archive.session() as s:
        q = select(Document).where(Document.analysed_at.is_not(None), Document.doc_type.in_(PLAN_TYPES))
        if since is not None:
            q = q.where(Document.analysed_at >= since)
        fresh = list(s.scalars(q))
        known = {
            (e.kind, e.document_sha256, e.signal)
            for e in s.scalars(select(ChangeEvent).where(ChangeEvent.document_sha256.in_([d.sha256 for d in fresh])))
        }

        def add(kind: str, doc: Document, previous: str | None, signal: str | None, detail: str) -> None:
            if (kind, doc.sha256, signal) in known:
                return
            known.add((kind, doc.sha256, signal))
            event = ChangeEvent(
                kommune_nummer=doc.kommune_nummer,
                kind=kind,
                document_sha256=doc.sha256,
                previous_sha256=previous,
                signal=signal,
                detail=detail,
            )
            s.add(event)
            events.append(event)

        by_kommune: dict[str, list[Document]] = defaultdict(list)
        for d in s.scalars(select(Document).where(Document.doc_type.in_(PLAN_TYPES))):
            by_kommune[d.kommune_nummer or ""].append(d)
        for doc in fresh:
            # A new version at the same URL: compare its signals with the version it replaces.
            if doc.previous_sha256:
                before, after = _signals(s, doc.previous_sha256), _signals(s, doc.sha256)
                for sig in sorted(after - before):
                    add("signal_appeared", doc, doc.previous_sha256, sig, f"{sig} finnes i ny versjon")
                for sig in sorted(before - after):
                    add("signal_disappeared", doc, doc.previous_sha256, sig, f"{sig} er borte i ny versjon")
            # A newer plan of the same type for the kommune replaces the older one.
            older = [
                o
                for o in by_kommune[doc.kommune_nummer or ""]
                if o.sha256 != doc.sha256 and o.doc_type == doc.doc_type and (o.period_end or 0) < (doc.period_end or 0)
            ]
            if older and doc.period_end:
                prev = max(older, key=lambda o: o.period_end or 0)
                add(
                    "plan_replaced",
                    doc,
                    prev.sha256,
                    None,
                    f"{doc.title or doc.sha256[:12]} erstatter {prev.title or prev.sha256[:12]}",
                )
    return events
