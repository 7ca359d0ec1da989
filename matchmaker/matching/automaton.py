"""py3langid's language identifier, walked for many texts at once with numpy.

``text.detect_language`` asks py3langid for one text at a time. ``Automaton`` reads the same
model (its byte automaton and naive-Bayes tables) and walks many texts side by side, one byte
position per step, giving the same language for each text (``analysis.detect_languages``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import text as reference
from .text import LANGUAGES

_MIN_DETECT = 12  # text.detect_language: shorter texts are Dutch
_GRID_CELLS = 2_000_000  # bytes × texts walked side by side at most


class Automaton:
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
        """Whether the installed py3langid has the tables this walk reads."""
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
        """The language of every text, as ``text.detect_language`` gives it (short texts: Dutch)."""
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
