"""The character view: ``char_wb`` 3–5-gram TF-IDF, l2-normalised, as scikit-learn computes it.

``char_wb`` never crosses a word boundary, so a text's n-gram counts are the sum of its words'
counts. The view keeps a text × word count matrix and a word × n-gram matrix (a few bytes per
word) rather than a few hundred n-grams per text, and computes the n-gram vectors of the rows a
query needs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .vectors import count_matrix, gather_rows, idf_from_df, l2_rows, row_norms, rows_dot, tfidf

NGRAMS = (3, 5)
_CHUNK = 8192  # rows per step when a pass over every text's n-grams is needed


class CharView:
    """Character n-gram TF-IDF kept per word (see the module docstring)."""

    def __init__(
        self,
        words: dict[str, int],
        grams: dict[str, int],
        word_grams: sparse.csr_matrix,
        idf: np.ndarray,
    ) -> None:
        self.words = words  # word → row of ``word_grams``
        self.grams = grams  # n-gram → column
        self.word_grams = word_grams  # word × n-gram counts
        self.idf = idf
        self._ngrams = _ngram_analyzer()

    @classmethod
    def fit(
        cls, words: dict[str, int], rows: Sequence[sparse.csr_matrix], n_docs: int
    ) -> tuple[CharView, list[np.ndarray]]:
        """Fit over text × word count ``rows`` (every fitted text, empty ones included in ``n_docs``).

        Also gives, per matrix of ``rows``, each text's number of distinct n-grams (for ``gram_counts``)."""
        grams: dict[str, int] = {}
        indptr = array("q", [0])
        indices = array("i")
        words_in_order = list(words)  # dicts keep insertion order: row i is the i-th word
        for start in range(0, len(words_in_order), 4096):  # a few thousand words' n-grams at a time
            per_word = list(map(char_wb_ngrams, words_in_order[start : start + 4096]))
            every = list(chain.from_iterable(per_word))
            for gram in dict.fromkeys(every):
                grams.setdefault(gram, len(grams))
            indices.extend(map(grams.__getitem__, every))
            for size in map(len, per_word):
                indptr.append(indptr[-1] + size)
        word_grams = count_matrix(indptr, indices, len(grams))
        df = np.zeros(len(grams), dtype=np.int64)
        lengths = []  # distinct n-grams per text, for gram_counts
        for matrix in rows:
            sizes = np.zeros(matrix.shape[0], dtype=np.int64)
            for start in range(0, matrix.shape[0], _CHUNK):
                counts = matrix[start : start + _CHUNK] @ word_grams
                df += np.bincount(counts.indices, minlength=len(grams))
                sizes[start : start + _CHUNK] = np.diff(counts.indptr)
            lengths.append(sizes)
        return cls(words, grams, word_grams, idf_from_df(df, n_docs)), lengths

    @property
    def n_features(self) -> int:
        """How many distinct n-grams the view was fitted with (its columns)."""
        return len(self.grams)

    def vectors(self, text_words: sparse.csr_matrix) -> sparse.csr_matrix:
        """l2-normalised TF-IDF n-gram rows of texts given as word counts."""
        return l2_rows(tfidf(text_words @ self.word_grams, self.idf))

    def norms(self, text_words: sparse.csr_matrix) -> np.ndarray:
        """Length of every text's TF-IDF n-gram vector, computed in chunks."""
        out = np.zeros(text_words.shape[0], dtype=np.float32)
        for start in range(0, text_words.shape[0], _CHUNK):
            counts = text_words[start : start + _CHUNK] @ self.word_grams
            out[start : start + _CHUNK] = row_norms(tfidf(counts, self.idf))
        return out

    def gram_counts(
        self, text_words: sparse.csr_matrix, rows: np.ndarray, lengths: np.ndarray
    ) -> tuple[sparse.csr_matrix, np.ndarray]:
        """The n-gram counts of the texts ``rows`` (ascending; others empty), compactly, and their lengths.

        Counts are kept as one-byte integers (two when a count passes 255) beside int32 columns:
        a fifth of float rows' size, and all a query needs besides the idf. ``lengths``: distinct
        n-grams per text, as ``fit`` gives them.
        """
        n = text_words.shape[0]
        step = _CHUNK // 4
        lengths = np.where(np.isin(np.arange(n), rows), lengths, 0)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        data = np.empty(int(indptr[-1]), dtype=np.uint8)
        norms = np.zeros(n, dtype=np.float32)
        for start in range(0, rows.size, step):  # into place: the counts are held once, not twice
            chunk = rows[start : start + step]
            counts = text_words[chunk] @ self.word_grams
            counts.sort_indices()
            norms[chunk] = row_norms(tfidf(counts, self.idf))
            at, end = indptr[chunk[0]], indptr[chunk[-1] + 1]
            indices[at:end] = counts.indices
            if data.dtype == np.uint8 and counts.nnz and counts.data.max() > np.iinfo(np.uint8).max:
                data = data.astype(np.uint16)  # a gram more than 255 times in one text
            data[at:end] = counts.data
        stored = sparse.csr_matrix((data, indices, indptr), shape=(n, self.n_features))
        return stored, norms

    def stored_scores(
        self,
        grams: sparse.csr_matrix,
        rows: np.ndarray,
        norms: np.ndarray,
        query: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        """Cosine of a query (``query`` output) with texts stored by ``gram_counts``."""
        q_cols, q_values = query
        if not q_cols.size or not rows.size:
            return np.zeros(rows.size, dtype=np.float32)
        weights = np.zeros(self.n_features, dtype=np.float32)
        weights[q_cols] = q_values * self.idf[q_cols]
        dots = rows_dot(grams, rows, weights)
        safe = np.where(norms > 0, norms, 1.0)
        return np.where(norms > 0, dots / safe, 0.0).astype(np.float32)

    def query(self, text_words: sparse.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The normalised n-gram vector of one text (a row of word counts) as (columns, values)."""
        start, end = text_words.indptr[row], text_words.indptr[row + 1]
        words, counts = text_words.indices[start:end], text_words.data[start:end]
        which, grams, gram_counts = gather_rows(self.word_grams, words)
        if not grams.size:
            return grams.astype(np.int32), np.zeros(0, dtype=np.float32)
        cols, inverse = np.unique(grams, return_inverse=True)
        values = np.bincount(inverse, weights=gram_counts * counts[which]).astype(np.float32)
        values = (np.log(values) + np.float32(1.0)) * self.idf[cols]
        values /= np.sqrt(np.dot(values, values))
        return cols.astype(np.int32), values

    def scores(
        self,
        text_words: sparse.csr_matrix,
        rows: np.ndarray,
        norms: np.ndarray,
        query: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        """Cosine of a query (``query`` output) with the texts ``rows`` of ``text_words``.

        Only the n-grams of the query matter, so the counts of those are summed per text in one
        dense (texts × query n-grams) table; ``norms`` are the texts' precomputed vector lengths.
        """
        q_cols, q_values = query
        out = np.zeros(rows.size, dtype=np.float32)
        if not q_cols.size or not rows.size:
            return out
        lookup = np.full(self.n_features, -1, dtype=np.int32)
        lookup[q_cols] = np.arange(q_cols.size, dtype=np.int32)
        text_of, words, word_counts = gather_rows(text_words, rows)
        word_of, grams, gram_counts = gather_rows(self.word_grams, words)
        slot = lookup[grams]
        keep = slot >= 0
        cells = text_of[word_of[keep]] * q_cols.size + slot[keep]
        weights = (word_counts[word_of] * gram_counts)[keep]
        table = np.bincount(cells, weights=weights, minlength=rows.size * q_cols.size).reshape(
            rows.size, q_cols.size
        )
        present = table > 0
        table[present] = np.log(table[present]) + 1.0
        dots = table @ (self.idf[q_cols] * q_values).astype(np.float64)
        safe = np.where(norms > 0, norms, 1.0)
        return np.where(norms > 0, dots / safe, 0.0).astype(np.float32)

    def text_vector(self, words: Iterable[str]) -> sparse.csr_matrix:
        """The normalised n-gram row of one text given as its words (unknown n-grams are dropped)."""
        counts: dict[int, int] = {}
        for word in words:
            for gram in self._ngrams(word):
                col = self.grams.get(gram)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
        if not counts:
            return sparse.csr_matrix((1, self.n_features), dtype=np.float32)
        cols = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
        data = np.array([counts[c] for c in cols], dtype=np.float32)
        row = sparse.csr_matrix((data, cols, np.array([0, cols.size])), shape=(1, self.n_features))
        return l2_rows(tfidf(row, self.idf))


def _ngram_analyzer() -> Callable[[str], list[str]]:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS).build_analyzer()


def char_wb_ngrams(word: str) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one lower-case word without spaces (same list)."""
    padded = " " + word + " "
    size = len(padded)
    out: list[str] = []
    for n in range(NGRAMS[0], NGRAMS[1] + 1):
        out.extend([padded[i : i + n] for i in range(max(1, size - n + 1))])
        if size <= n:  # a short word is counted once
            break
    return out
