"""A fixture archive for the report and web tests: documents analysed and indexed by the real stages,
flags, a crawl run with its coverage ledger and change events."""

from __future__ import annotations

from datetime import date

from boligarkiv.db import Archive
from boligarkiv.index.stage import run_index
from boligarkiv.models import ChangeEvent, Coverage, Document, Fetch, Flag, Page, Run
from boligarkiv.nlp.stage import run_analyse

YEAR = date.today().year
DOCS = [
    (
        "4601",
        "boligsosial_handlingsplan",
        "nb",
        (YEAR - 2, YEAR + 2),
        "Boligsosial handlingsplan for Bergen",
        [
            "Boligsosial handlingsplan for Bergen kommune.",
            "Kommunen skal etablere en leie-til-eie-modell for barnefamilier. Kommunen vil samarbeide med OBOS og "
            "lokale utbyggere om 50 nye utleieboliger.",
            "Startlån skal brukes aktivt. Det er ikke aktuelt med deleie i denne perioden.",
        ],
    ),
    (
        "4621",
        "boligsosial_handlingsplan",
        "nn",
        (YEAR - 3, YEAR + 1),
        "Bustadsosial handlingsplan for Voss",
        [
            "Bustadsosial handlingsplan for Voss herad.",
            "Kommunen eig 87 kommunale utleigebustader. Det skal byggjast nye utleigebustader.",
            "Kommunen vil prøve ut leige til eige saman med Husbanken.",
        ],
    ),
    (
        "0301",
        "boligplan",
        "nb",
        (2012, 2016),
        "Boligplan 2012–2016 for Oslo",
        ["Boligplan for Oslo kommune.", "Det er ikke aktuelt med deleie. Kommunen har etablert en tomtebank."],
    ),
]


def build(archive: Archive, *, with_flags: bool = True) -> list[str]:
    """Fill the archive; return the documents' sha256 in DOCS order."""
    shas = [archive.blobs.put(f"%PDF-1.4 fixture {k} {title}".encode()) for k, _, _, _, title, _ in DOCS]
    with archive.session() as s:
        run = Run(kind="crawl", code_version="test", status="ok", stats={"pages": 12})
        s.add(run)
        s.flush()
        for sha, (k, dtype, lang, (a, b), title, pages) in zip(shas, DOCS, strict=True):
            s.add(
                Document(
                    sha256=sha,
                    kommune_nummer=k,
                    mime="application/pdf",
                    size=100,
                    title=title,
                    doc_type=dtype,
                    language=lang,
                    period_start=a,
                    period_end=b,
                    extract_version="extract-1",
                    first_url=f"https://kommune.example/{k}/plan.pdf",
                    page_count=len(pages),
                    doc_type_evidence=[{"kilde": "tittel", "treff": title, "utdrag": title}],
                )
            )
            s.flush()
            s.add_all(Page(document_sha256=sha, number=i, text=t) for i, t in enumerate(pages, start=1))
            s.add(
                Fetch(
                    run_id=run.id,
                    kommune_nummer=k,
                    url=f"https://kommune.example/{k}/plan.pdf",
                    status=200,
                    sha256=sha,
                    anchor_text=title,
                )
            )
            s.add(ChangeEvent(kommune_nummer=k, kind="new_document", document_sha256=sha, detail=title))
            s.add(Coverage(run_id=run.id, kommune_nummer=k, pages_seen=7, documents_found=1, new_documents=1))
        s.add(
            Coverage(
                run_id=run.id, kommune_nummer="1841", pages_seen=0, reason="site_unreachable", errors={"http_500": 1}
            )
        )
        if with_flags:
            s.add(
                Flag(
                    kommune_nummer="4601",
                    indicator="lanegjeld_vekst",
                    year=2024,
                    value=12.0,
                    threshold=10.0,
                    flagged=True,
                    source="SSB tabell 12134",
                )
            )
            s.add(
                Flag(
                    kommune_nummer="4601",
                    indicator="netto_driftsresultat",
                    year=2024,
                    value=None,
                    threshold=1.75,
                    flagged=None,
                    missing=True,
                    source="SSB tabell 12134",
                )
            )
            s.add(
                Flag(
                    kommune_nummer="0301",
                    indicator="robek",
                    year=2024,
                    value=1.0,
                    threshold=1.0,
                    flagged=True,
                    source="ROBEK (regjeringen.no)",
                )
            )
    run_analyse(archive, workers=1)
    run_index(archive)
    return shas
