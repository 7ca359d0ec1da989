"""The building blocks of the matcher's vectors, from integer ids instead of scikit-learn's per-text loops.

They give the numbers of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` (smoothed idf):
count matrices, idf, sublinear tf-idf and l2 rows; the character view on top of them is in
``chars``. Also here: the row gathers and products a query needs, done by scipy's compiled
sparse routines (``scipy.sparse._sparsetools``, not public API). Those are checked once at
import against the public scipy/numpy route on a tiny matrix; if they fail or differ, one
warning is logged and the public route is used from then on.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np
from scipy import sparse

logger = logging.getLogger(__name__)

try:  # scipy's compiled sparse routines; stable for many releases, but not public API
    from scipy.sparse import _sparsetools as _private
except ImportError:  # pragma: no cover
    _private = None


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    """scikit-learn's smoothed idf, in float32 as ``TfidfTransformer`` computes it."""
    df = df.astype(np.float32) + np.float32(1.0)
    idf = np.full_like(df, n_docs + 1, dtype=np.float32)
    idf /= df
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    return idf


def count_matrix(
    indptr: array | Sequence[int] | np.ndarray,
    indices: array | Sequence[int] | np.ndarray,
    n_cols: int,
) -> sparse.csr_matrix:
    """Rows of feature ids (repeats allowed) as a float32 count matrix with sorted indices."""
    ptr = (
        np.frombuffer(indptr, np.int64)
        if isinstance(indptr, array)
        else np.asarray(indptr, np.int64)
    )
    ids = (
        np.frombuffer(indices, np.int32)
        if isinstance(indices, array)
        else np.asarray(indices, np.int32)
    )
    data = np.ones(ids.size, dtype=np.float32)
    matrix = sparse.csr_matrix((data, ids, ptr), shape=(ptr.size - 1, n_cols))
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
    """The Euclidean length of every row, as float32."""
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


# --- row products: scipy's compiled routines, or the public route ---------------------------


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + ln count of stored (non-zero) counts, as float32 (in place on the converted copy: a
    quarter of the time of a table look-up indexed by the counts)."""
    out = counts.astype(np.float32)
    np.log(out, out=out)
    out += np.float32(1.0)
    return out


def _select_rows(
    tools: Any, matrix: sparse.csr_matrix, rows: np.ndarray
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
    tools.csr_row_index(rows.size, rows, source, matrix.indices, matrix.data, columns, values)
    return indptr, columns, values


def _rows_dot_public(grams: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    sub = grams[rows]
    return (
        sparse.csr_matrix((_sublinear(sub.data), sub.indices, sub.indptr), shape=sub.shape)
        @ weights
    )


def _rows_dot_private(
    tools: Any, grams: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    indptr, columns, counts = _select_rows(tools, grams, rows)
    out = np.zeros(rows.size, dtype=np.float32)
    tools.csr_matvec(rows.size, grams.shape[1], indptr, columns, _sublinear(counts), weights, out)
    return out


def rows_dot(grams: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(1 + ln count) · weights for the stored count rows ``rows``: the re-ranking's one sparse
    product (scipy's compiled routines called directly when they passed the import check)."""
    if _sparsetools is None:
        return _rows_dot_public(grams, rows, weights)
    return _rows_dot_private(_sparsetools, grams, rows, weights)


def _weighted_row_sum_public(
    matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    return np.asarray(weights @ matrix[rows]).ravel().astype(np.float32, copy=False)


def _weighted_row_sum_private(
    tools: Any, matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    indptr, columns, values = _select_rows(tools, matrix, rows)
    out = np.zeros(matrix.shape[1], dtype=np.result_type(matrix.data.dtype, weights.dtype))
    # The gathered rows read as a CSC matrix are their transpose: its product with ``weights``.
    tools.csc_matvec(
        matrix.shape[1],
        rows.size,
        indptr,
        columns,
        values,
        weights.astype(out.dtype, copy=False),
        out,
    )
    return out.astype(np.float32, copy=False)


def weighted_row_sum(
    matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """``weights @ matrix[rows]`` as a dense row: the sum of some rows, each scaled by its weight.

    With ``matrix`` the feature × profile postings this is a query's word scores; the rows are
    gathered and summed by scipy's C routines, without building a sparse matrix on the way.
    """
    if _sparsetools is None or not rows.size:
        return _weighted_row_sum_public(matrix, rows, weights)
    return _weighted_row_sum_private(_sparsetools, matrix, rows, weights)


def _check_cases(tools: Any) -> list[tuple[Callable[[], np.ndarray], Callable[[], np.ndarray]]]:
    """(public, private) pairs on a tiny matrix with an empty row and a repeated row, in the
    dtypes the index uses (float32 postings, one- and two-byte n-gram counts)."""
    indptr = np.array([0, 2, 2, 5, 6], dtype=np.int32)
    indices = np.array([0, 3, 1, 2, 4, 3], dtype=np.int32)
    counts = np.array([1, 2, 3, 1, 300, 7])
    rows = np.array([2, 1, 0, 2, 3], dtype=np.int64)
    weights = np.array([0.5, -1.0, 2.0, 0.25, 1.5], dtype=np.float32)
    postings = sparse.csr_matrix((counts.astype(np.float32), indices, indptr), shape=(4, 5))
    cases: list[tuple[Callable[[], np.ndarray], Callable[[], np.ndarray]]] = [
        (
            partial(_weighted_row_sum_public, postings, rows, weights),
            partial(_weighted_row_sum_private, tools, postings, rows, weights),
        )
    ]
    for dtype in (np.uint8, np.uint16):
        data = np.minimum(counts, np.iinfo(dtype).max).astype(dtype)
        grams = sparse.csr_matrix((data, indices, indptr), shape=(4, 5))
        cases.append(
            (
                partial(_rows_dot_public, grams, rows, weights),
                partial(_rows_dot_private, tools, grams, rows, weights),
            )
        )
    return cases


def _verified(tools: Any) -> Any:
    """``tools`` (scipy's compiled sparse routines) when they give the public route's results on
    a tiny matrix; None, with one warning logged, when they are missing, fail or differ."""
    if tools is None:
        logger.warning("scipy.sparse._sparsetools is not available: using scipy's public API")
        return None
    try:
        for public, private in _check_cases(tools):
            expected, got = public(), private()
            if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-6):
                logger.warning(
                    "scipy.sparse._sparsetools gives other results than scipy's public API: "
                    "using the public API"
                )
                return None
    except Exception as exc:  # a changed signature raises TypeError or ValueError, or worse
        first_line = (str(exc).splitlines() or [""])[0]
        logger.warning(
            "scipy.sparse._sparsetools failed its check (%s: %s): using scipy's public API",
            type(exc).__name__,
            first_line,
        )
        return None
    return tools


_sparsetools: Any = _verified(_private)  # the routines in use, or None for the public route


class RowView:
    """Rows of a matrix, some of them replaced or appended by the index's overlay.

    ``view[rows]`` gives a CSR matrix like ``matrix[rows]``; ``base(rows)`` produces rows that
    are not in ``overlay`` (a dict position → one-row CSR).
    """

    def __init__(
        self,
        base: Callable[[np.ndarray], sparse.csr_matrix],
        overlay: dict[int, sparse.csr_matrix],
        n_rows: int,
        n_cols: int,
    ) -> None:
        self._base = base
        self._overlay = overlay
        self.shape = (n_rows, n_cols)

    def __getitem__(self, rows: int | Sequence[int] | np.ndarray) -> sparse.csr_matrix:
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
        """Every row as one CSR matrix (base and overlay combined)."""
        return self[np.arange(self.shape[0])]

    def mean(self, axis: int | None = None) -> Any:
        """The mean of the rows' entries, as ``csr_matrix.mean`` gives it."""
        return self.tocsr().mean(axis=axis)

    def __len__(self) -> int:
        return self.shape[0]
