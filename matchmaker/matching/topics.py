"""Unmet needs: the challenges the network cannot answer yet, grouped into themes.

Partnerships whose best suggestion is weak are grouped by their challenges in the index's own
TF-IDF word space (an NMF topic model; each partnership joins its strongest topic). Each group
is labelled with the words that set it apart from the whole network, shown as people wrote them
(surface words, not stems; thesaurus concepts by their label), so the platform can see which
themes need a session or a publication.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from .eligibility import MatchContext
from .engine import MatchIndex
from .text import CONCEPT_PREFIX

WEAK_SCORE = 0.2  # a best suggestion below this is weak (seed network: median best score ≈ 0.2)
MAX_GROUPS = 12
GENERIC_CONCEPTS = frozenset(
    {"teacher", "student_teacher"}
)  # as in MatchIndex.explain: too general to label


@dataclass(frozen=True)
class NeedGroup:
    """One theme of unmet needs; the group with empty ``label_words`` holds those that wrote no challenges."""

    label_words: tuple[str, ...]
    mentee_keys: tuple[str, ...]
    mean_best_score: float
    label_words_en: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """How many partnerships the group holds."""
        return len(self.mentee_keys)

    def label(self, lang: str = "nl") -> str:
        """The group's words joined with commas, in ``lang`` when there are English ones."""
        return ", ".join(
            self.label_words_en if lang == "en" and self.label_words_en else self.label_words
        )

    def to_dict(self) -> dict:
        """The group as JSON: its words in both languages, members and mean best score."""
        return {
            "label_words": list(self.label_words),
            "label_words_en": list(self.label_words_en),
            "mentees": list(self.mentee_keys),
            "mean_best_score": round(self.mean_best_score, 4),
        }


def best_suggestion_scores(
    index: MatchIndex, mentee_keys: Iterable[str], context: MatchContext
) -> dict[str, float]:
    """Score of each partnership's first suggestion (0.0 when it has none)."""
    out = {}
    for key in mentee_keys:
        top = index.rank(key, context, limit=1)
        out[key] = top[0].score if top else 0.0
    return out


def group_count(n: int, max_groups: int = MAX_GROUPS) -> int:
    """How many themes to look for among ``n`` challenges: √(n/2), at least 1, at most ``max_groups``."""
    return max(1, min(max_groups, n, round(math.sqrt(n / 2))))


def unmet_needs(
    index: MatchIndex,
    best_scores: Mapping[str, float],
    threshold: float = WEAK_SCORE,
    top_words: int = 5,
    max_groups: int = MAX_GROUPS,
) -> list[NeedGroup]:
    """Group partnerships whose best score is below ``threshold``, largest group first.

    best_scores: mentee key -> score of its best suggestion (keys not in the index are ignored;
    pass 0.0 for a partnership without any suggestion).
    """
    weak = [k for k, s in best_scores.items() if s < threshold and k in index]
    if not weak:
        return []
    rows = np.array([index.position[k] for k in weak], dtype=np.int64)
    vectors = index.need[rows]
    wrote = np.array([bool(index.profile(k).challenges.strip()) for k in weak], dtype=bool)
    has_text = (np.diff(vectors.indptr) > 0) & wrote
    texts = [k for k, t in zip(weak, has_text) if t]
    groups: list[NeedGroup] = []
    if texts:
        X = vectors[has_text]
        labels = _topics(X, group_count(len(texts), max_groups))
        background = np.asarray(index.need.mean(axis=0)).ravel()
        for topic in np.unique(labels):
            members = np.flatnonzero(labels == topic)
            keys = tuple(texts[i] for i in members)
            nl, en = _label(index, X[members], keys, background, top_words)
            groups.append(NeedGroup(nl, keys, _mean(best_scores, keys), en))
        groups.sort(key=lambda g: (-g.size, g.mean_best_score, g.mentee_keys))
    silent = tuple(k for k, t in zip(weak, has_text) if not t)
    if silent:
        groups.append(NeedGroup((), silent, _mean(best_scores, silent), ()))
    return groups


def _mean(scores: Mapping[str, float], keys: Iterable[str]) -> float:
    return float(np.mean([scores[k] for k in keys]))


def _topics(X, k: int) -> np.ndarray:
    """Topic of each row: the strongest of ``k`` NMF components (deterministic)."""
    if k <= 1 or X.shape[0] <= 1:
        return np.zeros(X.shape[0], dtype=np.int64)
    model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", ConvergenceWarning
        )  # an unconverged topic model still groups well
        W = model.fit_transform(X)
    weights = np.where(W.sum(axis=1, keepdims=True) > 0, W, X @ model.components_.T)
    return np.argmax(weights, axis=1)


def _label(index: MatchIndex, X, keys: tuple[str, ...], background: np.ndarray, top_words: int):
    """Top words of a group: heavier here than in the network, shared by members where possible."""
    centroid = np.asarray(X.mean(axis=0)).ravel()
    shared = np.asarray((X > 0).sum(axis=0)).ravel() >= min(2, X.shape[0])
    present = np.flatnonzero(centroid > 0)
    distinct = centroid[present] - background[present]
    order = present[np.lexsort((index.vocabulary[present], -distinct, ~shared[present]))]
    surfaces = _surfaces(index, keys)
    concepts = index.analyzer.thesaurus.concepts
    nl: list[str] = []
    en: list[str] = []
    seen: set[str] = set()
    for col in order:
        feature = str(index.vocabulary[col])
        if feature.startswith(CONCEPT_PREFIX):
            concept = concepts.get(feature[len(CONCEPT_PREFIX) :])
            if concept is None or concept.id in GENERIC_CONCEPTS:
                continue
            word, word_en = concept.label_nl, concept.label_en
        else:
            surface = surfaces.get(feature)
            if not surface:
                continue
            word = word_en = surface
        if word.lower() in seen:
            continue
        seen.add(word.lower())
        nl.append(word)
        en.append(word_en)
        if len(nl) >= top_words:
            break
    return tuple(nl), tuple(en)


def _surfaces(index: MatchIndex, keys: Iterable[str]) -> dict[str, str]:
    """Feature -> the surface word members wrote most often (lower-case unless always capitalised)."""
    counts: dict[str, Counter] = {}
    for key in keys:
        p = index.profile(key)
        for text in (p.challenges, p.description):
            for f in index.analyzer.features(text):
                counts.setdefault(f.name, Counter())[f.surface] += 1
    out = {}
    for name, written in counts.items():
        by_lower: Counter[str] = Counter()
        for surface, n in written.items():
            by_lower[surface.lower()] += n
        lower, _ = max(by_lower.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))
        variants = [s for s in written if s.lower() == lower]
        out[name] = lower if lower in variants else max(variants, key=lambda s: (written[s], s))
    return out
