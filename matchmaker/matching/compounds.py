"""Dutch compounds and everyday words: splitting an uncommon compound into common parts, and how
much a feature's idf counts when it is a very common word.

Both read wordfreq's Zipf frequencies (``text.zipf_table``). The analyser (``analysis``) splits
compounds into extra features; the fit (``fit``) scales the idf with ``generality_factors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from . import text as reference
from .text import CONCEPT_PREFIX, zipf_table

CONCEPT_WEIGHT = 1.25  # a glossary concept's idf, relative to a word's
GENERAL_ZIPF = (4.5, 6.0)  # from this Zipf frequency a word starts to count less; at the end, half


def generality_factors(
    vocabulary: Sequence[str] | np.ndarray, commonness: dict[str, float] | None = None
) -> np.ndarray:
    """Per feature, how much its idf counts: 1 for specific words, down to 0.5 for words that are
    very common in everyday Dutch or English (school, support, students); CONCEPT_WEIGHT for a
    glossary concept. A feature is a stem, rarely a word itself ("hor" for hoort, horen):
    ``commonness`` gives the Zipf frequency of the most common word written with that stem.

    The corpus's own idf cannot see this when one language is rare in it: in a mostly Dutch set
    every English word looks rare, and English texts would meet each other on "teachers" and
    "school" whatever they are about.
    """
    nl, en = zipf_table("nl"), zipf_table("en")
    low, high = GENERAL_ZIPF
    out = np.ones(len(vocabulary), dtype=np.float32)
    for i, name in enumerate(vocabulary):
        if name.startswith(CONCEPT_PREFIX):
            out[i] = CONCEPT_WEIGHT
            continue
        common = max(
            nl.get(name, 0.0), en.get(name, 0.0), commonness.get(name, 0.0) if commonness else 0.0
        )
        if common > low:
            out[i] = 1.0 - 0.5 * min(1.0, (common - low) / (high - low))
    return out


def _zipf_nl(word: str) -> float:
    return zipf_table("nl").get(word, 0.0)


@lru_cache(maxsize=400_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """Split an uncommon Dutch compound into common words: ``stagebeoordeling`` → (stage, beoordeling).

    A split is kept only when the whole word is uncommon and every part is a common Dutch word
    (Zipf ≥ 3), allowing the linking s/en/e (``plattelandsscholen`` → platteland, scholen); the head
    may split once more. () when no good split exists. The reference states the rule plainly
    (``tests/reference_analysis.py``); this one skips look-ups that cannot succeed."""
    if len(word) < 2 * reference._MIN_PART + 1 or not word.isalpha():
        return ()
    if _depth == 0 and _zipf_nl(word) >= reference._COMMON_WORD:
        return ()
    min_part, min_zipf, links = reference._MIN_PART, reference._MIN_ZIPF, reference._LINKS
    # A common part is on wordfreq's list; for a plain word (so plain parts) that look-up decides.
    listed = zipf_table("nl") if word.isascii() and word.islower() else None
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(min_part, len(word) - min_part + 1):
        left, right = word[:i], word[i:]
        candidates = [left]
        for link in links:
            if left.endswith(link) and len(left) - len(link) >= min_part:
                candidates.append(left[: -len(link)])
        for modifier in candidates:
            if listed is not None and modifier not in listed:
                continue  # zipf 0
            mod_f = _zipf_nl(modifier)
            if mod_f < min_zipf:
                continue
            head_parts: tuple[str, ...] = (right,)
            head_f = _zipf_nl(right) if listed is None or right in listed else 0.0
            if head_f < min_zipf:
                if _depth >= 1:
                    continue
                head_parts = split_compound(right, _depth + 1)
                if not head_parts:
                    continue
                head_f = min(_zipf_nl(p) for p in head_parts) - 1.0
            score = min(mod_f, head_f) + 0.25 * min(len(modifier), len(head_parts[0]))
            if best is None or score > best[0]:
                best = (score, (modifier, *head_parts))
    return best[1] if best else ()
