"""The analyser, fast enough to fit 100,000 profiles: the one analyser in the package.

``FastAnalyzer`` turns a text into features on the building blocks of ``text.py`` (normalisation,
lemma + stem, glossary) and of ``compounds`` (Dutch compound parts). It does the work once per
distinct word instead of once per occurrence, and detects the language of many texts in one
vectorised pass of py3langid's own model. A slow, plain reference of the same features lives in
``tests/reference_analysis.py``; tests/test_index_updates.py compares the two.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

from . import text as reference
from .automaton import Automaton
from .compounds import split_compound
from .text import (
    CONCEPT_PREFIX,
    LANGUAGES,
    Feature,
    Thesaurus,
    default_thesaurus,
    detect_language,
    stem,
    stopwords,
)

Analysed = tuple[str, tuple[str, ...], tuple[str, ...]]  # see FastAnalyzer.word

_TOKEN_RE = reference._TOKEN_RE
_APOSTROPHES = reference._APOSTROPHES
_SURFACE_RE = re.compile(r"[\w'’‐‑-]+")
_SPLIT_RE = re.compile(r"[-']")
_WORD_EDGES = "'’‐‑-"


_REPLACEMENTS = tuple((chr(k), v) for k, v in _APOSTROPHES.items())
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _drop_combining(match: re.Match) -> str:
    return "".join(ch for ch in match.group() if not unicodedata.combining(ch))


def fast_normalize(text: str) -> str:
    """``text.normalize`` without a Python loop over every character (identical result)."""
    if text.isascii():
        return (text.replace("`", "'") if "`" in text else text).lower()
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = _NON_ASCII.sub(_drop_combining, decomposed)
    return decomposed.lower()


def fast_tokenize(text: str) -> list[str]:
    """``text.tokenize``: the normalised word tokens of a text, in order."""
    return _TOKEN_RE.findall(fast_normalize(text))


# --- language of many texts at once ----------------------------------------------------------

_CHUNK = 10_000  # texts per detection step


def detect_languages(texts: Sequence[str]) -> list[str]:
    """``detect_language`` of every text, walking py3langid's byte automaton for many at once."""
    if not Automaton.available():  # another py3langid: one text at a time
        return [detect_language(t) for t in texts]
    return Automaton().detect(texts)


def _detector() -> Callable[[Sequence[str]], list[str]]:
    if Automaton.available():
        return Automaton().detect
    return lambda texts: [detect_language(t) for t in texts]


class BackgroundLanguages:
    """``detect_languages`` in a thread, chunk by chunk, while the caller works on earlier texts.

    ``langs[i]`` waits until text ``i`` is done. The detection is numpy work on small arrays and
    holds the GIL much of the time, so this overlaps only partly; for many texts ``fit`` splits
    the work across processes instead.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._langs: list[str] = [""] * len(texts)  # each filled in before its chunk's event
        self._ready = [threading.Event() for _ in range(0, len(texts), _CHUNK)]
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name="detect-languages", daemon=True).start()

    def _run(self) -> None:
        try:
            detect = _detector()
            for c, start in enumerate(range(0, len(self._texts), _CHUNK)):
                self._langs[start : start + _CHUNK] = detect(self._texts[start : start + _CHUNK])
                self._ready[c].set()
        except BaseException as exc:  # handed to the caller by __getitem__
            self._error = exc
            for event in self._ready:
                event.set()

    def __getitem__(self, i: int) -> str:
        self._ready[i // _CHUNK].wait()
        if self._error is not None:
            raise self._error
        return self._langs[i]

    def all(self) -> list[str]:
        """The language of every text, waiting for the detection to finish."""
        return [self[i] for i in range(len(self._langs))]


# --- the analyser ----------------------------------------------------------------------------


def _surface_words(text: str) -> dict[str, str]:
    """Normalised word → the word as written (the last one written so). A hyphen or apostrophe at
    either end is no part of the word ("AI-" in "AI- en digiwerkplaats" is written "AI")."""
    words = [w.strip(_WORD_EDGES) for w in _SURFACE_RE.findall(text)]
    # An ASCII word (the pattern takes no backtick) is normalised by lower-casing alone.
    if text.isascii():
        return {w.lower(): w for w in words}
    return {(w.lower() if w.isascii() else fast_normalize(w)): w for w in words}


def verbatim_phrase(text: str, words: Sequence[str]) -> str:
    """A phrase of consecutive ``words`` as ``text`` writes it, punctuation between them included
    ("(voortgezet) speciaal onderwijs" gives "voortgezet) speciaal onderwijs"); the words joined by
    spaces when the text does not hold them in that order."""
    pattern = r"[\W_]+".join(re.escape(w) for w in words)
    # as written first (the words keep their case), so a phrase written twice is quoted as this one
    found = (
        (re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)) if pattern else None
    )
    return found.group(0) if found else " ".join(words)


class FastAnalyzer:
    """The analyser: text → features (stems, compound parts, glossary concepts), each word analysed
    once and cached. ``lang`` may be given when already known. Picklable (the fit's child process
    gets a copy without the caches)."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self.thesaurus = thesaurus or default_thesaurus()
        self._stops = stopwords()
        self._words: dict[str, dict[str, Analysed]] = {lang: {} for lang in LANGUAGES}
        # Multi-word terms by their first stem, shortest first: (length, stems, concept features).
        self._phrase_index: dict[str, dict[str, list[tuple[int, list[str], tuple[str, ...]]]]] = {
            lang: {} for lang in LANGUAGES
        }
        th = self.thesaurus
        for lang in LANGUAGES:
            for stems in th._phrases[lang]:
                names = tuple(CONCEPT_PREFIX + cid for cid in th.phrase_concepts(stems, lang))
                self._phrase_index[lang].setdefault(stems[0], []).append(
                    (len(stems), list(stems), names)
                )
            for candidates in self._phrase_index[lang].values():
                candidates.sort(key=lambda c: c[0])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_words"] = {lang: {} for lang in LANGUAGES}
        return state

    def word(self, token: str, lang: str) -> Analysed:
        """(stem in the reading sequence, features of the word, thesaurus concepts of those features)."""
        table = self._words[lang]
        entry = table.get(token)
        if entry is None:
            entry = table[token] = self._analyse_word(token, lang)
        return entry

    def remember(self, token: str, lang: str, analysed: Analysed) -> None:
        """Take in a word another copy of the analyser analysed (the fit's child process)."""
        self._words[lang].setdefault(token, analysed)

    def _analyse_word(self, token: str, lang: str) -> Analysed:
        stops = self._stops
        if token in stops or len(token) < 2 or token.isdigit():
            return stem(token, lang), (), ()
        whole = stem(token.replace("-", ""), lang)
        names = [whole]
        parts = [p for p in _SPLIT_RE.split(token) if p and p not in stops]
        pieces: list[str] = parts if len(parts) > 1 else []
        if lang == "nl":
            for piece in parts:  # when pieces is parts, new pieces are split too
                pieces.extend(split_compound(piece))
        for piece in pieces:
            if piece in stops or len(piece) < 3:
                continue
            piece_stem = stem(piece, lang)
            if piece_stem != whole:
                names.append(piece_stem)
        th = self.thesaurus
        concepts = [CONCEPT_PREFIX + cid for name in names for cid in th.concepts_of(name, lang)]
        expansion = th.expansion_of(token, whole, lang)
        if expansion:  # wpb, workload: the features of "werkplekbegeleider", "werkdruk", in Dutch
            dutch = [n for word in expansion for n in self.word(word, "nl")[1]]
            extra = [n for n in dutch if n != whole]
            if lang == "en" and extra and whole not in dutch and token not in th.abbreviations:
                # In an English text a translated word counts as its Dutch words only, so that two
                # English texts do not meet on the English word as well as on its translation.
                names.remove(whole)
            names.extend(extra)
            seen = set(concepts)  # a theme the word already names is not counted twice
            for cid in [c for name in extra for c in th.concepts_of(name, "nl")] + sorted(
                th.expansion_concepts(expansion)
            ):
                if CONCEPT_PREFIX + cid not in seen:
                    seen.add(CONCEPT_PREFIX + cid)
                    concepts.append(CONCEPT_PREFIX + cid)
        return whole, tuple(names), tuple(concepts)

    def _phrases(self, stems: list[str], lang: str) -> list[tuple[int, int, str]]:
        """(start, length, concept feature) of every multi-word term, in reading order."""
        index = self._phrase_index[lang]
        starts = index.keys() & set(stems)
        if not starts:
            return []
        found: list[tuple[int, int, str]] = []
        size = len(stems)
        for i in [i for i, s in enumerate(stems) if s in starts]:
            for n, phrase, names in index[stems[i]]:
                if i + n > size:
                    break
                if stems[i : i + n] == phrase:
                    found.extend((i, n, name) for name in names)
        return found

    def features(self, text: str, lang: str | None = None) -> list[Feature]:
        """Every feature of ``text`` with the word as written, in reading order, then its concepts
        (of words and of multi-word terms)."""
        if not text or not text.strip():
            return []
        lang = lang or detect_language(text)
        surface_of = _surface_words(text)
        tokens = fast_tokenize(text)
        out: list[Feature] = []
        concepts: list[Feature] = []
        stems: list[str] = []
        surfaces: list[str] = []
        for token in tokens:
            seq, names, token_concepts = self.word(token, lang)
            surface = surface_of.get(token, token)
            stems.append(seq)
            surfaces.append(surface)
            out.extend(Feature(name, surface) for name in names)
            concepts.extend(Feature(name, surface) for name in token_concepts)
        for i, n, name in self._phrases(stems, lang):
            concepts.append(Feature(name, verbatim_phrase(text, surfaces[i : i + n])))
        return out + concepts

    def surfaces(self, text: str, lang: str | None = None) -> dict[str, str]:
        """Feature → the first surface word that produced it (as ``features`` in order would say)."""
        if not text or not text.strip():
            return {}
        lang = lang or detect_language(text)
        surface_of = _surface_words(text)
        words: dict[str, str] = {}
        tokens = fast_tokenize(text)
        concepts: dict[str, str] = {}
        stems: list[str] = []
        known = self._words[lang]
        for token in tokens:
            seq, names, token_concepts = known.get(token) or self.word(token, lang)
            stems.append(seq)
            if names:
                surface = surface_of.get(token, token)
                for name in names:
                    words.setdefault(name, surface)
                for name in token_concepts:
                    concepts.setdefault(name, surface)
        for i, n, name in self._phrases(stems, lang):
            if name not in concepts:
                concepts[name] = verbatim_phrase(
                    text, [surface_of.get(t, t) for t in tokens[i : i + n]]
                )
        words.update(concepts)  # concept names (~…) never collide with stems
        return words

    def names(self, text: str, lang: str | None = None) -> list[str]:
        """Feature names only (what TF-IDF counts), without surfaces."""
        if not text or not text.strip():
            return []
        lang = lang or detect_language(text)
        known, word = self._words[lang], self.word
        entries = [known.get(token) or word(token, lang) for token in fast_tokenize(text)]
        names = list(chain.from_iterable(e[1] for e in entries))
        names.extend(chain.from_iterable(e[2] for e in entries))
        names.extend(name for _i, _n, name in self._phrases([e[0] for e in entries], lang))
        return names

    def __call__(self, text: str, lang: str | None = None) -> list[str]:
        return self.names(text, lang)


def char_words(tokens: list[str], stops: frozenset[str]) -> list[str]:
    """The words of a text the character view counts: no stop words or numbers, hyphens dropped."""
    return [t.replace("-", "") for t in tokens if t not in stops and not t.isdigit()]
