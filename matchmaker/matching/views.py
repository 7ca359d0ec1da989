"""The matcher's two vector views, built from integer ids instead of scikit-learn's per-text loops.

Both give the numbers of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` (smoothed idf):
- words: analyser features (stems, compound parts, ``~concepts``), not normalised here;
- characters: ``char_wb`` 3–5-grams, l2-normalised. ``char_wb`` never crosses a word boundary,
  so a text's n-gram counts are the sum of its words' counts. The view keeps a text × word
  count matrix and a word × n-gram matrix (a few bytes per word) rather than a few hundred
  n-grams per text, and computes the n-gram vectors of the rows a query needs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

try:  # scipy's compiled sparse routines; stable for many releases, but not public API
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover
    _sparsetools = None

NGRAMS = (3, 5)
_CHUNK = 8192  # rows per step when a pass over every text's n-grams is needed


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    """scikit-learn's smoothed idf, in float32 as ``TfidfTransformer`` computes it."""
    df = df.astype(np.float32) + np.float32(1.0)
    idf = np.full_like(df, n_docs + 1, dtype=np.float32)
    idf /= df
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    return idf


def count_matrix(indptr: Sequence[int], indices: Sequence[int], n_cols: int) -> sparse.csr_matrix:
    """Rows of feature ids (repeats allowed) as a float32 count matrix with sorted indices."""
    indptr = (
        np.frombuffer(indptr, np.int64)
        if isinstance(indptr, array)
        else np.asarray(indptr, np.int64)
    )
    indices = (
        np.frombuffer(indices, np.int32)
        if isinstance(indices, array)
        else np.asarray(indices, np.int32)
    )
    data = np.ones(indices.size, dtype=np.float32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(indptr.size - 1, n_cols))
    matrix.sum_duplicates()
    return matrix


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray, copy: bool = True) -> sparse.csr_matrix:
    """Sublinear tf (1 + ln count) times idf (on a copy unless ``copy=False``)."""
    out = counts.astype(np.float32, copy=copy)
    np.log(out.data, out=out.data)
    out.data += np.float32(1.0)
    out.data *= idf[out.indices]
    return out


def row_norms(matrix: sparse.csr_matrix) -> np.ndarray:
    squares = matrix.multiply(matrix) if matrix.nnz else matrix
    return np.sqrt(np.asarray(squares.sum(axis=1), dtype=np.float32).ravel())


def l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length; empty rows stay empty (as sklearn's ``normalize``)."""
    norms = row_norms(matrix)
    norms[norms == 0] = 1.0
    out = matrix.tocsr(copy=True)
    out.data /= np.repeat(norms, np.diff(out.indptr))
    return out


def sorted_vocabulary(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(names in sorted order, provisional id → sorted id), the order scikit-learn gives features."""
    order = sorted(range(len(names)), key=names.__getitem__)
    remap = np.empty(len(names), dtype=np.int32)
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(names), dtype=np.int32)
    return np.array([names[i] for i in order], dtype=object), remap


def stack_rows(rows: Iterable[sparse.csr_matrix], n_cols: int) -> sparse.csr_matrix:
    """Many one-row matrices as one matrix, without ``sparse.vstack``'s per-block overhead."""
    rows = list(rows)
    if not rows:
        return sparse.csr_matrix((0, n_cols), dtype=np.float32)
    data = np.concatenate([r.data for r in rows]).astype(np.float32, copy=False)
    indices = np.concatenate([r.indices for r in rows]).astype(np.int32, copy=False)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([r.nnz for r in rows], out=indptr[1:])
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))


class CharView:
    """Character n-gram TF-IDF kept per word (see the module docstring)."""

    def __init__(
        self, words: dict[str, int], grams: dict[str, int], word_grams: sparse.csr_matrix, idf
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
        dots = _rows_dot(grams, rows, weights)
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


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + ln count of stored (non-zero) counts, as float32 (in place on the converted copy: a
    quarter of the time of a table look-up indexed by the counts)."""
    out = counts.astype(np.float32)
    np.log(out, out=out)
    out += np.float32(1.0)
    return out


def _select_rows(
    matrix: sparse.csr_matrix, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, columns, values) of ``matrix[rows]``, by scipy's C routine without a matrix object:
    scipy's own row selection costs more in checks than in work for a query's few rows."""
    index_type = matrix.indices.dtype
    source = matrix.indptr.astype(index_type, copy=False)
    rows = rows.astype(index_type, copy=False)
    starts = source[rows]
    indptr = np.zeros(rows.size + 1, dtype=index_type)
    np.cumsum(source[rows + 1] - starts, out=indptr[1:])
    columns = np.empty(int(indptr[-1]), dtype=index_type)
    values = np.empty(int(indptr[-1]), dtype=matrix.data.dtype)
    _sparsetools.csr_row_index(
        rows.size, rows, source, matrix.indices, matrix.data, columns, values
    )
    return indptr, columns, values


def _rows_dot(grams: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(1 + ln count) · weights for the stored rows ``rows``: the re-ranking's one sparse product
    (scipy's compiled routines called directly, with the public route as the fallback)."""
    if _sparsetools is None:
        sub = grams[rows]
        return (
            sparse.csr_matrix((_sublinear(sub.data), sub.indices, sub.indptr), shape=sub.shape)
            @ weights
        )
    indptr, columns, counts = _select_rows(grams, rows)
    out = np.zeros(rows.size, dtype=np.float32)
    _sparsetools.csr_matvec(
        rows.size, grams.shape[1], indptr, columns, _sublinear(counts), weights, out
    )
    return out


def weighted_row_sum(
    matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """``weights @ matrix[rows]`` as a dense row: the sum of some rows, each scaled by its weight.

    With ``matrix`` the feature × profile postings this is a query's word scores; the rows are
    gathered and summed by scipy's C routines, without building a sparse matrix on the way.
    """
    if _sparsetools is None or not rows.size:
        return np.asarray(weights @ matrix[rows]).ravel().astype(np.float32, copy=False)
    indptr, columns, values = _select_rows(matrix, rows)
    out = np.zeros(matrix.shape[1], dtype=np.result_type(matrix.data.dtype, weights.dtype))
    # The gathered rows read as a CSC matrix are their transpose: its product with ``weights``.
    _sparsetools.csc_matvec(
        matrix.shape[1],
        rows.size,
        indptr,
        columns,
        values,
        weights.astype(out.dtype, copy=False),
        out,
    )
    return out.astype(np.float32, copy=False)


def gather_rows(
    matrix: sparse.csr_matrix, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of some CSR rows at once: (which of ``rows``, column, value) per entry."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[np.asarray(rows) + 1] - starts
    total = int(lengths.sum())
    which = np.repeat(np.arange(lengths.size), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths - starts, lengths)
    return which, matrix.indices[offsets], matrix.data[offsets]


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


class RowView:
    """Rows of a matrix, some of them replaced or appended by the index's overlay.

    ``view[rows]`` gives a CSR matrix like ``matrix[rows]``; ``base(rows)`` produces rows that
    are not in ``overlay`` (a dict position → one-row CSR).
    """

    def __init__(
        self,
        base: Callable[[np.ndarray], sparse.csr_matrix],
        overlay: dict,
        n_rows: int,
        n_cols: int,
    ):
        self._base = base
        self._overlay = overlay
        self.shape = (n_rows, n_cols)

    def __getitem__(self, rows) -> sparse.csr_matrix:
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        rows = np.where(rows < 0, rows + self.shape[0], rows)
        if not self._overlay:
            return self._base(rows)
        replaced = np.fromiter(
            (r in self._overlay for r in rows.tolist()), dtype=bool, count=rows.size
        )
        if not replaced.any():
            return self._base(rows)
        parts = stack_rows([self._overlay[r] for r in rows[replaced].tolist()], self.shape[1])
        if replaced.all():
            return parts
        base = self._base(rows[~replaced])
        combined = sparse.vstack([base, parts], format="csr")
        order = np.empty(rows.size, dtype=np.int64)
        order[np.flatnonzero(~replaced)] = np.arange(base.shape[0])
        order[np.flatnonzero(replaced)] = base.shape[0] + np.arange(parts.shape[0])
        return combined[order]

    def tocsr(self) -> sparse.csr_matrix:
        return self[np.arange(self.shape[0])]

    def mean(self, axis=None):
        return self.tocsr().mean(axis=axis)

    def __len__(self) -> int:
        return self.shape[0]
