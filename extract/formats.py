"""Bytes → raw page texts, per format. Errors are raised as ExtractError with a reason an analyst can read."""

from __future__ import annotations

import io
from dataclasses import dataclass


class ExtractError(Exception):
    """A document that cannot be read; `reason` is a short machine-friendly kind."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


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
            raise ExtractError("too_many_pages", f"{n} pages > {max_pages}")
        title = (pdf.get_metadata_dict().get("Title") or "").strip() or None
        pages: list[RawPage] = []
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            textpage.close()
            used_ocr = False
            if _may_hold_table(page):
                text = _with_tables(data, i) or text
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


def _with_tables(data: bytes, index: int) -> str | None:
    """pdfplumber for a page with ruled tables: text outside the tables plus one line per table row.

    pdfium reads a table cell by cell, one per line; an analyst (and the NLP stage) needs the row together.
    """
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[index]
        tables = page.find_tables()
        if not tables:
            return None
        blocks: list[tuple[float, str]] = []
        outside = page
        for table in tables:
            x0, top, x1, bottom = table.bbox
            outside = outside.outside_bbox((x0, top, x1, bottom))
            rows = ["\t".join(" ".join((cell or "").split()) for cell in row) for row in table.extract()]
            blocks.append((top, "\n".join(rows)))
        for line in outside.extract_text_lines(return_chars=False):
            blocks.append((line["top"], line["text"]))
        return "\n".join(text for _, text in sorted(blocks, key=lambda b: b[0]))


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


def html_pages(data: bytes) -> tuple[list[RawPage], str | None]:
    import trafilatura

    html = data.decode("utf-8", errors="replace")
    text = trafilatura.extract(html, include_tables=True, include_comments=False, favor_precision=True) or ""
    meta = trafilatura.extract_metadata(html)
    if not text.strip():
        raise ExtractError("empty", "no main text in HTML")
    return [RawPage(1, text)], (meta.title if meta else None)


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


def extract_pages(data: bytes, mime: str, *, ocr: bool = True) -> tuple[list[RawPage], str | None]:
    from crawler.sniff import sniff

    kind = sniff(data, mime)  # trust the bytes over the recorded content type
    if kind == "pdf":
        return pdf_pages(data, ocr=ocr)
    if kind == "docx":
        return docx_pages(data)
    if kind == "html":
        return html_pages(data)
    if not data:
        raise ExtractError("empty", "zero bytes")
    raise ExtractError("unsupported", f"type {kind} ({mime})")
