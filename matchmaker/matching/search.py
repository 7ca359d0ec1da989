"""Search: a free text against what partnerships can share and against their public stories.

The query is read as a challenge is read: the same analysis (lemmas, compounds, glossary, both
languages), the same whole-text and passage scores, the same language-fair step and the same
damping of keyword lists. Unlike suggestions, search is not limited to partnerships that can
mentor now: reading needs no capacity. A partnership is ranked by its text score; a story by the
weighted best cosines of the query's requests with the story's own passages. Every hit quotes the
passage that matched, verbatim, with the query's words marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import evidence as ev
from . import passages
from .engine import MatchIndex
from .evidence import Evidence
from .passage_index import Candidates
from .profile import Profile
from .ranking import MIN_TEXT, sector_mask

SEARCH_POOL = 100  # partnerships whose passages are read (their stories are the stories searched)
MIN_STORY = 0.05  # a story whose best passages meet the query less than this is not a hit


@dataclass(frozen=True)
class PartnershipHit:
    """A partnership that meets the query, with the passages that matched."""

    key: str
    name: str
    score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class StoryHit:
    """A public story that meets the query, with the passages of it that matched."""

    key: str  # the partnership's
    name: str
    story: int  # index among the partnership's public stories, in order
    title: str
    score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Results:
    """What a search finds, best first; ``too_little_text`` when the query says too little."""

    partnerships: tuple[PartnershipHit, ...]
    stories: tuple[StoryHit, ...]
    too_little_text: bool = False


def _query_profile(text: str) -> Profile:
    return Profile(key="\x00search", name="", sectors=(), founded=0, challenges=text)


def search(
    index: MatchIndex,
    text: str,
    *,
    limit: int = 10,
    story_limit: int = 10,
    sectors: Iterable[str] | None = None,
    region: str | None = None,
    exclude: Iterable[str] = (),
) -> Results:
    """Partnerships and public stories that meet ``text``, best first. ``exclude``: keys left out
    (the asking partnership's own). Sector and region filter; they never add to a score."""
    query = _query_profile(text)
    mask = index.searchable_mask()
    if sectors:
        mask &= (index.sector_masks & sector_mask(sectors)) != 0
    if region:
        mask &= index.region_ids == index._region_ids.get(region.strip().lower(), -2)
    for key in exclude:
        pos = index.position.get(key)
        if pos is not None:
            mask[pos] = False
    if not mask.any():
        return Results((), ())
    scored = index.text_match(query, mask, index.passages_with_non_mentors, SEARCH_POOL)
    if scored is None:
        return Results((), (), too_little_text=True)
    pool, text_scores = scored.pool, scored.text
    keep = (text_scores >= MIN_TEXT) & (scored.raw >= MIN_TEXT)
    ranked = [j for j in np.argsort(-text_scores, kind="stable").tolist() if keep[j]]
    order, _collapsed = index._collapse_duplicates(pool, np.array(ranked, dtype=np.int64), limit)
    hits = []
    for j in order:
        profile = index.profiles[int(pool[j])]
        found = _found_for(scored, j)
        evidence = index._evidence(scored.requests, found[0], found[1]) if found else []
        hits.append(
            PartnershipHit(
                profile.key, profile.name, round(float(text_scores[j]), 4), tuple(evidence)
            )
        )
    stories = _stories(index, scored, story_limit) if story_limit > 0 else ()
    return Results(tuple(hits), tuple(stories))


def _found_for(scored, j: int) -> tuple[Candidates, int] | None:
    if scored.found is None:
        return None
    hit = np.flatnonzero(scored.top == j)
    return (scored.found, int(hit[0])) if hit.size else None


def _stories(index: MatchIndex, scored, limit: int) -> list[StoryHit]:
    """Stories of the candidates whose passages were read, by their own passage score."""
    found = scored.found
    if found is None or not scored.requests:
        return []
    weights = ev.request_weights(scored.requests)
    total = float(weights.sum())
    out: list[tuple[float, int, int]] = []  # (score, candidate, story)
    for c in range(found.positions.size):
        start, end = int(found.seg[c]), int(found.seg[c + 1])
        story_of = found.story[start:end]
        is_story = found.source[start:end] == passages.STORY
        for story in np.unique(story_of[is_story]).tolist():
            cols = np.flatnonzero(is_story & (story_of == story)) + start
            best = found.sims[:, cols].max(axis=1)
            score = float(weights @ best) / total if total > 0 else 0.0
            if score >= MIN_STORY:
                out.append((score, c, int(story)))
    out.sort(key=lambda t: -t[0])
    hits = []
    for score, c, story in out[:limit]:
        pos = int(found.positions[c])
        profile = index.profiles[pos]
        if not 0 <= story < len(profile.stories):
            continue
        evidence = [e for e in index._evidence(scored.requests, _only_story(found, c, story), 0)]
        hits.append(
            StoryHit(
                profile.key,
                profile.name,
                story,
                profile.stories[story].title,
                round(score, 4),
                tuple(evidence),
            )
        )
    return hits


def _only_story(found: Candidates, c: int, story: int) -> Candidates:
    """Candidate ``c`` with only the passages of one of its stories (for that story's evidence)."""
    start, end = int(found.seg[c]), int(found.seg[c + 1])
    cols = (
        np.flatnonzero(
            (found.source[start:end] == passages.STORY) & (found.story[start:end] == story)
        )
        + start
    )
    return Candidates(
        found.positions[[c]],
        np.array([0, cols.size], dtype=np.int64),
        found.spans[cols],
        found.source[cols],
        found.story[cols],
        found.sims[:, cols],
    )
