"""Frames: a keyword list written as sentences ("Wij hebben veel ervaring met X. Wij hebben veel
ervaring met Y. …") is mostly one or a few pairs of words written again and again, filled in with
terms. ``framed_share`` measures that on one text (evidence.py's keyword-list rule uses it);
``framed_shares`` on every text of a fit at once, from its token ids (fit.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

# A frame: a pair of words, not both function words, that a text writes again and again
# ("ervaring met …", "Wij hebben veel ervaring met …", "- We hebben een aanpak voor … die werkt").
# A text mostly made of one or a few frames filled in with terms is a keyword list in sentences.
# In the 1,137 distinct offers of eval/ and seeds/ that are not keyword lists, at most 9 % of the
# words lie in such a pair written four times or more (99 % of them: 5 % or less); in such a list,
# half or more do (README, "Gaming").
FRAME_WORDS = 2
FRAME_REPEATS = 4  # written this often in one text, a pair of words is a frame
FRAME_SHARE = 0.3  # share of a text's words inside frames that makes it a filled-in frame


def framed_share(tokens: Sequence[str], function: Sequence[bool]) -> float:
    """Share of a text's words (its tokens in order; ``function``: which are function words) that
    lie in a frame: ``FRAME_WORDS`` words in a row, not all function words, that the text writes
    ``FRAME_REPEATS`` times or more."""
    k = FRAME_WORDS
    starts = [i for i in range(len(tokens) - k + 1) if not all(function[i : i + k])]
    counts = Counter(tuple(tokens[i : i + k]) for i in starts)
    covered: set[int] = set()
    for i in starts:
        if counts[tuple(tokens[i : i + k])] >= FRAME_REPEATS:
            covered.update(range(i, i + k))
    return len(covered) / max(len(tokens), 1)


FRAME_CHUNK = 1 << 20  # tokens per pass of framed_shares: its arrays stay near 50 MB at 100,000


def framed_shares(tokens: np.ndarray, ptr: np.ndarray, function: np.ndarray) -> np.ndarray:
    """``framed_share`` of every text between ``ptr``, from the fit's token ids
    (``function``: per token of that span, whether it is a function word), in passes over
    whole texts of about ``FRAME_CHUNK`` tokens each (a frame lies inside one text)."""
    shares = np.zeros(ptr.size - 1)
    first = 0
    while first < ptr.size - 1:
        last = int(np.searchsorted(ptr, ptr[first] + FRAME_CHUNK, side="right")) - 1
        last = max(last, first + 1)
        span = function[ptr[first] - ptr[0] : ptr[last] - ptr[0]]
        shares[first:last] = _framed_shares(tokens, ptr[first : last + 1], span)
        first = last
    return shares


def _framed_shares(tokens: np.ndarray, ptr: np.ndarray, function: np.ndarray) -> np.ndarray:
    """``framed_shares`` in one pass.

    Each run of ``FRAME_WORDS`` ids within one text, not all function words, is hashed with its
    text's number (64 bits; a frame needs ``FRAME_REPEATS`` equal hashes, so a collision cannot
    make one), the runs are counted with one sort, and the words inside a frame are counted per
    text.
    """
    k, lengths = FRAME_WORDS, np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]].astype(np.uint64)
    shares = np.zeros(lengths.size)
    if part.size < k:
        return shares
    last = part.size - k + 1
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    only_function = np.ones(last, dtype=bool)
    for j in range(k):
        only_function &= function[j : last + j]
    starts = np.flatnonzero((text_of[:last] == text_of[k - 1 :]) & ~only_function)
    runs = text_of[starts].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for j in range(k):  # wraps around modulo 2**64, as a hash may
        runs = runs * np.uint64(0x100000001B3) + part[starts + j]
    _, inverse, counts = np.unique(runs, return_inverse=True, return_counts=True)
    framed = starts[counts[inverse] >= FRAME_REPEATS]
    covered = np.zeros(part.size, dtype=bool)
    for j in range(k):
        covered[framed + j] = True
    shares[:] = np.bincount(text_of[covered], minlength=lengths.size) / np.maximum(lengths, 1)
    return shares
