"""Why a mentor is suggested: the evidence (request ↔ passage pairs, quoted verbatim with the
words they share) and the reasons (themes and whole words a coordinator recognises). A mixin of
``MatchIndex``."""

from __future__ import annotations

import numpy as np

from . import evidence as ev
from . import passages
from .analysis import char_words, fast_tokenize
from .duplicates import common_sorted
from .evidence import Evidence
from .index_rows import IndexRows
from .passage_index import Candidates, best_pairs
from .profile import Profile
from .results import DESCRIPTION, EXPERIENCES, Reason, SparseRow
from .text import CONCEPT_PREFIX, LANGUAGES, Concept, stopwords

EVIDENCE_PAIRS = 2
SURFACE_CACHE = 20_000  # quoted passages whose surface words are kept (mentors recur)


class Explaining(IndexRows):
    """Evidence and reasons for a suggestion (uses the index's vectors, passages and profiles)."""

    def _evidence(
        self,
        requests: list[ev.SpanVector],
        found: Candidates,
        c: int,
        quoted: list[dict[str, str]] | None = None,
    ) -> list[Evidence]:
        """The best request ↔ passage pairs of candidate ``c``, verbatim, with the words they share.
        The surface words of each quoted passage are added to ``quoted`` when it is given."""
        weights = ev.request_weights(requests)
        pos = int(found.positions[c])
        mentor = self.profiles[pos]
        out: list[Evidence] = []
        for r, j, sim in best_pairs(found, c, weights, EVIDENCE_PAIRS):
            source = int(found.source[j])
            start, end = (int(x) for x in found.spans[j])
            text = (mentor.description if source == passages.DESCRIPTION else mentor.offer_text)[
                start:end
            ]
            field_id = DESCRIPTION if source == passages.DESCRIPTION else EXPERIENCES
            lang = LANGUAGES[self._langs[pos, field_id]]
            passage = ev.SpanVector(passages.Span(start, end, text), lang, {})
            theirs = self._passage_surfaces(pos, source, start, end, text, lang)
            if quoted is not None:
                quoted.append(theirs)
            words, own = ev.shared_words(
                self.analyzer,
                self.vocabulary,
                requests[r],
                passage,
                theirs,
                self._request_surfaces(requests[r]),
            )
            story = int(found.story[j])
            title = (
                mentor.stories[story].title
                if source == passages.STORY and 0 <= story < len(mentor.stories)
                else ""
            )
            kind = {passages.OFFER: ev.EXPERIENCES, passages.STORY: ev.STORY}.get(
                source, ev.DESCRIPTION
            )
            out.append(
                Evidence(text, requests[r].span.text, words, own, kind, title, round(sim, 4))
            )
        return out

    def _passage_surfaces(
        self, pos: int, source: int, start: int, end: int, text: str, lang: str
    ) -> dict[str, str]:
        """``analyzer.surfaces`` of a mentor's passage, kept: mentors recur across suggestions."""
        key = (pos, source, start, end)
        found = self._surface_cache.get(key)
        if found is None:
            if len(self._surface_cache) >= SURFACE_CACHE:
                self._surface_cache.clear()
            found = self._surface_cache[key] = self.analyzer.surfaces(text, lang)
        return found

    def _own_words(self, requests: list[ev.SpanVector]) -> dict[str, str]:
        """Feature → how the asking partnership first wrote it in its requests (in their order)."""
        out: dict[str, str] = {}
        for request in requests:
            for feature, surface in self._request_surfaces(request).items():
                out.setdefault(feature, surface)
        return out

    def _request_surfaces(self, request: ev.SpanVector) -> dict[str, str]:
        """``analyzer.surfaces`` of a request, kept on the request."""
        if request.surfaces is None:
            request.surfaces = self.analyzer.surfaces(request.span.text, request.lang)
        return request.surfaces

    def _evidence_for(
        self,
        requests: list[ev.SpanVector],
        found: Candidates | None,
        top: np.ndarray,
        pool: np.ndarray,
        j: int,
        quoted: list[dict[str, str]] | None = None,
    ) -> list[Evidence]:
        """The evidence for candidate ``j`` of ``pool``: from its passages already scored (``found``
        at the pool indices ``top``) when it is among them, else from its own passages. The
        quoted passages' surface words are added to ``quoted`` when it is given."""
        if not requests:
            return []
        hit = np.flatnonzero(top == j) if found is not None else np.zeros(0, dtype=np.int64)
        if found is not None and hit.size:
            out = self._evidence(requests, found, int(hit[0]), quoted)
        else:
            single = self._passages.candidates(pool[[j]], [r.row() for r in requests])
            out = self._evidence(requests, single, 0, quoted)
        return out or self._spelling_evidence(requests, int(pool[j]))

    def _spelling_evidence(self, requests: list[ev.SpanVector], pos: int) -> list[Evidence]:
        """When no word is shared (typos, spelling variants), the request and passage most alike
        in character n-grams, quoted without marked words."""
        mentor = self.profiles[pos]
        stops = stopwords()
        best: tuple[float, int, str, int] | None = None
        spans = passages.offer_passages(mentor.experiences, mentor.stories, mentor.description)
        rows = [
            self.chars.text_vector(char_words(fast_tokenize(s.text), stops))
            for _src, s, _st in spans
        ]
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

    def _worth_a_chip(self, feature: str, surface: str, profile: Profile) -> bool:
        """Whether a shared word, as written, is a whole, specific word worth showing."""
        pos = self.position.get(profile.key)
        lang = LANGUAGES[self._langs[pos, EXPERIENCES]] if pos is not None else "nl"
        return ev.worth_showing(self.analyzer, surface, feature, lang)

    def _explain(
        self,
        mentee: Profile,
        mentor: Profile,
        need: SparseRow,
        own: dict[str, str],
        quoted: list[dict[str, str]],
        max_terms: int = 4,
    ) -> list[Reason]:
        """The shared themes and words that explain a suggestion, heaviest first. A word is shown
        as the mentor wrote it in a quoted passage (``quoted``: their surface words) beside how
        the asking partnership wrote it in its requests (``own``, see ``_own_words``); a word in
        no quoted passage is not shown, so every word chip can be found in the evidence on the
        page."""
        if not self._fitted:
            return []
        pos = self.position.get(mentor.key)
        if pos is None or not need.indices.size:
            return []
        offer_cols, offer_weights = self._offer_row(pos)
        cols, a, b = common_sorted(need.indices, offer_cols)
        weights = need.data[a] * offer_weights[b]
        present = weights != 0
        cols, weights = cols[present], weights[present]
        if not cols.size:
            return []
        order = np.argsort(-weights)
        floor = 0.12 * float(weights[order[0]])  # a word that barely counted explains nothing
        order = order[weights[order] >= floor]
        reasons: list[Reason] = []
        seen: set[str] = set()
        for idx in order:
            feature = self.vocabulary[cols[idx]]
            weight = float(weights[idx])
            if feature.startswith(CONCEPT_PREFIX):
                concept = self._theme(feature)
                if concept is None:
                    continue  # too general to explain anything
                text, text_en, kind = (
                    f"thema: {concept.label_nl}",
                    f"theme: {concept.label_en}",
                    "theme",
                )
            else:
                theirs = next((q[feature] for q in quoted if feature in q), None)
                if not theirs:
                    continue
                ours = own.get(feature)
                if not self._worth_a_chip(feature, theirs, mentor) or (
                    ours and not self._worth_a_chip(feature, ours, mentee)
                ):
                    continue  # a fragment of a compound (intervisie ↔ visie) or a generic word (week, scholen)
                text = (
                    theirs if not ours or ours.lower() == theirs.lower() else f"{ours} ↔ {theirs}"
                )
                text_en, kind = text, "term"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            reasons.append(Reason(kind, text, text_en, weight))
            if len(reasons) >= max_terms:
                break
        return reasons

    def _theme(self, feature: str) -> Concept | None:
        """The glossary theme a concept feature names; None for one too general to tell mentors
        apart (teachers, student teachers) or unknown."""
        if feature in ev.GENERAL_CONCEPTS:
            return None
        return self.analyzer.thesaurus.concepts.get(feature[len(CONCEPT_PREFIX) :])

    def challenge_themes(self, mentee: Profile | str, limit: int = 5) -> list[Reason]:
        """The glossary themes the partnership's challenges name, most often named first (as
        theme reasons): what the matcher reads in them. Themes too general to tell mentors apart
        (teachers, student teachers) are left out."""
        if isinstance(mentee, str):
            mentee = self.profile(mentee)
        lang = LANGUAGES[self._challenge_lang(mentee)] if mentee.challenges.strip() else None
        counts: dict[str, int] = {}
        for name in self.analyzer(mentee.challenges, lang):
            if name.startswith(CONCEPT_PREFIX):
                counts[name] = counts.get(name, 0) + 1
        themes = []
        for name in sorted(counts, key=lambda n: -counts[n]):  # ties: reading order
            concept = self._theme(name)
            if concept is not None:
                themes.append(
                    Reason("theme", concept.label_nl, concept.label_en, float(counts[name]))
                )
        return themes[:limit]
