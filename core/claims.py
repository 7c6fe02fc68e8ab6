"""Leases on documents, so several workers (processes on one machine or several, sharing the database and
the blob store) divide a stage's stale work: none does a document twice, none is lost when one is killed.

A worker claims a small batch at a time: a `work_claim` row per document (stage, version, key) with its
name and an expiry. The claim is an upsert that succeeds only where no live claim exists, so it is exclusive
on SQLite and PostgreSQL alike; on PostgreSQL the candidate documents are first locked with
`SELECT … FOR UPDATE SKIP LOCKED`, so workers claiming at the same moment take different documents instead of
queueing on the same rows. Writing a result and closing the claim happen in one transaction that succeeds only
while the claim is still this worker's — if the lease ran out and another worker took the document, the late
result is dropped. A killed worker's claims expire after `lease` seconds and are taken over; workers with
nothing left to claim wait for such leases before they stop, so the stage ends with nothing pending.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from boligarkiv.db import Archive
from boligarkiv.models import Document, WorkClaim, utcnow
from boligarkiv.workers import pid_alive


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Claims:
    def __init__(self, archive: Archive, stage: str, version: str, *, lease: float, batch: int = 2) -> None:
        self.archive = archive
        self.stage = stage
        self.version = version
        self.lease = lease
        self.batch = max(1, batch)
        self.worker = worker_name()
        self.dialect = archive.engine.dialect.name

    def _insert(self) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert

    def release_dead_local(self) -> int:
        """Expire the claims of workers on this machine whose process is gone (killed, crashed): a rerun after a
        kill should not wait out their leases. Workers on other machines are left to their leases."""
        host = socket.gethostname()[:60]
        with self.archive.session() as session:
            workers = set(
                session.scalars(
                    select(WorkClaim.worker).where(
                        WorkClaim.stage == self.stage,
                        WorkClaim.version == self.version,
                        WorkClaim.done.is_(False),
                        WorkClaim.worker.like(f"{host}:%"),
                    )
                )
            )
            dead = [w for w in workers if w != self.worker and not _alive(w)]
            if dead:
                session.execute(
                    update(WorkClaim)
                    .where(WorkClaim.worker.in_(dead), WorkClaim.done.is_(False))
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )
        return len(dead)

    def claim(self, keys: list[str], seen_at: datetime | None = None) -> list[str]:
        """Claim up to `batch` of `keys` (in order) that nobody holds; returns the keys now ours.

        `seen_at`: when `keys` were read as pending. A finished claim is taken again only if it finished
        before that — the document became stale again (re-extracted, reset) — and not if another worker
        finished it after our list was read."""
        seen_at = seen_at or utcnow()
        insert = self._insert()
        got: list[str] = []
        with self.archive.session() as session:
            now = utcnow()
            # Not the documents someone holds a live claim on: asking for them would only wait on their holder.
            held = set(
                session.scalars(
                    select(WorkClaim.key).where(
                        WorkClaim.stage == self.stage,
                        WorkClaim.version == self.version,
                        WorkClaim.key.in_(keys[: self.batch * 32]),
                        WorkClaim.done.is_(False),
                        WorkClaim.expires_at >= now,
                    )
                )
            )
            candidates = [k for k in keys[: self.batch * 32] if k not in held][: self.batch * 4]
            if self.dialect == "postgresql" and candidates:
                # Locks in the same order as a result's transaction (document, then claim), skipping documents
                # another worker is locking right now.
                candidates = list(
                    session.scalars(
                        select(Document.sha256)
                        .where(Document.sha256.in_(candidates))
                        .order_by(Document.first_seen)
                        .with_for_update(skip_locked=True)
                    )
                )
            for key in candidates:
                if len(got) >= self.batch:
                    break
                stmt = insert(WorkClaim).values(
                    stage=self.stage,
                    version=self.version,
                    key=key,
                    worker=self.worker,
                    claimed_at=now,
                    expires_at=now + timedelta(seconds=self.lease),
                    attempts=1,
                    done=False,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["stage", "version", "key"],
                    set_={
                        "worker": self.worker,
                        "claimed_at": now,
                        "expires_at": now + timedelta(seconds=self.lease),
                        "attempts": WorkClaim.attempts + 1,
                        "done": False,
                        "done_at": None,
                    },
                    where=or_(
                        and_(WorkClaim.done.is_(False), WorkClaim.expires_at < now),
                        and_(WorkClaim.done.is_(True), WorkClaim.done_at < seen_at),
                    ),
                )
                # RETURNING rather than rowcount: drivers disagree on rowcount for an upsert.
                if session.execute(stmt.returning(WorkClaim.key)).scalar_one_or_none() is not None:
                    got.append(key)
        return got

    def complete(self, session: Any, key: str) -> bool:
        """Close our claim in the caller's transaction (with the result); False if it is no longer ours."""
        if self.dialect == "postgresql":
            # The document first, then its claim: the order `claim` locks them in, so the two never deadlock.
            session.execute(select(Document.sha256).where(Document.sha256 == key).with_for_update())
        done = session.execute(
            update(WorkClaim)
            .where(
                WorkClaim.stage == self.stage,
                WorkClaim.version == self.version,
                WorkClaim.key == key,
                WorkClaim.worker == self.worker,
                WorkClaim.done.is_(False),
            )
            .values(done=True, done_at=utcnow())
            .returning(WorkClaim.key)
        )
        return done.scalar_one_or_none() is not None

    def _next_expiry(self, keys: list[str]) -> float | None:
        """Seconds until the first live claim on one of `keys` runs out (None if none is held)."""
        with self.archive.session() as session:
            first = session.scalar(
                select(WorkClaim.expires_at)
                .where(
                    WorkClaim.stage == self.stage,
                    WorkClaim.version == self.version,
                    WorkClaim.key.in_(keys[:1000]),
                    WorkClaim.done.is_(False),
                )
                .order_by(WorkClaim.expires_at)
                .limit(1)
            )
        if first is None:
            return None
        if first.tzinfo is None:
            from datetime import UTC

            first = first.replace(tzinfo=UTC)
        return max(0.0, (first - utcnow()).total_seconds())

    def keys(self, pending: Callable[[], list[str]], poll: float = 1.0) -> Iterator[str]:
        """Yield documents as they are claimed, batch by batch, until nothing is pending but what this worker
        already has — waiting for other workers' leases when everything left is claimed by someone else."""
        mine: set[str] = set()  # handed out by this generator: in flight or written by us
        self.release_dead_local()
        while True:
            seen_at = utcnow()
            todo = [k for k in pending() if k not in mine]
            if not todo:
                return
            got = self.claim(todo, seen_at)
            if got:
                mine.update(got)
                yield from got
                continue
            if self.release_dead_local():
                continue
            wait = self._next_expiry(todo)
            if wait is None:
                # Pending but unclaimed and not claimable: written by another worker just now; look again.
                time.sleep(poll / 4)
                continue
            time.sleep(min(max(wait, 0.05), poll))


def _alive(worker: str) -> bool:
    """Whether the process named in a worker name («host:pid:tag») on this machine still runs."""
    try:
        return pid_alive(int(worker.split(":")[1]))
    except (IndexError, ValueError):
        return True
