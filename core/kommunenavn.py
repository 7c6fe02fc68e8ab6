"""Attribute a document found outside a kommune's own site (Husbanken's library) to a kommune."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class KommuneRef:
    nummer: str
    navn: str
    fylke: str
    old_numbers: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()  # Sami, Kven or Norwegian forms: Hábmer is also Hamarøy


def base_name(navn: str) -> str:
    """«Våler (Innlandet)» → «Våler»: the seeds disambiguate shared names in parentheses."""
    return re.sub(r"\s*\(.*\)\s*$", "", navn)


class KommuneMatcher:
    def __init__(self, kommuner: list[KommuneRef]) -> None:
        self.by_number: dict[str, KommuneRef] = {}
        for k in kommuner:
            self.by_number[k.nummer] = k
            for old in k.old_numbers:
                self.by_number.setdefault(old, k)
        self.by_name: dict[str, list[KommuneRef]] = defaultdict(list)
        for k in kommuner:
            for name in {base_name(k.navn), *k.other_names}:
                self.by_name[name.casefold()].append(k)
        names = sorted(self.by_name, key=len, reverse=True)
        self.name_re = re.compile(r"(?<![\wæøå-])(" + "|".join(re.escape(n) for n in names) + r")(?![\wæøå-])", re.I)

    def match(self, text: str) -> KommuneRef | None:
        """A kommunenummer in context wins; else a unique kommune name (with fylke to break ties)."""
        for m in re.finditer(r"(?:kommunenummer|kommunenr\.?|knr\.?)\s*:?\s*(\d{4})", text, re.I):
            if m.group(1) in self.by_number:
                return self.by_number[m.group(1)]
        folded = text.casefold()
        found: list[KommuneRef] = []
        for m in self.name_re.finditer(text):
            for k in self.by_name[m.group(1).casefold()]:
                if k not in found:
                    found.append(k)
        # Prefer names followed by «kommune»/«herad»; then unique names; then fylke to disambiguate.
        strong = [
            k
            for k in found
            if any(
                re.search(re.escape(name.casefold()) + r"\s+(kommune|herad|kommunes)", folded)
                for name in (base_name(k.navn), *k.other_names)
            )
        ]
        for pool in (strong, found):
            if len(pool) == 1:
                return pool[0]
            if len(pool) > 1:
                in_fylke = [k for k in pool if k.fylke.casefold() in folded]
                if len(in_fylke) == 1:
                    return in_fylke[0]
        return None
