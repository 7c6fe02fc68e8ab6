"""Bytes → raw page texts, per format. Errors are raised as ExtractError with a reason an analyst can read."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from typing import Any

from boligarkiv.formats import CHAPTER_MARKER_RE


class ExtractError(Exception):
    """A document that cannot be read; `reason` is a short machine-friendly kind."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class RawPage:
    number: int
    text: str
    ocr: bool = False


MIN_TEXT_CHARS = 25  # below this a page is treated as a scan and sent to OCR
OCR_DPI = 300
TABLE_MIN_PATHS = 6  # ruling lines: a page with this many path objects may hold a table


def pdf_pages(data: bytes, *, ocr: bool = True, max_pages: int = 5000) -> tuple[list[RawPage], str | None]:
    import pypdfium2 as pdfium

    if not data:
        raise ExtractError("empty", "zero bytes")
    try:
        # pdfium tries the empty user password itself, so «encrypted but openable» PDFs just work.
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        raise ExtractError("encrypted" if "password" in msg else "corrupt", str(exc)) from exc
    try:
        n = len(pdf)
        if n == 0:
            raise ExtractError("empty", "no pages")
        if n > max_pages:
            raise ExtractError("unsupported", f"too many pages: {n} > {max_pages}")
        title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
        pages: list[RawPage] = []
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if _may_hold_table(page):
                text = _grid_text(page, textpage) or text
            textpage.close()
            used_ocr = False
            if ocr and len(text.strip()) < MIN_TEXT_CHARS:
                ocr_text = _ocr_page(page)
                if ocr_text is not None and len(ocr_text.strip()) > len(text.strip()):
                    text, used_ocr = ocr_text, True
            page.close()
            pages.append(RawPage(i + 1, text, used_ocr))
        return pages, title
    finally:
        pdf.close()


def _may_hold_table(page: object) -> bool:
    import pypdfium2.raw as pdfium_c

    objects = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2)  # type: ignore[attr-defined]
    return any(n >= TABLE_MIN_PATHS for n, _ in enumerate(objects, start=1))


GRID_TOL = 2.0  # points: lines closer than this are one line


def _merge(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > GRID_TOL:
            out.append(v)
    return out


def _clean_cell(text: str) -> str:
    return " ".join(text.split())


def _grid_text(page: Any, textpage: Any) -> str | None:
    """A page with ruled tables (lattice): text outside the tables, plus one tab-separated line per row.

    pdfium reads a table cell by cell, one per line; an analyst (and the NLP stage) needs the row together.
    The grid comes from the page's path objects (ruling lines and cell rectangles) and each cell's text from
    pdfium, so a table page costs a few C calls instead of a pdfminer parse (pdfplumber took 45 ms a page,
    and a 400-page action table 17 s). Returns None when the paths form no grid.
    """
    import pypdfium2.raw as pdfium_c

    hs: list[tuple[float, float, float]] = []  # (y, x0, x1)
    vs: list[tuple[float, float, float]] = []  # (x, y0, y1)
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h <= GRID_TOL and w > 4 * GRID_TOL:
            hs.append(((bottom + top) / 2, left, right))
        elif w <= GRID_TOL and h > 2 * GRID_TOL:
            vs.append(((left + right) / 2, bottom, top))
        elif w > 4 * GRID_TOL and h > 2 * GRID_TOL:  # a cell drawn as a rectangle: its four edges
            hs += [(bottom, left, right), (top, left, right)]
            vs += [(left, bottom, top), (right, bottom, top)]
    if len(hs) < 2 or len(vs) < 2:
        return None
    ys = _merge([y for y, _, _ in hs])[::-1]  # top to bottom
    # Consecutive horizontal lines belong to one table when a vertical line spans the gap between them.
    tables: list[list[float]] = [[ys[0]]]
    for upper, lower in itertools.pairwise(ys):
        joined = any(y0 <= lower + GRID_TOL and y1 >= upper - GRID_TOL for _, y0, y1 in vs)
        if joined:
            tables[-1].append(lower)
        else:
            tables.append([lower])
    tables = [t for t in tables if len(t) >= 2]
    if not tables:
        return None
    width, height = page.get_size()
    blocks: list[str] = []
    above = height
    for rows in tables:
        top, bottom = rows[0], rows[-1]
        xs = _merge([x for x, y0, y1 in vs if y0 <= top + GRID_TOL and y1 >= bottom - GRID_TOL])
        if len(xs) < 2:
            continue
        blocks.append(textpage.get_text_bounded(0, top, width, above))
        for upper, lower in itertools.pairwise(rows):
            cells = [_clean_cell(textpage.get_text_bounded(x0, lower, x1, upper)) for x0, x1 in itertools.pairwise(xs)]
            if any(cells):
                blocks.append("\t".join(cells))
        # Text beside the table (a caption in the margin) keeps its place after the table.
        blocks.append(textpage.get_text_bounded(0, bottom, xs[0], top))
        blocks.append(textpage.get_text_bounded(xs[-1], bottom, width, top))
        above = bottom
    if len(blocks) == 0:
        return None
    blocks.append(textpage.get_text_bounded(0, 0, width, above))
    text = "\n".join(b.replace("\r\n", "\n").replace("\r", "\n").strip("\n") for b in blocks)
    return "\n".join(line for line in text.split("\n") if line.strip())


def _ocr_page(page: object) -> str | None:
    try:
        import pytesseract
    except ImportError:
        return None
    try:
        bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)  # type: ignore[attr-defined]
        image = bitmap.to_pil()
        return str(pytesseract.image_to_string(image, lang="nor", config="--psm 3"))
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError):
        return None


def decode_html(data: bytes, mime: str = "") -> str:
    """The charset recorded at fetch time wins; then a BOM or <meta charset>; then UTF-8 if the bytes are
    valid UTF-8; else windows-1252, which is what a Norwegian page without a declaration means in practice."""
    import codecs

    from w3lib.encoding import html_body_declared_encoding, read_bom

    candidates = []
    match = re.search(r"charset=([\w.:-]+)", mime or "", re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    bom, _ = read_bom(data)
    if bom:
        candidates.append(bom)
    declared = html_body_declared_encoding(data)
    if declared:
        candidates.append(declared)
    for name in candidates:
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        # Browsers read latin-1 and ascii declarations as windows-1252 (WHATWG), and so do we.
        if codec in ("latin-1", "iso8859-1", "ascii"):
            codec = "cp1252"
        return data.decode(codec, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def html_pages(data: bytes, mime: str = "") -> tuple[list[RawPage], str | None]:
    import trafilatura

    html = decode_html(data, mime)
    if re.search(CHAPTER_MARKER_RE, html):
        return chapter_pages(html)
    text = trafilatura.extract(html, include_tables=True, include_comments=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(html)
    if not text.strip():
        raise ExtractError("empty", "no main text in HTML")
    return [RawPage(1, text)], (meta.title if meta else None)


def chapter_pages(html: str) -> tuple[list[RawPage], str | None]:
    """A plan in chapters (one archived document): a page of text per chapter, in order; the title is the
    contents page's."""
    import trafilatura
    from lxml import html as lxml_html

    pieces = re.split(CHAPTER_MARKER_RE, html)
    title_match = re.search(r"<title>(.*?)</title>", pieces[0], re.S)
    title = " ".join(title_match.group(1).split()) if title_match else None
    pages: list[RawPage] = []
    for chunk in pieces[2::2]:
        chunk = re.sub(r"</body>\s*</html>\s*$", "", chunk)
        text = trafilatura.extract(
            f"<html><body>{chunk}</body></html>", include_tables=True, include_comments=False, favor_recall=True
        )
        if not text:
            try:
                text = lxml_html.fromstring(chunk).text_content()
            except (ValueError, TypeError):
                text = ""
        if text and text.strip():
            pages.append(RawPage(len(pages) + 1, text.strip()))
    if not pages:
        raise ExtractError("empty", "no text in the plan's chapters")
    return pages, (title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") if title else None)


def docx_pages(data: bytes) -> tuple[list[RawPage], str | None]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractError("corrupt", f"not a readable DOCX: {exc}") from exc
    parts: list[str] = []
    body = document.element.body
    # Walk paragraphs and tables in document order; tables become one line per row, cells tab-separated.
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in c.iter() if t.tag.endswith("}t"))
                        for c in row
                        if c.tag.endswith("}tc")
                    ]
                    parts.append("\t".join(cells))
    title = (document.core_properties.title or "").strip() or None
    return [RawPage(1, "\n".join(parts))], title


ODF = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def odt_pages(data: bytes) -> tuple[list[RawPage], str | None]:
    """OpenDocument text: headings and paragraphs in document order, tables one row per line (cells by tab).
    The file is a zip of XML, so lxml reads it without LibreOffice."""
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            content = z.read("content.xml")
            meta = z.read("meta.xml") if "meta.xml" in z.namelist() else b""
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ExtractError("corrupt", f"not a readable ODT: {exc}") from exc
    text_ns, table_ns = ODF["text"], ODF["table"]
    parts: list[str] = []
    body = root.find(f"{{{ODF['office']}}}body")
    for el in (body if body is not None else root).iter(
        f"{{{text_ns}}}h", f"{{{text_ns}}}p", f"{{{table_ns}}}table-row"
    ):
        if el.tag == f"{{{table_ns}}}table-row":
            cells = [" ".join("".join(c.itertext()).split()) for c in el if c.tag == f"{{{table_ns}}}table-cell"]
            parts.append("\t".join(cells))
        elif not any(a.tag == f"{{{table_ns}}}table-cell" for a in el.iterancestors()):
            parts.append("".join(el.itertext()))
    title = None
    if meta:
        try:
            found = etree.fromstring(meta, parser=etree.XMLParser(resolve_entities=False, no_network=True)).find(
                f".//{{{ODF['dc']}}}title"
            )
            title = (found.text or "").strip() or None if found is not None else None
        except etree.XMLSyntaxError:
            title = None
    text = "\n".join(parts)
    if not text.strip():
        raise ExtractError("empty", "no text in ODT")
    return [RawPage(1, text)], title


def doc_pages(data: bytes) -> tuple[list[RawPage], str | None]:
    """Word 97–2003 (.doc) through antiword (Debian package), which keeps paragraphs and reads Norwegian
    letters right with its UTF-8 map. Pages come as form feeds when the file has them."""
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("antiword")
    if exe is None:
        raise ExtractError("unsupported", "Word 97–2003 (.doc) needs antiword (setup.sh installs it)")
    with tempfile.NamedTemporaryFile(suffix=".doc") as fh:
        fh.write(data)
        fh.flush()
        run = subprocess.run(
            [exe, "-m", "UTF-8.txt", "-w", "0", fh.name], capture_output=True, timeout=120, check=False
        )
    if run.returncode != 0:
        detail = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractError("corrupt", f"antiword: {detail[0] if detail else run.returncode}")
    text = run.stdout.decode("utf-8", "replace")
    pages = [p for p in text.split("\f")] or [text]
    if not any(p.strip() for p in pages):
        raise ExtractError("empty", "no text in DOC")
    return [RawPage(i, p) for i, p in enumerate(pages, start=1) if p.strip()], None


def extract_pages(data: bytes, mime: str, *, ocr: bool = True) -> tuple[list[RawPage], str | None]:
    from boligarkiv.formats import sniff

    if not data:
        raise ExtractError("empty", "zero bytes")
    kind = sniff(data, mime)  # trust the bytes over the recorded content type
    if kind == "pdf":
        return pdf_pages(data, ocr=ocr)
    if kind == "docx":
        return docx_pages(data)
    if kind == "html":
        return html_pages(data, mime)
    if kind == "odt":
        return odt_pages(data)
    if kind == "doc":
        return doc_pages(data)
    raise ExtractError("unsupported", f"type {kind} ({mime})")
