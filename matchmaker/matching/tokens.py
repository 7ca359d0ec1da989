"""Tokens of many texts at once: each distinct (language, token) is analysed once, into a table.

The fit reads every text through ``tokenize_all``: its tokens are looked up in a ``TokenTable``
of distinct (language, token) pairs, and a token seen for the first time is analysed once
(``FastAnalyzer.word``). Features, multi-word thesaurus terms and the character view's words
then come from that table for the whole corpus at once (see ``fit``). With many texts a forked
child process takes half of them (languages, tokens, its own table, merged afterwards).
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from .analysis import Analysed, BackgroundLanguages, FastAnalyzer, detect_languages, fast_tokenize
from .text import LANGUAGES, stopwords, zipf

SPLIT_ABOVE = 30_000  # texts from which a child process takes half of them (see tokenize_all)

T = TypeVar("T")
Progress = Callable[[Iterable[int]], Iterable[int]]  # wraps the texts' loop, e.g. a progress bar


def commonness(analyzer: FastAnalyzer, words: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Stem → Zipf frequency of the most common of ``words`` ((language, token) pairs) whose own
    stem it is. A translated English word counts for nothing here: its features are Dutch."""
    out: dict[str, float] = {}
    for lang, token in words:
        seq, names, _concepts = analyzer.word(token, lang)
        if names and names[0] == seq:
            common = zipf(token, lang)
            if common > out.get(seq, 0.0):
                out[seq] = common
    return out


class TokenTable:
    """Every distinct (language, token) once: features, stem in the reading sequence, character word."""

    def __init__(self, analyzer: FastAnalyzer) -> None:
        self.analyzer = analyzer
        self.stops = stopwords()
        self.ids: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
        self.keys: list[tuple[str, str]] = []  # (language, token) by id
        self.features: dict[str, int] = {}  # feature name → provisional id
        self.words: dict[str, int] = {}  # character-view word → id
        self.stems: dict[tuple[str, str], int] = {}  # (language, stem) → id
        self.feature_ptr = array("q", [0])
        self.feature_ids = array("i")
        self.stem_of = array("i")
        self.word_of = array("i")

    def learn(self, tokens: list[str], lang: str) -> None:
        """Add the tokens of one text the table does not have yet, each analysed once."""
        table = self.ids[lang]
        for token in tokens:
            if token not in table:
                self._add(token, lang, self.analyzer.word(token, lang))

    def _add(self, token: str, lang: str, analysed: Analysed) -> int:
        seq, names, concepts = analysed
        token_id = self.ids[lang][token] = len(self.keys)
        self.keys.append((lang, token))
        self.feature_ids.extend(
            self.features.setdefault(f, len(self.features)) for f in names + concepts
        )
        self.feature_ptr.append(len(self.feature_ids))
        self.stem_of.append(self.stems.setdefault((lang, seq), len(self.stems)))
        word = -1
        if token not in self.stops and not token.isdigit():
            word = self.words.setdefault(token.replace("-", ""), len(self.words))
        self.word_of.append(word)
        return token_id

    def export(self) -> list[tuple[str, str, Analysed]]:
        """(language, token, analysis) by id: what another process's table needs to merge this one."""
        return [(lang, token, self.analyzer.word(token, lang)) for lang, token in self.keys]

    def merge(self, entries: list[tuple[str, str, Analysed]]) -> np.ndarray:
        """Take in another table's tokens; returns its ids → ids here."""
        mapping = np.empty(len(entries), dtype=np.int32)
        for i, (lang, token, analysed) in enumerate(entries):
            token_id = self.ids[lang].get(token)
            if token_id is None:
                self.analyzer.remember(token, lang, analysed)
                token_id = self._add(token, lang, analysed)
            mapping[i] = token_id
        return mapping

    def commonness(self) -> dict[str, float]:
        """Stem → Zipf frequency of the most common word of the texts written with it (hoort,
        horen → hor): what ``generality_factors`` needs, since a stem is rarely a word itself."""
        return commonness(self.analyzer, self.keys)

    def phrases(self) -> list[tuple[np.ndarray, tuple[str, ...]]]:
        """Multi-word terms whose stems all occur: (stem ids, concept features)."""
        out: list[tuple[np.ndarray, tuple[str, ...]]] = []
        for lang in LANGUAGES:
            for candidates in self.analyzer._phrase_index[lang].values():
                for _n, stems, names in candidates:
                    ids = [self.stems.get((lang, s)) for s in stems]
                    if None not in ids:
                        out.append((np.array(ids, dtype=np.int64), names))
        return out


def tokenize_texts(
    texts: Sequence[str], lang_of: Callable[[int], str], table: TokenTable, items: Iterable[int]
) -> tuple[array, array]:
    """Token ids of ``texts[t]`` for each t in ``items`` (one run, with pointers where each ends)."""
    tokens_of = array("i")
    text_ptr = array("q", [0])
    for t in items:
        text = texts[t]
        if text and text.strip():
            lang = lang_of(t)
            tokens = fast_tokenize(text)
            lookup = table.ids[lang]
            start = len(tokens_of)
            try:
                tokens_of.extend(map(lookup.__getitem__, tokens))
            except KeyError:  # words not seen before: analyse each once
                del tokens_of[start:]
                table.learn(tokens, lang)
                tokens_of.extend(map(lookup.__getitem__, tokens))
        text_ptr.append(len(tokens_of))
    return tokens_of, text_ptr


def _tokenize_part(
    texts: Sequence[str], start: int, analyzer: FastAnalyzer
) -> tuple[bytes, list[tuple[str, str, Analysed]], bytes, bytes]:
    """Languages and tokens of ``texts[start:]`` through a table of their own (in a forked child):
    (language codes, the table's entries, token ids, text pointers), to merge into the parent's."""
    langs = detect_languages(texts[start:])
    table = TokenTable(analyzer)
    tokens_of, text_ptr = tokenize_texts(
        texts, lambda t: langs[t - start], table, range(start, len(texts))
    )
    codes = bytes(LANGUAGES.index(lang) for lang in langs)
    return codes, table.export(), tokens_of.tobytes(), text_ptr.tobytes()


def can_fork() -> bool:
    """A fork is safe in a process with no other threads (and possible on this system)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def in_child(work: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``work(*args)`` in a forked child process (see ``can_fork``); returns a function that
    waits for its result, or does the work here when the child died without one."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        send.send_bytes(pickle.dumps(work(*args), protocol=pickle.HIGHEST_PROTOCOL))
        send.close()

    child = context.Process(target=run, daemon=True)
    child.start()
    send.close()

    def result() -> T:
        try:
            return pickle.loads(receive.recv_bytes())
        except (EOFError, OSError):  # the child died: do its work here
            return work(*args)
        finally:
            receive.close()
            child.join(timeout=30)

    return result


def tokenize_all(
    texts: Sequence[str], table: TokenTable, progress: Progress | None, split_above: int
) -> tuple[array, array, list[str]]:
    """(token ids, text pointers, language of each text) of every text.

    Many texts, in a process that may fork: the second half goes to a child process on the other
    core, whose table is merged into ours afterwards. Otherwise one pass here, with the languages
    detected beside it.
    """
    if len(texts) >= split_above and can_fork():
        return _tokenize_split(texts, table, progress)
    background = BackgroundLanguages(texts)
    items = range(len(texts))
    tokens_of, text_ptr = tokenize_texts(
        texts, background.__getitem__, table, progress(items) if progress else items
    )
    return tokens_of, text_ptr, background.all()


def _tokenize_split(
    texts: Sequence[str], table: TokenTable, progress: Progress | None
) -> tuple[array, array, list[str]]:
    """``tokenize_all`` with the second half of the texts in a forked child process."""
    total = len(texts)
    detect_languages(texts[:1])  # load py3langid's model before the fork: the child shares it
    half = total // 2
    rest = in_child(_tokenize_part, texts, half, table.analyzer)
    langs = detect_languages(texts[:half])
    items = range(half)
    tokens_of, text_ptr = tokenize_texts(
        texts, langs.__getitem__, table, progress(items) if progress else items
    )
    codes, entries, other, other_ptr_bytes = rest()
    other_tokens = np.frombuffer(other, dtype=np.int32)
    if entries:
        other_tokens = table.merge(entries)[other_tokens]
    other_ptr = np.frombuffer(other_ptr_bytes, dtype=np.int64)
    tokens_of.frombytes(other_tokens.astype(np.int32).tobytes())
    text_ptr.frombytes((other_ptr[1:] + text_ptr[-1]).tobytes())
    return tokens_of, text_ptr, langs + [LANGUAGES[c] for c in codes]
