"""Negation scope and commitment level for a signal hit, from the words around it in its sentence.

Negation: a cue (ikke, ikkje, ingen, aldri, verken/korkje ...) up to six tokens before the hit, or up to
five after it («leie-til-eie er ikke aktuelt»), without crossing a clause boundary (men, at, ;, :).
«ikke bare», «ikkje berre», «ikke minst», «ikke-kommersiell» and «ikke tvil» are not negations.

Commitment (strongest claim the sentence makes about the signal): vurderes («vurdere», «utrede», «kan»)
wins over the rest because «skal vurdere» promises only a look; then gjennomført (done: «har etablert»,
«ble innført»), vedtatt («skal», «er vedtatt»), intensjon («vil», «ønsker», «mål»), else nevnt.
"""

from __future__ import annotations

from spacy.strings import get_string_id
from spacy.tokens import Span

NEG_CUES = {
    "ikke",
    "ikkje",
    "ingen",
    "inga",
    "intet",
    "ingenting",
    "aldri",
    "verken",
    "hverken",
    "korkje",
    "uaktuell",
    "uaktuelt",
    "ikkje-aktuell",
}
# After the concept only: «prisreguleringene … er avskaffet» denies it; «avvikling av prisregulering» names it
# as a measure (present), so the nouns and infinitives are not cues.
ABOLISHED = {
    "avskaffet",
    "avskaffa",
    "avskaffede",
    "opphevet",
    "oppheva",
    "avviklet",
    "avvikla",
    "nedlagt",
    "nedlagde",
    "fjernet",
    "fjerna",
}
NOT_NEGATION_NEXT = {"bare", "berre", "minst", "tvil", "-", "–", "uvanlig", "uvanleg", "kun"}
BOUNDARY = {"men", "mens", "at", ";", ":", "samtidig", "likevel", "derimot"}
BACK_WINDOW = 6
FORWARD_WINDOW = 5

VURDERES = {
    "vurdere",
    "vurdering",
    "utrede",
    "utredning",
    "utgreie",
    "utgreiing",
    "kartlegge",
    "kartlegging",
    "undersøke",
    "drøfte",
    "kunne",
    "mulighet",
    "moglegheit",
    "eventuell",
    "eventuelt",
    "prøve",
    "pilot",
    "forsøk",
    "vurderast",
    "vurderes",
    "utredes",
    "utgreiast",
}
DONE_FORMS = {
    "etablert",
    "etablerte",
    "innført",
    "innførte",
    "gjennomført",
    "gjennomførte",
    "bygd",
    "bygget",
    "bygde",
    "bygt",
    "kjøpt",
    "kjøpte",
    "startet",
    "starta",
    "opprettet",
    "oppretta",
    "realisert",
    "ferdigstilt",
    "ferdigstilte",
    "tatt",
    "økt",
    "auka",
    "utvidet",
    "utvida",
    "innførde",
    "gjennomførde",
    "inngått",
    "inngåtte",
    "signert",
    "inngjekk",
}
DONE_AUX = {"har", "hadde", "ble", "blei", "vart", "er", "var", "hev"}
VEDTATT = {
    "skulle",
    "skal",
    "vedtatt",
    "vedteke",
    "vedta",
    "vedtak",
    "vedtok",
    "besluttet",
    "bestemt",
    "forplikte",
    "forpliktet",
    "forplikta",
    "pålagt",
}
INTENSJON = {
    "ville",
    "vil",
    "ønske",
    "ønskje",
    "ønsker",
    "mål",
    "målsetting",
    "målsetjing",
    "sikte",
    "planlegge",
    "prioritere",
    "satse",
    "arbeide",
    "jobbe",
    "bør",
    "burde",
    "strategi",
    "legge",
    "tiltak",
}

LEVELS = ("gjennomfort", "vedtatt", "intensjon", "vurderes", "nevnt")


def is_negated(span: Span) -> bool:
    sent = span.sent
    doc = span.doc
    for i in range(span.start - 1, max(sent.start, span.start - BACK_WINDOW) - 1, -1):
        tok = doc[i]
        low = tok.lower_
        if low in BOUNDARY or tok.lemma_ in BOUNDARY:
            break
        if (tok.lemma_ in NEG_CUES or low in NEG_CUES) and _is_cue(doc, i):
            return True
    for i in range(span.end, min(sent.end, span.end + FORWARD_WINDOW)):
        tok = doc[i]
        low = tok.lower_
        if low in BOUNDARY or low == "," or tok.lemma_ in BOUNDARY:
            break
        if (tok.lemma_ in NEG_CUES or low in NEG_CUES or low in ABOLISHED) and _is_cue(doc, i):
            return True
    return False


def _is_cue(doc: object, i: int) -> bool:
    nxt = doc[i + 1].lower_ if i + 1 < len(doc) else ""  # type: ignore[index, arg-type]
    return nxt not in NOT_NEGATION_NEXT


def sentence_commitment(sent: Span) -> str:
    """The strongest claim a sentence makes; computed once per sentence, shared by its hits."""
    lemmas = {t.lemma_ for t in sent}
    forms = {t.lower_ for t in sent}
    if lemmas & VURDERES or forms & VURDERES:
        return "vurderes"
    if forms & DONE_FORMS and forms & DONE_AUX:
        return "gjennomfort"
    if lemmas & VEDTATT or forms & VEDTATT:
        return "vedtatt"
    if lemmas & INTENSJON or forms & INTENSJON:
        return "intensjon"
    return "nevnt"


# --- the same rules over hash rows (Doc.to_array([ORTH, LEMMA, LOWER])): no Token objects --------------------
def _hashes(words: set[str]) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)


_NEG_H = _hashes(NEG_CUES)
_ABOLISHED_H = _hashes(ABOLISHED)
_NOT_NEXT_H = _hashes(NOT_NEGATION_NEXT)
_BOUNDARY_H = _hashes(BOUNDARY)
_COMMA_H = get_string_id(",")
_VURDERES_H = _hashes(VURDERES)
_DONE_FORMS_H = _hashes(DONE_FORMS)
_DONE_AUX_H = _hashes(DONE_AUX)
_VEDTATT_H = _hashes(VEDTATT)
_INTENSJON_H = _hashes(INTENSJON)
LEMMA_COL, LOWER_COL = 1, 2  # columns of the rows the analysis builds


def negated_in_rows(rows: list[list[int]], sent_start: int, sent_end: int, start: int, end: int) -> bool:
    """`is_negated` for the tokens start:end of a sentence, read from hash rows."""
    n = len(rows)
    for i in range(start - 1, max(sent_start, start - BACK_WINDOW) - 1, -1):
        low, lemma = rows[i][LOWER_COL], rows[i][LEMMA_COL]
        if low in _BOUNDARY_H or lemma in _BOUNDARY_H:
            break
        if (lemma in _NEG_H or low in _NEG_H) and not (i + 1 < n and rows[i + 1][LOWER_COL] in _NOT_NEXT_H):
            return True
    for i in range(end, min(sent_end, end + FORWARD_WINDOW)):
        low, lemma = rows[i][LOWER_COL], rows[i][LEMMA_COL]
        if low in _BOUNDARY_H or low == _COMMA_H or lemma in _BOUNDARY_H:
            break
        if (lemma in _NEG_H or low in _NEG_H or low in _ABOLISHED_H) and not (
            i + 1 < n and rows[i + 1][LOWER_COL] in _NOT_NEXT_H
        ):
            return True
    return False


def commitment_in_rows(rows: list[list[int]], sent_start: int, sent_end: int) -> str:
    """`sentence_commitment` for a sentence, read from hash rows."""
    lemmas = {r[LEMMA_COL] for r in rows[sent_start:sent_end]}
    forms = {r[LOWER_COL] for r in rows[sent_start:sent_end]}
    if lemmas & _VURDERES_H or forms & _VURDERES_H:
        return "vurderes"
    if forms & _DONE_FORMS_H and forms & _DONE_AUX_H:
        return "gjennomfort"
    if lemmas & _VEDTATT_H or forms & _VEDTATT_H:
        return "vedtatt"
    if lemmas & _INTENSJON_H or forms & _INTENSJON_H:
        return "intensjon"
    return "nevnt"
