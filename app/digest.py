"""The weekly digest: for each analyst, what changed in what they follow — new and changed plans, plans
replaced, signals that appeared or disappeared, political cases, documents new to a followed search — each
item saying why it is there. Printed, or sent by e-mail over SMTP (`smtp_host`)."""

from __future__ import annotations

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from typing import Any

from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.lexicon import load_lexicon
from boligarkiv.models import ChangeEvent, Document, Follow, Kommune, utcnow

EVENT_TEXT = {
    "new_document": "Nytt dokument",
    "changed_document": "Endret dokument (ny versjon)",
    "plan_replaced": "Ny plan erstatter en eldre",
    "signal_appeared": "Signal kom til",
    "signal_disappeared": "Signal forsvant",
    "new_case": "Ny politisk sak",
}


@dataclass
class Item:
    key: str
    title: str
    what: str
    kommune: str
    link: str
    when: datetime
    why: list[str] = field(default_factory=list)


@dataclass
class Digest:
    email: str
    since: datetime
    items: list[Item]

    @property
    def subject(self) -> str:
        n = len(self.items)
        return f"Boligarkiv: {n} {'endring' if n == 1 else 'endringer'} siden {self.since:%d.%m.%Y}"

    def text(self) -> str:
        lines = [f"Endringer i det du følger i Boligarkiv siden {self.since:%d.%m.%Y}:", ""]
        for it in self.items:
            lines += [f"• {it.what}: {it.title} ({it.kommune})", f"  Hvorfor: {'; '.join(it.why)}", f"  {it.link}", ""]
        if not self.items:
            lines.append("Ingen endringer denne gangen.")
        lines += ["", "Du får denne e-posten fordi du følger kommuner, signaler eller søk i Boligarkiv."]
        return "\n".join(lines)

    def html(self) -> str:
        rows = "".join(
            f'<li><strong>{escape(it.what)}</strong>: <a href="{escape(it.link)}">{escape(it.title)}</a> '
            f"({escape(it.kommune)})<br><small>Hvorfor: {escape('; '.join(it.why))}</small></li>"
            for it in self.items
        )
        return (
            f'<html lang="nb"><body><p>Endringer i det du følger i Boligarkiv siden {self.since:%d.%m.%Y}:</p>'
            f"<ul>{rows or '<li>Ingen endringer denne gangen.</li>'}</ul></body></html>"
        )


def build_digests(archive: Archive, since: datetime, search: Any = None) -> list[Digest]:
    """One digest per e-mail address with follows. `search(query) -> [sha256]` answers followed searches."""
    base = archive.settings.web_base_url.rstrip("/")
    labels = {s.id: s.label for s in load_lexicon().signals}
    with archive.session() as s:
        names = {k.nummer: k.navn for k in s.scalars(select(Kommune))}
        follows = list(s.scalars(select(Follow).order_by(Follow.email, Follow.id)))
        events = list(s.scalars(select(ChangeEvent).where(ChangeEvent.created_at >= since)))
        docs = {d.sha256: d for d in s.scalars(select(Document).where(Document.first_seen >= since))}
        titles = {
            d.sha256: d.title or d.first_url or d.sha256[:12]
            for d in s.scalars(select(Document).where(Document.sha256.in_({e.document_sha256 for e in events})))
        }
    by_email: dict[str, dict[str, Item]] = defaultdict(dict)

    def add(email: str, key: str, item: Item, why: str) -> None:
        got = by_email[email].setdefault(key, item)
        if why not in got.why:
            got.why.append(why)

    for f in follows:
        if f.kind in ("kommune", "signal"):
            for e in events:
                if f.kind == "kommune" and e.kommune_nummer != f.value:
                    continue
                if f.kind == "signal" and e.signal != f.value:
                    continue
                what = EVENT_TEXT.get(e.kind, e.kind)
                if e.signal:
                    what = f"{what}: {labels.get(e.signal, e.signal)}"
                why = (
                    f"du følger {names.get(f.value, f.value)}"
                    if f.kind == "kommune"
                    else f"du følger signalet «{labels.get(f.value, f.value)}»"
                )
                item = Item(
                    f"e{e.id}",
                    titles.get(e.document_sha256 or "", e.detail or ""),
                    what,
                    names.get(e.kommune_nummer or "", ""),
                    f"{base}/dokument/{e.document_sha256}"
                    if e.document_sha256
                    else f"{base}/kommune/{e.kommune_nummer}",
                    e.created_at,
                )
                add(f.email, item.key, item, why)
        elif f.kind == "sok" and search is not None:
            for sha in search(f.value):
                d = docs.get(sha)
                if d is None:
                    continue  # matches, but not new in this period
                item = Item(
                    f"d{sha}",
                    d.title or d.first_url or sha[:12],
                    "Nytt dokument som treffer søket",
                    names.get(d.kommune_nummer or "", ""),
                    f"{base}/dokument/{sha}",
                    d.first_seen,
                )
                add(f.email, item.key, item, f"det treffer søket «{f.value}» som du følger")
    digests = [
        Digest(email, since, sorted(items.values(), key=lambda it: it.when, reverse=True))
        for email, items in sorted(by_email.items())
    ]
    return digests + [Digest(email, since, []) for email in sorted({f.email for f in follows} - set(by_email))]


def send_digests(archive: Archive, digests: list[Digest]) -> int:
    """Send each non-empty digest; returns how many were sent. Raises OSError/SMTPException on failure."""
    st = archive.settings
    if not st.smtp_host:
        raise RuntimeError("smtp_host er ikke satt (BOLIGARKIV_SMTP_HOST)")
    sent = 0
    seen: set[str] = set()
    with smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=30) as smtp:
        if st.smtp_starttls:
            smtp.starttls()
        if st.smtp_user:
            smtp.login(st.smtp_user, st.smtp_password or "")
        for d in digests:
            if not d.items or d.email in seen:
                continue
            seen.add(d.email)
            msg = EmailMessage()
            msg["Subject"] = d.subject
            msg["From"] = st.mail_from
            msg["To"] = d.email
            msg.set_content(d.text())
            msg.add_alternative(d.html(), subtype="html")
            smtp.send_message(msg)
            sent += 1
    with archive.session() as s:
        for f in s.scalars(select(Follow).where(Follow.email.in_(seen))):
            f.last_sent_at = utcnow()
    return sent


def index_search(archive: Archive) -> Any:
    """The followed-search answerer for `build_digests`: the archive's own search index."""
    from boligarkiv.index.query import parse_query
    from boligarkiv.index.stage import get_backend

    def search(q: str) -> list[str]:
        return [h.sha256 for h in get_backend(archive).search(parse_query(q), limit=100).hits]

    return search


def default_since(days: int = 7) -> datetime:
    return utcnow() - timedelta(days=days)
