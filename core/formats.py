"""The one registry of document formats, shared by the crawler and the extract stage: which kinds exist,
their MIME types, and how to recognise them — by magic bytes first and content type second, never by URL
suffix. Adding a format: a kind here (sniff and DOC_MIMES) and its reader in extract/formats.py."""

from __future__ import annotations

import io
import zipfile

DOC_MIMES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "odt": "application/vnd.oasis.opendocument.text",
    "html": "text/html",
}
DOCUMENT_CONTENT_TYPES = (
    "application/pdf",
    "application/octet-stream",
    "application/msword",
    "application/vnd.openxmlformats",
    "application/vnd.oasis",
    "application/x-pdf",
    "application/force-download",
    "binary/octet-stream",
)


def sniff(body: bytes, content_type: str | None = None) -> str:
    """Return pdf, docx, doc, odt, html, xml or other."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except zipfile.BadZipFile:
            return "other"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if "content.xml" in names and b"opendocument.text" in body[:200]:
            return "odt"
        return "other"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    ctype = (content_type or "").split(";")[0].strip().lower()
    stripped = head.lstrip().lower()
    if ctype in ("text/html", "application/xhtml+xml") or stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    if ctype in ("application/xml", "text/xml") or stripped.startswith(b"<?xml"):
        return "xml"
    return "other"


def looks_like_document_type(content_type: str | None) -> bool:
    ctype = (content_type or "").split(";")[0].strip().lower()
    return ctype.startswith(DOCUMENT_CONTENT_TYPES)


# An HTML plan in chapters is archived as one document: each page's main content behind this marker, which
# the extract stage splits on (one page of text per chapter).
CHAPTER_MARKER = "<!--boligarkiv:kapittel {url}-->"
CHAPTER_MARKER_RE = r"<!--boligarkiv:kapittel (\S+?)-->"
BUNDLE_MIME = "text/html; charset=utf-8; boligarkiv=kapitler"
