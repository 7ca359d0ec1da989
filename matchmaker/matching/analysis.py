"""The analyser of ``text.py``, fast enough to fit 100,000 profiles: same features, cached per word.

``text.Analyzer`` is the reference: it says what a text's features are. ``FastAnalyzer`` gives
exactly the same features (tests/test_index_updates.py compares the two) but does the work once
per distinct word instead of once per occurrence, skips compound look-ups for words wordfreq does
not know, and detects the language of many texts in one vectorised pass of py3langid's own model.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
from scipy import sparse
from wordfreq import get_frequency_dict, zipf_frequency

from . import text as reference
from .text import CONCEPT_PREFIX, LANGUAGES, Analyzer, Feature, detect_language, stem, stopwords

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


@lru_cache(maxsize=1)
def _nl_frequencies() -> dict[str, float]:
    return get_frequency_dict("nl", "best")


_KNOWN_ZIPF: dict[str, float] = {}


def _zipf_nl(word: str) -> float:
    """``zipf_frequency(word, "nl")``; a plain word missing from the list is 0 without a look-up."""
    zipf = _KNOWN_ZIPF.get(word)
    if zipf is None:
        if word in _nl_frequencies():
            zipf = _KNOWN_ZIPF[word] = zipf_frequency(word, "nl")  # bounded by the word list
        elif word.isascii() and word.isalpha() and word.islower():
            zipf = 0.0
        else:
            zipf = zipf_frequency(word, "nl")
    return zipf


def _plain_zipf(word: str) -> float:
    """``_zipf_nl`` of a lower-case ASCII alphabetic word."""
    zipf = _KNOWN_ZIPF.get(word)
    if zipf is None:
        zipf = _zipf_nl(word) if word in _nl_frequencies() else 0.0
    return zipf


@lru_cache(maxsize=400_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """``text.split_compound`` with the fast frequency look-up above (same splits)."""
    if len(word) < 2 * reference._MIN_PART + 1 or not word.isalpha():
        return ()
    if _depth == 0 and _zipf_nl(word) >= reference._COMMON_WORD:
        return ()
    min_part, min_zipf = reference._MIN_PART, reference._MIN_ZIPF
    # A plain word's parts are plain: a part missing from the list is 0 without a call.
    zipf = _zipf_nl if not (word.isascii() and word.islower()) else _plain_zipf
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(min_part, len(word) - min_part + 1):
        left, right = word[:i], word[i:]
        candidates = [(left, right)]
        for link in reference._LINKS:
            if left.endswith(link) and len(left) - len(link) >= min_part:
                candidates.append((left[: -len(link)], right))
        for modifier, head in candidates:
            mod_f = zipf(modifier)
            if mod_f < min_zipf:
                continue
            head_parts: tuple[str, ...] = (head,)
            head_f = zipf(head)
            if head_f < min_zipf:
                if _depth >= 1:
                    continue
                head_parts = split_compound(head, _depth + 1)
                if not head_parts:
                    continue
                head_f = min(zipf(p) for p in head_parts) - 1.0
            score = min(mod_f, head_f) + 0.25 * min(len(modifier), len(head_parts[0]))
            if best is None or score > best[0]:
                best = (score, (modifier, *head_parts))
    return best[1] if best else ()


# --- language of many texts at once ----------------------------------------------------------

_MIN_DETECT = 12  # text.detect_language: shorter texts are Dutch


def detect_languages(texts: Sequence[str], chunk: int = 20_000) -> list[str]:
    """``detect_language`` of every text, walking py3langid's byte automaton for all at once."""
    identifier = reference._identifier()
    try:
        nextmove = np.frombuffer(identifier.tk_nextmove, dtype=np.dtype(identifier.tk_nextmove.typecode))
        rowbase = np.asarray(identifier._rowbase, dtype=np.int64)
        output = np.asarray(identifier.tk_output, dtype=np.int64)
        ptc = np.asarray(identifier.nb_ptc, dtype=np.float32)
        pc = np.asarray(identifier.nb_pc, dtype=np.float32)
        classes = list(identifier.nb_classes)
        encode = identifier._encode
    except AttributeError:  # another py3langid: one text at a time
        return [detect_language(t) for t in texts]
    langs = ["nl"] * len(texts)
    todo = [i for i, t in enumerate(texts) if len(t.strip()) >= _MIN_DETECT]
    encoded = {i: encode(texts[i]) for i in todo}
    todo.sort(key=lambda i: len(encoded[i]))  # similar lengths per chunk: little padding
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        scores = _nb_scores([encoded[i] for i in part], nextmove, rowbase, output, ptc, pc)
        for i, row in zip(part, scores.argmax(axis=1)):
            langs[i] = classes[row]
    return [lang if lang in LANGUAGES else "nl" for lang in langs]


def _nb_scores(encoded: list[bytes], nextmove, rowbase, output, ptc, pc) -> np.ndarray:
    """Naive-Bayes scores per text and class, as py3langid computes them (before its softmax)."""
    n = len(encoded)
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=n)
    order = np.argsort(-lengths, kind="stable")  # longest first: the active texts are a prefix
    sorted_lengths = lengths[order]
    width = int(sorted_lengths[0]) if n else 0
    grid = np.zeros((width, n), dtype=np.uint8)  # byte position × text: one row per step
    for column, i in enumerate(order):
        grid[: lengths[i], column] = np.frombuffer(encoded[i], dtype=np.uint8)
    ascending = sorted_lengths[::-1]
    active = n - np.searchsorted(ascending, np.arange(width), side="right")  # texts longer than pos
    state = np.zeros(n, dtype=np.int64)
    text_ids, feature_ids = [], []
    for pos in range(width):
        k = int(active[pos])
        current = state[:k]
        current = nextmove[rowbase[current] + grid[pos, :k]]
        state[:k] = current
        found = output[current]
        hit = np.flatnonzero(found >= 0)
        if hit.size:
            text_ids.append(hit)
            feature_ids.append(found[hit])
    if text_ids:
        rows = np.concatenate(text_ids)
        cols = np.concatenate(feature_ids)
        counts = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n, ptc.shape[0])
        )
        counts.sum_duplicates()
        counts.data = np.log1p(counts.data)
        raw = np.asarray(counts @ ptc, dtype=np.float32) + pc
        featureless = np.diff(counts.indptr) == 0
    else:
        raw = np.zeros((n, ptc.shape[1]), dtype=np.float32)
        featureless = np.ones(n, dtype=bool)
    raw[featureless] = 0.0  # py3langid: uniform scores, so the first class wins
    out = np.empty_like(raw)
    out[order] = raw
    return out


# --- the analyser ----------------------------------------------------------------------------


class FastAnalyzer(Analyzer):
    """``text.Analyzer`` with per-word caches. ``lang`` may be given when already known."""

    def __init__(self, thesaurus=None) -> None:
        super().__init__(thesaurus)
        self._stops = stopwords()
        self._words: dict[str, dict[str, tuple]] = {lang: {} for lang in LANGUAGES}
        # Multi-word terms by their first stem, shortest first: (length, stems, concept features).
        self._phrase_index: dict[str, dict[str, list]] = {lang: {} for lang in LANGUAGES}
        th = self.thesaurus
        for lang in LANGUAGES:
            for stems in th._phrases[lang]:
                names = tuple(CONCEPT_PREFIX + cid for cid in th.phrase_concepts(stems, lang))
                self._phrase_index[lang].setdefault(stems[0], []).append((len(stems), list(stems), names))
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
            for piece in parts:  # as in text.Analyzer: when pieces is parts, new pieces are split too
                pieces.extend(split_compound(piece))
        for piece in pieces:
            if piece in stops or len(piece) < 3:
                continue
            piece_stem = stem(piece, lang)
            if piece_stem != whole:
                names.append(piece_stem)
        th = self.thesaurus
        concepts = tuple(CONCEPT_PREFIX + cid for name in names for cid in th.concepts_of(name, lang))
        return whole, tuple(names), concepts

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
        surface_of = {fast_normalize(w): w for w in _SURFACE_RE.findall(text)}
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
        surface_of = {fast_normalize(w): w for w in _SURFACE_RE.findall(text)}
        words: dict[str, str] = {}
        concepts: dict[str, str] = {}
        stems: list[str] = []
        tokens = fast_tokenize(text)
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
    """The words of ``text.char_text`` from a text's tokens."""
    return [t.replace("-", "") for t in tokens if t not in stops and not t.isdigit()]
