"""Atom 1.0 feeds: new or changed plans (all, per kommune) and documents matching a saved search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

# Characters XML 1.0 forbids (C0 controls except tab/newline/CR, lone surrogates, U+FFFE/FFFF): a PDF title
# with «\x01» in it must not make the whole feed ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def escape(value: str) -> str:
    return _escape(xml_text(value))


def quoteattr(value: str) -> str:
    return _quoteattr(xml_text(value))


@dataclass
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    summary: str


def _ts(dt: datetime) -> str:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def atom(feed_id: str, title: str, self_link: str, alternate: str, entries: list[Entry]) -> str:
    updated = max((e.updated for e in entries), default=datetime.now(UTC))
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nb">',
        f"<id>{escape(feed_id)}</id>",
        f"<title>{escape(title)}</title>",
        f"<updated>{_ts(updated)}</updated>",
        f'<link rel="self" href={quoteattr(self_link)}/>',
        f'<link rel="alternate" href={quoteattr(alternate)}/>',
        "<author><name>Boligarkiv</name></author>",
    ]
    for e in entries:
        parts += [
            "<entry>",
            f"<id>{escape(e.id)}</id>",
            f"<title>{escape(e.title)}</title>",
            f"<link href={quoteattr(e.link)}/>",
            f"<updated>{_ts(e.updated)}</updated>",
            f"<summary>{escape(e.summary)}</summary>",
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts)
