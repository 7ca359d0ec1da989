"""Benchmark cohort assignment: 1,000 partnerships looking × 2,000 mentors (capacities 1–3).

    python bench/assignment_bench.py                 # random scores
    python bench/assignment_bench.py --index         # also: real TF-IDF scores from a synthetic network

Prints the exact solver's and the greedy pass's seconds and the ratio of their total scores.
The ``--index`` run builds 3,000 profiles from sentences of seeds/partnerships.json and times
``score_matrix`` (all pairs, words + character n-grams) and ``assign_cohort`` end to end.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker.matching.assignment import (  # noqa: E402
    DEFAULT_SPREAD,
    allowed_pairs,
    assign_cohort,
    greedy_assign,
    mentor_capacities,
    optimal_assign,
    score_matrix,
)
from matchmaker.matching.eligibility import MatchContext  # noqa: E402
from matchmaker.matching.engine import build_index  # noqa: E402
from matchmaker.matching.profile import Profile  # noqa: E402


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def total(items) -> float:
    return sum(a.score for a in items)


def random_run(
    name: str, scores: np.ndarray, capacity: np.ndarray, forbidden: set, spread: float
) -> dict:
    n, m = scores.shape
    mentees = [f"p{i}" for i in range(n)]
    mentors = [f"m{j}" for j in range(m)]
    allowed, t_allowed = timed(allowed_pairs, mentees, mentors, scores, forbidden)
    (greedy, _), t_greedy = timed(greedy_assign, mentees, mentors, scores, allowed, capacity)
    (best, unassigned), t_solver = timed(
        optimal_assign, mentees, mentors, scores, allowed, capacity, spread
    )
    load = np.bincount([int(a.mentor[1:]) for a in best], minlength=m)
    assert (load <= capacity).all() and not {(a.mentee, a.mentor) for a in best} & forbidden
    return {
        "case": name,
        "mentees": n,
        "mentors": m,
        "slots": int(capacity.sum()),
        "spread_load": spread,
        "solver_s": round(t_solver, 3),
        "greedy_s": round(t_greedy, 3),
        "prepare_s": round(t_allowed, 3),
        "total_score": round(total(best), 3),
        "greedy_total_score": round(total(greedy), 3),
        "ratio": round(total(best) / total(greedy), 5),
        "unassigned": len(unassigned),
        "greedy_unassigned": n - len(greedy),
    }


def synthetic_profiles(n_mentees: int, n_mentors: int, rng) -> list[Profile]:
    records = json.loads((ROOT / "seeds" / "partnerships.json").read_text("utf-8"))["partnerships"]
    split = re.compile(r"(?<=[.!?])\s+")
    challenges = [s for r in records for s in split.split(r.get("challenges") or "") if len(s) > 20]
    experiences = [
        s for r in records for s in split.split(r.get("experiences") or "") if len(s) > 20
    ]
    regions = sorted({r.get("region") or "" for r in records} - {""})
    sectors = ["po", "vo", "mbo", "so"]

    def text(pool):
        return " ".join(rng.choice(pool, size=int(rng.integers(2, 4)), replace=False))

    out = []
    for i in range(n_mentees + n_mentors):
        mentor = i >= n_mentees
        out.append(
            Profile(
                key=f"{'m' if mentor else 'p'}{i}",
                name=f"Partnership {i}",
                sectors=(str(rng.choice(sectors)),),
                founded=2010 if mentor else 2025,
                region=str(rng.choice(regions)),
                challenges="" if mentor else text(challenges),
                experiences=text(experiences) if mentor else "",
                open_to_mentor=mentor,
                mentor_capacity=int(rng.integers(1, 4)) if mentor else 0,
            )
        )
    return out


def index_run(n: int, m: int, rng, spread: float) -> dict:
    profiles = synthetic_profiles(n, m, rng)
    index, t_index = timed(build_index, profiles)
    context = MatchContext(current_year=2026)
    mentees = [p.key for p in profiles[:n]]
    caps = mentor_capacities(index, context)
    _, t_scores = timed(score_matrix, index, mentees, list(caps), context)
    result, t_total = timed(assign_cohort, index, mentees, context, spread_load=spread)
    return {
        "case": "tf-idf network",
        "mentees": n,
        "mentors": len(caps),
        "slots": sum(caps.values()),
        "spread_load": spread,
        "build_index_s": round(t_index, 2),
        "score_matrix_s": round(t_scores, 3),
        "assign_cohort_s": round(t_total, 3),
        "total_score": round(result.total_score, 3),
        "greedy_total_score": round(result.greedy_total_score, 3),
        "ratio": round(result.total_score / result.greedy_total_score, 5),
        "unassigned": len(result.unassigned),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentees", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--index", action="store_true", help="also score a synthetic network with the real engine"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n, m = args.mentees, args.mentors
    capacity = rng.integers(1, 4, m)
    # Text-like scores: most pairs weak, a few strong; popular mentors attract everyone.
    popular = rng.beta(2, 5, m)
    text_like = np.clip(rng.beta(2, 8, (n, m)) * 0.7 + 0.3 * popular, 0, 1)
    rejected = {(f"p{i}", f"m{j}") for i, j in zip(*np.nonzero(rng.random((n, m)) < 0.05))}
    scarce = max(1, n // 4)  # fewer slots than mentees: where greedy goes most wrong
    cases = [
        ("uniform", rng.random((n, m)), capacity, set()),
        ("text-like, 5% rejected", text_like, capacity, rejected),
        (f"text-like, only {scarce} mentors", text_like[:, :scarce], capacity[:scarce], set()),
    ]
    rows = []
    for name, scores, caps, forbidden in cases:
        for spread in (0.0, DEFAULT_SPREAD):
            rows.append(random_run(name, scores, caps, forbidden, spread))
    if args.index:
        rows.append(index_run(n, m, rng, 0.0))
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            print("  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
