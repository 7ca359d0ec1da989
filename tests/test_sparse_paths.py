"""The two routes of the vectors' row products: scipy's compiled routines (private API) and the
public scipy/numpy route. Both must give the same numbers, and a broken private routine must make
the module fall back to the public route at import, with one warning."""

import importlib.util
import logging
import types

import numpy as np
import pytest
import scipy.sparse
from scipy import sparse
from scipy.sparse import _sparsetools

from matchmaker.matching import vectors

SHAPES = [(1, 1), (7, 5), (40, 300), (200, 60)]
DENSITIES = [0.0, 0.05, 0.3, 1.0]


def _random_csr(
    rng: np.random.Generator,
    shape: tuple[int, int],
    density: float,
    values: np.ndarray,
    index_dtype=np.int32,
) -> sparse.csr_matrix:
    """A random CSR matrix with some rows forced empty, values drawn from ``values``."""
    present = rng.random(shape) < density
    present[rng.random(shape[0]) < 0.3] = False  # empty rows
    dense = np.where(present, rng.choice(values, size=shape), 0).astype(values.dtype)
    matrix = sparse.csr_matrix(dense)
    matrix.sort_indices()
    matrix.indices = matrix.indices.astype(index_dtype)
    matrix.indptr = matrix.indptr.astype(index_dtype)
    return matrix


def _random_rows(rng: np.random.Generator, n_rows: int, matrix: sparse.csr_matrix) -> np.ndarray:
    """Row positions with repeats, always including an empty row when there is one."""
    rows = rng.integers(0, n_rows, size=rng.integers(1, 2 * n_rows + 2))
    empty = np.flatnonzero(np.diff(matrix.indptr) == 0)
    if empty.size:
        rows = np.concatenate([rows, empty[:1]])
    return rows.astype(np.int64)


def _cases():
    for seed, shape in enumerate(SHAPES):
        for density in DENSITIES:
            for index_dtype in (np.int32, np.int64):
                yield pytest.param(
                    seed,
                    shape,
                    density,
                    index_dtype,
                    id=f"{shape}-{density}-{index_dtype.__name__}",
                )


@pytest.mark.parametrize("seed,shape,density,index_dtype", list(_cases()))
def test_weighted_row_sum_private_and_public_agree(seed, shape, density, index_dtype):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(50).astype(np.float32)
    matrix = _random_csr(rng, shape, density, values, index_dtype)
    rows = _random_rows(rng, shape[0], matrix)
    weights = rng.standard_normal(rows.size).astype(np.float32)
    expected = weights.astype(np.float64) @ matrix.toarray().astype(np.float64)[rows]
    public = vectors._weighted_row_sum_public(matrix, rows, weights)
    private = vectors._weighted_row_sum_private(_sparsetools, matrix, rows, weights)
    for got in (public, private):
        assert got.dtype == np.float32 and got.shape == (shape[1],)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(private, public, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed,shape,density,index_dtype", list(_cases()))
@pytest.mark.parametrize("count_dtype", [np.uint8, np.uint16])
def test_rows_dot_private_and_public_agree(seed, shape, density, index_dtype, count_dtype):
    rng = np.random.default_rng(100 + seed)
    counts = np.arange(1, int(np.iinfo(count_dtype).max) + 1, dtype=np.int64)
    counts = rng.choice(counts[:600], size=40).astype(count_dtype)  # up to 255 or 600
    grams = _random_csr(rng, shape, density, counts, index_dtype)
    rows = _random_rows(rng, shape[0], grams)
    weights = rng.standard_normal(shape[1]).astype(np.float32)
    dense = grams.toarray().astype(np.float64)
    sublinear = np.where(dense > 0, 1 + np.log(np.where(dense > 0, dense, 1)), 0)
    expected = sublinear[rows] @ weights.astype(np.float64)
    public = vectors._rows_dot_public(grams, rows, weights)
    private = vectors._rows_dot_private(_sparsetools, grams, rows, weights)
    for got in (public, private):
        assert got.shape == (rows.size,)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(private, public, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("seed,shape,density,index_dtype", list(_cases()))
def test_selected_rows_are_scipys_row_indexing(seed, shape, density, index_dtype):
    rng = np.random.default_rng(200 + seed)
    matrix = _random_csr(rng, shape, density, rng.random(20).astype(np.float32), index_dtype)
    rows = _random_rows(rng, shape[0], matrix)
    indptr, columns, values = vectors._select_rows(_sparsetools, matrix, rows)
    public = matrix[rows]
    assert indptr.tolist() == public.indptr.tolist()
    assert columns.tolist() == public.indices.tolist()
    assert values.tolist() == public.data.tolist()


def test_the_functions_in_use_agree_on_both_routes_and_an_empty_selection(monkeypatch):
    rng = np.random.default_rng(7)
    matrix = _random_csr(rng, (30, 20), 0.2, rng.standard_normal(9).astype(np.float32))
    grams = _random_csr(rng, (30, 20), 0.2, np.arange(1, 300, dtype=np.uint16))
    for rows in (_random_rows(rng, 30, matrix), np.zeros(0, dtype=np.int64)):
        weights = rng.standard_normal(rows.size).astype(np.float32)
        gram_weights = rng.standard_normal(20).astype(np.float32)
        assert vectors._sparsetools is _sparsetools  # the check at import passed
        fast = (
            vectors.weighted_row_sum(matrix, rows, weights),
            vectors.rows_dot(grams, rows, gram_weights),
        )
        monkeypatch.setattr(vectors, "_sparsetools", None)
        slow = (
            vectors.weighted_row_sum(matrix, rows, weights),
            vectors.rows_dot(grams, rows, gram_weights),
        )
        monkeypatch.undo()
        for a, b in zip(fast, slow):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-5)


def _broken(**replaced) -> types.SimpleNamespace:
    """scipy's routines with some replaced."""
    names = ("csr_row_index", "csr_matvec", "csc_matvec")
    return types.SimpleNamespace(
        **{name: replaced.get(name, getattr(_sparsetools, name)) for name in names}
    )


def _raises(*args):
    raise TypeError("csr_matvec() takes 8 arguments (7 given)")


def _adds_one(n_row, n_col, indptr, indices, data, x, out):
    _sparsetools.csr_matvec(n_row, n_col, indptr, indices, data, x, out)
    out += 1


def test_the_real_routines_pass_the_check(caplog):
    with caplog.at_level(logging.WARNING, logger=vectors.__name__):
        assert vectors._verified(_sparsetools) is _sparsetools
    assert not caplog.records


@pytest.mark.parametrize(
    "tools,says",
    [
        (_broken(csr_matvec=_raises), "failed its check (TypeError"),
        (_broken(csc_matvec=_raises), "failed its check (TypeError"),
        (_broken(csr_row_index=_raises), "failed its check (TypeError"),
        (_broken(csr_matvec=_adds_one), "other results"),
        (None, "not available"),
    ],
)
def test_broken_or_missing_routines_fail_the_check_with_one_warning(caplog, tools, says):
    with caplog.at_level(logging.WARNING, logger=vectors.__name__):
        assert vectors._verified(tools) is None
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.WARNING
    assert says in caplog.records[0].getMessage()
    assert "\n" not in caplog.records[0].getMessage()


def test_a_broken_private_routine_makes_the_module_use_the_public_route(monkeypatch, caplog):
    """A fresh copy of the module, imported while scipy's csr_matvec is broken (scipy's own
    modules keep the routines they imported)."""
    monkeypatch.setattr(scipy.sparse, "_sparsetools", _broken(csr_matvec=_raises))
    spec = importlib.util.spec_from_file_location("vectors_with_broken_scipy", vectors.__file__)
    copy = importlib.util.module_from_spec(spec)
    with caplog.at_level(logging.WARNING):
        spec.loader.exec_module(copy)
    assert copy._sparsetools is None
    assert [r.name for r in caplog.records] == ["vectors_with_broken_scipy"]
    rng = np.random.default_rng(3)
    grams = _random_csr(rng, (12, 9), 0.4, np.arange(1, 9, dtype=np.uint8))
    rows = _random_rows(rng, 12, grams)
    weights = rng.standard_normal(9).astype(np.float32)
    expected = vectors._rows_dot_public(grams, rows, weights)
    np.testing.assert_allclose(copy.rows_dot(grams, rows, weights), expected, rtol=1e-6)
    postings = grams.astype(np.float32)
    row_weights = rng.standard_normal(rows.size).astype(np.float32)
    np.testing.assert_allclose(
        copy.weighted_row_sum(postings, rows, row_weights),
        vectors._weighted_row_sum_public(postings, rows, row_weights),
        rtol=1e-6,
    )
