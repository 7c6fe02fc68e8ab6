"""Models round-trip, migrations (empty and existing database) and schema-version refusal."""

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from boligarkiv.db import SchemaError, current_revision, head_revision, make_engine, open_archive, upgrade
from boligarkiv.models import (
    Base,
    ChangeEvent,
    Coverage,
    Document,
    Entity,
    Fetch,
    Flag,
    Kommune,
    Page,
    Run,
    Score,
    SignalHit,
    StageVersion,
)
from boligarkiv.settings import Settings, SettingsError

# The archive tests run on SQLite and on PostgreSQL (issue 18).
pytestmark = pytest.mark.engines("sqlite", "postgresql")


def test_upgrade_on_empty_database_creates_every_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        # The migrations and the models must describe the same schema, or autogenerate would find a diff.
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_models_round_trip(archive) -> None:
    with archive.session() as s:
        run = Run(kind="crawl", code_version="test")
        s.add(run)
        s.flush()
        s.add(
            Document(
                sha256="a" * 64,
                kommune_nummer="4601",
                mime="application/pdf",
                size=10,
                title="Boligsosial handlingsplan 2021–2025",
                doc_type="boligsosial_handlingsplan",
                doc_type_evidence=[{"rule": "tittel", "text": "Boligsosial handlingsplan"}],
                language="nb",
                period_start=2021,
                period_end=2025,
                adopted_date=date(2021, 3, 12),
            )
        )
        s.flush()
        s.add(
            Fetch(
                run_id=run.id,
                kommune_nummer="4601",
                url="https://x/fil.ashx?id=1",
                status=200,
                sha256="a" * 64,
                etag='"abc"',
                anchor_text="Boligsosial handlingsplan",
            )
        )
        s.add(Page(document_sha256="a" * 64, number=1, text="Kommunen skal bygge rimelige boliger.", ocr=False))
        s.add(
            SignalHit(
                document_sha256="a" * 64,
                page_number=1,
                signal="rimelige_boliger",
                matched="rimelige boliger",
                sentence="Kommunen skal bygge rimelige boliger.",
                start=20,
                end=36,
                negated=False,
                commitment="vedtatt",
                analysis_version="v1",
            )
        )
        s.add(
            Entity(
                document_sha256="a" * 64,
                page_number=1,
                label="ORG",
                text="Husbanken",
                start=0,
                end=9,
                analysis_version="v1",
            )
        )
        s.add(
            Score(
                scope="kommune",
                kommune_nummer="4601",
                signal="rimelige_boliger",
                value=1.5,
                hits=1,
                analysis_version="v1",
            )
        )
        s.add(
            Flag(
                kommune_nummer="4601", indicator="robek", year=2024, value=1, threshold=1, flagged=True, source="ROBEK"
            )
        )
        s.add(Coverage(run_id=run.id, kommune_nummer="4601", pages_seen=12, errors={"http_500": 2}))
        s.add(ChangeEvent(kommune_nummer="4601", kind="new_plan", document_sha256="a" * 64))
        s.add(StageVersion(stage="extract", version="1"))
    with archive.session() as s:
        doc = s.get(Document, "a" * 64)
        assert doc is not None
        assert doc.adopted_date == date(2021, 3, 12)
        assert doc.doc_type_evidence[0]["rule"] == "tittel"
        assert doc.pages[0].text.startswith("Kommunen skal")
        assert s.scalar(select(Fetch.etag)) == '"abc"'
        assert s.scalar(select(Coverage.errors)) == {"http_500": 2}
        assert s.scalar(select(SignalHit.commitment)) == "vedtatt"
        assert s.get(Kommune, "4601").navn == "Bergen"


def test_foreign_keys_are_enforced(archive) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), archive.session() as s:
        s.add(Page(document_sha256="f" * 64, number=1, text="x"))


def test_upgrade_keeps_existing_data(settings: Settings) -> None:
    arch = open_archive(settings)
    with arch.session() as s:
        s.add(Kommune(nummer="0301", navn="Oslo", fylke="Oslo", nettside="https://www.oslo.kommune.no"))
    arch.dispose()
    # Reopening runs upgrade again: it must be a no-op that keeps the rows.
    arch = open_archive(settings)
    with arch.session() as s:
        assert s.get(Kommune, "0301").navn == "Oslo"
    assert current_revision(arch.engine) == head_revision()
    arch.dispose()


def test_upgrade_from_an_unstamped_pre_existing_file(tmp_path: Path) -> None:
    # A user points us at an empty SQLite file made by hand: we create the schema inside it.
    db = tmp_path / "existing.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE notes (x TEXT)").connection.commit()
    arch = open_archive(Settings(data_dir=tmp_path, database_url=f"sqlite:///{db}"))
    assert "kommune" in inspect(arch.engine).get_table_names()
    assert "notes" in inspect(arch.engine).get_table_names()
    arch.dispose()


def test_database_from_newer_schema_is_refused(settings: Settings) -> None:
    arch = open_archive(settings)
    with arch.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    arch.dispose()
    with pytest.raises(SchemaError, match="nyere enn denne versjonen"):
        open_archive(settings)


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a dir")
    with pytest.raises(SettingsError, match="ikke skrivbar"):
        open_archive(Settings(data_dir=blocker / "data"))
