"""Follow and digest (issue 17): an analyst follows a kommune, a signal and a search from the web pages (the
write token protects it), each follow has an Atom feed, and the weekly digest — sent to a real SMTP server
on 127.0.0.1 (aiosmtpd) — lists what changed in what they follow, each item saying why it is there."""

from __future__ import annotations

import email
import re
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from boligarkiv.app.digest import build_digests, default_since, index_search, send_digests
from boligarkiv.db import Archive
from boligarkiv.models import ChangeEvent, Follow
from boligarkiv.web.app import create_app
from tools.loopback import free_port

from .webfixture import build


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_follow_from_the_pages_then_digest_by_email(archive: Archive, smtp: Any) -> None:
    shas = build(archive)
    archive.settings.write_token = "hemmelig"
    c = TestClient(create_app(archive.settings, archive))
    page = c.get("/kommune/4601").text
    assert 'action="/folg"' in page and "Følg Bergen" in page and "Følg signalet i alle kommuner" in page
    assert "Følg dette søket" in c.get("/", params={"q": "utleigebustad"}).text

    form = {"hva": "kommune", "verdi": "4601", "epost": "analytiker@example.no", "tilbake": "/kommune/4601"}
    assert c.post("/folg", data={**form, "token": "feil"}, follow_redirects=False).status_code == 401
    ok = c.post("/folg", data={**form, "token": "hemmelig"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/kommune/4601?fulgt=")
    assert "Du følger nå dette" in c.get(ok.headers["location"]).text
    c.post(
        "/folg", data={"hva": "signal", "verdi": "leie_til_eie", "epost": "analytiker@example.no", "token": "hemmelig"}
    )
    c.post("/folg", data={"hva": "sok", "verdi": "utleigebustad", "epost": "sok@example.no", "token": "hemmelig"})
    bad = c.post("/folg", data={"hva": "signal", "verdi": "tull", "epost": "a@b.no", "token": "hemmelig"})
    assert bad.status_code == 400 and "Ukjent signal" in bad.text

    with archive.session() as s:
        follows = {(f.email, f.kind, f.value): f.id for f in s.query(Follow)}
        assert ("analytiker@example.no", "kommune", "4601") in follows
        s.add(
            ChangeEvent(
                kommune_nummer="4601",
                kind="signal_appeared",
                document_sha256=shas[0],
                signal="leie_til_eie",
                detail="leie_til_eie finnes i ny versjon",
            )
        )
        s.add(ChangeEvent(kommune_nummer="4601", kind="new_document", document_sha256=shas[0], detail="ny"))
    feed = c.get(f"/feeds/folg/{follows[('analytiker@example.no', 'kommune', '4601')]}.atom")
    assert feed.status_code == 200 and "<entry>" in feed.text
    sig_feed = c.get(f"/feeds/folg/{follows[('analytiker@example.no', 'signal', 'leie_til_eie')]}.atom").text
    assert "Kom til: leie_til_eie" in sig_feed

    controller, inbox = smtp
    archive.settings.smtp_host, archive.settings.smtp_port = "127.0.0.1", controller.port
    digests = build_digests(archive, default_since(7), index_search(archive))
    assert send_digests(archive, digests) == 2
    by_to = {m["To"]: m for m in inbox.messages}
    mail = by_to["analytiker@example.no"]
    assert re.match(r"Boligarkiv: \d+ endringer siden \d\d\.\d\d\.\d{4}$", str(mail["Subject"]))
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Signal kom til: " in body and "Nytt dokument" in body
    # The event in Bergen that concerns leie-til-eie is there for both reasons, said once each.
    assert "du følger Bergen; du følger signalet" in body
    assert mail.get_body(preferencelist=("html",)) is not None
    search_mail = by_to["sok@example.no"].get_body(preferencelist=("plain",)).get_content()
    assert "treffer søket «utleigebustad»" in search_mail
    with archive.session() as s:
        assert all(f.last_sent_at is not None for f in s.query(Follow))
