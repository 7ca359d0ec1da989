"""Hub scores (matching/hubness.py): a mentor whose text is a little like every challenge is
lowered, a focused one raised; the reference is fixed at the fit, so an edit and a refit agree."""

import json
from pathlib import Path

import numpy as np
from scipy import sparse

from matchmaker.matching import hubness
from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.hubness import HubReference, centred
from matchmaker.matching.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
CTX = MatchContext(current_year=2026)


def _rows(values: list[list[float]]) -> sparse.csr_matrix:
    matrix = np.array(values, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return sparse.csr_matrix(matrix)


def test_a_row_like_every_challenge_scores_higher_than_a_focused_one():
    e = np.eye(4).tolist()
    challenges = _rows([e[0]] * 3 + [e[1]] * 3 + [e[2]] * 3 + [e[3]])
    reference = HubReference(challenges)
    assert reference.nearest == 2  # 20 % of ten
    broad, focused = reference.scores(_rows([[1, 1, 1, 0], [0, 0, 0, 1]]))
    (unrelated,) = reference.scores(sparse.csr_matrix((1, 4), dtype=np.float32))
    # broad: a little like nine challenges; focused: exactly like one, unlike the rest
    assert np.isclose(broad, 3**-0.5) and np.isclose(focused, 0.5)
    assert broad > focused > unrelated == 0.0


def test_the_reference_is_bounded_and_the_same_for_the_same_data():
    n = hubness.REFERENCE_SIZE * 3 + 7
    rng = np.random.default_rng(0)
    dense = sparse.random(n, 50, density=0.1, dtype=np.float32, random_state=rng).toarray()
    dense[5] = 0  # an empty challenge is never part of the reference
    need = sparse.csr_matrix(dense)
    a, b = HubReference(need), HubReference(need.copy())
    assert a.size == hubness.REFERENCE_SIZE
    offers = sparse.random(40, 50, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    assert np.array_equal(a.scores(offers), b.scores(offers))
    assert HubReference(sparse.csr_matrix((3, 50), dtype=np.float32)).scores(offers).sum() == 0


def test_scores_are_centred_on_the_mentors_median():
    scores, centre = centred(
        np.array([0.1, 0.2, 0.9, 5.0], np.float32), np.array([1, 1, 1, 0], bool)
    )
    assert centre == np.float32(0.2)
    assert np.allclose(scores, [-0.1, 0.0, 0.7, 4.8])


def _seed_profiles() -> list[Profile]:
    path = ROOT / "seeds" / "partnerships.json"
    return [
        Profile.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))["partnerships"]
    ]


def test_an_edit_that_changes_nothing_keeps_hub_scores_and_rankings():
    profiles = _seed_profiles()
    index = build_index(profiles)
    mentors = [p for p in profiles if index._can_mentor[index.position[p.key]]]
    same = index.with_changes(mentors[:3])
    for p in mentors[:3]:
        pos = index.position[p.key]
        assert np.isclose(same._hub[pos], index._hub[pos], atol=1e-6)
    for p in profiles:
        if p.challenges.strip():
            before = [(s.key, round(s.score, 5)) for s in index.rank(p, CTX, limit=5)]
            after = [(s.key, round(s.score, 5)) for s in same.rank(p, CTX, limit=5)]
            assert before == after, p.key


def test_a_broad_mentor_is_lowered_in_the_ranking_and_a_removed_one_has_no_hub():
    profiles = _seed_profiles()
    index = build_index(profiles)
    hubs = {p.key: float(index._hub[index.position[p.key]]) for p in profiles}
    mentors = [p.key for p in profiles if index._can_mentor[index.position[p.key]]]
    broadest = max(mentors, key=hubs.get)
    assert hubs[broadest] > 0 > min(hubs[k] for k in mentors)
    # The pair scores that assignment uses subtract the same hub share as the ranking.
    rows = np.array([index.position[p.key] for p in profiles if p.challenges.strip()])
    cols = np.array([index.position[broadest]])
    pair = index.pair_text_scores(rows, cols)[:, 0]
    for i, pos in enumerate(rows.tolist()):
        mentee = index.profiles[pos]
        if mentee.key == broadest:
            continue
        ranked = {s.key: s for s in index.rank(mentee, CTX, limit=len(index))}
        if broadest in ranked:
            assert np.isclose(pair[i], ranked[broadest].text_score, atol=1e-5), mentee.key
    gone = index.with_changes(removed=[broadest])
    assert gone._hub[index.position[broadest]] == 0.0
