"""The language a text is written in must not itself be a reason to rank it higher.

Two texts in the same language share more than their subject: character n-grams of common
endings and function-like words ("-ing", "teachers", "school"), and the words a translation
leaves untouched. Measured on the labelled sets in eval/, an English challenge put English-written
mentors in its top three whatever they were about. Two corrections, both per query:

- across languages the character view says nothing about the subject, so a mentor written in
  another language than the challenge is scored on its words alone;
- the candidates written in each language are brought to the same median score, so a whole
  language is not lifted over another; within a language the order is untouched.

With one language among the candidates (or fewer than ``MIN_GROUP`` in one), scores are unchanged.
"""

from __future__ import annotations

import numpy as np

MIN_GROUP = 3  # fewer candidates in a language than this: too few for a median to mean anything


def language_fair(
    text: np.ndarray, words: np.ndarray, query_lang: int, mentor_langs: np.ndarray
) -> np.ndarray:
    """``text`` (words and characters combined) of candidates written in ``mentor_langs``, for a
    challenge in ``query_lang``; ``words`` the word view alone. Returns new scores, never below 0."""
    cross = mentor_langs != query_lang
    if not cross.any():
        return text
    out = np.where(cross, words, text).astype(np.float32)
    groups, counts = np.unique(mentor_langs, return_counts=True)
    if groups.size > 1 and counts.min() >= MIN_GROUP:
        overall = float(np.median(out))
        for group in groups.tolist():
            members = mentor_langs == group
            out[members] += overall - float(np.median(out[members]))
        np.maximum(out, 0.0, out=out)
    return out
