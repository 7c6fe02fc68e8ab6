"""The egress guard against every spelling of a private address, and against DNS answers (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from twisted.internet.error import DNSLookupError

from boligarkiv.crawler.resolver import GuardedResolver
from boligarkiv.crawler.scope import is_private_host, may_enter

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    "http://127.1/plan.pdf",
    "http://0x7f000001/plan.pdf",
    "http://2130706433/plan.pdf",
    "http://0177.0.0.1/plan.pdf",
    "http://169.254.169.254./latest/meta-data/",
    "http://localhost./plan.pdf",
    "http://LOCALHOST/plan.pdf",
    "http://100.64.0.1/plan.pdf",
    "http://10.0.0.1/plan.pdf",
    "http://192.168.1.1:8080/plan.pdf",
    "http://[::1]/plan.pdf",
    "http://[::ffff:127.0.0.1]/plan.pdf",
    "http://0.0.0.0/plan.pdf",
    "http://printer.local/plan.pdf",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_every_private_spelling_is_refused_from_a_public_seed(url: str) -> None:
    assert is_private_host(url)
    assert not may_enter(url, seed_is_private=False)
    assert may_enter(url, seed_is_private=True)  # the local test web keeps working


@pytest.mark.parametrize("url", ["https://www.bergen.kommune.no/plan.pdf", "http://8.8.8.8/x", "http://1.1.1.1./x"])
def test_public_hosts_pass(url: str) -> None:
    assert not is_private_host(url)
    assert may_enter(url, seed_is_private=False)


RESOLVE = """
import sys
from twisted.internet import reactor
from boligarkiv.crawler.resolver import GuardedResolver
r = GuardedResolver(reactor, 0, 5.0)
r.allow_private = sys.argv[2] == "allow"
def done(result):
    print(type(result.value).__name__ + ": " + str(result.value) if hasattr(result, "value") else "OK " + result)
    reactor.stop()
reactor.callWhenRunning(lambda: r.getHostByName(sys.argv[1]).addBoth(done))
reactor.run()
"""


def resolve(name: str, allow: bool) -> str:
    run = subprocess.run(
        [sys.executable, "-c", RESOLVE, name, "allow" if allow else "deny"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_resolver_refuses_a_name_whose_answer_is_private() -> None:
    # «localhost» goes through the system resolver (/etc/hosts) to 127.0.0.1: the same path a public-looking
    # name with a private answer takes (localtest.me, nip.io, DNS rebinding). Only the answer is checked here.
    refused = resolve("localhost", allow=False)
    assert refused.startswith("DNSLookupError") and "privat adresse" in refused
    assert resolve("localhost", allow=True) == "OK 127.0.0.1"


def test_answer_check_covers_cgnat_and_link_local() -> None:
    for address in ("100.64.3.4", "169.254.169.254", "10.1.2.3", "::1", "fe80::1"):
        with pytest.raises(DNSLookupError):
            GuardedResolver._check(address, "example.org")
    assert GuardedResolver._check("93.184.216.34", "example.org") == "93.184.216.34"


def test_feeds_stay_well_formed_with_control_characters() -> None:
    from datetime import UTC, datetime
    from xml.etree import ElementTree

    from boligarkiv.web.atom import Entry, atom

    title = "Boligplan\x01 2024\x0b–2028 \ufffe"
    xml = atom(
        "urn:x",
        title,
        "http://127.0.0.1/f",
        "http://127.0.0.1/",
        [Entry("urn:e", title, "/d", datetime.now(UTC), "\x02")],
    )
    root = ElementTree.fromstring(xml.encode("utf-8"))
    ns = "{http://www.w3.org/2005/Atom}"
    assert root.find(f"{ns}entry/{ns}title").text == "Boligplan 2024–2028 "  # type: ignore[union-attr]
