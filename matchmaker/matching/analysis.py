"""The analyser, fast enough to fit 100,000 profiles: the one analyser in the package.

``FastAnalyzer`` turns a text into features on the building blocks of ``text.py`` (normalisation,
lemma + stem, glossary). It does the work once per distinct word instead of once per occurrence,
skips compound look-ups for words wordfreq does not list, and detects the language of many texts
in one vectorised pass of py3langid's own model. A slow, plain reference of the same features
lives in ``tests/reference_analysis.py``; tests/test_index_updates.py compares the two.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np

from . import text as reference
from .text import (
    CONCEPT_PREFIX,
    LANGUAGES,
    Feature,
    Thesaurus,
    default_thesaurus,
    detect_language,
    stem,
    stopwords,
    zipf_table,
)

_TOKEN_RE = reference._TOKEN_RE
_APOSTROPHES = reference._APOSTROPHES
_SURFACE_RE = re.compile(r"[\w'’‐‑-]+")
_SPLIT_RE = re.compile(r"[-']")


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
    return _TOKEN_RE.findall(fast_normalize(text))


# --- compounds -------------------------------------------------------------------------------


CONCEPT_WEIGHT = 1.25  # a glossary concept's idf, relative to a word's
GENERAL_ZIPF = (4.5, 6.0)  # from this Zipf frequency a word starts to count less; at the end, half


def generality_factors(vocabulary, commonness: dict[str, float] | None = None) -> np.ndarray:
    """Per feature, how much its idf counts: 1 for specific words, down to 0.5 for words that are
    very common in everyday Dutch or English (school, support, students); CONCEPT_WEIGHT for a
    glossary concept. A feature is a stem, rarely a word itself ("hor" for hoort, horen):
    ``commonness`` gives the Zipf frequency of the most common word written with that stem.

    The corpus's own idf cannot see this when one language is rare in it: in a mostly Dutch set
    every English word looks rare, and English texts would meet each other on "teachers" and
    "school" whatever they are about.
    """
    nl, en = zipf_table("nl"), zipf_table("en")
    low, high = GENERAL_ZIPF
    out = np.ones(len(vocabulary), dtype=np.float32)
    for i, name in enumerate(vocabulary):
        if name.startswith(CONCEPT_PREFIX):
            out[i] = CONCEPT_WEIGHT
            continue
        common = max(
            nl.get(name, 0.0), en.get(name, 0.0), commonness.get(name, 0.0) if commonness else 0.0
        )
        if common > low:
            out[i] = 1.0 - 0.5 * min(1.0, (common - low) / (high - low))
    return out


def _zipf_nl(word: str) -> float:
    return zipf_table("nl").get(word, 0.0)


@lru_cache(maxsize=400_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """Split an uncommon Dutch compound into common words: ``stagebeoordeling`` → (stage, beoordeling).

    A split is kept only when the whole word is uncommon and every part is a common Dutch word
    (Zipf ≥ 3), allowing the linking s/en/e (``plattelandsscholen`` → platteland, scholen); the head
    may split once more. () when no good split exists. The reference states the rule plainly
    (``tests/reference_analysis.py``); this one skips look-ups that cannot succeed."""
    if len(word) < 2 * reference._MIN_PART + 1 or not word.isalpha():
        return ()
    if _depth == 0 and _zipf_nl(word) >= reference._COMMON_WORD:
        return ()
    min_part, min_zipf, links = reference._MIN_PART, reference._MIN_ZIPF, reference._LINKS
    # A common part is on wordfreq's list; for a plain word (so plain parts) that look-up decides.
    listed = zipf_table("nl") if word.isascii() and word.islower() else None
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(min_part, len(word) - min_part + 1):
        left, right = word[:i], word[i:]
        candidates = [left]
        for link in links:
            if left.endswith(link) and len(left) - len(link) >= min_part:
                candidates.append(left[: -len(link)])
        for modifier in candidates:
            if listed is not None and modifier not in listed:
                continue  # zipf 0
            mod_f = _zipf_nl(modifier)
            if mod_f < min_zipf:
                continue
            head_parts: tuple[str, ...] = (right,)
            head_f = _zipf_nl(right) if listed is None or right in listed else 0.0
            if head_f < min_zipf:
                if _depth >= 1:
                    continue
                head_parts = split_compound(right, _depth + 1)
                if not head_parts:
                    continue
                head_f = min(_zipf_nl(p) for p in head_parts) - 1.0
            score = min(mod_f, head_f) + 0.25 * min(len(modifier), len(head_parts[0]))
            if best is None or score > best[0]:
                best = (score, (modifier, *head_parts))
    return best[1] if best else ()


@lru_cache(maxsize=1)
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def release_free_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc keeps it otherwise).

    Fitting frees a few hundred megabytes of buffers, some in a helper thread's heap; without
    this the process keeps them as resident memory although nothing uses them.
    """
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


# --- language of many texts at once ----------------------------------------------------------

_MIN_DETECT = 12  # text.detect_language: shorter texts are Dutch
_CHUNK = 10_000  # texts per detection step
_GRID_CELLS = 2_000_000  # bytes × texts walked side by side at most


class _Automaton:
    """py3langid's byte automaton and naive-Bayes tables, arranged to walk many texts at once."""

    def __init__(self) -> None:
        identifier = reference._identifier()
        self.nextmove = np.frombuffer(
            identifier.tk_nextmove, dtype=np.dtype(identifier.tk_nextmove.typecode)
        )
        self.rowbase = np.asarray(identifier._rowbase, dtype=np.int64)
        self.output = np.asarray(identifier.tk_output, dtype=np.int32)
        self.ptc = np.asarray(identifier.nb_ptc, dtype=np.float32)
        self.pc = np.asarray(identifier.nb_pc, dtype=np.float32)
        self.classes = list(identifier.nb_classes)
        self.encode = identifier._encode

    @staticmethod
    def available() -> bool:
        identifier = reference._identifier()
        return all(
            hasattr(identifier, a)
            for a in (
                "tk_nextmove",
                "_rowbase",
                "tk_output",
                "nb_ptc",
                "nb_pc",
                "nb_classes",
                "_encode",
            )
        )

    def detect(self, texts: Sequence[str]) -> list[str]:
        out = ["nl"] * len(texts)
        todo = [i for i, t in enumerate(texts) if len(t.strip()) >= _MIN_DETECT]
        encoded = {i: self.encode(texts[i]) for i in todo}
        todo.sort(key=lambda i: len(encoded[i]))  # similar lengths side by side: little padding
        start = 0
        while start < len(todo):
            end = start + 1
            while end < len(todo) and (end + 1 - start) * len(encoded[todo[end]]) <= _GRID_CELLS:
                end += 1
            part = todo[start:end]
            scores = self.scores([encoded[i] for i in part])
            for i, row in zip(part, scores.argmax(axis=1).tolist()):
                out[i] = self.classes[row]
            start = end
        return [lang if lang in LANGUAGES else "nl" for lang in out]

    def scores(self, encoded: list[bytes]) -> np.ndarray:
        """Naive-Bayes scores per text and class, as py3langid computes them (before its softmax).

        The texts are walked side by side, one byte position per step; the emitted features
        are counted per text, and each text scores ``log1p(count) @ ptc + pc``.
        """
        n = len(encoded)
        raw = np.zeros((n, self.ptc.shape[1]), dtype=np.float32)
        if n == 0:
            return raw
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        order = np.argsort(
            -lengths, kind="stable"
        )  # longest first: the texts still walking are a prefix
        sorted_lengths = lengths[order]
        width = int(sorted_lengths[0])
        grid = np.zeros((width, n), dtype=np.uint8)  # byte position × text
        for column, i in enumerate(order.tolist()):
            grid[: lengths[i], column] = np.frombuffer(encoded[i], dtype=np.uint8)
        walking = (
            n - np.searchsorted(sorted_lengths[::-1], np.arange(width), side="right")
        ).tolist()
        emitted = np.full((width, n), -1, dtype=np.int32)
        state = np.zeros(n, dtype=np.int64)
        for pos in range(width):
            k = walking[pos]
            current = self.nextmove[self.rowbase[state[:k]] + grid[pos, :k]]
            state[:k] = current
            emitted[pos, :k] = self.output[current]
        del grid
        # Count each text's features: sort every text's emissions, then measure the runs.
        runs = np.sort(emitted.T, axis=1).ravel()
        del emitted
        boundary = np.empty(runs.size, dtype=bool)
        boundary[0] = True
        np.not_equal(runs[1:], runs[:-1], out=boundary[1:])
        boundary[::width] = True  # a new text starts a new run
        starts = np.flatnonzero(boundary)
        counts = np.diff(starts, append=runs.size)
        features = runs[starts]
        emitting = features >= 0
        text = starts[emitting] // width
        features, counts = features[emitting], counts[emitting].astype(np.float32)
        if text.size:
            weights = np.log1p(counts)
            for c in range(raw.shape[1]):
                raw[:, c] = np.bincount(text, weights=weights * self.ptc[features, c], minlength=n)
            has_features = np.zeros(n, dtype=bool)
            has_features[text] = True
            raw[has_features] += self.pc  # a text without features scores 0: the first class wins
        out = np.empty_like(raw)
        out[order] = raw
        return out


def detect_languages(texts: Sequence[str]) -> list[str]:
    """``detect_language`` of every text, walking py3langid's byte automaton for many at once."""
    if not _Automaton.available():  # another py3langid: one text at a time
        return [detect_language(t) for t in texts]
    return _Automaton().detect(texts)


def _detector() -> Callable[[Sequence[str]], list[str]]:
    if _Automaton.available():
        return _Automaton().detect
    return lambda texts: [detect_language(t) for t in texts]


class BackgroundLanguages:
    """``detect_languages`` in a thread, chunk by chunk, while the caller works on earlier texts.

    ``langs[i]`` waits until text ``i`` is done. The detection is numpy work on small arrays and
    holds the GIL much of the time, so this overlaps only partly; for many texts ``fit`` splits
    the work across processes instead.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._langs: list[str | None] = [None] * len(texts)
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
        return [self[i] for i in range(len(self._langs))]


# --- the analyser ----------------------------------------------------------------------------


def _surface_words(text: str) -> dict[str, str]:
    """Normalised word → the word as written (the last one written so)."""
    words = _SURFACE_RE.findall(text)
    if text.isascii() and "`" not in text:
        return {w.lower(): w for w in words}  # what fast_normalize does to such words
    return {fast_normalize(w): w for w in words}


class FastAnalyzer:
    """The analyser: text → features (stems, compound parts, glossary concepts), each word analysed
    once and cached. ``lang`` may be given when already known. Picklable (the fit's child process
    gets a copy without the caches)."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self.thesaurus = thesaurus or default_thesaurus()
        self._stops = stopwords()
        self._words: dict[str, dict[str, tuple]] = {lang: {} for lang in LANGUAGES}
        # Multi-word terms by their first stem, shortest first: (length, stems, concept features).
        self._phrase_index: dict[str, dict[str, list]] = {lang: {} for lang in LANGUAGES}
        th = self.thesaurus
        for lang in LANGUAGES:
            for stems in th._phrases[lang]:
                names = tuple(CONCEPT_PREFIX + cid for cid in th.phrase_concepts(stems, lang))
                self._phrase_index[lang].setdefault(stems[0], []).append(
                    (len(stems), list(stems), names)
                )
            for candidates in self._phrase_index[lang].values():
                candidates.sort(key=lambda c: c[0])

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_words"] = {lang: {} for lang in LANGUAGES}
        return state

    def word(self, token: str, lang: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """(stem in the reading sequence, features of the word, thesaurus concepts of those features)."""
        table = self._words[lang]
        entry = table.get(token)
        if entry is None:
            entry = table[token] = self._analyse_word(token, lang)
        return entry

    def _analyse_word(self, token: str, lang: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
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
        found = []
        size = len(stems)
        for i in [i for i, s in enumerate(stems) if s in starts]:
            for n, phrase, names in index[stems[i]]:
                if i + n > size:
                    break
                if stems[i : i + n] == phrase:
                    found.extend((i, n, name) for name in names)
        return found

    def features(self, text: str, lang: str | None = None) -> list[Feature]:
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
            concepts.append(Feature(name, " ".join(surfaces[i : i + n])))
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
        for token in tokens:
            seq, names, token_concepts = self.word(token, lang)
            stems.append(seq)
            if names:
                surface = surface_of.get(token, token)
                for name in names:
                    words.setdefault(name, surface)
                for name in token_concepts:
                    concepts.setdefault(name, surface)
        for i, n, name in self._phrases(stems, lang):
            if name not in concepts:
                concepts[name] = " ".join(surface_of.get(t, t) for t in tokens[i : i + n])
        words.update(concepts)  # concept names (~…) never collide with stems
        return words

    def names(self, text: str, lang: str | None = None) -> list[str]:
        """Feature names only (what TF-IDF counts), without surfaces."""
        if not text or not text.strip():
            return []
        lang = lang or detect_language(text)
        entries = [self.word(token, lang) for token in fast_tokenize(text)]
        names = list(chain.from_iterable(e[1] for e in entries))
        names.extend(chain.from_iterable(e[2] for e in entries))
        names.extend(name for _i, _n, name in self._phrases([e[0] for e in entries], lang))
        return names

    def __call__(self, text: str, lang: str | None = None) -> list[str]:
        return self.names(text, lang)


def char_words(tokens: list[str], stops: frozenset[str]) -> list[str]:
    """The words of a text the character view counts: no stop words or numbers, hyphens dropped."""
    return [t.replace("-", "") for t in tokens if t not in stops and not t.isdigit()]
