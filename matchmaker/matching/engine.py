"""The matcher: fit a TF-IDF index over profiles once, then rank mentors for a partnership.

Direction matters: a partnership's *needs* (challenges, plus a little of its description) are
compared with every candidate's *offer* (experiences, plus a little of its description).
Two views are combined: words (stems, Dutch compound parts and thesaurus concepts) and
character n-grams, which catch spelling variants that stemming misses.

``MatchIndex`` is built here (the fit, and the overlay of edited profiles) from its parts:
``index_rows`` (its data, rows and a query's scores), ``ranking`` (eligibility, text scores and
suggestions), ``explain`` (evidence and reasons) and ``duplicates`` (near-identical mentors);
what it returns is in ``results``.

Fitting 100,000 profiles takes seconds (see ``fit``, ``tokens``, ``analysis``, ``vectors`` and
``chars``). An edited profile does not need a refit: ``with_changes`` transforms it with the
fitted vocabulary and idf into an *overlay* that replaces its rows, and the service refits in
the background once enough has drifted (``changes``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
from scipy import sparse

from . import evidence as ev
from .analysis import FastAnalyzer
from .duplicates import offer_signatures
from .fairness import shared_features
from .fit import fit_vectors, release_free_memory
from .hubness import HubReference, centred
from .index_rows import _Rows
from .passage_index import Block, PassageIndex, block_of
from .profile import Profile
from .ranking import Ranking, sector_mask
from .results import DESCRIPTION, EXPERIENCES, Reason, Suggestion
from .text import LANGUAGES
from .tokens import Progress

__all__ = ["MatchIndex", "Reason", "Suggestion", "build_index"]  # what the services use


def _can_mentor(p: Profile) -> bool:
    return p.open_to_mentor and bool(p.experiences.strip()) and p.mentor_capacity > 0


class MatchIndex(Ranking):
    """A fitted index over one version of the profiles. Immutable once built; cheap to query.

    ``need``/``offer`` (words) and ``need_chars``/``offer_chars`` (characters) give rows by
    position like sparse matrices; ``profiles[i]`` and ``position[key]`` agree with them.
    """

    def __init__(
        self,
        profiles: Sequence[Profile],
        analyzer: FastAnalyzer | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.analyzer = analyzer if analyzer is not None else FastAnalyzer()
        self.profiles = list(profiles)
        self.position = {p.key: i for i, p in enumerate(self.profiles)}
        if len(self.position) != len(self.profiles):
            raise ValueError("profile keys must be unique")
        self._slots = dict(self.position)
        self.changes = 0
        n = self._n_base = len(self.profiles)
        self._can_mentor = np.array([_can_mentor(p) for p in self.profiles], dtype=bool)
        self._fit(progress)
        self._alive = np.ones(n, dtype=bool)
        self.founded = np.array([p.founded for p in self.profiles], dtype=np.int32)
        self.sector_masks = np.array([sector_mask(p.sectors) for p in self.profiles], dtype=np.int8)
        regions = [(p.region or "").strip().lower() for p in self.profiles]
        self._region_ids = {r: i for i, r in enumerate(sorted(set(regions)))}
        self.region_ids = np.array([self._region_ids[r] for r in regions], dtype=np.int32)
        self._empty_region = self._region_ids.get("", -1)
        self._overlay = {}
        self._surface_cache = {}
        self._mentors_by_cutoff = {}
        self._searchable = None
        self._extra_blocks = {}
        self._views()

    # -- fitting ------------------------------------------------------------------------------

    def _fit(self, progress: Progress | None) -> None:
        """Fit the vocabulary, idf, rows and passages over ``self.profiles``."""
        fitted = fit_vectors(self.profiles, self.analyzer, progress)
        self._fitted = fitted.fitted
        self.vocabulary = fitted.vocabulary
        self._vocab = {name: i for i, name in enumerate(fitted.vocabulary)}
        self._idf = fitted.idf
        self._need, self._offer = fitted.need, fitted.offer
        self._vectorizer = ev.Vectorizer(self.analyzer, self._vocab, self._idf)
        self._passages = PassageIndex(fitted.passages, len(self.profiles))
        self._keyword_lists = (
            fitted.keyword_lists.astype(bool)
            if fitted.keyword_lists is not None
            else np.zeros(len(self.profiles), bool)
        )
        self._offer_t = self._offer.T.tocsr()
        self._signatures = offer_signatures(self._offer)
        self._hub_reference = HubReference(self._need)
        self._hub, self._hub_centre = centred(
            self._hub_reference.scores(self._offer), self._can_mentor
        )
        self._need_words, self._offer_words = fitted.need_words, fitted.offer_words
        self.chars = fitted.chars
        self._langs = fitted.langs
        self._shared_features = shared_features(self._need, self._offer, self._langs)
        lengths = fitted.offer_gram_lengths
        del fitted
        release_free_memory()  # the fit's buffers
        # Mentors' n-gram counts, kept so re-ranking a query's candidates is one sparse product.
        self._offer_grams, self._offer_char_norms = self.chars.gram_counts(
            self._offer_words, np.flatnonzero(self._can_mentor), lengths
        )

    # -- edits without a refit ---------------------------------------------------------------

    def with_changes(
        self, changed: Sequence[Profile] = (), removed: Iterable[str] = ()
    ) -> MatchIndex:
        """A new index with ``changed`` profiles added or replaced and ``removed`` keys taken out.

        The fitted vocabulary, idf and base matrices are shared; only the changed rows are new.
        """
        new = copy.copy(self)
        new.profiles = list(self.profiles)
        new.position = dict(self.position)
        new._slots = dict(self._slots)
        new._overlay = dict(self._overlay)
        new._region_ids = dict(self._region_ids)
        new._surface_cache = {}
        new._searchable = None
        new._extra_blocks = {}
        passage_changes: dict[int, Block | None] = {}
        new._mentors_by_cutoff = {}
        changed = list(changed)
        added = [p.key for p in changed if p.key not in self._slots]
        grow = len(dict.fromkeys(added))
        arrays = (
            "_can_mentor",
            "_alive",
            "founded",
            "sector_masks",
            "region_ids",
            "_keyword_lists",
            "_hub",
        )
        for name in arrays:
            old = getattr(self, name)
            setattr(new, name, np.concatenate([old, np.zeros(grow, dtype=old.dtype)]))
        new._langs = np.concatenate([self._langs, np.zeros((grow, 3), dtype=np.int8)])
        new._signatures = np.concatenate([self._signatures, np.full((grow, 2), -1, dtype=np.int32)])
        empty = _Rows(
            sparse.csr_matrix((1, len(self.vocabulary)), dtype=np.float32),
            sparse.csr_matrix((1, len(self.vocabulary)), dtype=np.float32),
            sparse.csr_matrix((1, self.chars.n_features), dtype=np.float32),
            sparse.csr_matrix((1, self.chars.n_features), dtype=np.float32),
            (0, 0, 0),
        )
        for key in removed:
            pos = new.position.pop(key, None)
            if pos is None:
                continue
            new.profiles[pos] = replace(  # a tombstone: the position stays, nothing can match it
                new.profiles[pos],
                challenges="",
                experiences="",
                description="",
                stories=(),
                open_to_mentor=False,
                mentor_capacity=0,
            )
            new._alive[pos] = new._can_mentor[pos] = False
            new._hub[pos] = 0.0
            new._signatures[pos] = -1
            new._overlay[pos] = empty
            passage_changes[pos] = None
            new.changes += 1
        for p in changed:
            pos = new._slots.get(p.key)
            if pos is None:
                pos = new._slots[p.key] = len(new.profiles)
                new.profiles.append(p)
            new.profiles[pos] = p
            new.position[p.key] = pos
            rows = self.transform(p) if self._fitted else empty
            new._overlay[pos] = rows
            passage_changes[pos] = (
                block_of(
                    p,
                    self._vectorizer,
                    LANGUAGES[rows.langs[EXPERIENCES]],
                    LANGUAGES[rows.langs[DESCRIPTION]],
                )
                if self._fitted and _can_mentor(p)
                else None
            )
            new._keyword_lists[pos] = ev.is_keyword_list(p.offer_text)
            new._hub[pos] = self._hub_reference.scores(rows.offer)[0] - self._hub_centre
            new._signatures[pos] = offer_signatures(rows.offer)[0]
            new._langs[pos] = rows.langs
            new._alive[pos] = True
            new._can_mentor[pos] = _can_mentor(p)
            new.founded[pos] = p.founded
            new.sector_masks[pos] = sector_mask(p.sectors)
            region = (p.region or "").strip().lower()
            new.region_ids[pos] = new._region_ids.setdefault(region, len(new._region_ids))
            new.changes += 1
        new._empty_region = new._region_ids.get("", -1)
        new._passages = self._passages.with_overlay(passage_changes)
        new._views()
        return new


def build_index(profiles: Sequence[Profile], progress: Progress | None = None) -> MatchIndex:
    """Fit the matcher over ``profiles``."""
    return MatchIndex(profiles, progress=progress)
