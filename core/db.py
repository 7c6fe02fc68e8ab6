"""Engine, sessions and automatic schema upgrades (Alembic).

Every command opens the archive through `open_archive`, which upgrades the schema to head, so a user never
runs migrations by hand. A database stamped by a newer Boligarkiv is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from boligarkiv.settings import Settings, SettingsError, ensure_data_dir

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(RuntimeError):
    """The database schema cannot be used by this version of Boligarkiv."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the web app read while a crawl writes; busy_timeout rides out short write locks
    # between worker processes instead of failing with "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # The search index lives in this file too: map it into memory and keep a larger page cache, so FTS5
    # reads its doclists without a system call per page (the OS shares the mapping between processes).
    cur.execute("PRAGMA mmap_size=2147483648")
    cur.execute("PRAGMA cache_size=-131072")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; refuse a database from a newer release."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    current = current_revision(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise SchemaError(
                f"Databasen har skjemaversjon {current}, som er nyere enn denne versjonen av Boligarkiv "
                f"kjenner (siste kjente: {head_revision()}). "
                "Oppgrader Boligarkiv, eller bruk en annen datamappe."
            ) from exc
        if current == script.get_current_head():
            return
    command.upgrade(alembic_config(engine), "head")


class Archive:
    """Handle on one archive: settings, engine, session factory and blob store."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        from boligarkiv.blobs import BlobStore

        self.settings = settings
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.blobs = BlobStore(settings.blob_dir)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_archive(settings: Settings, *, migrate: bool = True) -> Archive:
    ensure_data_dir(settings)
    engine = make_engine(settings.db_url)
    if migrate:
        try:
            upgrade(engine)
        except SchemaError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            if "readonly" in str(exc).lower() or "unable to open" in str(exc).lower():
                raise SettingsError(f"Kan ikke skrive til databasen {settings.db_url}: {exc}") from exc
            raise
    return Archive(settings, engine)


def stamp_stage(archive: Archive, stage: str, version: str) -> None:
    """Record the version a stage last ran with (shown by `status`; a mismatch marks work stale)."""
    from boligarkiv.models import StageVersion

    with archive.session() as session:
        row = session.get(StageVersion, stage)
        if row is None:
            session.add(StageVersion(stage=stage, version=version))
        else:
            row.version = version
