"""Extraction on generated PDFs, DOCX and HTML, metadata, hostile input and the stage over the archive."""

from __future__ import annotations

import difflib
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from boligarkiv.db import Archive
from boligarkiv.extract.clean import clean_pages, dehyphenate
from boligarkiv.extract.formats import ExtractError, extract_pages
from boligarkiv.extract.metadata import extract_metadata
from boligarkiv.extract.stage import EXTRACT_VERSION, extract_one, run_extract
from boligarkiv.language import detect_language
from boligarkiv.models import Document, Page
from boligarkiv.workers import Job, run_pool

# The archive tests run on SQLite and on PostgreSQL (issue 18).
pytestmark = pytest.mark.engines("sqlite", "postgresql")

NB_TEXT = [
    "Boligsosial handlingsplan 2021–2025 for Fauske kommune",
    "Vedtatt i kommunestyret 12.03.2021.",
    "Kommunen skal bidra til at flere vanskeligstilte på boligmarkedet kan eie sin egen bolig.",
    "Det er et mål å etablere en modell for leie-til-eie i samarbeid med Husbanken og lokale utbyggere.",
    "Ventelisten for kommunale utleieboliger har økt fra 42 til 67 husstander siden 2019.",
]
NN_TEXT = [
    "Bustadsosial handlingsplan 2020–2024 for Voss herad",
    "Vedteke i heradsstyret 4. mars 2020.",
    "Kommunen skal bidra til at fleire vanskelegstilte på bustadmarknaden kan eige eigen bustad.",
    "Det er eit mål å prøve ut ein modell for leige til eige saman med Husbanken.",
    "Kommunen har ikkje prioritert sal av kommunale bustader i denne perioden.",
]


def similarity(a: str, b: str) -> float:
    norm = lambda s: " ".join(s.split())  # noqa: E731 - layout whitespace is not content
    return difflib.SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


def pdf_with_pages(
    pages: list[list[str]], header: str | None = None, footer: bool = False, encrypt: object = None
) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    for n, lines in enumerate(pages, start=1):
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(72, 800, header)
        if footer:
            c.setFont("Helvetica", 8)
            c.drawString(290, 40, f"Side {n} av {len(pages)}")
        y = 760
        c.setFont("Helvetica", 11)
        for line in lines:
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


def test_born_digital_pages_match_the_source() -> None:
    pages = [
        NB_TEXT,
        [s.replace("Kommunen", "Bydelen") for s in NB_TEXT[2:]],
        NN_TEXT[2:],
        ["Tabell 3 viser antall boliger per 1000 innbyggere.", "Andelen leietakere er 24 prosent."],
    ]
    data = pdf_with_pages(pages, header="Fauske kommune – Boligsosial handlingsplan", footer=True)
    raw, _ = extract_pages(data, "application/pdf")
    texts = clean_pages([p.text for p in raw])
    assert len(texts) == 4 and not any(p.ocr for p in raw)
    for got, src in zip(texts, pages, strict=True):
        assert similarity(got, "\n".join(src)) >= 0.99, got
        assert ("Side " not in got and "Fauske kommune – Boligsosial" not in got.split("\n")[0]) or got.startswith(
            "Boligsosial"
        )


def test_hyphenation_joined_but_real_hyphens_kept() -> None:
    text = "Kommunens bolig-\nsosiale arbeid omfatter leie-til-eie og\nbolig- og tomtepolitikk.\nSe kapit-\n3."
    out = dehyphenate(text)
    assert "boligsosiale" in out
    assert "leie-til-eie" in out
    assert "bolig- og tomtepolitikk" in out.replace("\n", " ")
    data = pdf_with_pages([["Det trengs flere utleie-", "boliger for leie-til-eie-modellen."]])
    raw, _ = extract_pages(data, "application/pdf")
    cleaned = clean_pages([p.text for p in raw])[0]
    assert "utleieboliger" in cleaned and "leie-til-eie-modellen" in cleaned


def test_ligatures_and_odd_whitespace_are_normalised() -> None:
    out = clean_pages(["Of\ufb01sielt\u00a0vedtatt\u200b plan\u2003med  \ufb02ere boliger"])[0]
    assert out == "Offisielt vedtatt plan med flere boliger"


def test_scanned_page_is_ocred() -> None:
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (setup.sh installs tesseract-ocr and tesseract-ocr-nor)")
    import reportlab
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf"), 34)
    lines = NB_TEXT[2:5]
    img = Image.new("L", (2480, 900), 255)
    draw = ImageDraw.Draw(img)
    wrapped: list[str] = []
    for line in lines:
        words, cur = line.split(), ""
        for w in words:
            if draw.textlength(f"{cur} {w}", font=font) > 2200:
                wrapped.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}".strip()
        wrapped.append(cur)
    for i, line in enumerate(wrapped):
        draw.text((120, 80 + i * 60), line, font=font, fill=0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 0, 500, width=595, height=216)
    c.showPage()
    c.save()
    raw, _ = extract_pages(buf.getvalue(), "application/pdf")
    assert raw[0].ocr is True
    text = clean_pages([raw[0].text])[0]
    assert similarity(text, " ".join(lines)) >= 0.95, text


def test_docx_and_html() -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "Boligplan 2022–2030"
    d.add_paragraph("Boligplan 2022–2030 for Molde kommune")
    d.add_paragraph("Kommunen skal bygge rimelige boliger.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "År", "Boliger"
    table.cell(1, 0).text, table.cell(1, 1).text = "2024", "50"
    buf = io.BytesIO()
    d.save(buf)
    raw, title = extract_pages(buf.getvalue(), "application/octet-stream")
    assert title == "Boligplan 2022–2030"
    assert "Kommunen skal bygge rimelige boliger." in raw[0].text
    assert "År\tBoliger\n2024\t50" in raw[0].text  # tables stay rows

    html = (
        "<html><head><title>Boligsosial handlingsplan</title></head><body><nav>Meny Forside Kontakt</nav>"
        "<main><h1>Boligsosial handlingsplan 2023–2027</h1>"
        + "".join(f"<p>{s}</p>" for s in NB_TEXT[2:])
        + "</main><footer>Personvern</footer></body></html>"
    )
    raw, _ = extract_pages(html.encode(), "text/html")
    assert "leie-til-eie" in raw[0].text and "Personvern" not in raw[0].text


def test_metadata_on_fixtures() -> None:
    meta = extract_metadata(["\n".join(NB_TEXT)])
    assert meta.doc_type == "boligsosial_handlingsplan"
    assert meta.doc_type_evidence[0]["kilde"] == "tittel"
    assert (meta.period_start, meta.period_end) == (2021, 2025)
    assert meta.adopted_date.isoformat() == "2021-03-12" and meta.adopted_by == "kommunestyret"
    assert meta.language == "nb"
    nn = extract_metadata(["\n".join(NN_TEXT)])
    assert nn.language == "nn" and nn.doc_type == "boligsosial_handlingsplan"
    assert nn.adopted_date.isoformat() == "2020-03-04" and nn.adopted_by == "heradsstyret"
    other = extract_metadata(["Møteprotokoll\nKommunestyret 14.02.2024\nSak 12/24 Godkjenning av protokoll"])
    assert other.doc_type == "saksdokument"
    assert extract_metadata(["for perioden 2020 til 2024 skal kommunen ..."]).period_start == 2020
    assert extract_metadata(["Kommuneplanens samfunnsdel 2019-31"]).period_end == 2031


def test_language_detection_on_ud_bokmal_sample() -> None:
    from .conftest import shared_data

    path = shared_data("ud_nb", "no_bokmaal-ud-test.conllu")
    docs, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# text = "):
            cur.append(line[9:])
            if len(cur) == 20:
                docs.append(" ".join(cur))
                cur = []
    assert len(docs) > 50
    right = sum(detect_language(d)[0] == "nb" for d in docs)
    assert right / len(docs) >= 0.97


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n garbage garbage", "corrupt"),
        (b"GIF89a\x00\x00", "unsupported"),
    ],
)
def test_bad_input_gives_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractError) as err:
        extract_pages(data, "application/pdf")
    assert err.value.reason == reason


def test_encrypted_and_truncated_pdfs() -> None:
    locked = pdf_with_pages([NB_TEXT], encrypt="hemmelig")
    with pytest.raises(ExtractError) as err:
        extract_pages(locked, "application/pdf")
    assert err.value.reason == "encrypted"
    good = pdf_with_pages([NB_TEXT, NB_TEXT])
    with pytest.raises(ExtractError):
        extract_pages(good[: len(good) // 3], "application/pdf")


def _hang(job: Job) -> None:
    time.sleep(60)


def _bomb(job: Job) -> bytes:
    return bytes(4 << 30)  # 4 GiB: over the per-document limit


def _echo(job: Job) -> int:
    return len(job.data)


def test_pool_survives_hang_bomb_and_crash() -> None:
    jobs = [Job("ok1", b"abc", ""), Job("hang", b"", ""), Job("ok2", b"abcd", "")]
    started = time.monotonic()
    results = {
        o.key: o for o in run_pool(lambda j: _hang(j) if j.key == "hang" else _echo(j), jobs, workers=2, timeout=2)
    }
    assert time.monotonic() - started < 20
    assert results["ok1"].result == 3 and results["ok2"].result == 4
    assert results["hang"].error.startswith("timeout")
    bomb = next(run_pool(_bomb, [Job("bomb", b"", "")], workers=1, timeout=30, mem_bytes=1 << 30))
    assert bomb.error.startswith("memory")
    crash = next(run_pool(lambda j: os._exit(3), [Job("crash", b"", "")], workers=1, timeout=10))
    assert crash.error.startswith("crashed")


def test_stage_over_archive_records_errors_and_reextracts_when_stale(archive: Archive) -> None:
    good = pdf_with_pages([NB_TEXT, NB_TEXT[2:]])
    with archive.session() as s:
        for data, mime in [
            (good, "application/pdf"),
            (b"%PDF-1.4 broken", "application/pdf"),
            (b"", "application/pdf"),
        ]:
            sha = archive.blobs.put(data)
            s.add(Document(sha256=sha, kommune_nummer="1841", mime=mime, size=len(data)))
    result = run_extract(archive, workers=2)
    assert result["ok"] == 1 and result["errors"] == 2
    with archive.session() as s:
        docs = {d.sha256: d for d in s.query(Document)}
        ok = docs[archive.blobs.put(good)]
        assert ok.doc_type == "boligsosial_handlingsplan" and ok.page_count == 2
        assert ok.extract_version == EXTRACT_VERSION
        assert {d.extract_error.split(":")[0] for d in docs.values() if d.extract_error} == {"corrupt", "empty"}
        assert s.query(Page).count() == 2
    # Idempotent: nothing to do on a second run.
    assert run_extract(archive)["documents"] == 0
    # A version change makes the work stale; --stale redoes it without duplicating pages.
    with archive.session() as s:
        for d in s.query(Document):
            d.extract_version = "extract-0"
    assert run_extract(archive)["documents"] == 0
    again = run_extract(archive, stale=True)
    assert again["documents"] == 3 and again["ok"] == 1
    with archive.session() as s:
        assert s.query(Page).count() == 2
    # The original bytes are untouched.
    assert archive.blobs.get(archive.blobs.put(good)) == good


def test_show_command_prints_metadata_and_pages(archive: Archive, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from boligarkiv.app.cli import app

    data = pdf_with_pages([NN_TEXT])
    with archive.session() as s:
        sha = archive.blobs.put(data)
        s.add(Document(sha256=sha, kommune_nummer="4621", mime="application/pdf", size=len(data)))
    run_extract(archive, workers=1)
    out = CliRunner().invoke(
        app,
        ["--data-dir", str(archive.settings.data_dir), "show", sha[:12], "--format", "json"],
        env={"BOLIGARKIV_DATABASE_URL": archive.settings.database_url or ""},  # the same archive on either engine
    )
    assert out.exit_code == 0, out.output
    import json

    doc = json.loads(out.stdout)
    assert doc["language"] == "nn" and doc["doc_type"] == "boligsosial_handlingsplan"
    assert doc["doc_type_evidence"][0]["treff"].lower().startswith("bustadsosial")
    assert "leige til eige" in doc["pages"][0]["text"]


def test_tables_are_kept_as_rows() -> None:
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    rows = [
        ["Tiltak", "Ansvar", "Frist"],
        ["Etablere leie-til-eie", "Boligkontoret", "2024"],
        ["Bygge 50 utleieboliger", "Eiendom", "2026"],
    ]
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(buf, pagesize=A4).build(
        [
            Paragraph("Handlingsdel", styles["Heading1"]),
            Paragraph("Tabellen viser tiltakene.", styles["Normal"]),
            table,
            Paragraph("Etter tabellen.", styles["Normal"]),
        ]
    )
    raw, _ = extract_pages(buf.getvalue(), "application/pdf")
    text = clean_pages([raw[0].text])[0]
    assert "Etablere leie-til-eie\tBoligkontoret\t2024" in text
    assert text.index("Tabellen viser") < text.index("Tiltak\tAnsvar") < text.index("Etter tabellen")


def test_two_column_page_reads_column_by_column() -> None:
    left = NB_TEXT[2:5]
    right = [s.replace("Kommunen", "Fylket") for s in NN_TEXT[2:5]]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 9)
    for x, column in ((50, left), (310, right)):
        y = 780
        for sentence in column:
            words, line = sentence.split(), ""
            for w in words:
                if c.stringWidth(f"{line} {w}", "Helvetica", 9) > 230:
                    c.drawString(x, y, line)
                    y -= 12
                    line = w
                else:
                    line = f"{line} {w}".strip()
            c.drawString(x, y, line)
            y -= 18
    c.showPage()
    c.save()
    raw, _ = extract_pages(buf.getvalue(), "application/pdf")
    text = clean_pages([raw[0].text])[0]
    assert similarity(text, " ".join(left + right)) >= 0.99, text


def test_mislabelled_content_type_is_read_by_its_bytes() -> None:
    data = pdf_with_pages([NB_TEXT])
    raw, _ = extract_pages(data, "text/html; charset=utf-8")
    assert "leie-til-eie" in raw[0].text


def test_2000_page_pdf_is_extracted_within_bounds() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(2000):
        c.setFont("Helvetica", 11)
        c.drawString(72, 760, f"Kapittel {n}: kommunen skal bygge rimelige boliger.")
        c.showPage()
    c.save()
    started = time.monotonic()
    out = next(run_pool(_extract_job, [Job("big", buf.getvalue(), "application/pdf")], workers=1, timeout=120))
    assert out.error is None, out.error
    assert len(out.result) == 2000 and "Kapittel 1999" in out.result[-1]
    assert time.monotonic() - started < 60


def _extract_job(job: Job) -> list[str]:
    raw, _ = extract_pages(job.data, job.mime)
    return [p.text for p in raw]


def test_decompression_bomb_is_bounded() -> None:
    import zlib

    # One page whose content stream inflates to 1.5 GiB of spaces from about 1.5 MiB on disk.
    comp = zlib.compressobj(9)
    chunk = b" " * (64 << 20)
    stream = b"".join(comp.compress(chunk) for _ in range(24)) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    bomb = out.getvalue()
    assert len(bomb) < 8 << 20
    good = pdf_with_pages([NB_TEXT])
    results = {
        o.key: o
        for o in run_pool(
            _extract_job,
            [Job("bomb", bomb, "application/pdf"), Job("good", good, "application/pdf")],
            workers=2,
            timeout=30,
            mem_bytes=768 << 20,
        )
    }
    # Either refused in bounds (memory, time, crash of its own process) or read as the empty page it is;
    # never more than the limits, and the other document is unharmed.
    bomb_out = results["bomb"]
    assert bomb_out.error is None or bomb_out.error.split(":")[0] in {"memory", "timeout", "crashed"}
    assert results["good"].error is None and "leie-til-eie" in results["good"].result[0]


def test_pdf_encrypted_with_empty_user_password_opens() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    data = pdf_with_pages([NB_TEXT], encrypt=StandardEncryption("", ownerPassword="kommunen", canModify=0))
    assert b"/Encrypt" in data
    raw, _ = extract_pages(data, "application/pdf")
    assert similarity(raw[0].text, "\n".join(NB_TEXT)) >= 0.99


def test_long_table_plan_keeps_rows_on_every_page() -> None:
    """Quadratic tables (issue 13, item 7): pdfplumber reopened the PDF for every table page (400 pages: 64 s).
    Tables now come from pdfium's own grid and text (bench/extract.py times 50–400 pages)."""
    from boligarkiv.app.testweb.texts import make_table_pdf

    raw, _ = extract_pages(make_table_pdf(40), "application/pdf")
    assert len(raw) == 40
    for n in (1, 20, 40):
        text = raw[n - 1].text
        assert text.startswith(f"Handlingsdel, side {n}\nTiltak\tAnsvar\tFrist\n")
        assert f"Tiltak {n}.12: bygge utleieboliger\tEiendom\t2025" in text


@pytest.mark.parametrize(
    "mime, declaration",
    [
        ("text/html; charset=windows-1252", ""),  # the HTTP header, kept by the crawler with the document
        ("text/html", '<meta charset="iso-8859-1">'),  # latin-1 declared: read as windows-1252, as browsers do
        ("text/html", ""),  # nothing declared and not UTF-8
    ],
)
def test_windows_1252_html_is_not_garbled(mime: str, declaration: str) -> None:
    body = " ".join(["Bærum kommune skal bygge flere utleieboliger for vanskeligstilte – «leie før eie»."] * 20)
    html = f"<html><head>{declaration}<title>Boligplan for Bærum</title></head><body><article><h1>Boligplan"
    html += f"</h1><p>{body}</p><p>{body}</p></article></body></html>"
    raw, title = extract_pages(html.encode("cp1252"), mime)
    assert "Bærum kommune skal bygge" in raw[0].text and "«leie før eie»" in raw[0].text
    assert "\ufffd" not in raw[0].text + (title or "")


def test_one_error_vocabulary_without_repeated_prefixes() -> None:
    from boligarkiv.vocabulary import ERROR_KINDS
    from boligarkiv.workers import error_text

    assert error_text(ExtractError("corrupt", "not a readable DOCX")) == "corrupt: not a readable DOCX"
    assert error_text(AttributeError("'NoneType' object has no attribute 'x'")).startswith("corrupt: AttributeError")
    from lxml import etree

    try:
        etree.fromstring(b"<a><b></a>")
    except etree.XMLSyntaxError as exc:
        assert error_text(exc).startswith("corrupt: XMLSyntaxError")
    outcomes = list(
        run_pool(extract_one, [Job("zero", b"", "application/pdf"), Job("gif", b"GIF89a", "image/gif")], workers=1)
    )
    errors = {o.key: o.error or "" for o in outcomes}
    assert errors["zero"].startswith("empty: ") and errors["gif"].startswith("unsupported: ")
    assert all(e.split(":")[0] in ERROR_KINDS and ": " not in e.split(": ", 1)[1][:12] for e in errors.values())


@pytest.mark.parametrize("generic", ["Word Document", "Microsoft Word - Dokument1", "Untitled", "plan_v3.docx"])
def test_authoring_tool_titles_are_not_titles(generic: str) -> None:
    from boligarkiv.extract.metadata import guess_title

    assert (
        guess_title(["Boligsosial handlingsplan 2024–2028\nInnledning"], generic)
        == "Boligsosial handlingsplan 2024–2028"
    )
    assert guess_title(["x"], "Microsoft Word - Boligplan for Voss.docx") == "Boligplan for Voss"


def make_odt(paragraphs: list[str], rows: list[list[str]], title: str) -> bytes:
    """A minimal OpenDocument text file as the format defines it: a zip with an uncompressed mimetype first."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    )
    body = f'<text:h text:outline-level="1">{escape(title)}</text:h>'
    body += "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    body += (
        "<table:table>"
        + "".join(
            "<table:table-row>"
            + "".join(f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>" for c in row)
            + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
    )
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>'
    content += body + "</office:text></office:body></office:document-content>"
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<office:meta><dc:title>{escape(title)}</dc:title></office:meta></office:document-meta>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("meta.xml", meta, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_odt_is_extracted_with_tables_as_rows() -> None:
    data = make_odt(
        ["Bustadsosial handlingsplan for Voss herad.", "Heradet skal vurdere leige til eige."],
        [["Tiltak", "Ansvar"], ["Etablere leige til eige", "Bustadkontoret"]],
        "Bustadsosial handlingsplan 2024–2028",
    )
    outcome = next(run_pool(extract_one, [Job("odt", data, "application/vnd.oasis.opendocument.text")], workers=1))
    assert outcome.error is None, outcome.error
    text = outcome.result["pages"][0][1]
    assert "Heradet skal vurdere leige til eige." in text and "Etablere leige til eige\tBustadkontoret" in text
    assert outcome.result["meta"]["title"] == "Bustadsosial handlingsplan 2024–2028"
    assert outcome.result["meta"]["doc_type"] == "boligsosial_handlingsplan"


def test_word_97_doc_goes_through_antiword() -> None:
    import shutil

    if shutil.which("antiword") is None:
        pytest.skip("antiword is not installed (setup.sh installs it)")
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600  # an OLE header and nothing Word can read
    with pytest.raises(ExtractError) as err:
        extract_pages(broken, "application/msword")
    assert err.value.reason == "corrupt" and "antiword" in str(err.value)
