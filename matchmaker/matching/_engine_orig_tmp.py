"""The matcher: fit a TF-IDF index over profiles once, then rank mentors for a partnership.

Direction matters: a partnership's *needs* (challenges, plus a little of its description) are
compared with every candidate's *offer* (experiences, plus a little of its description).
Two views are combined: words (stems, Dutch compound parts and thesaurus concepts) and
character n-grams, which catch spelling variants that stemming misses. Shared sector and
region add small boosts that break ties but cannot overturn a clearly better text match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from .eligibility import MatchContext
from .profile import Profile
from .text import CONCEPT_PREFIX, Analyzer, char_text, default_thesaurus

DESCRIPTION_WEIGHT = 0.35  # how much the free description counts beside challenges/experiences
WORD_WEIGHT = 0.7  # share of the word view in the text score; the rest is character n-grams
SECTOR_BOOST = 0.03
REGION_BOOST = 0.015
RERANK_POOL = 200  # candidates (by word score) re-scored with character n-grams
SECTOR_BITS = {"po": 1, "vo": 2, "mbo": 4, "so": 8}


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

    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    def to_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "score": round(self.score, 4), "reasons": self.reason_texts()}


def _identity(features: list[str]) -> list[str]:
    return features


def _sector_mask(sectors: Iterable[str]) -> int:
    mask = 0
    for s in sectors:
        mask |= SECTOR_BITS.get(s, 0)
    return mask


class MatchIndex:
    """A fitted index over one version of the profiles. Immutable once built; cheap to query."""

    def __init__(self, profiles: Sequence[Profile], analyzer: Analyzer | None = None, progress=None) -> None:
        self.analyzer = analyzer or Analyzer(default_thesaurus())
        self.profiles: list[Profile] = list(profiles)
        self.position: dict[str, int] = {p.key: i for i, p in enumerate(self.profiles)}
        if len(self.position) != len(self.profiles):
            raise ValueError("profile keys must be unique")
        analysed = []
        iterator = progress(self.profiles) if progress else self.profiles
        for p in iterator:
            analysed.append(
                (self.analyzer(p.challenges), self.analyzer(p.experiences), self.analyzer(p.description))
            )
        corpus = [feats for triple in analysed for feats in triple if feats]
        self.words = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, norm=None, dtype=np.float32, min_df=1
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32, min_df=1
        )
        if corpus:
            self.words.fit(corpus)
            self.chars.fit([char_text(t) for p in self.profiles for t in (p.challenges, p.experiences) if t])
        self._fitted = bool(corpus)
        n = len(self.profiles)
        if self._fitted:
            chal = self.words.transform([a[0] for a in analysed])
            exp = self.words.transform([a[1] for a in analysed])
            desc = self.words.transform([a[2] for a in analysed])
            self.need = l2_normalize(chal + DESCRIPTION_WEIGHT * desc).tocsr()
            self.offer = l2_normalize(exp + DESCRIPTION_WEIGHT * desc).tocsr()
            self.offer_t = self.offer.T.tocsr()  # feature × profile: a query touches only its postings
            self.need_chars = self.chars.transform([char_text(p.challenges) for p in self.profiles]).tocsr()
            self.offer_chars = self.chars.transform([char_text(p.experiences) for p in self.profiles]).tocsr()
            self.vocabulary = self.words.get_feature_names_out()
        else:
            self.need = self.offer = self.offer_t = sparse.csr_matrix((n, 0), dtype=np.float32)
            self.need_chars = self.offer_chars = sparse.csr_matrix((n, 0), dtype=np.float32)
            self.vocabulary = np.array([], dtype=object)
        self._can_mentor = np.array(
            [p.open_to_mentor and bool(p.experiences.strip()) and p.mentor_capacity > 0 for p in self.profiles],
            dtype=bool,
        )
        self.founded = np.array([p.founded for p in self.profiles], dtype=np.int32)
        self.sector_masks = np.array([_sector_mask(p.sectors) for p in self.profiles], dtype=np.int8)
        regions = [(p.region or "").strip().lower() for p in self.profiles]
        self._region_ids = {r: i for i, r in enumerate(sorted(set(regions)))}
        self.region_ids = np.array([self._region_ids[r] for r in regions], dtype=np.int32)
        self._empty_region = self._region_ids.get("", -1)

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, key: str) -> bool:
        return key in self.position

    def profile(self, key: str) -> Profile:
        return self.profiles[self.position[key]]

    # -- vectors ------------------------------------------------------------------------------

    def query_vectors(self, profile: Profile) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Word and character vectors of a profile's needs, reusing precomputed rows when known."""
        pos = self.position.get(profile.key)
        if pos is not None and self.profiles[pos] == profile:
            return self.need[pos], self.need_chars[pos]
        if not self._fitted:
            return sparse.csr_matrix((1, 0), dtype=np.float32), sparse.csr_matrix((1, 0), dtype=np.float32)
        chal = self.words.transform([self.analyzer(profile.challenges)])
        desc = self.words.transform([self.analyzer(profile.description)])
        need = l2_normalize(chal + DESCRIPTION_WEIGHT * desc).tocsr()
        return need, self.chars.transform([char_text(profile.challenges)]).tocsr()

    # -- ranking ------------------------------------------------------------------------------

    def eligible_mask(self, mentee: Profile, context: MatchContext) -> np.ndarray:
        """Boolean array over the index: which profiles may mentor ``mentee`` now."""
        mask = self._can_mentor & (self.founded <= context.current_year - context.min_years)
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
        if not self.profiles or limit <= 0:
            return []
        need, need_chars = self.query_vectors(mentee)
        word_scores = np.zeros(len(self.profiles), dtype=np.float32)
        if need.nnz:
            word_scores = np.asarray((need @ self.offer_t).todense()).ravel()
        eligible = self.eligible_mask(mentee, context)
        if sectors:
            eligible &= (self.sector_masks & _sector_mask(sectors)) != 0
        if region:
            eligible &= self.region_ids == self._region_ids.get(region.strip().lower(), -2)
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return []
        pool = candidates
        if candidates.size > RERANK_POOL:
            top = np.argpartition(-word_scores[candidates], RERANK_POOL - 1)[:RERANK_POOL]
            pool = candidates[top]
        char_scores = np.zeros(pool.size, dtype=np.float32)
        if need_chars.nnz:
            char_scores = np.asarray((self.offer_chars[pool] @ need_chars.T).todense()).ravel()
        text = WORD_WEIGHT * word_scores[pool] + (1 - WORD_WEIGHT) * char_scores
        mentee_mask = _sector_mask(mentee.sectors)
        same_sector = (self.sector_masks[pool] & mentee_mask) != 0
        mentee_region = self._region_ids.get((mentee.region or "").strip().lower(), -2)
        same_region = (self.region_ids[pool] == mentee_region) & (mentee_region != self._empty_region)
        prior = np.array([context.prior(mentee.key, self.profiles[i].key) for i in pool], dtype=np.float32)
        final = np.clip(text + SECTOR_BOOST * same_sector + REGION_BOOST * same_region + prior, 0.0, 1.0)
        order = np.lexsort((np.array([self.profiles[i].key for i in pool]), -final))[:limit]
        results = []
        for j in order:
            cand = self.profiles[pool[j]]
            reasons = self.explain(mentee, cand, need)
            if same_sector[j]:
                shared = [s for s in cand.sectors if s in mentee.sectors]
                names = ", ".join(shared)
                reasons.append(Reason("sector", f"zelfde sector: {names}", f"same sector: {names}"))
            if same_region[j]:
                reasons.append(Reason("region", f"zelfde regio: {cand.region}", f"same region: {cand.region}"))
            reasons.extend(context.prior_reasons(mentee.key, cand.key))
            results.append(Suggestion(cand.key, cand.name, float(final[j]), float(text[j]), reasons))
        return results

    # -- reasons ------------------------------------------------------------------------------

    def explain(self, mentee: Profile, mentor: Profile, need=None, max_terms: int = 4) -> list[Reason]:
        """The words and themes that contributed most to the match, as people wrote them."""
        if not self._fitted:
            return []
        if need is None:
            need, _ = self.query_vectors(mentee)
        offer = self.offer[self.position[mentor.key]] if mentor.key in self.position else None
        if offer is None or not need.nnz or not offer.nnz:
            return []
        contrib = need.multiply(offer).tocoo()
        if not contrib.nnz:
            return []
        order = np.argsort(-contrib.data)
        mentor_surface = _surfaces(self.analyzer, mentor.experiences, mentor.description)
        mentee_surface = _surfaces(self.analyzer, mentee.challenges, mentee.description)
        thesaurus = self.analyzer.thesaurus
        reasons: list[Reason] = []
        seen: set[str] = set()
        floor = 0.12 * float(contrib.data[order[0]])  # a word that barely counted explains nothing
        for idx in order:
            feature = self.vocabulary[contrib.col[idx]]
            weight = float(contrib.data[idx])
            if weight < floor:
                break
            if feature.startswith(CONCEPT_PREFIX):
                concept = thesaurus.concepts.get(feature[len(CONCEPT_PREFIX) :])
                if concept is None or concept.id in {"teacher", "student_teacher"}:
                    continue  # too general to explain anything
                text, text_en, kind = f"thema: {concept.label_nl}", f"theme: {concept.label_en}", "theme"
            else:
                theirs = mentor_surface.get(feature)
                ours = mentee_surface.get(feature)
                if not theirs:
                    continue
                text = theirs if not ours or ours.lower() == theirs.lower() else f"{ours} ↔ {theirs}"
                text_en, kind = text, "term"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            reasons.append(Reason(kind, text, text_en, weight))
            if len(reasons) >= max_terms:
                break
        return reasons


def _surfaces(analyzer: Analyzer, *texts: str) -> dict[str, str]:
    """Feature → the first surface word that produced it."""
    out: dict[str, str] = {}
    for text in texts:
        for f in analyzer.features(text):
            out.setdefault(f.name, f.surface)
    return out


def build_index(profiles: Sequence[Profile], progress=None) -> MatchIndex:
    """Fit the matcher over ``profiles``."""
    return MatchIndex(profiles, progress=progress)


def rank_all(index: MatchIndex, keys: Iterable[str], context: MatchContext, limit: int = 5) -> Mapping[str, list]:
    """Suggestions for several partnerships at once."""
    return {key: index.rank(key, context, limit=limit) for key in keys}
