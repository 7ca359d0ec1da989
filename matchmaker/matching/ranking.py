"""Ranking: which profiles may mentor a partnership now, their text scores, and the ranked
suggestions with reasons and evidence.

A partnership's *needs* (challenges) are compared with every candidate's *offer*. Words give a
first score for all; the RERANK_POOL best are re-scored with character n-grams, made
language-fair (``fairness``), and the PASSAGE_POOL best are scored by passages: their best
request ↔ passage pairs. Shared sector and region add small boosts that break ties but cannot
overturn a clearly better text match. A part of ``MatchIndex`` (see ``engine``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from . import evidence as ev
from . import passages, variety
from .duplicates import Duplicates
from .eligibility import MatchContext
from .evidence import Evidence
from .explain import Explaining
from .fairness import language_fair, needs_shared_space
from .hubness import WEIGHT as HUB_WEIGHT
from .passage_index import Candidates, PassageIndex, block_of, passage_scores
from .profile import Profile
from .results import DESCRIPTION, EXPERIENCES, Reason, SparseRow, Suggestion, TextMatch
from .text import CONCEPT_PREFIX, LANGUAGES

WORD_WEIGHT = 0.7  # share of the word view in the text score; the rest is character n-grams
SECTOR_BOOST = 0.03
REGION_BOOST = 0.015
PASSAGE_SHARE = 0.25  # share of the passage score (best request ↔ passage pairs) in the text score
PASSAGE_POOL = 40  # candidates (by whole-text score) re-scored by passages
MIN_TEXT = 0.02  # below this text score nothing is shared: no suggestion on sector and region alone
KEYWORD_LIST_FACTOR = 0.35  # a keyword list's text score is not rewarded
RERANK_POOL = 100  # candidates (by word score) re-scored with character n-grams; 200 gave the same top 5 for 99.5 % of 1,000 queries at 10,000 profiles
SECTOR_BITS = {"po": 1, "vo": 2, "mbo": 4, "so": 8}

PassagesOf = Callable[[np.ndarray], PassageIndex]  # positions → a passage index holding them


def sector_mask(sectors: Iterable[str]) -> int:
    """The bits of ``sectors`` in SECTOR_BITS, or-ed (unknown sectors add nothing)."""
    mask = 0
    for s in sectors:
        mask |= SECTOR_BITS.get(s, 0)
    return mask


class Ranking(Explaining, Duplicates):
    """Eligibility masks, text scores and ranked suggestions (uses the index's rows and passages)."""

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
            eligible &= (self.sector_masks & sector_mask(sectors)) != 0
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
        mentee_mask = sector_mask(mentee.sectors)
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
        listed = max(limit, variety.DEPTH)  # the first places do not depend on ``limit``
        best = self._best(pool, final, listed + 5)
        best = best[shares[best]]
        likeness = variety.likeness([self._offer_row(int(pool[j])) for j in best.tolist()])
        order, collapsed = self._collapse_duplicates(pool, best, listed, likeness)
        order = self._with_variety(best, order, final, likeness)[:limit]
        results = []
        own = self._own_words(requests)  # how the asking partnership wrote each feature
        for j in order:
            cand = self.profiles[pool[j]]
            quoted: list[dict[str, str]] = []
            evidence = self._evidence_for(requests, found, top, pool, j, quoted)
            reasons = self._explain(mentee, cand, need, own, quoted)
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

    @staticmethod
    def _with_variety(
        best: np.ndarray, order: np.ndarray, final: np.ndarray, likeness: np.ndarray
    ) -> np.ndarray:
        """``order`` (indices into the pool, best first, a part of ``best``) with its first
        ``variety.DEPTH`` places reordered so that a mentor much like one already listed gives
        way (``variety``); ``likeness``: the offers' cosines in the order of ``best``."""
        head = order[: variety.DEPTH]
        if head.size < 3:
            return order
        place = {j: i for i, j in enumerate(best.tolist())}
        rows = np.array([place[j] for j in head.tolist()], dtype=np.int64)
        alike = likeness[np.ix_(rows, rows)]
        reordered = head[variety.vary(final[head].astype(np.float64), alike)]
        return np.concatenate([reordered, order[variety.DEPTH :]])

    def text_match(
        self,
        mentee: Profile,
        mask: np.ndarray,
        passages_of: PassagesOf | None = None,
        passage_pool: int = 0,
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
        query_lang, mentor_langs = self._challenge_lang(mentee), self._langs[pool, EXPERIENCES]
        words = self._in_shared_space(need, pool, word_scores[pool], query_lang, mentor_langs)
        raw = WORD_WEIGHT * words + (1 - WORD_WEIGHT) * char_scores
        text = language_fair(raw, words, query_lang, mentor_langs)
        requests = self._requests(mentee)
        text, found, top = self._with_passages(
            pool, text, requests, passages_of, passage_pool or PASSAGE_POOL
        )
        text = self._less_hubness(text, self._hub[pool])
        return TextMatch(need, pool, raw, text, requests, found, top)

    def _requests(self, mentee: Profile) -> list[ev.SpanVector]:
        """The requests of a partnership's challenges, as weighted span vectors."""
        text = mentee.challenges
        if not text or not text.strip() or not self._fitted:
            return []
        lang = LANGUAGES[self._challenge_lang(mentee)]
        return ev.stress_repeated(self._vectorizer.spans(text, lang, passages.requests))

    def _with_passages(
        self,
        pool: np.ndarray,
        text: np.ndarray,
        requests: list[ev.SpanVector],
        passages_of: PassagesOf | None = None,
        size: int = PASSAGE_POOL,
    ) -> tuple[np.ndarray, Candidates | None, np.ndarray]:
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
            need = self._query(mentee)[0]
            if not requests or ev.too_little_text(mentee.challenges, self._has_theme(need)):
                text[i] = 0.0
                continue
            query_lang = self._challenge_lang(mentee)
            row = words[i]
            shared = self._in_shared_space(need, cols, row, query_lang, mentor_langs)
            if shared is not row:
                raw[i] = WORD_WEIGHT * shared + (1 - WORD_WEIGHT) * chars[i]
            text[i] = language_fair(raw[i], shared, query_lang, mentor_langs)
            found = self._passages.candidates(cols, [r.row() for r in requests])
            weights = ev.request_weights(requests)
            text[i] = (1 - PASSAGE_SHARE) * text[i] + PASSAGE_SHARE * passage_scores(found, weights)
        text[:, self._keyword_lists[cols]] *= KEYWORD_LIST_FACTOR
        text = self._less_hubness(text, self._hub[cols][None, :])
        text[(text < MIN_TEXT) | (raw < MIN_TEXT)] = 0.0
        return text

    def _in_shared_space(
        self,
        need: SparseRow,
        positions: np.ndarray,
        words: np.ndarray,
        query_lang: int,
        mentor_langs: np.ndarray,
    ) -> np.ndarray:
        """``words`` (word scores of ``positions``), with the candidates in a non-Dutch challenge's
        own language scored on the features Dutch texts also have (``fairness``); ``words`` itself
        when nothing changes."""
        same = needs_shared_space(query_lang, mentor_langs)
        if same is None or not self._fitted:
            return words
        keep = self._shared_features[need.indices]
        if keep.all():
            return words
        cols, weights = need.indices[keep], need.data[keep]
        out = words.astype(np.float32, copy=True)
        for j in np.flatnonzero(same).tolist():
            out[j] = self._offer_dot(cols, weights, int(positions[j]))
        return out

    @staticmethod
    def _less_hubness(text: np.ndarray, hub: np.ndarray) -> np.ndarray:
        """Text scores less HUB_WEIGHT times the candidates' centred hub scores (``hubness``),
        never below 0; a score of 0 (nothing shared) stays 0."""
        return np.where(text > 0, np.maximum(text - HUB_WEIGHT * hub, 0.0), 0.0).astype(np.float32)

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
