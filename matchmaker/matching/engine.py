"""The matcher: fit a TF-IDF index over profiles once, then rank mentors for a partnership.

Direction matters: a partnership's *needs* (challenges, plus a little of its description) are
compared with every candidate's *offer* (experiences, plus a little of its description).
Two views are combined: words (stems, Dutch compound parts and thesaurus concepts) and
character n-grams, which catch spelling variants that stemming misses. Shared sector and
region add small boosts that break ties but cannot overturn a clearly better text match.

Fitting 100,000 profiles takes seconds (see ``fit``, ``analysis`` and ``views``). An edited profile does
not need a refit: ``with_changes`` transforms it with the fitted vocabulary and idf into an
*overlay* that replaces its rows, and the service refits in the background once enough has
drifted (``changes``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from scipy import sparse

from . import evidence as ev
from . import passages
from .analysis import FastAnalyzer, char_words, fast_tokenize, release_free_memory
from .eligibility import MatchContext
from .evidence import Evidence
from .fairness import language_fair
from .passage_index import Block, Candidates, PassageIndex, best_pairs, block_of, passage_scores
from .fit import DESCRIPTION_WEIGHT, fit_vectors
from .profile import Profile
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
DUPLICATE_COSINE = 0.9  # offers this alike are one mentor twice
EVIDENCE_PAIRS = 2
RERANK_POOL = 100  # candidates (by word score) re-scored with character n-grams; 200 gave the same top 5 for 99.5 % of 1,000 queries at 10,000 profiles
SURFACE_CACHE = 20_000  # profile fields whose surface words are kept for reasons (about 2 kB each)
SECTOR_BITS = {"po": 1, "vo": 2, "mbo": 4, "so": 8}
CHALLENGES, EXPERIENCES, DESCRIPTION = 0, 1, 2  # columns of the per-text language table
_LANG_CODE = {lang: i for i, lang in enumerate(LANGUAGES)}


@dataclass
class TextMatch:
    """A query's text scores over a pool of candidates (see ``MatchIndex.text_match``)."""

    need: SparseRow
    pool: np.ndarray  # candidate positions
    raw: np.ndarray  # words and characters, before the language-fair step and passages
    text: np.ndarray  # the text score
    requests: list
    found: Candidates | None  # passages of the best candidates
    top: np.ndarray  # their indices in ``pool``


class SparseRow(NamedTuple):
    """One sparse row as (sorted column ids, values): what a query needs, without a matrix object."""

    indices: np.ndarray
    data: np.ndarray


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion. kind: term | theme | sector | region | review | rating."""

    kind: str
    text: str  # Dutch
    text_en: str = ""
    weight: float = 0.0

    def as_text(self, lang: str = "nl") -> str:
        return self.text_en if lang == "en" and self.text_en else self.text


@dataclass
class Suggestion:
    key: str
    name: str
    score: float
    text_score: float
    reasons: list[Reason] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    flags: tuple[str, ...] = ()  # for admins: "keyword_list"
    duplicates: tuple[str, ...] = ()  # keys of near-identical mentors collapsed into this one

    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "score": round(self.score, 4),
            "reasons": self.reason_texts(),
            "evidence": [e.to_dict() for e in self.evidence],
        }


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


class MatchIndex:
    """A fitted index over one version of the profiles. Immutable once built; cheap to query.

    ``need``/``offer`` (words) and ``need_chars``/``offer_chars`` (characters) give rows by
    position like sparse matrices; ``profiles[i]`` and ``position[key]`` agree with them.
    """

    def __init__(self, profiles: Sequence[Profile], analyzer: FastAnalyzer | None = None, progress=None) -> None:
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
        self.sector_masks = np.array([_sector_mask(p.sectors) for p in self.profiles], dtype=np.int8)
        regions = [(p.region or "").strip().lower() for p in self.profiles]
        self._region_ids = {r: i for i, r in enumerate(sorted(set(regions)))}
        self.region_ids = np.array([self._region_ids[r] for r in regions], dtype=np.int32)
        self._empty_region = self._region_ids.get("", -1)
        self._overlay: dict[int, _Rows] = {}
        self._surface_cache: dict[tuple, dict[str, str]] = {}
        self._mentors_by_cutoff: dict[int, np.ndarray] = {}  # open, experienced, present and old enough
        self._searchable: np.ndarray | None = None  # has something to share (see searchable_mask)
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
            fitted.keyword_lists.astype(bool) if fitted.keyword_lists is not None else np.zeros(len(self.profiles), bool)
        )
        self._offer_t = self._offer.T.tocsr()  # feature × profile: a query touches only its postings
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
        self.need_chars = RowView(chars_of(self._need_words), {p: r.need_chars for p, r in ov.items()}, n, grams)
        self.offer_chars = RowView(chars_of(self._offer_words), {p: r.offer_chars for p, r in ov.items()}, n, grams)
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
            ids = [i for i in map(self._vocab.get, self.analyzer.names(text, LANGUAGES[lang])) if i is not None]
            return tfidf(count_matrix([0, len(ids)], ids, width), self._idf)

        texts = (profile.challenges, profile.offer_text, profile.description)
        chal, exp, desc = (word_row(t, lang) for t, lang in zip(texts, langs))
        stops = stopwords()
        return _Rows(
            need=l2_rows(chal + DESCRIPTION_WEIGHT * desc),
            offer=l2_rows(exp + DESCRIPTION_WEIGHT * desc),
            need_chars=self.chars.text_vector(char_words(fast_tokenize(profile.challenges), stops)),
            offer_chars=self.chars.text_vector(char_words(fast_tokenize(profile.offer_text), stops)),
            langs=langs,
        )

    def with_changes(self, changed: Sequence[Profile] = (), removed: Iterable[str] = ()) -> MatchIndex:
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
        passage_changes: dict[int, Block | None] = {}
        new._mentors_by_cutoff = {}
        changed = list(changed)
        added = [p.key for p in changed if p.key not in self._slots]
        grow = len(dict.fromkeys(added))
        arrays = ("_can_mentor", "_alive", "founded", "sector_masks", "region_ids", "_keyword_lists")
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
                new.profiles[pos], challenges="", experiences="", description="", stories=(), open_to_mentor=False,
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
                block_of(p, self._vectorizer, LANGUAGES[rows.langs[EXPERIENCES]], LANGUAGES[rows.langs[DESCRIPTION]])
                if self._fitted and _can_mentor(p) else None
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
            return SparseRow(np.zeros(0, np.int32), np.zeros(0, np.float32)), (np.zeros(0, np.int32), np.zeros(0, np.float32))
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
            out[in_base] = self.chars.stored_scores(self._offer_grams, rows, self._offer_char_norms[rows], query)
        for j in np.flatnonzero(~in_base).tolist():
            row = self._ov_offer_chars[int(pool[j])]
            _common, a, b = np.intersect1d(query[0], row.indices, assume_unique=True, return_indices=True)
            out[j] = float(np.dot(query[1][a], row.data[b]))
        return out

    # -- ranking ------------------------------------------------------------------------------

    def searchable_mask(self) -> np.ndarray:
        """Boolean array over the index: present profiles with something to share (experiences,
        public stories or a description), whether or not they can mentor now. A copy."""
        if self._searchable is None:
            self._searchable = np.array(
                [bool(p.offer_text.strip() or p.description.strip()) for p in self.profiles], dtype=bool
            )
        return self._searchable & self._alive

    def passage_counts(self) -> np.ndarray:
        """How many passages the passage index holds per profile (0 for non-mentors)."""
        return self._passages.counts(len(self.profiles))

    def eligible_mask(self, mentee: Profile, context: MatchContext) -> np.ndarray:
        """Boolean array over the index: which profiles may mentor ``mentee`` now."""
        cutoff = context.current_year - context.min_years
        static = self._mentors_by_cutoff.get(cutoff)
        if static is None:
            static = self._mentors_by_cutoff[cutoff] = self._can_mentor & self._alive & (self.founded <= cutoff)
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
            scored.pool, scored.raw, scored.text, scored.requests, scored.found, scored.top
        )
        need = scored.need
        mentee_mask = _sector_mask(mentee.sectors)
        same_sector = (self.sector_masks[pool] & mentee_mask) != 0
        mentee_region = self._region_ids.get((mentee.region or "").strip().lower(), -2)
        same_region = (self.region_ids[pool] == mentee_region) & (mentee_region != self._empty_region)
        # Sector and region break ties between real text matches; a keyword list gets neither.
        trusted = ~self._keyword_lists[pool]
        final = text + (SECTOR_BOOST * same_sector + REGION_BOOST * same_region) * trusted
        if context.priors:
            final = final + np.array([context.prior(mentee.key, self.profiles[i].key) for i in pool], dtype=np.float32)
        final = np.clip(final, 0.0, 1.0)
        shares = (text >= MIN_TEXT) & (raw >= MIN_TEXT)  # something in the texts must meet: never sector and region alone
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
                reasons.append(Reason("region", f"zelfde regio: {cand.region}", f"same region: {cand.region}"))
            reasons.extend(context.prior_reasons(mentee.key, cand.key))
            results.append(
                Suggestion(
                    cand.key, cand.name, float(final[j]), float(text[j]), reasons, evidence,
                    ("keyword_list",) if self._keyword_lists[pool[j]] else (), tuple(collapsed.get(j, ())),
                )
            )
        return results

    def text_match(self, mentee: Profile, mask: np.ndarray, passages_of=None, passage_pool: int = 0) -> TextMatch | None:
        """The text scores of ``mentee``'s challenges against the offers of the profiles in ``mask``:
        words for all, character n-grams for the RERANK_POOL best, language-fair, and passages for the
        PASSAGE_POOL (or ``passage_pool``) best. None when the challenges say too little to match on.
        ``passages_of`` may give a passage index with more profiles than the mentors (search)."""
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
        text = language_fair(raw, word_scores[pool], self._challenge_lang(mentee), self._langs[pool, EXPERIENCES])
        requests = self._requests(mentee)
        text, found, top = self._with_passages(pool, text, requests, passages_of, passage_pool or PASSAGE_POOL)
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

    def _with_passages(self, pool: np.ndarray, text: np.ndarray, requests: list[ev.SpanVector], passages_of=None,
                       size: int = PASSAGE_POOL):
        """The text score with the passage score of the best ``size`` candidates mixed in;
        keyword lists damped. Returns (scores, candidates' passages or None, their pool indices)."""
        flagged = self._keyword_lists[pool]
        if not requests or not pool.size:
            text = text.copy()
            text[flagged] *= KEYWORD_LIST_FACTOR
            return text, None, np.zeros(0, dtype=np.int64)
        top = np.argsort(-text, kind="stable")[:size]
        found = (passages_of or self._passages).candidates(pool[top], [r.row() for r in requests])
        weights = ev.request_weights(requests)
        passage = np.zeros(pool.size, dtype=np.float32)
        passage[top] = passage_scores(found, weights)
        out = ((1 - PASSAGE_SHARE) * text + PASSAGE_SHARE * passage).astype(np.float32)
        out[flagged] *= KEYWORD_LIST_FACTOR
        return out, found, top

    def _evidence(self, requests: list[ev.SpanVector], found: Candidates, c: int) -> list[Evidence]:
        """The best request ↔ passage pairs of candidate ``c``, verbatim, with the words they share."""
        weights = ev.request_weights(requests)
        pos = int(found.positions[c])
        mentor = self.profiles[pos]
        out: list[Evidence] = []
        for r, j, sim in best_pairs(found, c, weights, EVIDENCE_PAIRS):
            source = int(found.source[j])
            start, end = (int(x) for x in found.spans[j])
            text = (mentor.description if source == passages.DESCRIPTION else mentor.offer_text)[start:end]
            field_id = DESCRIPTION if source == passages.DESCRIPTION else EXPERIENCES
            lang = LANGUAGES[self._langs[pos, field_id]]
            passage = ev.SpanVector(passages.Span(start, end, text), lang, {})
            words, own = ev.shared_words(
                self.analyzer, self.vocabulary, requests[r], passage,
                self._passage_surfaces(pos, source, start, end, text, lang), self._request_surfaces(requests[r]),
            )
            story = int(found.story[j])
            title = mentor.stories[story].title if source == passages.STORY and 0 <= story < len(mentor.stories) else ""
            kind = {passages.OFFER: ev.EXPERIENCES, passages.STORY: ev.STORY}.get(source, ev.DESCRIPTION)
            out.append(Evidence(text, requests[r].span.text, words, own, kind, title, round(sim, 4)))
        return out

    def _passage_surfaces(self, pos: int, source: int, start: int, end: int, text: str, lang: str) -> dict:
        """``analyzer.surfaces`` of a mentor's passage, kept: mentors recur across suggestions."""
        key = (pos, source, start, end)
        found = self._surface_cache.get(key)
        if found is None:
            if len(self._surface_cache) >= SURFACE_CACHE:
                self._surface_cache.clear()
            found = self._surface_cache[key] = self.analyzer.surfaces(text, lang)
        return found

    def _request_surfaces(self, request: ev.SpanVector) -> dict:
        if request.surfaces is None:
            request.surfaces = self.analyzer.surfaces(request.span.text, request.lang)
        return request.surfaces

    def _evidence_for(self, requests, found: Candidates | None, top: np.ndarray, pool: np.ndarray, j: int):
        if not requests:
            return []
        hit = np.flatnonzero(top == j) if found is not None else np.zeros(0)
        if hit.size:
            out = self._evidence(requests, found, int(hit[0]))
        else:
            single = self._passages.candidates(pool[[j]], [r.row() for r in requests])
            out = self._evidence(requests, single, 0)
        return out or self._spelling_evidence(requests, int(pool[j]))

    def _spelling_evidence(self, requests: list[ev.SpanVector], pos: int) -> list[Evidence]:
        """When no word is shared (typos, spelling variants), the request and passage most alike
        in character n-grams, quoted without marked words."""
        mentor = self.profiles[pos]
        stops = stopwords()
        best: tuple[float, int, str, int] | None = None
        spans = passages.offer_passages(mentor.experiences, mentor.stories, mentor.description)
        rows = [self.chars.text_vector(char_words(fast_tokenize(s.text), stops)) for _src, s, _st in spans]
        for r, req in enumerate(requests):
            q = self.chars.text_vector(char_words(fast_tokenize(req.span.text), stops))
            for (src, span, _story), row in zip(spans, rows):
                sim = float(q.multiply(row).sum())
                if sim > 0 and (best is None or sim > best[0]):
                    best = (sim, r, span.text, src)
        if best is None:
            return []
        sim, r, text, src = best
        kind = {passages.OFFER: ev.EXPERIENCES, passages.STORY: ev.STORY}.get(src, ev.DESCRIPTION)
        return [Evidence(text, requests[r].span.text, (), (), kind, "", round(sim, 4))]

    def pair_evidence(self, mentee_key: str, mentor_key: str) -> list[Evidence]:
        """The evidence for one pair whatever the mentor's eligibility now (its load, age, an
        exclusion): the mentor's passages that meet the mentee's challenges, best first."""
        if mentee_key not in self.position or mentor_key not in self.position or mentee_key == mentor_key:
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
            if not requests or ev.too_little_text(mentee.challenges, self._has_theme(self._query(mentee)[0])):
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
        return self._fitted and any(str(self.vocabulary[i]).startswith(CONCEPT_PREFIX) for i in need.indices.tolist())

    def near_duplicates(self, keys) -> list[tuple[str, str, float]]:
        """Pairs (key, other key, cosine) of mentors whose offers are near-identical, for ``keys``."""
        pairs: dict[tuple[str, str], float] = {}
        for key in keys:
            pos = self.position.get(key)
            if pos is None or not self._can_mentor[pos]:
                continue
            cols, weights = self._offer_row(pos)
            scores = self.word_scores(SparseRow(cols, weights))
            for other in np.flatnonzero((scores >= DUPLICATE_COSINE) & self._can_mentor & self._alive).tolist():
                if other != pos:
                    a, b = sorted((key, self.profiles[other].key))
                    pairs[a, b] = round(float(scores[other]), 3)
        return [(a, b, c) for (a, b), c in sorted(pairs.items())]

    def _worth_a_chip(self, feature: str, surface: str, profile: Profile) -> bool:
        """Whether a shared word, as written, is a whole, specific word worth showing."""
        pos = self.position.get(profile.key)
        lang = LANGUAGES[self._langs[pos, EXPERIENCES]] if pos is not None else "nl"
        return ev.worth_showing(self.analyzer, surface, feature, lang)

    def _offer_signature(self, pos: int) -> frozenset[int]:
        """The two heaviest features of a profile's offer: near-identical offers share one."""
        cols, weights = self._offer_row(pos)
        if cols.size <= 2:
            return frozenset(cols.tolist())
        return frozenset(cols[np.argpartition(-weights, 1)[:2]].tolist())

    def _offer_cosine(self, a: int, b: int) -> float:
        cols_a, w_a = self._offer_row(a)
        cols_b, w_b = self._offer_row(b)
        _cols, ia, ib = _common(cols_a, cols_b)
        return float(np.dot(w_a[ia], w_b[ib]))

    def _collapse_duplicates(self, pool: np.ndarray, order: np.ndarray, limit: int):
        """``order`` with near-identical mentors shown once (the older, then the fuller one, in
        the better place). Returns (order, {kept index: keys collapsed into it}). Only offers that
        share one of their two heaviest features are compared."""
        kept: list[int] = []
        collapsed: dict[int, list[str]] = {}
        signature = {j: self._offer_signature(int(pool[j])) for j in order.tolist()}

        def alike(k: int, j: int) -> bool:
            return bool(signature[k] & signature[j]) and self._offer_cosine(int(pool[k]), int(pool[j])) >= DUPLICATE_COSINE

        for j in order.tolist():
            pos = int(pool[j])
            twin = next((k for k in kept if alike(k, j)), None)
            if twin is None:
                kept.append(j)
                continue
            a, b = self.profiles[int(pool[twin])], self.profiles[pos]
            better = (b.founded, -len(b.offer_text), b.key) < (a.founded, -len(a.offer_text), a.key)
            slot = kept.index(twin)
            if better:  # the better twin takes the place of the one already listed
                kept[slot] = j
                collapsed[j] = collapsed.pop(twin, []) + [a.key]
            else:
                collapsed.setdefault(twin, []).append(b.key)
        return np.array(kept[:limit], dtype=np.int64), collapsed

    def _best(self, pool: np.ndarray, final: np.ndarray, limit: int) -> np.ndarray:
        """Indices into ``pool`` of the ``limit`` best: highest score first, then by key."""
        chosen = np.arange(pool.size)
        if pool.size > limit:
            threshold = -np.partition(-final, limit - 1)[limit - 1]
            chosen = np.flatnonzero(final >= threshold)  # the best ``limit`` and everything tied with them
        keys = np.array([self.profiles[i].key for i in pool[chosen]])
        return chosen[np.lexsort((keys, -final[chosen]))][:limit]

    # -- reasons ------------------------------------------------------------------------------

    def _is_indexed(self, pos: int, profile: Profile) -> bool:
        """Whether ``profile`` is the indexed one at ``pos`` (usually the very same object)."""
        indexed = self.profiles[pos]
        return indexed is profile or indexed == profile

    def _field_surfaces(self, profile: Profile, field_id: int) -> dict[str, str]:
        """Feature → the first surface word that produced it in one field of the profile.

        Kept for indexed profiles (up to SURFACE_CACHE fields): mentors recur across suggestions,
        and one field is read only when a reason needs it.
        """
        pos = self.position.get(profile.key)
        known = pos is not None and self._is_indexed(pos, profile)
        if known:
            cached = self._surface_cache.get((pos, field_id))
            if cached is not None:
                return cached
        text = (profile.challenges, profile.offer_text, profile.description)[field_id]
        lang = LANGUAGES[self._langs[pos, field_id]] if known and text and text.strip() else None
        out = self.analyzer.surfaces(text, lang)
        if known:
            if len(self._surface_cache) >= SURFACE_CACHE:
                self._surface_cache.clear()
            self._surface_cache[pos, field_id] = out
        return out

    def _surface(self, profile: Profile, fields: tuple[int, ...], feature: str) -> str | None:
        """How ``feature`` was first written in the profile's ``fields`` (in that order), if at all."""
        for field_id in fields:
            surface = self._field_surfaces(profile, field_id).get(feature)
            if surface is not None:
                return surface
        return None

    def _explain(self, mentee: Profile, mentor: Profile, need, max_terms: int = 4) -> list[Reason]:
        if not self._fitted:
            return []
        pos = self.position.get(mentor.key)
        if pos is None or not need.indices.size:
            return []
        offer_cols, offer_weights = self._offer_row(pos)
        cols, a, b = _common(need.indices, offer_cols)
        weights = need.data[a] * offer_weights[b]
        present = weights != 0
        cols, weights = cols[present], weights[present]
        if not cols.size:
            return []
        order = np.argsort(-weights)
        floor = 0.12 * float(weights[order[0]])  # a word that barely counted explains nothing
        order = order[weights[order] >= floor]
        thesaurus = self.analyzer.thesaurus
        reasons: list[Reason] = []
        seen: set[str] = set()
        for idx in order:
            feature = self.vocabulary[cols[idx]]
            weight = float(weights[idx])
            if feature.startswith(CONCEPT_PREFIX):
                concept = thesaurus.concepts.get(feature[len(CONCEPT_PREFIX) :])
                if concept is None or feature in ev.GENERAL_CONCEPTS:
                    continue  # too general to explain anything
                text, text_en, kind = f"thema: {concept.label_nl}", f"theme: {concept.label_en}", "theme"
            else:
                theirs = self._surface(mentor, (EXPERIENCES, DESCRIPTION), feature)
                if not theirs:
                    continue
                ours = self._surface(mentee, (CHALLENGES, DESCRIPTION), feature)
                if not self._worth_a_chip(feature, theirs, mentor) or (ours and not self._worth_a_chip(feature, ours, mentee)):
                    continue  # a fragment of a compound (intervisie ↔ visie) or a generic word (week, scholen)
                text = theirs if not ours or ours.lower() == theirs.lower() else f"{ours} ↔ {theirs}"
                text_en, kind = text, "term"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            reasons.append(Reason(kind, text, text_en, weight))
            if len(reasons) >= max_terms:
                break
        return reasons


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values in both sorted, duplicate-free arrays, with their positions in each."""
    at = np.searchsorted(b, a)
    found = at < b.size
    found[found] = b[at[found]] == a[found]
    in_a = np.flatnonzero(found)
    return a[in_a], in_a, at[in_a]


def build_index(profiles: Sequence[Profile], progress=None) -> MatchIndex:
    """Fit the matcher over ``profiles``."""
    return MatchIndex(profiles, progress=progress)

