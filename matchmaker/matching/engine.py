"""The matcher: fit a TF-IDF index over profiles once, then rank mentors for a partnership.

Direction matters: a partnership's *needs* (challenges, plus a little of its description) are
compared with every candidate's *offer* (experiences, plus a little of its description).
Two views are combined: words (stems, Dutch compound parts and thesaurus concepts) and
character n-grams, which catch spelling variants that stemming misses. Shared sector and
region add small boosts that break ties but cannot overturn a clearly better text match.

The index's evidence and reasons live in ``explain`` and its near-duplicate handling in
``duplicates`` (mixins of ``MatchIndex``); what it returns is in ``results``.

Fitting 100,000 profiles takes seconds (see ``fit``, ``analysis`` and ``views``). An edited profile does
not need a refit: ``with_changes`` transforms it with the fitted vocabulary and idf into an
*overlay* that replaces its rows, and the service refits in the background once enough has
drifted (``changes``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from . import evidence as ev
from . import passages
from .analysis import FastAnalyzer, char_words, fast_tokenize, release_free_memory
from .eligibility import MatchContext
from .evidence import Evidence
from .fairness import language_fair
from .passage_index import Block, PassageIndex, block_of, passage_scores
from .fit import DESCRIPTION_WEIGHT, fit_vectors
from .profile import Profile
from .duplicates import Duplicates
from .explain import Explaining
from .results import CHALLENGES, DESCRIPTION, EXPERIENCES, Reason, SparseRow, Suggestion, TextMatch
from .text import CONCEPT_PREFIX, LANGUAGES, detect_language, stopwords
from .views import RowView, count_matrix, l2_rows, stack_rows, tfidf, weighted_row_sum

__all__ = ["DESCRIPTION_WEIGHT", "MatchIndex", "Reason", "Suggestion", "build_index"]

WORD_WEIGHT = 0.7  # share of the word view in the text score; the rest is character n-grams
SECTOR_BOOST = 0.03
REGION_BOOST = 0.015
PASSAGE_SHARE = 0.25  # share of the passage score (best request ↔ passage pairs) in the text score
PASSAGE_POOL = 40  # candidates (by whole-text score) re-scored by passages
MIN_TEXT = 0.02  # below this text score nothing is shared: no suggestion on sector and region alone
KEYWORD_LIST_FACTOR = 0.35  # a keyword list's text score is not rewarded
RERANK_POOL = 100  # candidates (by word score) re-scored with character n-grams; 200 gave the same top 5 for 99.5 % of 1,000 queries at 10,000 profiles
SECTOR_BITS = {"po": 1, "vo": 2, "mbo": 4, "so": 8}
_LANG_CODE = {lang: i for i, lang in enumerate(LANGUAGES)}


def _sector_mask(sectors: Iterable[str]) -> int:
    mask = 0
    for s in sectors:
        mask |= SECTOR_BITS.get(s, 0)
    return mask


def _can_mentor(p: Profile) -> bool:
    return p.open_to_mentor and bool(p.experiences.strip()) and p.mentor_capacity > 0


@dataclass
class _Rows:
    """One profile's vectors, for the overlay."""

    need: sparse.csr_matrix
    offer: sparse.csr_matrix
    need_chars: sparse.csr_matrix
    offer_chars: sparse.csr_matrix
    langs: tuple[int, int, int]


class MatchIndex(Explaining, Duplicates):
    """A fitted index over one version of the profiles. Immutable once built; cheap to query.

    ``need``/``offer`` (words) and ``need_chars``/``offer_chars`` (characters) give rows by
    position like sparse matrices; ``profiles[i]`` and ``position[key]`` agree with them.
    """

    def __init__(
        self, profiles: Sequence[Profile], analyzer: FastAnalyzer | None = None, progress=None
    ) -> None:
        if analyzer is None:
            analyzer = FastAnalyzer()
        self.analyzer = analyzer
        self.profiles: list[Profile] = list(profiles)
        self.position: dict[str, int] = {p.key: i for i, p in enumerate(self.profiles)}
        if len(self.position) != len(self.profiles):
            raise ValueError("profile keys must be unique")
        self._slots = dict(self.position)  # every key ever placed, removed ones included
        self.changes = 0  # profiles changed or removed since the fit (drift)
        n = self._n_base = len(self.profiles)
        self._can_mentor = np.array([_can_mentor(p) for p in self.profiles], dtype=bool)
        self._fit(progress)
        self._alive = np.ones(n, dtype=bool)
        self.founded = np.array([p.founded for p in self.profiles], dtype=np.int32)
        self.sector_masks = np.array(
            [_sector_mask(p.sectors) for p in self.profiles], dtype=np.int8
        )
        regions = [(p.region or "").strip().lower() for p in self.profiles]
        self._region_ids = {r: i for i, r in enumerate(sorted(set(regions)))}
        self.region_ids = np.array([self._region_ids[r] for r in regions], dtype=np.int32)
        self._empty_region = self._region_ids.get("", -1)
        self._overlay: dict[int, _Rows] = {}
        self._surface_cache: dict[tuple, dict[str, str]] = {}
        self._mentors_by_cutoff: dict[
            int, np.ndarray
        ] = {}  # open, experienced, present and old enough
        self._searchable: np.ndarray | None = None  # has something to share (see searchable_mask)
        self._extra_blocks: dict[
            int, Block
        ] = {}  # passages of non-mentors, made when search reads them
        self._views()

    # -- fitting ------------------------------------------------------------------------------

    def _fit(self, progress) -> None:
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
        self._offer_t = (
            self._offer.T.tocsr()
        )  # feature × profile: a query touches only its postings
        self._need_words, self._offer_words = fitted.need_words, fitted.offer_words
        self.chars = fitted.chars
        self._langs = fitted.langs
        lengths = fitted.offer_gram_lengths
        del fitted
        release_free_memory()  # the fit's buffers
        # Mentors' n-gram counts, kept so re-ranking a query's candidates is one sparse product.
        self._offer_grams, self._offer_char_norms = self.chars.gram_counts(
            self._offer_words, np.flatnonzero(self._can_mentor), lengths
        )

    def _views(self) -> None:
        n, base = len(self.profiles), self._n_base
        ov = self._overlay

        def rows_of(matrix):
            return lambda rows: matrix[rows]

        def chars_of(matrix, chars=self.chars):  # no reference back to self: old copies die at once
            return lambda rows: chars.vectors(matrix[rows])

        width, grams = len(self.vocabulary), self.chars.n_features
        self.need = RowView(rows_of(self._need), {p: r.need for p, r in ov.items()}, n, width)
        self.offer = RowView(rows_of(self._offer), {p: r.offer for p, r in ov.items()}, n, width)
        self.need_chars = RowView(
            chars_of(self._need_words), {p: r.need_chars for p, r in ov.items()}, n, grams
        )
        self.offer_chars = RowView(
            chars_of(self._offer_words), {p: r.offer_chars for p, r in ov.items()}, n, grams
        )
        replaced = np.array(sorted(ov), dtype=np.int64)
        self._ov_positions = replaced
        self._ov_offer = stack_rows([ov[p].offer for p in replaced.tolist()], width)
        self._ov_offer_chars = {p: ov[p].offer_chars for p in replaced.tolist()}
        self._base_rows = np.ones(base, dtype=bool)
        self._base_rows[replaced[replaced < base]] = False

    def __len__(self) -> int:
        return len(self.position)

    def __contains__(self, key: str) -> bool:
        return key in self.position

    def profile(self, key: str) -> Profile:
        return self.profiles[self.position[key]]

    @property
    def fitted_size(self) -> int:
        """How many profiles the vocabulary and idf were fitted on."""
        return self._n_base

    # -- edits without a refit ---------------------------------------------------------------

    def transform(self, profile: Profile) -> _Rows:
        """A profile's vectors under the fitted vocabulary and idf (unknown words are left out)."""
        langs = tuple(
            _LANG_CODE[detect_language(t)] if t and t.strip() else 0
            for t in (profile.challenges, profile.offer_text, profile.description)
        )
        width = len(self.vocabulary)

        def word_row(text: str, lang: int) -> sparse.csr_matrix:
            ids = [
                i
                for i in map(self._vocab.get, self.analyzer.names(text, LANGUAGES[lang]))
                if i is not None
            ]
            return tfidf(count_matrix([0, len(ids)], ids, width), self._idf)

        texts = (profile.challenges, profile.offer_text, profile.description)
        chal, exp, desc = (word_row(t, lang) for t, lang in zip(texts, langs))
        stops = stopwords()
        return _Rows(
            need=l2_rows(chal + DESCRIPTION_WEIGHT * desc),
            offer=l2_rows(exp + DESCRIPTION_WEIGHT * desc),
            need_chars=self.chars.text_vector(char_words(fast_tokenize(profile.challenges), stops)),
            offer_chars=self.chars.text_vector(
                char_words(fast_tokenize(profile.offer_text), stops)
            ),
            langs=langs,
        )

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
        )
        for name in arrays:
            old = getattr(self, name)
            setattr(new, name, np.concatenate([old, np.zeros(grow, dtype=old.dtype)]))
        new._langs = np.concatenate([self._langs, np.zeros((grow, 3), dtype=np.int8)])
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
            new._langs[pos] = rows.langs
            new._alive[pos] = True
            new._can_mentor[pos] = _can_mentor(p)
            new.founded[pos] = p.founded
            new.sector_masks[pos] = _sector_mask(p.sectors)
            region = (p.region or "").strip().lower()
            new.region_ids[pos] = new._region_ids.setdefault(region, len(new._region_ids))
            new.changes += 1
        new._empty_region = new._region_ids.get("", -1)
        new._passages = self._passages.with_overlay(passage_changes)
        new._views()
        return new

    # -- vectors ------------------------------------------------------------------------------

    def _query(self, profile: Profile) -> tuple[SparseRow, tuple[np.ndarray, np.ndarray]]:
        """A profile's needs for ranking: the word row, and the character row as (columns, values),
        reusing the indexed rows when the profile is the indexed one."""
        pos = self.position.get(profile.key)
        if pos is not None and self._is_indexed(pos, profile):
            rows = self._overlay.get(pos)
            if rows is None:
                start, end = self._need.indptr[pos], self._need.indptr[pos + 1]
                need = SparseRow(self._need.indices[start:end], self._need.data[start:end])
                return need, self.chars.query(self._need_words, pos)
        elif self._fitted:
            rows = self.transform(profile)
        else:
            return SparseRow(np.zeros(0, np.int32), np.zeros(0, np.float32)), (
                np.zeros(0, np.int32),
                np.zeros(0, np.float32),
            )
        need = rows.need.tocsr()
        need.sort_indices()
        return SparseRow(need.indices, need.data), (rows.need_chars.indices, rows.need_chars.data)

    def _offer_row(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids, weights) of a profile's word offer."""
        rows = self._overlay.get(pos)
        if rows is not None:
            return rows.offer.indices, rows.offer.data
        start, end = self._offer.indptr[pos], self._offer.indptr[pos + 1]
        return self._offer.indices[start:end], self._offer.data[start:end]

    def word_scores(self, need: SparseRow) -> np.ndarray:
        """Word-view cosine of a need row with every profile's offer (the raw sparse product)."""
        n = len(self.profiles)
        if not need.indices.size:
            return np.zeros(n, dtype=np.float32)
        # The weighted sum of the query features' posting rows: one pass over those postings.
        base = weighted_row_sum(self._offer_t, need.indices, need.data)
        if n == self._n_base and not self._ov_positions.size:
            return base
        scores = np.zeros(n, dtype=np.float32)
        scores[: self._n_base] = base
        if self._ov_positions.size:
            scores[self._ov_positions] = self._ov_offer[:, need.indices] @ need.data
        return scores

    def _char_scores(self, pool: np.ndarray, query: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Character-view cosine of a need (columns, values) with the offers of ``pool``."""
        out = np.zeros(pool.size, dtype=np.float32)
        if not query[0].size or not pool.size:
            return out
        in_base = pool < self._n_base
        in_base[in_base] = self._base_rows[pool[in_base]]
        if in_base.any():  # candidates are mentors, and an unchanged row's n-gram counts are stored
            rows = pool[in_base]
            out[in_base] = self.chars.stored_scores(
                self._offer_grams, rows, self._offer_char_norms[rows], query
            )
        for j in np.flatnonzero(~in_base).tolist():
            row = self._ov_offer_chars[int(pool[j])]
            _common, a, b = np.intersect1d(
                query[0], row.indices, assume_unique=True, return_indices=True
            )
            out[j] = float(np.dot(query[1][a], row.data[b]))
        return out

    # -- ranking ------------------------------------------------------------------------------

    def searchable_mask(self) -> np.ndarray:
        """Boolean array over the index: present profiles with something to share (experiences,
        public stories or a description), whether or not they can mentor now. A copy."""
        if self._searchable is None:
            self._searchable = np.array(
                [bool(p.offer_text.strip() or p.description.strip()) for p in self.profiles],
                dtype=bool,
            )
        return self._searchable & self._alive

    def passages_with_non_mentors(self, positions: np.ndarray) -> PassageIndex:
        """The passage index, plus the passages of those of ``positions`` it leaves out (it holds
        mentors only): made on first use and kept with this index, so a search reads them once."""
        counts = self._passages.counts(len(self.profiles))
        for pos in positions.tolist():
            if counts[pos] == 0 and pos not in self._extra_blocks:
                langs = self._langs[pos]
                self._extra_blocks[pos] = block_of(
                    self.profiles[pos],
                    self._vectorizer,
                    LANGUAGES[langs[EXPERIENCES]],
                    LANGUAGES[langs[DESCRIPTION]],
                )
        wanted = {
            pos: self._extra_blocks[pos] for pos in positions.tolist() if pos in self._extra_blocks
        }
        return self._passages.with_overlay(wanted) if wanted else self._passages

    def eligible_mask(self, mentee: Profile, context: MatchContext) -> np.ndarray:
        """Boolean array over the index: which profiles may mentor ``mentee`` now."""
        cutoff = context.current_year - context.min_years
        static = self._mentors_by_cutoff.get(cutoff)
        if static is None:
            static = self._mentors_by_cutoff[cutoff] = (
                self._can_mentor & self._alive & (self.founded <= cutoff)
            )
        mask = static.copy()
        for key, load in context.load.items():
            pos = self.position.get(key)
            if pos is not None and load >= self.profiles[pos].mentor_capacity:
                mask[pos] = False
        for mentee_key, mentor_key in context.excluded:
            if mentee_key == mentee.key and mentor_key in self.position:
                mask[self.position[mentor_key]] = False
        if mentee.key in self.position:
            mask[self.position[mentee.key]] = False
        return mask

    def rank(
        self,
        mentee: Profile | str,
        context: MatchContext,
        limit: int = 5,
        sectors: Iterable[str] | None = None,
        region: str | None = None,
    ) -> list[Suggestion]:
        """Ranked mentor suggestions for ``mentee`` with scores in [0, 1] and reasons."""
        if isinstance(mentee, str):
            mentee = self.profile(mentee)
        if not self.position or limit <= 0:
            return []
        eligible = self.eligible_mask(mentee, context)
        if sectors:
            eligible &= (self.sector_masks & _sector_mask(sectors)) != 0
        if region:
            eligible &= self.region_ids == self._region_ids.get(region.strip().lower(), -2)
        scored = self.text_match(mentee, eligible)
        if scored is None or not scored.pool.size:
            return []  # nothing to match on: no list ranked by sector and region alone
        pool, raw, text, requests, found, top = (
            scored.pool,
            scored.raw,
            scored.text,
            scored.requests,
            scored.found,
            scored.top,
        )
        need = scored.need
        mentee_mask = _sector_mask(mentee.sectors)
        same_sector = (self.sector_masks[pool] & mentee_mask) != 0
        mentee_region = self._region_ids.get((mentee.region or "").strip().lower(), -2)
        same_region = (self.region_ids[pool] == mentee_region) & (
            mentee_region != self._empty_region
        )
        # Sector and region break ties between real text matches; a keyword list gets neither.
        trusted = ~self._keyword_lists[pool]
        final = text + (SECTOR_BOOST * same_sector + REGION_BOOST * same_region) * trusted
        if context.priors:
            final = final + np.array(
                [context.prior(mentee.key, self.profiles[i].key) for i in pool], dtype=np.float32
            )
        final = np.clip(final, 0.0, 1.0)
        shares = (text >= MIN_TEXT) & (
            raw >= MIN_TEXT
        )  # something in the texts must meet: never sector and region alone
        if not shares.any():
            return []
        final[~shares] = -1.0
        best = self._best(pool, final, limit + 5)
        order, collapsed = self._collapse_duplicates(pool, best[shares[best]], limit)
        results = []
        for j in order:
            cand = self.profiles[pool[j]]
            reasons = self._explain(mentee, cand, need)
            evidence = self._evidence_for(requests, found, top, pool, j)
            if not any(r.kind in ("term", "theme") for r in reasons):
                words = list(dict.fromkeys(w for e in evidence for w in e.words))[:3]
                reasons.extend(Reason("term", w, w) for w in words)
            textual = any(r.kind in ("term", "theme") for r in reasons)
            # Sector and region only beside a reason in the texts; otherwise the quoted passage explains.
            if same_sector[j] and textual:
                shared = [s for s in cand.sectors if s in mentee.sectors]
                names = ", ".join(shared)
                reasons.append(Reason("sector", f"zelfde sector: {names}", f"same sector: {names}"))
            if same_region[j] and textual:
                reasons.append(
                    Reason("region", f"zelfde regio: {cand.region}", f"same region: {cand.region}")
                )
            reasons.extend(context.prior_reasons(mentee.key, cand.key))
            results.append(
                Suggestion(
                    cand.key,
                    cand.name,
                    float(final[j]),
                    float(text[j]),
                    reasons,
                    evidence,
                    ("keyword_list",) if self._keyword_lists[pool[j]] else (),
                    tuple(collapsed.get(j, ())),
                )
            )
        return results

    def text_match(
        self, mentee: Profile, mask: np.ndarray, passages_of=None, passage_pool: int = 0
    ) -> TextMatch | None:
        """The text scores of ``mentee``'s challenges against the offers of the profiles in ``mask``:
        words for all, character n-grams for the RERANK_POOL best, language-fair, and passages for the
        PASSAGE_POOL (or ``passage_pool``) best. None when the challenges say too little to match on.
        ``passages_of(positions)`` may give a passage index with more profiles than the mentors (search)."""
        need, need_chars = self._query(mentee)
        if ev.too_little_text(mentee.challenges, self._has_theme(need)):
            return None
        word_scores = self.word_scores(need)
        candidates = np.flatnonzero(mask)
        pool = candidates
        if candidates.size > RERANK_POOL:
            best = np.argpartition(word_scores[candidates], -RERANK_POOL)[-RERANK_POOL:]
            pool = candidates[best]
        char_scores = self._char_scores(pool, need_chars)
        raw = WORD_WEIGHT * word_scores[pool] + (1 - WORD_WEIGHT) * char_scores
        text = language_fair(
            raw, word_scores[pool], self._challenge_lang(mentee), self._langs[pool, EXPERIENCES]
        )
        requests = self._requests(mentee)
        text, found, top = self._with_passages(
            pool, text, requests, passages_of, passage_pool or PASSAGE_POOL
        )
        return TextMatch(need, pool, raw, text, requests, found, top)

    # -- passages -----------------------------------------------------------------------------

    def _requests(self, mentee: Profile) -> list[ev.SpanVector]:
        """The requests of a partnership's challenges, as weighted span vectors."""
        text = mentee.challenges
        if not text or not text.strip() or not self._fitted:
            return []
        lang = LANGUAGES[self._challenge_lang(mentee)]
        return ev.stress_repeated(self._vectorizer.spans(text, lang, passages.requests))

    def _challenge_lang(self, mentee: Profile) -> int:
        """The language (index in LANGUAGES) the partnership's challenges are written in."""
        pos = self.position.get(mentee.key)
        if pos is not None and self._is_indexed(pos, mentee):
            return int(self._langs[pos, CHALLENGES])
        return _LANG_CODE[detect_language(mentee.challenges)] if mentee.challenges.strip() else 0

    def _with_passages(
        self,
        pool: np.ndarray,
        text: np.ndarray,
        requests: list[ev.SpanVector],
        passages_of=None,
        size: int = PASSAGE_POOL,
    ):
        """The text score with the passage score of the best ``size`` candidates mixed in;
        keyword lists damped. Returns (scores, candidates' passages or None, their pool indices)."""
        flagged = self._keyword_lists[pool]
        if not requests or not pool.size:
            text = text.copy()
            text[flagged] *= KEYWORD_LIST_FACTOR
            return text, None, np.zeros(0, dtype=np.int64)
        top = np.argsort(-text, kind="stable")[:size]
        chosen = pool[top]
        found = (passages_of(chosen) if passages_of else self._passages).candidates(
            chosen, [r.row() for r in requests]
        )
        weights = ev.request_weights(requests)
        passage = np.zeros(pool.size, dtype=np.float32)
        passage[top] = passage_scores(found, weights)
        out = ((1 - PASSAGE_SHARE) * text + PASSAGE_SHARE * passage).astype(np.float32)
        out[flagged] *= KEYWORD_LIST_FACTOR
        return out, found, top

    def pair_evidence(self, mentee_key: str, mentor_key: str) -> list[Evidence]:
        """The evidence for one pair whatever the mentor's eligibility now (its load, age, an
        exclusion): the mentor's passages that meet the mentee's challenges, best first."""
        if (
            mentee_key not in self.position
            or mentor_key not in self.position
            or mentee_key == mentor_key
        ):
            return []
        mask = np.zeros(len(self.profiles), dtype=bool)
        mask[self.position[mentor_key]] = self._alive[self.position[mentor_key]]
        scored = self.text_match(self.profile(mentee_key), mask)
        if scored is None or not scored.pool.size or scored.raw[0] < MIN_TEXT:
            return []
        return self._evidence_for(scored.requests, scored.found, scored.top, scored.pool, 0)

    def pair_text_scores(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Text scores of every (mentee row, mentor column) pair, as ``rank`` computes them for the
        candidates it returns (whole texts, passages, keyword lists damped); 0 where nothing is
        shared or the mentee's challenges say too little."""
        words = (self.need[rows] @ self.offer[cols].T).toarray()
        chars = (self.need_chars[rows] @ self.offer_chars[cols].T).toarray()
        raw = (WORD_WEIGHT * words + (1 - WORD_WEIGHT) * chars).astype(np.float32)
        text = raw.copy()
        mentor_langs = self._langs[cols, EXPERIENCES]
        for i, pos in enumerate(rows.tolist()):
            mentee = self.profiles[pos]
            requests = self._requests(mentee)
            if not requests or ev.too_little_text(
                mentee.challenges, self._has_theme(self._query(mentee)[0])
            ):
                text[i] = 0.0
                continue
            text[i] = language_fair(raw[i], words[i], self._challenge_lang(mentee), mentor_langs)
            found = self._passages.candidates(cols, [r.row() for r in requests])
            weights = ev.request_weights(requests)
            text[i] = (1 - PASSAGE_SHARE) * text[i] + PASSAGE_SHARE * passage_scores(found, weights)
        text[:, self._keyword_lists[cols]] *= KEYWORD_LIST_FACTOR
        text[(text < MIN_TEXT) | (raw < MIN_TEXT)] = 0.0
        return text

    def too_little_text(self, mentee: Profile | str) -> bool:
        """Whether a partnership's challenges say too little to suggest anyone ("hulp gezocht")."""
        if isinstance(mentee, str):
            mentee = self.profile(mentee)
        if not mentee.challenges.strip():
            return True
        return ev.too_little_text(mentee.challenges, self._has_theme(self._query(mentee)[0]))

    def _has_theme(self, need: SparseRow) -> bool:
        return self._fitted and any(
            str(self.vocabulary[i]).startswith(CONCEPT_PREFIX) for i in need.indices.tolist()
        )

    def _best(self, pool: np.ndarray, final: np.ndarray, limit: int) -> np.ndarray:
        """Indices into ``pool`` of the ``limit`` best: highest score first, then by key."""
        chosen = np.arange(pool.size)
        if pool.size > limit:
            threshold = -np.partition(-final, limit - 1)[limit - 1]
            chosen = np.flatnonzero(
                final >= threshold
            )  # the best ``limit`` and everything tied with them
        keys = np.array([self.profiles[i].key for i in pool[chosen]])
        return chosen[np.lexsort((keys, -final[chosen]))][:limit]

    # -- reasons ------------------------------------------------------------------------------


def build_index(profiles: Sequence[Profile], progress=None) -> MatchIndex:
    """Fit the matcher over ``profiles``."""
    return MatchIndex(profiles, progress=progress)
