"""One entry point for the spaCy pipeline: nb_core_news_sm when installed, an offline pipeline otherwise.

Offline: spaCy's Norwegian tokenizer, our sentence splitter (punctuation and layout, nlp/sentences.py) and
our lemmatiser (core/lemmas.py), which also tags each word with the lexicon slots it satisfies for the
pattern matching in nlp/slot_matcher.py. Nynorsk gets its own pipeline whose lemmatiser uses the Nynorsk
dictionary; the Bokmål model, when installed, is used for Bokmål only.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import numpy
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LANG, LEMMA, LIKE_NUM, LOWER, NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc, Token

from boligarkiv.lemmas import Lemmatizer
from boligarkiv.lexicon import load_lexicon, slot_tests
from boligarkiv.nlp.sentences import layout_sentences  # noqa: F401  (registers the component)
from boligarkiv.vocabulary import INVISIBLE

MODEL = "nb_core_news_sm"

HEADS_KEY = "boligarkiv_heads"


def heads_at(doc: Doc, i: int) -> tuple[str, ...]:
    """Token i's compound heads, kept per document by token index: setting an extension on a Token object
    per compound word cost more than analysing the word."""
    return doc.user_data.get(HEADS_KEY, {}).get(i, ())


if not Token.has_extension("heads"):
    Token.set_extension("heads", getter=lambda token: heads_at(token.doc, token.i))


def model_installed() -> bool:
    return importlib.util.find_spec(MODEL) is not None


@Language.factory("boligarkiv_lemmatizer", default_config={"lang": "nb", "keep_model_lemmas": False})
def make_lemmatizer(nlp: Language, name: str, lang: str, keep_model_lemmas: bool) -> LemmaComponent:
    return LemmaComponent(lang, keep_model_lemmas)


class LemmaComponent:
    def __init__(self, lang: str, keep_model_lemmas: bool = False) -> None:
        self.lemmatizer = Lemmatizer(lang, load_lexicon().heads)
        self.keep_model_lemmas = keep_model_lemmas
        # Index the slot tests by word, head and prefix length, so a new word form costs a few dict lookups
        # instead of a test per slot (plan text keeps meeting new compounds). The word form counts as well as
        # the lemma: a lemmatiser quirk («eige» → «eigen», «kostnadsleie» → «kostnadslei») must not hide it.
        self.by_word: dict[str, set[str]] = {}
        self.by_head: dict[str, set[str]] = {}
        self.by_prefix: dict[str, set[str]] = {}
        for t in slot_tests().values():
            for w in t.lemmas:
                self.by_word.setdefault(w, set()).add(t.key)
            for h in t.heads:
                self.by_head.setdefault(h, set()).add(t.key)
                self.by_word.setdefault(h, set()).add(t.key)
            for pre in t.prefixes:
                self.by_prefix.setdefault(pre, set()).add(t.key)
        self.prefix_lengths = sorted({len(p) for p in self.by_prefix})
        self.slot_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self.row_cache: dict[int, tuple[int, int, tuple[str, ...]]] = {}

    def slots_for(self, lower: str, lemma: str, heads: tuple[str, ...]) -> tuple[str, ...]:
        """The lexicon slots this word satisfies, computed once per (form, lemma)."""
        key = (lower, lemma)
        hit = self.slot_cache.get(key)
        if hit is None:
            keys: set[str] = set()
            for w in {lower, lemma}:
                keys |= self.by_word.get(w, set())
                for n in self.prefix_lengths:
                    if n > len(w):
                        break
                    keys |= self.by_prefix.get(w[:n], set())
            for h in heads:
                keys |= self.by_head.get(h, set())
            hit = tuple(sorted(keys, key=lambda k: int(k[1:])))
            if len(self.slot_cache) < 500_000:
                self.slot_cache[key] = hit
        return hit

    def __call__(self, doc: Doc) -> Doc:
        if self.keep_model_lemmas:
            return self._with_model_lemmas(doc)
        # Work on attribute arrays keyed by the form's hash, each distinct form once: building a Python Token
        # object per word costs more than the lemmatisation itself.
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        cache = self.row_cache
        distinct, inverse = numpy.unique(doc.to_array(ORTH), return_inverse=True)
        rows = []
        for orth in distinct.tolist():
            row = cache.get(orth)
            if row is None:
                lex = doc.vocab[orth]
                norm = lex.norm
                if lex.is_space:
                    row = (orth, norm, ())
                elif lex.is_punct:
                    # Punctuation fills the slots the lexicon names it in («og|,», «eie / dele / leie»).
                    slots = self.slots_for(strings[orth], strings[orth], ())
                    row = (orth, strings.add("§" + "§".join(slots) + "§") if slots else norm, ())
                else:
                    # Soft hyphens and zero-width marks in text that did not pass through extraction's cleaning
                    # («boligarkiv signals -»): the word is analysed without them, its text and offsets unchanged.
                    text = INVISIBLE.sub("", strings[orth])
                    lemma, heads = self.lemmatizer.analyse(text)
                    slots = self.slots_for(text.lower(), lemma, heads)
                    row = (strings.add(lemma), strings.add("§" + "§".join(slots) + "§") if slots else norm, heads)
                if len(cache) < 500_000:
                    cache[orth] = row
            rows.append(row)
        inverse = inverse.reshape(-1)
        values = numpy.array([(r[0], r[1]) for r in rows], dtype="uint64").reshape(-1, 2)
        doc.from_array([LEMMA, NORM], values[inverse])
        with_heads = [u for u, r in enumerate(rows) if r[2]]
        found: dict[int, tuple[str, ...]] = {}
        if with_heads:
            marks = numpy.zeros(len(rows), dtype=bool)
            marks[with_heads] = True
            for i in numpy.flatnonzero(marks[inverse]).tolist():
                found[i] = rows[inverse[i]][2]
        doc.user_data[HEADS_KEY] = found
        return doc

    def _with_model_lemmas(self, doc: Doc) -> Doc:
        analyse = self.lemmatizer.analyse
        heads_of = self.lemmatizer.heads
        found: dict[int, tuple[str, ...]] = {}
        for token in doc:
            if token.is_punct or token.is_space:
                token.lemma_ = token.text
                if slots := self.slots_for(token.text, token.text, ()):
                    token.norm_ = "§" + "§".join(slots) + "§"
                continue
            word = INVISIBLE.sub("", token.text)
            if self.keep_model_lemmas and token.lemma_:
                lemma = token.lemma_.lower()
                heads = tuple(h for h in heads_of if lemma.endswith(h))
                if not heads:
                    # The model does not know our compounds; fall back to our analysis for them.
                    lemma, heads = analyse(word) if len(word) > 5 else (lemma, ())
            else:
                lemma, heads = analyse(word)
            token.lemma_ = lemma
            if heads:
                found[token.i] = heads
            slots = self.slots_for(word.lower(), lemma, heads)
            if slots:
                token.norm_ = "§" + "§".join(slots) + "§"
        doc.user_data[HEADS_KEY] = found
        return doc


# Split hyphens between letters: «leie-til-eie-modellen» → leie - til - eie - modellen, so the signal patterns
# match hyphenated compounds word by word; «ikke-kommersiell» is then handled by the negation rules.
# A quoted term with a suffix is common in plans: «leie-til-eie»-modellen, "Bostart"-modellen. spaCy leaves
# «eie»-modellen as one token, so the quote mark and the hyphen after it are split too.
# U+2011 is the non-breaking hyphen word processors put in «leie‑til‑eie».
_DASHES = "-–‐\u2011"
HYPHEN_INFIX = rf"(?<=[A-Za-zæøåÆØÅéü0-9»”\"\u00ad])[{_DASHES}](?=[A-Za-zæøåÆØÅéü])"
QUOTE_INFIX = rf"(?<=[A-Za-zæøåÆØÅéü0-9])[»”\"](?=[{_DASHES}])"


def _split_hyphens(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes = [*list(nlp.Defaults.infixes or []), HYPHEN_INFIX, QUOTE_INFIX]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


# Abbreviations in plans and case papers that spaCy's Norwegian exceptions lack: «jf. kap. 4.1», «Innst. 85 L»,
# «t.d.» and «m.a.» (Nynorsk). Split at their full stop, each had ended a sentence mid-clause.
ABBREVIATIONS = (
    "kap.",
    "jfr.",
    "innst.",
    "prop.",
    "meld.",
    "avd.",
    "ang.",
    "forts.",
    "tab.",
    "fig.",
    "vedl.",
    "t.d.",
    "m.a.",
    "iflg.",
    "mtp.",
    "ot.prp.",
)


def _add_abbreviations(nlp: Language) -> None:
    for abbr in ABBREVIATIONS:
        for form in (abbr, abbr[0].upper() + abbr[1:]):
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])


# Lexical attributes the analysis reads (token flags and forms); spaCy computes every attribute it knows for
# each new word form, and the unused ones (shape, URL and e-mail tests, stop words …) cost more than half of
# it. The offline pipeline keeps only these.
USED_LEXEME_ATTRS = frozenset({ORTH, LOWER, NORM, IS_PUNCT, IS_SPACE, LIKE_NUM, LANG})


def _lean_lexemes(nlp: Language) -> None:
    getters = nlp.vocab.lex_attr_getters
    for attr in [a for a in getters if a not in USED_LEXEME_ATTRS]:
        del getters[attr]


@cache
def get_pipeline(lang: str = "nb") -> Language:
    """The analysis pipeline for a language (nb or nn); cached per process."""
    if lang == "nb" and model_installed():
        nlp = spacy.load(MODEL)
        if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("boligarkiv_lemmatizer", config={"lang": "nb", "keep_model_lemmas": True}, last=True)
        _split_hyphens(nlp)
        _add_abbreviations(nlp)
        return nlp
    nlp = spacy.blank("nb")
    _lean_lexemes(nlp)
    nlp.add_pipe("boligarkiv_sentences")
    nlp.add_pipe("boligarkiv_lemmatizer", config={"lang": lang})
    nlp.max_length = 5_000_000
    _split_hyphens(nlp)
    _add_abbreviations(nlp)
    return nlp


def pipeline_name(lang: str = "nb") -> str:
    return MODEL if lang == "nb" and model_installed() else f"offline-{lang}"
