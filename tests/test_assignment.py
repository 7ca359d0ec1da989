"""Cohort assignment: exact optimum within capacities, never a forbidden pair. No Flask, no database."""

import itertools
import time

import numpy as np
import pytest

from matchmaker.matching.assignment import (
    DEFAULT_SPREAD,
    Assignment,
    assign,
    assign_cohort,
    mentor_capacities,
    score_matrix,
)
from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.profile import Profile

from .conftest import MENTORS, NEWCOMERS

CTX = MatchContext(current_year=2026)


def pairs(result):
    return {(a.mentee, a.mentor) for a in result.assignments}


def load_of(result):
    load = {}
    for a in result.assignments:
        load[a.mentor] = load.get(a.mentor, 0) + 1
    return load


# --- the solver --------------------------------------------------------------------------------


def test_solver_beats_greedy_where_greedy_is_myopic():
    # a takes x greedily (0.9), leaving b with y (0.1); the optimum gives a y and b x.
    scores = np.array([[0.9, 0.8], [0.85, 0.1]])
    result = assign(["a", "b"], {"x": 1, "y": 1}, scores)
    assert pairs(result) == {("a", "y"), ("b", "x")}
    assert result.total_score == pytest.approx(1.65)
    assert [(g.mentee, g.mentor) for g in result.greedy] == [("a", "x"), ("b", "y")]
    assert result.greedy_total_score == pytest.approx(1.0)
    assert result.total_score > result.greedy_total_score
    assert result.unassigned == []


def test_assignments_are_named_tuples_in_mentee_order():
    result = assign(["b", "a"], [("x", 2)], np.array([[0.3], [0.6]]))
    assert result.assignments == [Assignment("b", "x", 0.3), Assignment("a", "x", 0.6)]
    a = result.assignments[1]
    assert (a.mentee, a.mentor, a.score) == tuple(a)
    assert result.mentor_of("a") == "x" and result.mentor_of("nobody") is None


def test_capacity_limits_and_leaves_the_weakest_out():
    scores = np.array([[0.9], [0.2], [0.7]])
    result = assign(["a", "b", "c"], {"x": 2}, scores)
    assert pairs(result) == {("a", "x"), ("c", "x")}
    assert result.unassigned == ["b"]
    assert result.greedy_unassigned == ["c"]  # greedy fills x with a and b first


def test_forbidden_pairs_are_never_assigned_even_when_best():
    scores = np.array([[0.95, 0.2], [0.9, 0.3]])
    result = assign(["a", "b"], {"x": 2, "y": 2}, scores, forbidden={("a", "x")})
    assert ("a", "x") not in pairs(result)
    assert ("a", "x") not in {(g.mentee, g.mentor) for g in result.greedy}
    assert pairs(result) == {("a", "y"), ("b", "x")}


def test_a_mentee_with_only_forbidden_pairs_stays_unassigned():
    scores = np.array([[0.9, 0.8], [0.1, 0.1]])
    result = assign(["a", "b"], {"x": 1, "y": 1}, scores, forbidden={("a", "x"), ("a", "y")})
    assert result.unassigned == ["a"]
    assert pairs(result) == {("b", "x")} or pairs(result) == {("b", "y")}


def test_a_partnership_never_mentors_itself():
    scores = np.array([[0.9, 0.1]])
    result = assign(["x"], {"x": 1, "y": 1}, scores)
    assert pairs(result) == {("x", "y")}


def test_min_score_leaves_a_mentee_unassigned_rather_than_forcing_it():
    scores = np.array([[0.6, 0.5], [0.2, 0.15]])
    result = assign(["a", "b"], {"x": 1, "y": 1}, scores, min_score=0.25)
    assert pairs(result) == {("a", "x")}
    assert result.unassigned == ["b"]
    assert result.greedy_unassigned == ["b"]


def test_zero_scores_are_not_worth_assigning():
    result = assign(["a"], {"x": 1}, np.array([[0.0]]))
    assert result.assignments == [] and result.unassigned == ["a"]


def test_spread_load_prefers_another_mentor_when_scores_are_close():
    scores = np.array([[0.50, 0.49], [0.50, 0.49]])
    packed = assign(["a", "b"], {"x": 2, "y": 2}, scores)
    assert load_of(packed) == {"x": 2}
    spread = assign(["a", "b"], {"x": 2, "y": 2}, scores, spread_load=True)
    assert load_of(spread) == {"x": 1, "y": 1}
    # reported scores stay the raw match scores
    assert spread.total_score == pytest.approx(0.99)


def test_spread_load_spreads_exact_ties():
    scores = np.full((3, 3), 0.4)
    result = assign(["a", "b", "c"], {"x": 3, "y": 3, "z": 3}, scores, spread_load=0.01)
    assert load_of(result) == {"x": 1, "y": 1, "z": 1}


def test_spread_load_does_not_override_a_clearly_better_mentor():
    scores = np.array([[0.9, 0.5], [0.9, 0.5]])
    result = assign(["a", "b"], {"x": 2, "y": 2}, scores, spread_load=True)
    assert load_of(result) == {"x": 2}
    assert DEFAULT_SPREAD < 0.4


def test_score_function_equals_matrix():
    rng = np.random.default_rng(3)
    scores = rng.random((4, 3))
    mentees, mentors = ["a", "b", "c", "d"], ["x", "y", "z"]

    def score(mentee, mentor):
        return scores[mentees.index(mentee), mentors.index(mentor)]

    by_matrix = assign(mentees, {"x": 1, "y": 2, "z": 1}, scores)
    by_function = assign(mentees, {"x": 1, "y": 2, "z": 1}, score)
    assert by_matrix == by_function


def test_empty_inputs():
    assert assign([], {"x": 1}, np.zeros((0, 1))).assignments == []
    result = assign(["a", "b"], {}, np.zeros((2, 0)))
    assert result.unassigned == ["a", "b"] and result.total_score == 0.0
    result = assign(["a"], {"x": 0}, np.array([[0.9]]))
    assert result.unassigned == ["a"] and result.greedy_unassigned == ["a"]


@pytest.mark.parametrize(
    "mentees, mentors, scores, message",
    [
        (["a"], {"x": -1}, [[0.5]], "capacity"),
        (["a"], {"x": 1.5}, [[0.5]], "capacity"),
        (["a"], {"x": True}, [[0.5]], "capacity"),
        (["a", "a"], {"x": 1}, [[0.5], [0.5]], "mentee keys"),
        (["a"], [("x", 1), ("x", 1)], [[0.5, 0.5]], "mentor keys"),
        (["a"], {"x": 1}, [[0.5, 0.5]], "shape"),
        (["a"], {"x": 1}, [[float("nan")]], "finite"),
    ],
)
def test_bad_input_is_a_value_error(mentees, mentors, scores, message):
    with pytest.raises(ValueError, match=message):
        assign(mentees, mentors, np.array(scores))


def test_negative_spread_is_rejected():
    with pytest.raises(ValueError, match="spread_load"):
        assign(["a"], {"x": 1}, np.array([[0.5]]), spread_load=-0.1)


def test_to_dict_has_the_cli_shape():
    data = assign(["a", "b"], {"x": 1}, np.array([[0.61234], [0.1]])).to_dict()
    assert data["assignments"] == [{"mentee": "a", "mentor": "x", "score": 0.6123}]
    assert data["total_score"] == 0.6123
    assert data["unassigned"] == ["b"]
    assert {"greedy", "greedy_total_score"} <= set(data)


# --- exactness against brute force -------------------------------------------------------------


def brute_force(mentees, capacities, scores, allowed, spread):
    """Best objective over every way to give each mentee one allowed mentor or none."""
    mentors = list(capacities)
    best = 0.0
    for choice in itertools.product([None, *range(len(mentors))], repeat=len(mentees)):
        load = [0] * len(mentors)
        value = 0.0
        ok = True
        for i, j in enumerate(choice):
            if j is None:
                continue
            if not allowed[i, j]:
                ok = False
                break
            value += scores[i, j] - spread * load[j]  # the k-th extra slot costs k * spread
            load[j] += 1
        if ok and all(load[j] <= capacities[m] for j, m in enumerate(mentors)):
            best = max(best, value)
    return best


def objective(result, mentors, scores, mentees, spread):
    value, load = 0.0, {}
    for a in result.assignments:
        value += scores[mentees.index(a.mentee), mentors.index(a.mentor)] - spread * load.get(
            a.mentor, 0
        )
        load[a.mentor] = load.get(a.mentor, 0) + 1
    return value


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_small_random_instances(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    mentees = [f"p{i}" for i in range(n)]
    mentors = [f"m{j}" for j in range(m)]
    capacities = {k: int(rng.integers(0, 3)) for k in mentors}
    scores = np.round(rng.random((n, m)), 3)
    forbidden = {(a, b) for a in mentees for b in mentors if rng.random() < 0.2}
    min_score = float(rng.choice([0.0, 0.3]))
    spread = float(rng.choice([0.0, 0.05]))
    result = assign(mentees, capacities, scores, forbidden, min_score=min_score, spread_load=spread)

    allowed = (scores > 0) & (scores >= min_score)
    for a, b in forbidden:
        allowed[mentees.index(a), mentors.index(b)] = False
    expected = brute_force(mentees, capacities, scores, allowed, spread)
    assert objective(result, mentors, scores, mentees, spread) == pytest.approx(expected, abs=1e-9)
    # invariants: capacities, forbidden, min_score, every mentee accounted for once
    assert all(load_of(result).get(k, 0) <= c for k, c in capacities.items())
    assert all(
        load_of_greedy <= capacities[k] for k, load_of_greedy in _greedy_load(result).items()
    )
    assert not pairs(result) & forbidden
    assert all(a.score >= min_score for a in result.assignments + result.greedy)
    assert sorted([a.mentee for a in result.assignments] + result.unassigned) == sorted(mentees)
    if spread == 0:
        assert result.total_score >= result.greedy_total_score - 1e-9


def _greedy_load(result):
    load = {}
    for a in result.greedy:
        load[a.mentor] = load.get(a.mentor, 0) + 1
    return load


@pytest.mark.slow
def test_a_thousand_mentees_and_two_thousand_mentors_within_ten_seconds():
    rng = np.random.default_rng(0)
    mentees = [f"p{i}" for i in range(1000)]
    capacities = {f"m{j}": int(c) for j, c in enumerate(rng.integers(1, 4, 2000))}
    scores = rng.random((1000, 2000))
    for spread in (False, True):
        started = time.perf_counter()
        result = assign(mentees, capacities, scores, spread_load=spread)
        assert time.perf_counter() - started < 10
        assert len(result.assignments) == 1000
        assert all(n <= capacities[k] for k, n in load_of(result).items())
        if not spread:
            assert result.total_score >= result.greedy_total_score


# --- from a fitted index -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def index():
    return build_index([Profile.from_dict(r) for r in MENTORS + NEWCOMERS])


def test_score_matrix_agrees_with_rank(index):
    mentors = list(mentor_capacities(index, CTX))
    mentees = [r["key"] for r in NEWCOMERS]
    matrix = score_matrix(index, mentees, mentors, CTX)
    assert matrix.shape == (len(mentees), len(mentors))
    assert ((matrix >= 0) & (matrix <= 1)).all()
    for i, mentee in enumerate(mentees):
        for s in index.rank(mentee, CTX, limit=10):
            assert matrix[i, mentors.index(s.key)] == pytest.approx(s.score, abs=1e-6)


def test_score_matrix_adds_priors(index):
    mentors = list(mentor_capacities(index, CTX))
    plain = score_matrix(index, ["nieuw-starters"], mentors, CTX)
    lifted = MatchContext(
        current_year=2026,
        priors={
            ("nieuw-starters", "onderzoek-zuid"): 0.05,
            ("nieuw-starters", "krimp-noord"): 0.05,
        },
    )
    with_prior = score_matrix(index, ["nieuw-starters"], mentors, lifted)
    j = mentors.index("onderzoek-zuid")
    assert with_prior[0, j] == pytest.approx(plain[0, j] + 0.05)
    k = mentors.index("krimp-noord")  # shares no text: a prior alone makes no match
    assert plain[0, k] == with_prior[0, k] == 0
    assert np.delete(with_prior, j, axis=1) == pytest.approx(np.delete(plain, j, axis=1))


def test_mentor_capacities_are_remaining_and_eligible(index):
    context = MatchContext(current_year=2026, load={"starters-oost": 1, "krimp-noord": 2})
    capacities = mentor_capacities(index, context)
    assert capacities == {"beoordeling-west": 2, "starters-oost": 1, "onderzoek-zuid": 2}
    young = MatchContext(current_year=2012)  # everyone founded in 2010: too young to mentor
    assert mentor_capacities(index, young) == {}


def test_assign_cohort_gives_each_newcomer_its_best_mentor(index):
    result = assign_cohort(index, ["nieuw-assessment", "nieuw-starters"], CTX)
    assert pairs(result) == {
        ("nieuw-assessment", "beoordeling-west"),
        ("nieuw-starters", "starters-oost"),
    }
    top = {k: index.rank(k, CTX, limit=1)[0].score for k in ("nieuw-assessment", "nieuw-starters")}
    assert result.total_score == pytest.approx(sum(top.values()), abs=1e-6)


def test_assign_cohort_respects_exclusions_and_load(index):
    context = MatchContext(
        current_year=2026,
        load={"starters-oost": 2},  # full
        excluded=frozenset({("nieuw-assessment", "beoordeling-west")}),
    )
    result = assign_cohort(index, ["nieuw-assessment", "nieuw-starters"], context)
    assert ("nieuw-assessment", "beoordeling-west") not in pairs(result)
    assert "starters-oost" not in load_of(result)
    assert len(result.assignments) == 2
