"""One entry point for the spaCy pipeline: nb_core_news_sm when installed, an offline pipeline otherwise.

Offline: spaCy's Norwegian tokenizer and rule-based sentencizer, our lemmatiser (nlp/lemmatize.py) and the
signal Matcher. Nynorsk gets its own pipeline whose lemmatiser uses the Nynorsk dictionary; the Bokmål
model, when installed, is used for Bokmål only.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from nlp.lemmatize import Lemmatizer
from nlp.lexicon import load_lexicon, slot_tests
from nlp.sentences import layout_sentences  # noqa: F401  (registers the component)

MODEL = "nb_core_news_sm"

if not Token.has_extension("heads"):
    Token.set_extension("heads", default=())
if not Token.has_extension("slots"):
    Token.set_extension("slots", default=())


def model_installed() -> bool:
    return importlib.util.find_spec(MODEL) is not None


@Language.factory("boligarkiv_lemmatizer", default_config={"lang": "nb", "keep_model_lemmas": False})
def make_lemmatizer(nlp: Language, name: str, lang: str, keep_model_lemmas: bool) -> LemmaComponent:
    return LemmaComponent(lang, keep_model_lemmas)


class LemmaComponent:
    def __init__(self, lang: str, keep_model_lemmas: bool = False) -> None:
        self.lemmatizer = Lemmatizer(lang, load_lexicon().heads)
        self.keep_model_lemmas = keep_model_lemmas
        self.tests = list(slot_tests().values())
        self.slot_cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def slots_for(self, lower: str, lemma: str, heads: tuple[str, ...]) -> tuple[str, ...]:
        """The lexicon slots this word satisfies, computed once per (form, lemma)."""
        key = (lower, lemma)
        hit = self.slot_cache.get(key)
        if hit is None:
            hit = tuple(t.key for t in self.tests if t.accepts(lower, lemma, heads))
            if len(self.slot_cache) < 500_000:
                self.slot_cache[key] = hit
        return hit

    def __call__(self, doc: Doc) -> Doc:
        analyse = self.lemmatizer.analyse
        heads_of = self.lemmatizer.heads
        for token in doc:
            if token.is_punct or token.is_space:
                token.lemma_ = token.text
                continue
            if self.keep_model_lemmas and token.lemma_:
                lemma = token.lemma_.lower()
                heads = tuple(h for h in heads_of if lemma.endswith(h))
                if not heads:
                    # The model does not know our compounds; fall back to our analysis for them.
                    lemma, heads = analyse(token.text) if len(token.text) > 5 else (lemma, ())
            else:
                lemma, heads = analyse(token.text)
            token.lemma_ = lemma
            if heads:
                token._.heads = heads
            slots = self.slots_for(token.lower_, lemma, heads)
            if slots:
                token._.slots = slots
                token.norm_ = "§" + "§".join(slots) + "§"
        return doc


# Split hyphens between letters: «leie-til-eie-modellen» → leie - til - eie - modellen, so the signal patterns
# match hyphenated compounds word by word; «ikke-kommersiell» is then handled by the negation rules.
HYPHEN_INFIX = r"(?<=[A-Za-zæøåÆØÅéü0-9])[-–‐](?=[A-Za-zæøåÆØÅéü])"


def _split_hyphens(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes = [*list(nlp.Defaults.infixes or []), HYPHEN_INFIX]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@cache
def get_pipeline(lang: str = "nb") -> Language:
    """The analysis pipeline for a language (nb or nn); cached per process."""
    if lang == "nb" and model_installed():
        nlp = spacy.load(MODEL)
        if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("boligarkiv_lemmatizer", config={"lang": "nb", "keep_model_lemmas": True}, last=True)
        _split_hyphens(nlp)
        return nlp
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("boligarkiv_sentences")
    nlp.add_pipe("boligarkiv_lemmatizer", config={"lang": lang})
    nlp.max_length = 5_000_000
    _split_hyphens(nlp)
    return nlp


def pipeline_name(lang: str = "nb") -> str:
    return MODEL if lang == "nb" and model_installed() else f"offline-{lang}"
