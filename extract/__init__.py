"""Bytes to pages of text and plan metadata (PDF, HTML, DOCX, OCR)."""
