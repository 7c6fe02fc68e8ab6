"""The analyse stage: documents extracted but not analysed by this version → hits, entities, scores.

Runs one forked process per document (the spaCy pipeline is built once in the parent and shared by
fork), writes hits and entities with the analysis version, then recomputes the kommune scores of every
kommune with a document analysed after its scores were computed (derived from the archive, so a rerun after
a kill repairs what the dead process left). A kommune's score for a signal comes from its current plans
first: the best score among plans whose period covers this year (or that have no period); failing that,
expired plans at half weight; failing that, other documents at a quarter.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select

from boligarkiv.claims import Claims
from boligarkiv.db import Archive, stamp_stage
from boligarkiv.lemmas import lemma_text
from boligarkiv.lexicon import load_lexicon
from boligarkiv.models import Document, Entity, Page, Score, SignalHit, utcnow
from boligarkiv.nlp.analysis import analyse_pages, analysis_version
from boligarkiv.nlp.doc_kind import load_doc_kind_model
from boligarkiv.vocabulary import PLAN_TYPES
from boligarkiv.workers import Job, run_pool

EXPIRED_FACTOR = 0.5
OTHER_FACTOR = 0.25


def _analyse_job(job: Job) -> dict[str, Any]:
    title, pages, url = job.data  # type: ignore[misc]
    result = analyse_pages(pages, job.mime)
    kind_model = load_doc_kind_model()
    kind = kind_model.predict(title or "", pages[0] if pages else "", url or "") if kind_model else (None, None)
    return {
        "lemmas": [lemma_text(p, job.mime) for p in pages],
        "doc_kind": kind,
        "hits": result.hits,
        "entities": result.entities,
        "scores": result.scores(),
        "commitment": result.strongest_commitment(),
        "words": result.words,
    }


def pending(archive: Archive, stale: bool) -> list[str]:
    version = analysis_version()
    with archive.session() as session:
        q = select(Document.sha256).where(Document.extract_version.is_not(None), Document.extract_error.is_(None))
        if stale:
            q = q.where(or_(Document.analysis_version.is_(None), Document.analysis_version != version))
        else:
            q = q.where(Document.analysis_version.is_(None))
        return list(session.scalars(q.order_by(Document.first_seen)))


def run_analyse(
    archive: Archive,
    *,
    stale: bool = False,
    workers: int | None = None,
    timeout: float = 300.0,
    on_done: Callable[[str, str | None], None] | None = None,
    lease: float | None = None,
) -> dict[str, Any]:
    version = analysis_version()
    todo = pending(archive, stale)
    n_workers = workers or os.cpu_count() or 1
    # Documents are claimed a few at a time, so other `analyse` processes sharing the database share the work.
    claims = Claims(archive, "analyse", version, lease=lease or archive.settings.work_lease_seconds, batch=n_workers)
    # Build the pipelines, lexicon patterns and models before forking, so every worker shares them instead of
    # building them again for each document.
    for lang in ("nb", "nn"):
        analyse_pages(["Kommunen skal bygge utleieboliger."], lang)
    load_doc_kind_model()

    def jobs() -> Any:
        for sha in claims.keys(lambda: pending(archive, stale)):
            with archive.session() as session:
                doc = session.get(Document, sha)
                assert doc is not None
                pages = [
                    p.text
                    for p in session.scalars(select(Page).where(Page.document_sha256 == sha).order_by(Page.number))
                ]
                lang = doc.language or "nb"
            yield Job(sha, (doc.title, pages, doc.first_url), lang)  # type: ignore[arg-type]

    counts = {"documents": len(todo), "ok": 0, "errors": 0, "hits": 0, "entities": 0, "left_to_others": 0}
    for outcome in run_pool(_analyse_job, jobs(), workers=n_workers, timeout=timeout):
        with archive.session() as session:
            if not claims.complete(session, outcome.key):
                counts["left_to_others"] += 1  # our lease ran out and another worker took the document
                continue
            doc = session.get(Document, outcome.key)
            assert doc is not None
            for table in (SignalHit, Entity):
                session.execute(delete(table).where(table.document_sha256 == outcome.key))
            session.execute(delete(Score).where(Score.scope == "document", Score.document_sha256 == outcome.key))
            doc.analysis_version = version
            doc.analysed_at = utcnow()
            if outcome.error:
                counts["errors"] += 1
            else:
                r = outcome.result
                doc.doc_kind, doc.is_housing_plan = r["doc_kind"]
                # The analyse stage owns page.lemmas; the index stage only reads them.
                for page_row, lemmas in zip(
                    session.scalars(select(Page).where(Page.document_sha256 == outcome.key).order_by(Page.number)),
                    r["lemmas"],
                    strict=False,
                ):
                    page_row.lemmas = lemmas
                session.add_all(
                    SignalHit(
                        document_sha256=outcome.key,
                        page_number=h.page,
                        signal=h.signal,
                        matched=h.text[:300],
                        sentence=h.sentence,
                        start=h.start,
                        end=h.end,
                        negated=h.negated,
                        commitment=h.commitment,
                        analysis_version=version,
                        source=h.source,
                        explanation={"pattern": h.pattern, "probability": h.probability, "features": h.features},
                    )
                    for h in r["hits"]
                )
                session.add_all(
                    Entity(
                        document_sha256=outcome.key,
                        page_number=page,
                        label=e.label,
                        text=e.text[:300],
                        normalized=e.normalized,
                        value=e.value,
                        start=e.start,
                        end=e.end,
                        analysis_version=version,
                    )
                    for page, e in r["entities"]
                )
                hit_counts: dict[str, int] = {}
                for h in r["hits"]:
                    if not h.negated:
                        hit_counts[h.signal] = hit_counts.get(h.signal, 0) + 1
                session.add_all(
                    Score(
                        scope="document",
                        document_sha256=outcome.key,
                        signal=s,
                        value=v,
                        hits=hit_counts.get(s, 0),
                        commitment=r["commitment"].get(s),
                        analysis_version=version,
                    )
                    for s, v in r["scores"].items()
                )
                counts["ok"] += 1
                counts["hits"] += len(r["hits"])
                counts["entities"] += len(r["entities"])
        if on_done:
            on_done(outcome.key, outcome.error)
    # Derived from the archive, not from what this process touched: after a kill the rerun still repairs the
    # kommuner whose documents were analysed by the dead process.
    stale_kommuner = kommuner_with_stale_scores(archive)
    for nummer in stale_kommuner:
        update_kommune_scores(archive, nummer)
    stamp_stage(archive, "analyse", version)
    return {**counts, "kommuner": len(stale_kommuner), "version": version}


def kommuner_with_stale_scores(archive: Archive) -> list[str]:
    """Kommuner with an analysed document newer than their kommune scores, or scores of another version."""
    version = analysis_version()
    with archive.session() as session:
        newest = dict(
            session.execute(
                select(Document.kommune_nummer, func.max(Document.analysed_at))
                .where(Document.kommune_nummer.is_not(None), Document.analysed_at.is_not(None))
                .group_by(Document.kommune_nummer)
            ).all()
        )
        stamped = {
            nummer: (oldest, versions)
            for nummer, oldest, versions in session.execute(
                select(
                    Score.kommune_nummer,
                    func.min(Score.computed_at),
                    func.count(func.distinct(Score.analysis_version)),
                )
                .where(Score.scope == "kommune")
                .group_by(Score.kommune_nummer)
            ).all()
        }
        current = set(
            session.scalars(
                select(Score.kommune_nummer).where(Score.scope == "kommune", Score.analysis_version == version)
            )
        )
    out = []
    for nummer, analysed in newest.items():
        got = stamped.get(nummer)
        if got is None or nummer not in current or got[1] != 1 or _aware(analysed) > _aware(got[0]):
            out.append(nummer)
    return sorted(out)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def document_tier(doc: Document, today: date | None = None) -> int:
    """0: a current plan; 1: an expired plan; 2: any other document."""
    if doc.doc_type in PLAN_TYPES:
        year = (today or date.today()).year
        return 0 if doc.period_end is None or doc.period_end >= year else 1
    return 2


TIER_FACTORS = (1.0, EXPIRED_FACTOR, OTHER_FACTOR)


def update_kommune_scores(archive: Archive, nummer: str, today: date | None = None) -> None:
    """Per signal: the best current plan; only if no current plan shows the signal, the best expired plan at
    half weight; only then other documents at a quarter. Negated hits never count (they score 0)."""
    version = analysis_version()
    with archive.session() as session:
        docs = {d.sha256: d for d in session.scalars(select(Document).where(Document.kommune_nummer == nummer))}
        # signal -> tier -> best (value, hits, commitment)
        best: dict[str, dict[int, tuple[float, int, str | None]]] = {}
        for score in session.scalars(
            select(Score).where(Score.scope == "document", Score.document_sha256.in_(list(docs)))
        ):
            if score.value <= 0:
                continue
            tier = document_tier(docs[score.document_sha256 or ""], today)
            current = best.setdefault(score.signal, {}).get(tier)
            if current is None or score.value > current[0]:
                best[score.signal][tier] = (score.value, score.hits, score.commitment)
        session.execute(delete(Score).where(Score.scope == "kommune", Score.kommune_nummer == nummer))
        for signal in (s.id for s in load_lexicon().signals):
            tiers = best.get(signal, {})
            value, hits, level = 0.0, 0, None
            for tier in (0, 1, 2):
                if tier in tiers:
                    raw, hits, level = tiers[tier]
                    value = raw * TIER_FACTORS[tier]
                    break
            session.add(
                Score(
                    scope="kommune",
                    kommune_nummer=nummer,
                    signal=signal,
                    value=round(value, 4),
                    hits=hits,
                    commitment=level,
                    analysis_version=version,
                )
            )
