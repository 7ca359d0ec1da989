"""Variety in suggestions (matching/variety.py): after first place, a mentor much like one
already listed gives way to one nearly as good on something else; first place never changes and
the first places do not depend on the list's length."""

import json
from pathlib import Path

import numpy as np

from matchmaker.matching import variety
from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
CTX = MatchContext(current_year=2026)


def test_a_near_twin_of_the_first_gives_way_to_a_nearly_as_good_other():
    relevance = np.array([0.50, 0.48, 0.47, 0.30])
    alike = np.array(
        [
            [1.0, 0.9, 0.0, 0.1],
            [0.9, 1.0, 0.1, 0.1],
            [0.0, 0.1, 1.0, 0.2],
            [0.1, 0.1, 0.2, 1.0],
        ]
    )
    assert variety.vary(relevance, alike) == [0, 2, 1, 3]
    # unlike the first, the second keeps its place; a far weaker one is not lifted past it
    alike[0, 1] = alike[1, 0] = 0.1
    assert variety.vary(relevance, alike) == [0, 1, 2, 3]


def test_without_weight_or_with_two_candidates_the_order_stays():
    relevance = np.array([0.5, 0.49, 0.3])
    alike = np.ones((3, 3))
    assert variety.vary(relevance, alike, weight=0.0) == [0, 1, 2]
    assert variety.vary(relevance[:2], alike[:2, :2]) == [0, 1]


def test_likeness_is_the_cosine_of_the_rows():
    a = (np.array([0, 2]), np.array([0.6, 0.8], np.float32))
    b = (np.array([2, 5]), np.array([1.0, 0.0], np.float32))
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
    alike = variety.likeness([a, b, empty])
    assert np.allclose(alike, [[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 0.0]])


def _seed_profiles() -> list[Profile]:
    path = ROOT / "seeds" / "partnerships.json"
    return [
        Profile.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))["partnerships"]
    ]


def test_first_place_and_the_first_ten_are_those_of_the_scores(monkeypatch):
    index = build_index(_seed_profiles())
    mentees = [p for p in index.profiles if p.challenges.strip()]
    varied = {p.key: index.rank(p, CTX, limit=10) for p in mentees}
    monkeypatch.setattr(variety, "WEIGHT", 0.0)
    plain = {p.key: index.rank(p, CTX, limit=10) for p in mentees}
    moved = 0
    for key, suggestions in varied.items():
        before = [s.key for s in plain[key]]
        after = [s.key for s in suggestions]
        assert before[:1] == after[:1], key
        assert sorted(before) == sorted(after), key  # the same mentors, only their order
        scores = [s.score for s in plain[key]]
        assert scores == sorted(scores, reverse=True)
        moved += before != after
    assert moved  # the seed data has lists where variety changes the order


def test_a_short_list_is_the_start_of_a_long_one():
    index = build_index(_seed_profiles())
    for p in index.profiles:
        if p.challenges.strip():
            long = [s.key for s in index.rank(p, CTX, limit=10)]
            for limit in (1, 3, 5):
                assert [s.key for s in index.rank(p, CTX, limit=limit)] == long[:limit], p.key
