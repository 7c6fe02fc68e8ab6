"""Negation scope and commitment level for a signal hit, from the words around it in its sentence.

Negation: a cue (ikke, ikkje, ingen, aldri, verken/korkje ...) up to six tokens before the hit, or up to
five after it («leie-til-eie er ikke aktuelt») unless the hit is a preposition's object («Lån til
omsorgsboliger er ikke innlemmet» denies the inclusion, not the omsorgsboliger), without crossing a clause
boundary (men, at, ;, :, a conditional or causal «dersom», «hvis», «fordi» — «Du kan få startlån hvis du ikke
får lån i bank» — or «og»/«eller» before a finite verb of its own: «ikkje får bustadlån eller har vanskar
med …»).
«ikke bare», «ikkje berre», «ikke minst», «ikke-kommersiell» and «ikke tvil» are not negations. Nor is a
negation in a relative clause («personer som ikke kan skaffe seg bolig», «bostedsløse og andre som heller
ikke har …» describe a group), or one outside the relative clause the concept stands in («de som leier
kommunal bolig trenger ikke …»).

Commitment (strongest claim the hit's own clause makes about the signal): vurderes («vurdere», «utrede»,
«kan») wins over the rest because «skal vurdere» promises only a look; then gjennomført (done: «har
etablert», «ble innført»), vedtatt («skal», «er vedtatt»), intensjon («vil», «ønsker», «mål»), else nevnt. The
clause ends at «men», «mens», «;», «samtidig», «likevel», «derimot» and at «og»/«eller» before a finite or modal
verb of its own: in «Kommunen har etablert et startlånsteam og vil vurdere leie-til-eie» the startlån is done
and the leie-til-eie only considered. A clause introduced by «at» stays with the verb that governs it
(«har vedtatt at det skal bygges …»).
"""

from __future__ import annotations

from spacy.strings import get_string_id

from boligarkiv.nlp.hash_rows import HashRows

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
BOUNDARY = {
    "men",
    "mens",
    "at",
    ";",
    ":",
    "samtidig",
    "likevel",
    "derimot",
    "dersom",
    "hvis",
    "viss",
    "fordi",
    "ettersom",
}
PREPOSITIONS = {"i", "på", "av", "for", "til", "med", "om", "fra", "frå", "ved", "hos", "under", "over", "mot"}
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
# «og»/«eller» before a finite verb of its own opens a coordinated clause: in «du ikkje får vanleg bustadlån
# eller har vanskar med å bli buande i bustaden» the negation belongs to the first. Modal verbs stay out:
# «ikke kan eller vil» negates both. The auxiliaries of a completed act are finite verbs too.
COORDINATORS = {"og", "eller"}
FINITE_VERBS = DONE_AUX | {"blir", "vert", "får", "fikk", "fekk", "trenger", "treng", "mangler", "manglar"}
# A commitment's clause also ends before a coordinated modal or wish («… og vil vurdere …», «… og ønsker …»),
# which a negation's does not.
MODALS = {"vil", "skal", "kan", "må", "bør", "ville", "skulle", "kunne", "måtte", "burde", "ønsker", "ønskjer"}
CLAUSE_BREAKS = BOUNDARY - {"at", ":"}
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


# --- the rules, read from a doc's hash rows (nlp/hash_rows.py): no Token objects -----------------------------
def _hashes(words: set[str]) -> frozenset[int]:
    return frozenset(get_string_id(w) for w in words)


_NEG_H = _hashes(NEG_CUES)
_ABOLISHED_H = _hashes(ABOLISHED)
_NOT_NEXT_H = _hashes(NOT_NEGATION_NEXT)
_BOUNDARY_H = _hashes(BOUNDARY)
_COORDINATORS_H = _hashes(COORDINATORS)
_FINITE_H = _hashes(FINITE_VERBS)
_CLAUSE_VERB_H = _hashes(FINITE_VERBS | MODALS)
_CLAUSE_BREAKS_H = _hashes(CLAUSE_BREAKS)
_COMMA_H = get_string_id(",")
_PREPOSITIONS_H = _hashes(PREPOSITIONS)
_SOM_H = get_string_id("som")
_REL_ADVERBS_H = _hashes(
    {"heller", "selv", "sjølv", "ennå", "enno", "fortsatt", "framleis", "lenger", "lengre", "likevel", "altså"}
)
_VURDERES_H = _hashes(VURDERES)
_DONE_FORMS_H = _hashes(DONE_FORMS)
_DONE_AUX_H = _hashes(DONE_AUX)
_VEDTATT_H = _hashes(VEDTATT)
_INTENSJON_H = _hashes(INTENSJON)


def _undone(rows: HashRows, i: int) -> bool:
    """The word after token i undoes a negation there («ikke bare», «ikke-kommersiell», «ikke tvil»)."""
    return i + 1 < len(rows) and rows.lower[i + 1] in _NOT_NEXT_H


def _neg_cue_at(rows: HashRows, i: int) -> bool:
    return (rows.lemma[i] in _NEG_H or rows.lower[i] in _NEG_H) and not _undone(rows, i)


def _opens_relative_clause(rows: HashRows, i: int, sent_start: int) -> bool:
    """A «som» right before token i, or before an adverb that does not change whose clause it is («som heller
    ikke», «som sjølv ikkje»). Not «som det ikke/aldri …»: «areal som det aldri blir behov for» denies the
    need itself, it describes no one."""
    if i - 1 >= sent_start and rows.lower[i - 1] == _SOM_H:
        return True
    return i - 2 >= sent_start and rows.lower[i - 2] == _SOM_H and rows.lower[i - 1] in _REL_ADVERBS_H


def negated_in_rows(
    rows: HashRows, sent_start: int, sent_end: int, start: int, end: int, relative_clauses: bool = True
) -> bool:
    """Whether the tokens start:end of a sentence are negated (see the module docstring), from hash rows.
    `relative_clauses=False` counts a negation cue in a relative clause too: a denial denied there still
    states the concept («de som ikkje kan ivareta bustadbehovet sitt»)."""
    # A cue counts up to BACK_WINDOW words back; a «som» that puts the concept in a relative clause counts back
    # to the clause's start («Dei som allereie er tildelt gratis tomt i kommunale bustadfelt er ikkje omfatta»).
    window_start = start - BACK_WINDOW
    for i in range(start - 1, sent_start - 1, -1):
        low, lemma = rows.lower[i], rows.lemma[i]
        if low in _BOUNDARY_H or lemma in _BOUNDARY_H:
            break
        if low in _COORDINATORS_H and i + 1 < end and rows.lower[i + 1] in _FINITE_H:
            break
        if not relative_clauses:
            if i < window_start:
                break
            if _neg_cue_at(rows, i):
                return True
            continue
        if low == _SOM_H:
            # The concept stands in a relative clause («dei som leiger kommunal bustad treng ikkje …», «det er
            # ikke de som bor i midlertidig …»): a negation outside it is about something else.
            return False
        if i >= window_start and _neg_cue_at(rows, i):
            # «personer som ikke kan skaffe seg bolig»: a negation inside a relative clause describes whom the
            # words are about (the guide's own definition of vanskeligstilte); it denies nothing.
            return not _opens_relative_clause(rows, i, sent_start)
    if start > sent_start and rows.lower[start - 1] in _PREPOSITIONS_H:
        # The concept stands in a prepositional phrase («husleiefastsetting i kommunale boliger vil normalt ikke
        # være enkeltvedtak», «Opphold i midlertidig botilbud skal helst ikke vare …»): a negation after it
        # denies what is said of the phrase's head, not the concept.
        return False
    for i in range(end, min(sent_end, end + FORWARD_WINDOW)):
        low, lemma = rows.lower[i], rows.lemma[i]
        if low in _BOUNDARY_H or low == _COMMA_H or lemma in _BOUNDARY_H:
            break
        if relative_clauses and low == _SOM_H:
            break  # «bostedsløse og andre som heller ikke har …»: the relative clause describes, not denies
        if _neg_cue_at(rows, i) or (low in _ABOLISHED_H and not _undone(rows, i)):
            return True
    return False


def cue_within(rows: HashRows, start: int, end: int) -> bool:
    """Whether a negation cue stands among the tokens start:end themselves («boligbehovet er ikke dekket»)."""
    return any(_neg_cue_at(rows, i) for i in range(start, end))


def clause_bounds(rows: HashRows, sent_start: int, sent_end: int, start: int, end: int) -> tuple[int, int]:
    """The token range of the clause the tokens start:end stand in, within their sentence (see the module)."""
    lower, lemma = rows.lower, rows.lemma
    # Token i breaks the clause before itself: a boundary word, or a coordinator before a verb of its own.
    # Written out in both loops (no helper call per token): this runs for every hit.
    a = start
    while a > sent_start:
        i, low = a - 1, lower[a - 1]
        if low in _CLAUSE_BREAKS_H or lemma[i] in _CLAUSE_BREAKS_H:
            break
        if low in _COORDINATORS_H and lower[i + 1] in _CLAUSE_VERB_H:
            break
        a = i
    b = end
    while b < sent_end:
        low = lower[b]
        if low in _CLAUSE_BREAKS_H or lemma[b] in _CLAUSE_BREAKS_H:
            break
        if low in _COORDINATORS_H and b + 1 < sent_end and lower[b + 1] in _CLAUSE_VERB_H:
            break
        b += 1
    return a, b


def commitment_in_rows(rows: HashRows, start: int, end: int) -> str:
    """The strongest claim the tokens start:end make (a hit's clause, see `clause_bounds`)."""
    lemmas = rows.lemma[start:end]
    forms = rows.lower[start:end]

    def any_of(words: frozenset[int], seq: list[int]) -> bool:
        return not words.isdisjoint(seq)

    if any_of(_VURDERES_H, lemmas) or any_of(_VURDERES_H, forms):
        return "vurderes"
    if any_of(_DONE_FORMS_H, forms) and any_of(_DONE_AUX_H, forms):
        return "gjennomfort"
    if any_of(_VEDTATT_H, lemmas) or any_of(_VEDTATT_H, forms):
        return "vedtatt"
    if any_of(_INTENSJON_H, lemmas) or any_of(_INTENSJON_H, forms):
        return "intensjon"
    return "nevnt"
