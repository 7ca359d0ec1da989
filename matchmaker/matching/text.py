"""Text analysis for Dutch and English profile texts.

Everything here works offline: stop words come from the ``stop-words`` package (Dutch) and
scikit-learn (English), stemming from Snowball (PyStemmer), language identification from
py3langid and the Dutch and English word frequencies (to split compounds, to weigh common
words) from a frozen extract of ``wordfreq``'s lists in ``data/zipf_<lang>.tsv.gz``.

The analyser turns a text into *features*: stems, stems of compound parts and thesaurus
concepts (``~concept``). It can also say which surface word produced each feature, so the
matcher can give reasons in words people wrote rather than in stems.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import IO, Any

import simplemma
import Stemmer
import stop_words
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..domain import LANGUAGES as LANGUAGES  # the languages analysed

CONCEPT_PREFIX = "~"

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_APOSTROPHES = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": " ", "—": " "}
)


def normalize(text: str) -> str:
    """Lower-case, strip accents (één → een, enquête → enquete) and unify quotes and dashes."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Split normalised text into word tokens; hyphenated words stay whole."""
    return _TOKEN_RE.findall(normalize(text))


def _load_data(name: str) -> Any:
    """A JSON file of ``data/``, parsed."""
    return json.loads(
        resources.files(__package__).joinpath("data").joinpath(name).read_text("utf-8")
    )


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Dutch and English stop words (accent-free), plus the domain's own filler words."""
    extra = _load_data("stopwords.json")
    keep = set(extra["not_stopwords"])
    words = (
        set(stop_words.get_stop_words("dutch")) | set(ENGLISH_STOP_WORDS) | set(extra["stopwords"])
    )
    return frozenset(normalize(w) for w in words if w not in keep)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """py3langid's model with normalised probabilities, restricted to Dutch and English.

    This is the usage py3langid 0.4.0's README documents for a restricted identifier
    (``py3langid.langid.LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)``, then
    ``set_languages``); the package's top-level functions (``classify``, ``rank``,
    ``set_languages``) would restrict its one shared identifier instead, without normalised
    probabilities. ``analysis.py`` reads this identifier's tables for its vectorised pass.
    """
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """'nl' or 'en'; Dutch when the text is too short to tell."""
    if len(text.strip()) < 12:
        return "nl"
    lang, _prob = _identifier().classify(text)
    return lang if lang in LANGUAGES else "nl"


class _Stemmers:
    """Lemma first (simplemma's dictionaries), then a Snowball stem of the lemma.

    The lemma undoes irregular forms a stemmer cannot (leraren → leraar, gezocht → zoeken,
    taught → teach); the stem then joins derivations (beoordeling, beoordelen → beoordel).
    Dutch uses Snowball's original Porter-style algorithm (``dutch_porter``): the newer default
    removes the prefix ge-, which makes begeleiding and beleid one word.
    """

    _ALGORITHMS = {"nl": "dutch_porter", "en": "english"}

    def __init__(self) -> None:
        self._stemmers = {
            lang: Stemmer.Stemmer(alg, 50_000) for lang, alg in self._ALGORITHMS.items()
        }
        self._lemmas: dict[str, dict[str, str]] = {lang: {} for lang in self._ALGORITHMS}

    def lemma(self, word: str, lang: str) -> str:
        """simplemma's lemma of a normalised word (the word itself when none fits), cached."""
        cache = self._lemmas[lang]
        found = cache.get(word)
        if found is None:
            found = word
            if word.isalpha() and len(word) > 3:
                found = normalize(simplemma.lemmatize(word, lang=lang))
                if not found.isalpha() or len(found) < 3:
                    found = word
            if len(cache) < 200_000:
                cache[word] = found
        return found

    def stem(self, word: str, lang: str) -> str:
        """Snowball stem of the word's lemma; apostrophes are dropped first."""
        if "-" in word or "'" in word:
            word = word.replace("'", "")
        return self._stemmers[lang].stemWord(self.lemma(word, lang))


_stemmers = _Stemmers()


def stem(word: str, lang: str = "nl") -> str:
    """Snowball stem of one normalised word."""
    return _stemmers.stem(word, lang)


# --- Word frequencies ------------------------------------------------------------------------

FOREIGN_ZIPF = 2.0  # an English word in a Dutch text is translated when Dutch hardly uses it
MIN_LISTED_ZIPF = (
    3.0  # rarer words than this count as unknown (every rule here starts at 3.0 or above)
)


ZIPF_LANGUAGES = LANGUAGES  # the languages data/zipf_<lang>.tsv.gz holds


def zipf_table_path(lang: str) -> Traversable:
    """The frozen frequency table of ``lang``: ``data/zipf_<lang>.tsv.gz``, made from wordfreq by
    ``scripts/make_frequency_table.py`` (sources and licence: ``data/FREQUENCIES.md``)."""
    if lang not in ZIPF_LANGUAGES:
        raise ValueError(f"no word frequencies for language {lang!r} (only {ZIPF_LANGUAGES})")
    return resources.files(__package__).joinpath("data", f"zipf_{lang}.tsv.gz")


def read_zipf_table(raw: IO[bytes]) -> dict[str, float]:
    """Read a gzip'd frequency table: ``#`` header lines, then ``word<TAB>zipf`` lines."""
    table: dict[str, float] = {}
    with gzip.open(raw, "rt", encoding="utf-8", newline="\n") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            word, _, value = line.rstrip("\n").partition("\t")
            table[word] = float(value)
    return table


@lru_cache(maxsize=None)
def zipf_table(lang: str) -> dict[str, float]:
    """Zipf frequencies (log10 per billion words) of the words at least MIN_LISTED_ZIPF common in
    ``lang`` ('nl' or 'en'), most common first: wordfreq 3.1.1's list, frozen in ``data/``.
    Read once; do not change the dict returned."""
    with zipf_table_path(lang).open("rb") as raw:
        return read_zipf_table(raw)


def zipf(word: str, lang: str = "nl") -> float:
    """How common a normalised word is in ``lang`` (0 when rarer than MIN_LISTED_ZIPF)."""
    return zipf_table(lang).get(word, 0.0)


# --- Dutch compounds -------------------------------------------------------------------------

_MIN_PART = 3
_MIN_ZIPF = 3.0  # parts must be common words (Zipf 3 ≈ once per million words)
_COMMON_WORD = 3.4  # a word this common is not taken apart (organiseren, samenwerking)
_LINKS = ("s", "en", "e")


# --- Thesaurus -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    """A glossary theme: its id and its Dutch and English labels."""

    id: str
    label_nl: str
    label_en: str

    def label(self, lang: str = "nl") -> str:
        """The label in ``lang`` (English for 'en', Dutch otherwise)."""
        return self.label_en if lang == "en" else self.label_nl


class Thesaurus:
    """Domain concepts: groups of Dutch and English words and phrases that mean the same here,
    and the field's abbreviations with what they stand for (``data/glossary.json``, each entry
    with its public source; see ``data/GLOSSARY.md``).

    Terms are analysed like any text (normalised, stemmed in both languages), so a concept
    matches inflections of its terms. Multi-word terms match consecutive words. An abbreviation
    (wpb, lio, bpv) carries the features of the Dutch words it stands for.
    """

    def __init__(
        self,
        entries: list[dict],
        abbreviations: list[dict] | None = None,
        translations: list[dict] | None = None,
    ) -> None:
        self.concepts: dict[str, Concept] = {}
        self._single: dict[str, dict[str, set[str]]] = {lang: {} for lang in LANGUAGES}
        self._phrases: dict[str, dict[tuple[str, ...], set[str]]] = {lang: {} for lang in LANGUAGES}
        self.max_phrase = 1
        stops = stopwords()
        for entry in entries:
            concept = Concept(entry["id"], entry["nl"], entry["en"])
            self.concepts[concept.id] = concept
            for term in entry["terms"]:
                term = term["term"] if isinstance(term, dict) else term
                words = tokenize(term)
                if len(words) == 1 and words[0] in stops:
                    raise ValueError(f"thesaurus term {term!r} of {concept.id!r} is a stop word")
                for lang in LANGUAGES:
                    stems = tuple(
                        stem(w.replace("-", ""), lang) for w in words
                    )  # as words in a text
                    if len(stems) == 1:
                        self._single[lang].setdefault(stems[0], set()).add(concept.id)
                    elif stems:
                        self._phrases[lang].setdefault(stems, set()).add(concept.id)
                        self.max_phrase = max(self.max_phrase, len(stems))
        # Abbreviation (as a token) → the Dutch words it stands for.
        self.abbreviations: dict[str, tuple[str, ...]] = {}
        for entry in abbreviations or ():
            expansion = tuple(
                tokenize(entry["expansion"])
            )  # stop words kept: "leraar in opleiding" is a phrase
            for form in {
                entry["abbr"],
                entry["abbr"].replace("'", "-"),
                entry["abbr"].replace("-", "'"),
            }:
                for token in tokenize(form):
                    if token not in stops and expansion:
                        self.abbreviations[token] = expansion

        # English word → the Dutch words it translates to (data/lexicon.json), by English stem,
        # and by the word as written for an English word inside a Dutch text.
        self.translations: dict[str, tuple[str, ...]] = {}
        self.english_words: dict[str, tuple[str, ...]] = {}
        for entry in translations or ():
            english = tokenize(entry["en"])
            if len(english) != 1 or english[0] in stops:
                continue  # phrases are the glossary's work
            dutch = tuple(w for alternative in entry["nl"][:2] for w in tokenize(alternative))
            if dutch:
                key = stem(english[0].replace("-", ""), "en")
                self.translations[key] = tuple(
                    dict.fromkeys(self.translations.get(key, ()) + dutch)
                )
                self.english_words[english[0]] = self.translations[key]

    def expansion_of(self, token: str, whole: str, lang: str) -> tuple[str, ...]:
        """The Dutch words a token stands for: an abbreviation's expansion, or an English word's
        translation (in an English text by its stem, else the Dutch word it shares by a regular
        change of ending, see cognates.py; in a Dutch text when it is no Dutch word)."""
        found = self.abbreviations.get(token)
        if found:
            return found
        if lang == "en":
            from .cognates import dutch_cognate  # it imports this module

            translated = self.translations.get(whole, ())
            if translated:
                return translated
            cognate = dutch_cognate(token)
            return (cognate,) if cognate else ()
        if token in self.english_words and zipf(token, "nl") < FOREIGN_ZIPF:
            return self.english_words[token]
        return ()

    def concepts_of(self, stem_: str, lang: str) -> set[str]:
        """Concepts a single stem (of a text in ``lang``) belongs to. A Dutch word for who does
        something names the theme of what they do when only that is a term: *carrièreswitcher*
        (-s) → *carrièreswitch*, as *overstapper* would → *overstap*."""
        found = self._single[lang].get(stem_)
        if found is None and lang == "nl" and stem_.endswith("er") and len(stem_) > 6:
            found = self._single[lang].get(stem_[:-2])
        return found or set()

    def phrase_concepts(self, stems: tuple[str, ...], lang: str) -> set[str]:
        """Concepts a run of consecutive stems belongs to."""
        return self._phrases[lang].get(stems, set())

    def expansion_concepts(self, words: tuple[str, ...]) -> set[str]:
        """Concepts of the multi-word terms inside an abbreviation's expansion (Dutch)."""
        stems = tuple(stem(w.replace("-", ""), "nl") for w in words)
        found: set[str] = set()
        for i in range(len(stems)):
            for n in range(2, len(stems) - i + 1):
                found |= self.phrase_concepts(stems[i : i + n], "nl")
        return found


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The thesaurus of ``data/glossary.json`` and (if present) ``data/lexicon.json``, cached."""
    glossary = _load_data("glossary.json")
    lexicon = (
        _load_data("lexicon.json")
        if resources.files(__package__).joinpath("data", "lexicon.json").is_file()
        else {}
    )
    return Thesaurus(
        glossary["concepts"], glossary.get("abbreviations", []), lexicon.get("entries", [])
    )


# --- The analyser ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """One feature of a text and the word in the text that produced it."""

    name: str  # stem, or ~concept
    surface: str  # the word as written in the text
