"""Fitting the matcher's vectors over many profiles: Python touches each text once, numpy does the rest.

Each text is tokenised and its tokens are looked up in a table of distinct (language, token)
pairs; a token seen for the first time is analysed once (``FastAnalyzer.word``). Features,
multi-word thesaurus terms and the character view's words then come from that table for the
whole corpus at once. Languages are detected in a background thread meanwhile. The result is
what ``text.Analyzer`` with scikit-learn's ``TfidfVectorizer`` would give.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .analysis import BackgroundLanguages, FastAnalyzer, fast_tokenize, release_free_memory
from .profile import Profile
from .text import LANGUAGES, stopwords
from .views import CharView, count_matrix, gather_rows, idf_from_df, l2_rows, sorted_vocabulary, tfidf

FIELDS = ("challenges", "experiences", "description")  # the columns of ``Fitted.langs``
DESCRIPTION_WEIGHT = 0.35  # how much the free description counts beside challenges/experiences


@dataclass
class Fitted:
    vocabulary: np.ndarray  # feature names, sorted (as scikit-learn orders them)
    idf: np.ndarray
    need: sparse.csr_matrix  # profile × feature: challenges + a little description, l2-normalised
    offer: sparse.csr_matrix  # profile × feature: experiences + a little description, l2-normalised
    need_words: sparse.csr_matrix  # profile × character-view word counts of the challenges
    offer_words: sparse.csr_matrix  # the same for the experiences
    chars: CharView
    langs: np.ndarray  # profile × field: index into LANGUAGES
    fitted: bool  # False when no text had a single feature


class _TokenTable:
    """Every distinct (language, token) once: features, stem in the reading sequence, character word."""

    def __init__(self, analyzer: FastAnalyzer) -> None:
        self.analyzer = analyzer
        self.stops = stopwords()
        self.ids: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
        self.features: dict[str, int] = {}  # feature name → provisional id
        self.words: dict[str, int] = {}  # character-view word → id
        self.stems: dict[tuple[str, str], int] = {}  # (language, stem) → id
        self.feature_ptr = array("q", [0])
        self.feature_ids = array("i")
        self.stem_of = array("i")
        self.word_of = array("i")

    def learn(self, tokens: list[str], lang: str) -> None:
        table = self.ids[lang]
        for token in tokens:
            if token in table:
                continue
            seq, names, concepts = self.analyzer.word(token, lang)
            table[token] = len(self.stem_of)
            self.feature_ids.extend(self.features.setdefault(f, len(self.features)) for f in names + concepts)
            self.feature_ptr.append(len(self.feature_ids))
            self.stem_of.append(self.stems.setdefault((lang, seq), len(self.stems)))
            word = -1
            if token not in self.stops and not token.isdigit():
                word = self.words.setdefault(token.replace("-", ""), len(self.words))
            self.word_of.append(word)

    def phrases(self) -> list[tuple[np.ndarray, tuple[str, ...]]]:
        """Multi-word terms whose stems all occur: (stem ids, concept features)."""
        out = []
        for lang in LANGUAGES:
            for candidates in self.analyzer._phrase_index[lang].values():
                for _n, stems, names in candidates:
                    ids = [self.stems.get((lang, s)) for s in stems]
                    if None not in ids:
                        out.append((np.array(ids, dtype=np.int64), names))
        return out


def fit_vectors(profiles: Sequence[Profile], analyzer: FastAnalyzer, progress=None) -> Fitted:
    """The word and character views over ``profiles``."""
    n = len(profiles)
    texts = [p.challenges for p in profiles] + [p.experiences for p in profiles] + [p.description for p in profiles]
    langs = BackgroundLanguages(texts)  # text t is field t // n of profile t % n
    table = _TokenTable(analyzer)
    tokens_of = array("i")
    text_ptr = array("q", [0])
    for t in progress(range(3 * n)) if progress else range(3 * n):
        text = texts[t]
        if text and text.strip():
            lang = langs[t]
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
    lang_codes = {lang: i for i, lang in enumerate(LANGUAGES)}
    text_langs = np.array([lang_codes[lang] for lang in langs.all()], dtype=np.int8).reshape(3, n).T.copy()
    del langs
    release_free_memory()  # the language detection's buffers, freed in its thread's heap

    tokens = np.frombuffer(tokens_of, dtype=np.int32)
    ptr = np.frombuffer(text_ptr, dtype=np.int64)
    features = count_matrix(table.feature_ptr, table.feature_ids, len(table.features))
    stem_of = np.frombuffer(table.stem_of, dtype=np.int32)
    word_of = np.frombuffer(table.word_of, dtype=np.int32)
    phrases = table.phrases()
    feature_names = table.features
    width = len(feature_names) + sum(len(names) for _ids, names in phrases)  # phrases add features
    counts = []
    for f in range(3):  # one field at a time: its (text, feature) pairs are large
        rows, cols, weights = _field_features(tokens, ptr[f * n : (f + 1) * n + 1], features, stem_of, phrases, feature_names)
        counts.append(_counts(rows, cols, n, width, weights))
        del rows, cols, weights
    vocabulary, remap = sorted_vocabulary(list(feature_names))
    counts = [_counts_in(c, remap, len(vocabulary)) for c in counts]
    docs = sum(int(np.count_nonzero(np.diff(c.indptr))) for c in counts)
    df = sum(np.bincount(c.indices, minlength=len(vocabulary)) for c in counts)
    idf = idf_from_df(np.asarray(df), docs)
    chal, exp, desc = (tfidf(c, idf, copy=False) for c in counts)
    del counts
    desc.data *= np.float32(DESCRIPTION_WEIGHT)
    need = l2_rows(chal + desc)
    del chal
    offer = l2_rows(exp + desc)
    del exp, desc
    fitted = docs > 0
    words = table.words if fitted else {}
    word_counts = []
    for f in (0, 1):
        if not fitted:
            word_counts.append(sparse.csr_matrix((n, 0), dtype=np.float32))
            continue
        part = tokens[ptr[f * n] : ptr[(f + 1) * n]]
        text_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(ptr[f * n : (f + 1) * n + 1]))
        ids = word_of[part]
        keep = ids >= 0
        word_counts.append(_counts(text_of[keep], ids[keep], n, len(words)))
    char_docs = sum(bool(t) for t in texts[: 2 * n]) if fitted else 0
    chars = CharView.fit(words, word_counts, char_docs)
    return Fitted(vocabulary, idf, need, offer, word_counts[0], word_counts[1], chars, text_langs, fitted)


def _field_features(tokens, ptr, features, stem_of, phrases, feature_names) -> tuple[np.ndarray, ...]:
    """(text, provisional feature id, count) of the features of the texts between ``ptr``."""
    lengths = np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]]
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    which, cols, times = gather_rows(features, part)
    rows = [text_of[which]]
    columns = [cols.astype(np.int32)]
    counts = [times.astype(np.float32)]
    if phrases and part.size:
        seq = stem_of[part]
        end = np.repeat(ptr[1:] - ptr[0], lengths)  # where each token's text ends
        firsts = np.array([ids[0] for ids, _ in phrases], dtype=np.int64)
        is_first = np.zeros(int(max(stem_of.max(initial=0), firsts.max())) + 1, dtype=bool)
        is_first[firsts] = True
        starts = np.flatnonzero(is_first[seq])
        for ids, names in phrases:
            at = starts[seq[starts] == ids[0]]
            at = at[at + ids.size <= end[at]]
            for k in range(1, ids.size):
                at = at[seq[at + k] == ids[k]]
            if at.size:
                for name in names:
                    rows.append(text_of[at])
                    columns.append(np.full(at.size, feature_names.setdefault(name, len(feature_names)), dtype=np.int32))
                    counts.append(np.ones(at.size, dtype=np.float32))
    return np.concatenate(rows), np.concatenate(columns), np.concatenate(counts)


def _counts_in(matrix: sparse.csr_matrix, remap: np.ndarray, n_cols: int) -> sparse.csr_matrix:
    """The matrix with its columns renumbered by ``remap`` (provisional id → final id)."""
    out = sparse.csr_matrix((matrix.data, remap[matrix.indices], matrix.indptr), shape=(matrix.shape[0], n_cols))
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def _counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, weights=None) -> sparse.csr_matrix:
    if weights is None:
        weights = np.ones(rows.size, dtype=np.float32)
    matrix = sparse.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix
