"""The mentors' passages as one matrix, and the request × passage product of a query.

``fit.passage_rows`` builds the matrix once for every mentor; an edited profile's passages go
into an overlay, as its whole-text rows do. A query's requests are a few sparse rows; their
cosines with every passage of the candidates come from one gather of those passages' entries
and one ``bincount`` per request, without a matrix object per query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import evidence as ev
from . import passages
from .fit import Passages
from .profile import Profile
from .vectors import gather_rows

_SOURCES = {
    passages.OFFER: ev.EXPERIENCES,
    passages.STORY: ev.STORY,
    passages.DESCRIPTION: ev.DESCRIPTION,
}
_WEIGHTS = np.array([ev.SOURCE_WEIGHT[_SOURCES[s]] for s in sorted(_SOURCES)], dtype=np.float32)


@dataclass
class Block:
    """One profile's passages outside the fitted matrix (an edited profile)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    spans: np.ndarray
    source: np.ndarray
    story: np.ndarray


@dataclass
class Candidates:
    """The passages of a query's candidates: which candidate each passage belongs to, and its entries."""

    positions: np.ndarray  # profile positions, one per candidate
    seg: np.ndarray  # candidate c's passages are seg[c]:seg[c + 1] (columns of ``sims``)
    spans: np.ndarray
    source: np.ndarray
    story: np.ndarray
    sims: np.ndarray  # request × passage cosine, times the passage's source weight


def block_of(profile: Profile, vectorizer: ev.Vectorizer, offer_lang: str, desc_lang: str) -> Block:
    """An edited profile's passages with the fitted vocabulary and idf."""
    found = passages.offer_passages(profile.experiences, profile.stories, profile.description)
    indptr, indices, data = [0], [], []
    for src, span, _story in found:
        vector = vectorizer.vector(
            span.text, desc_lang if src == passages.DESCRIPTION else offer_lang
        )
        for i in sorted(vector):
            indices.append(i)
            data.append(vector[i])
        indptr.append(len(indices))
    return Block(
        np.array(indptr, dtype=np.int64),
        np.array(indices, dtype=np.int32),
        np.array(data, dtype=np.float32),
        np.array([(s.start, s.end) for _src, s, _st in found], dtype=np.int32).reshape(-1, 2),
        np.array([src for src, _s, _st in found], dtype=np.int8),
        np.array([st for _src, _s, st in found], dtype=np.int16),
    )


class PassageIndex:
    """The fitted passage matrix of the mentors (``base``), with the passages of edited profiles
    laid over it by position; immutable, ``with_overlay`` gives a new one."""

    def __init__(self, base: Passages | None, n_base: int) -> None:
        self.base = base
        self.n_base = n_base
        self.overlay: dict[int, Block] = {}

    def with_overlay(self, changes: Mapping[int, Block | None]) -> PassageIndex:
        """A new index with the passages of ``changes`` (position → block, or None for none)."""
        new = PassageIndex(self.base, self.n_base)
        new.overlay = dict(self.overlay)
        empty = Block(
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
            np.zeros((0, 2), np.int32),
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
        )
        for pos, block in changes.items():
            new.overlay[pos] = block if block is not None else empty
        return new

    def counts(self, n: int) -> np.ndarray:
        """Passages held per profile position, for ``n`` positions."""
        out = np.zeros(n, dtype=np.int64)
        if self.base is not None:
            m = min(n, self.n_base)
            out[:m] = np.diff(self.base.ptr[: m + 1])
        for pos, block in self.overlay.items():
            if pos < n:
                out[pos] = block.spans.shape[0]
        return out

    def candidates(
        self, positions: np.ndarray, requests: Sequence[tuple[np.ndarray, np.ndarray]]
    ) -> Candidates:
        """Every passage of ``positions`` with its cosine to each request."""
        base, overlay = self.base, self.overlay
        rows_parts, counts = [], np.zeros(positions.size, dtype=np.int64)
        extra: list[tuple[int, Block]] = []
        for c, pos in enumerate(positions.tolist()):
            block = overlay.get(pos)
            if block is not None:
                counts[c] = block.spans.shape[0]
                extra.append((c, block))
            elif base is not None and pos < self.n_base:
                start, end = int(base.ptr[pos]), int(base.ptr[pos + 1])
                counts[c] = end - start
                rows_parts.append(np.arange(start, end))
        seg = np.zeros(positions.size + 1, dtype=np.int64)
        np.cumsum(counts, out=seg[1:])
        total = int(seg[-1])
        # Where each passage goes among the candidates' columns.
        columns = np.zeros(total, dtype=np.int64)
        spans = np.zeros((total, 2), dtype=np.int32)
        source = np.zeros(total, dtype=np.int8)
        story = np.full(total, -1, dtype=np.int16)
        which_parts, col_parts, val_parts = [], [], []
        in_base = [c for c in range(positions.size) if counts[c] and positions[c] not in overlay]
        if in_base and base is not None:  # such passages come from the base matrix
            base_rows = np.concatenate(rows_parts)
            targets = np.concatenate([np.arange(seg[c], seg[c + 1]) for c in in_base])
            which, cols, vals = gather_rows(base.rows, base_rows)
            which_parts.append(targets[which])
            col_parts.append(cols)
            val_parts.append(vals)
            spans[targets] = base.spans[base_rows]
            source[targets] = base.source[base_rows]
            story[targets] = base.story[base_rows]
        for c, block in extra:
            start = seg[c]
            lengths = np.diff(block.indptr)
            which_parts.append(start + np.repeat(np.arange(lengths.size), lengths))
            col_parts.append(block.indices)
            val_parts.append(block.data)
            spans[start : seg[c + 1]] = block.spans
            source[start : seg[c + 1]] = block.source
            story[start : seg[c + 1]] = block.story
        del columns
        sims = np.zeros((len(requests), total), dtype=np.float32)
        if total and which_parts:
            which = np.concatenate(which_parts)
            cols = np.concatenate(col_parts)
            vals = np.concatenate(val_parts).astype(np.float32, copy=False)
            for i, (q_idx, q_val) in enumerate(requests):
                if not q_idx.size:
                    continue
                at = np.searchsorted(q_idx, cols)
                at[at >= q_idx.size] = 0
                hit = q_idx[at] == cols
                sims[i] = np.bincount(
                    which[hit], weights=vals[hit] * q_val[at[hit]], minlength=total
                )
            sims *= _WEIGHTS[source]
        return Candidates(positions, seg, spans, source, story, sims)


def passage_scores(found: Candidates, weights: np.ndarray) -> np.ndarray:
    """Per candidate: the weighted mean over requests of each request's best passage cosine."""
    n = found.positions.size
    out = np.zeros(n, dtype=np.float32)
    total = float(weights.sum())
    if not found.sims.size or total <= 0:
        return out
    has = np.diff(found.seg) > 0
    starts = found.seg[:-1][has]
    best = np.maximum.reduceat(found.sims, starts, axis=1)  # request × candidate (with passages)
    out[has] = (weights @ best) / total
    return out


def best_pairs(
    found: Candidates, c: int, weights: np.ndarray, limit: int
) -> list[tuple[int, int, float]]:
    """(request, passage column, cosine) of candidate ``c``'s best pairs, distinct passages, best first."""
    start, end = int(found.seg[c]), int(found.seg[c + 1])
    if end == start:
        return []
    block = found.sims[:, start:end]
    pairs = []
    for r in range(block.shape[0]):
        j = int(np.argmax(block[r]))
        if block[r, j] > 0:
            pairs.append((float(weights[r] * block[r, j]), r, start + j, float(block[r, j])))
    pairs.sort(reverse=True)
    out, used = [], set()
    for _w, r, j, sim in pairs:
        if j not in used:
            used.add(j)
            out.append((r, j, sim))
        if len(out) >= limit:
            break
    return out
