"""Near-identical mentors: one partnership's text under two keys is shown once (the older, then
the fuller one), and ``import-profiles`` names such pairs. A mixin of ``MatchIndex``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .index_rows import IndexRows
from .results import SparseRow

DUPLICATE_COSINE = 0.9  # offers this alike are one mentor twice


def common_sorted(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values in both sorted, duplicate-free arrays, with their positions in each."""
    at = np.searchsorted(b, a)
    found = at < b.size
    found[found] = b[at[found]] == a[found]
    in_a = np.flatnonzero(found)
    return a[in_a], in_a, at[in_a]


def offer_signatures(offer) -> np.ndarray:
    """Per row of a CSR matrix with sorted indices, the columns of its two heaviest entries (ties:
    the lower column first), -1 where a row has fewer: near-identical offers share one.
    Two passes of a per-row maximum, each linear in the entries."""
    n = offer.shape[0]
    out = np.full((n, 2), -1, dtype=np.int32)
    counts = np.diff(offer.indptr)
    filled = counts > 0
    if not filled.any():
        return out
    rows = np.repeat(np.arange(n), counts)
    data = np.asarray(offer.data, dtype=np.float64).copy()
    starts = offer.indptr[:-1][filled]
    for k in (0, 1):
        row_max = np.full(n, -np.inf)
        row_max[filled] = np.maximum.reduceat(data, starts)
        hits = np.flatnonzero(data == row_max[rows])
        hit_rows, first = np.unique(rows[hits], return_index=True)  # the lowest column per row
        taken = hits[first]
        enough = counts[hit_rows] > k
        out[hit_rows[enough], k] = offer.indices[taken[enough]]
        data[taken] = -np.inf
    return out


class Duplicates(IndexRows):
    """Finding and collapsing near-identical offers (uses the index's offer rows)."""

    def near_duplicates(self, keys: Iterable[str]) -> list[tuple[str, str, float]]:
        """Pairs (key, other key, cosine) of mentors whose offers are near-identical, for ``keys``."""
        pairs: dict[tuple[str, str], float] = {}
        for key in keys:
            pos = self.position.get(key)
            if pos is None or not self._can_mentor[pos]:
                continue
            cols, weights = self._offer_row(pos)
            scores = self.word_scores(SparseRow(cols, weights))
            for other in np.flatnonzero(
                (scores >= DUPLICATE_COSINE) & self._can_mentor & self._alive
            ).tolist():
                if other != pos:
                    a, b = sorted((key, self.profiles[other].key))
                    pairs[a, b] = round(float(scores[other]), 3)
        return [(a, b, c) for (a, b), c in sorted(pairs.items())]

    def _shares_a_signature(self, a: int, b: int) -> bool:
        """Whether two profiles' offers share one of their two heaviest features."""
        first, second = self._signatures[a].tolist()
        other = self._signatures[b].tolist()
        return (first >= 0 and first in other) or (second >= 0 and second in other)

    def _offer_dot(self, cols: np.ndarray, weights: np.ndarray, pos: int) -> float:
        """The dot product of a sparse row (sorted ``cols``, ``weights``) with a profile's offer."""
        offer_cols, offer_weights = self._offer_row(pos)
        _cols, i, j = common_sorted(cols, offer_cols)
        return float(np.dot(weights[i], offer_weights[j]))

    def _offer_cosine(self, a: int, b: int) -> float:
        return self._offer_dot(*self._offer_row(a), b)

    def _collapse_duplicates(
        self, pool: np.ndarray, order: np.ndarray, limit: int, likeness: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[int, list[str]]]:
        """``order`` with near-identical mentors shown once (the older, then the fuller one, in
        the better place). Returns (order, {kept index: keys collapsed into it}). ``likeness``:
        the offers' cosines in the order of ``order``, when the caller has them; else only offers
        that share one of their two heaviest features are compared."""
        kept: list[int] = []
        collapsed: dict[int, list[str]] = {}
        place = {j: i for i, j in enumerate(order.tolist())}

        def alike(k: int, j: int) -> bool:
            if likeness is not None:
                return bool(likeness[place[k], place[j]] >= DUPLICATE_COSINE)
            a, b = int(pool[k]), int(pool[j])
            return self._shares_a_signature(a, b) and self._offer_cosine(a, b) >= DUPLICATE_COSINE

        for j in order.tolist():
            pos = int(pool[j])
            # Once ``limit`` are kept, a later candidate matters only as a better twin of one of
            # them: one that is nobody's twin would be cut off anyway.
            full = len(kept) >= limit
            twin = next((k for k in kept[:limit] if alike(k, j)), None)
            if twin is None:
                if not full:
                    kept.append(j)
                continue
            a, b = self.profiles[int(pool[twin])], self.profiles[pos]
            better = (b.founded, -len(b.offer_text), b.key) < (a.founded, -len(a.offer_text), a.key)
            slot = kept.index(twin)
            if better:  # the better twin takes the place of the one already listed
                kept[slot] = j
                collapsed[j] = collapsed.pop(twin, []) + [a.key]
            else:
                collapsed.setdefault(twin, []).append(b.key)
        return np.array(kept[:limit], dtype=np.int64), collapsed
