"""Cohort assignment: give each partnership in a cohort one mentor, maximising the total score.

An exact solver, not a greedy pass: every mentor is expanded into one column per free slot and
``scipy.optimize.linear_sum_assignment`` finds the cheapest assignment of mentees to columns.
One zero-cost "unassigned" column per mentee lets the solver leave a mentee out rather than
force it onto a forbidden, worthless or over-full pair. The greedy top-1 pass is computed too,
as the baseline an admin sees beside the optimum.

``spread_load`` adds a small, increasing penalty to each extra slot of the same mentor
(slot k, counted from 0, costs ``k * spread_load``), so when scores are close the solver
prefers a different mentor; reported scores are always the raw match scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .eligibility import MatchContext
from .engine import MatchIndex
from .ranking import REGION_BOOST, SECTOR_BOOST

DEFAULT_SPREAD = (
    0.02  # penalty per extra slot when ``spread_load=True``: "close" means within ~0.02
)
_FORBIDDEN_COST = 1e6  # never chosen: a zero-cost unassigned column is always free for every mentee

ScoreSource = np.ndarray | Callable[[str, str], float]


class Assignment(NamedTuple):
    """One mentee given one mentor, with the pair's match score."""

    mentee: str
    mentor: str
    score: float


@dataclass
class AssignmentResult:
    """The optimal proposal and the greedy baseline, both in mentee input order."""

    assignments: list[Assignment]
    total_score: float
    unassigned: list[str]
    greedy: list[Assignment] = field(default_factory=list)
    greedy_total_score: float = 0.0
    greedy_unassigned: list[str] = field(default_factory=list)

    def mentor_of(self, mentee: str) -> str | None:
        """The mentor proposed for ``mentee``, or None when it is unassigned."""
        return next((a.mentor for a in self.assignments if a.mentee == mentee), None)

    def to_dict(self) -> dict:
        """The shape ``flask assign --json`` prints."""

        def rows(items: list[Assignment]) -> list[dict]:
            return [
                {"mentee": a.mentee, "mentor": a.mentor, "score": round(a.score, 4)} for a in items
            ]

        return {
            "assignments": rows(self.assignments),
            "total_score": round(self.total_score, 4),
            "greedy": rows(self.greedy),
            "greedy_total_score": round(self.greedy_total_score, 4),
            "unassigned": list(self.unassigned),
        }


def _capacities(
    mentors: Mapping[str, int] | Sequence[tuple[str, int]],
) -> tuple[list[str], np.ndarray]:
    items = list(mentors.items()) if isinstance(mentors, Mapping) else [(k, c) for k, c in mentors]
    keys = [str(k) for k, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("mentor keys must be unique")
    caps = []
    for key, cap in items:
        if isinstance(cap, bool) or int(cap) != cap or cap < 0:
            raise ValueError(f"capacity of mentor {key!r} must be an integer >= 0, got {cap!r}")
        caps.append(int(cap))
    return keys, np.array(caps, dtype=np.int64)


def _score_array(scores: ScoreSource, mentees: Sequence[str], mentors: Sequence[str]) -> np.ndarray:
    if callable(scores):
        matrix = np.array([[scores(a, b) for b in mentors] for a in mentees], dtype=np.float64)
        matrix = matrix.reshape(len(mentees), len(mentors))
    else:
        matrix = np.asarray(scores, dtype=np.float64)
        if matrix.shape != (len(mentees), len(mentors)):
            raise ValueError(
                f"score matrix has shape {matrix.shape}, expected {(len(mentees), len(mentors))}"
            )
    if not np.all(np.isfinite(matrix)):
        raise ValueError("scores must be finite numbers")
    return matrix


def allowed_pairs(
    mentees: Sequence[str],
    mentors: Sequence[str],
    scores: np.ndarray,
    forbidden: Iterable[tuple[str, str]] = (),
    min_score: float = 0.0,
) -> np.ndarray:
    """Boolean mentee × mentor matrix: not forbidden, not the same partnership, score > 0 and ≥ min_score."""
    allowed = (scores > 0.0) & (scores >= min_score)
    row = {k: i for i, k in enumerate(mentees)}
    col = {k: j for j, k in enumerate(mentors)}
    for mentee, mentor in forbidden:
        i, j = row.get(mentee), col.get(mentor)
        if i is not None and j is not None:
            allowed[i, j] = False
    for key, i in row.items():
        j = col.get(key)
        if j is not None:
            allowed[i, j] = False
    return allowed


def greedy_assign(
    mentees: Sequence[str],
    mentors: Sequence[str],
    scores: np.ndarray,
    allowed: np.ndarray,
    capacity: np.ndarray,
) -> tuple[list[Assignment], list[str]]:
    """Each mentee in turn takes its best allowed mentor with room left (ties: first mentor)."""
    left = capacity.copy()
    masked = np.where(allowed, scores, -np.inf)
    taken: list[Assignment] = []
    missed: list[str] = []
    for i, mentee in enumerate(mentees):
        row = np.where(left > 0, masked[i], -np.inf)
        j = int(np.argmax(row)) if row.size else -1
        if j < 0 or not np.isfinite(row[j]):
            missed.append(mentee)
            continue
        left[j] -= 1
        taken.append(Assignment(mentee, mentors[j], float(scores[i, j])))
    return taken, missed


def assign(
    mentees: Sequence[str],
    mentors: Mapping[str, int] | Sequence[tuple[str, int]],
    scores: ScoreSource,
    forbidden: Iterable[tuple[str, str]] = (),
    min_score: float = 0.0,
    spread_load: bool | float = False,
) -> AssignmentResult:
    """Assign each mentee at most one mentor, maximising the total score within capacities.

    mentors: mentor key -> remaining capacity (mapping or (key, capacity) pairs).
    scores: a mentee × mentor matrix (rows and columns in the given orders) or ``f(mentee, mentor)``.
    forbidden: (mentee, mentor) pairs never assigned (rejected, dismissed, ineligible); a
    partnership never mentors itself. Pairs scoring 0 or below ``min_score`` are not worth
    assigning: such a mentee is left unassigned rather than forced onto one.
    spread_load: True (= ``DEFAULT_SPREAD``) or a penalty per extra slot of the same mentor.
    """
    mentees = [str(k) for k in mentees]
    if len(set(mentees)) != len(mentees):
        raise ValueError("mentee keys must be unique")
    mentor_keys, capacity = _capacities(mentors)
    matrix = _score_array(scores, mentees, mentor_keys)
    allowed = allowed_pairs(mentees, mentor_keys, matrix, forbidden, min_score)
    spread = DEFAULT_SPREAD if spread_load is True else float(spread_load or 0.0)
    if spread < 0:
        raise ValueError("spread_load must be >= 0")

    greedy, greedy_missed = greedy_assign(mentees, mentor_keys, matrix, allowed, capacity)
    assignments, unassigned = optimal_assign(
        mentees, mentor_keys, matrix, allowed, capacity, spread
    )
    return AssignmentResult(
        assignments, _total(assignments), unassigned, greedy, _total(greedy), greedy_missed
    )


def optimal_assign(
    mentees: Sequence[str],
    mentors: Sequence[str],
    scores: np.ndarray,
    allowed: np.ndarray,
    capacity: np.ndarray,
    spread: float = 0.0,
) -> tuple[list[Assignment], list[str]]:
    """The exact optimum over mentor slots (see ``assign``); returns (assignments, unassigned)."""
    n = len(mentees)
    # A mentor never needs more slots than there are mentees, nor any when nobody may have it.
    slots = np.minimum(capacity, n) * allowed.any(axis=0)
    slot_mentor = np.repeat(np.arange(len(mentors)), slots)
    if n == 0 or slot_mentor.size == 0:
        return [], list(mentees)
    starts = np.concatenate(([0], np.cumsum(slots)[:-1]))
    slot_rank = np.arange(slot_mentor.size) - np.repeat(
        starts, slots
    )  # 0 for a mentor's first slot
    value = scores[:, slot_mentor] - spread * slot_rank
    cost = np.where(allowed[:, slot_mentor], -value, _FORBIDDEN_COST)
    cost = np.hstack([cost, np.zeros((n, n))])  # one "unassigned" column per mentee
    rows, cols = linear_sum_assignment(cost)
    chosen: dict[int, int] = {}
    for i, c in zip(rows, cols):
        if c < slot_mentor.size and allowed[i, slot_mentor[c]] and cost[i, c] < 0:
            chosen[int(i)] = int(slot_mentor[c])
    assignments = [
        Assignment(mentees[i], mentors[j], float(scores[i, j])) for i, j in sorted(chosen.items())
    ]
    return assignments, [k for i, k in enumerate(mentees) if i not in chosen]


def _total(items: Iterable[Assignment]) -> float:
    return float(sum(a.score for a in items))


# --- From a fitted index --------------------------------------------------------------------


def _region_key(region: str | None) -> str:
    return (region or "").strip().lower()


def mentor_capacities(index: MatchIndex, context: MatchContext) -> dict[str, int]:
    """Remaining capacity of every partnership that may mentor now (open, experienced, old enough, not full)."""
    out: dict[str, int] = {}
    for p in index.profiles:
        if not (p.open_to_mentor and p.experiences.strip() and p.mentor_capacity > 0):
            continue
        if p.founded > context.current_year - context.min_years:
            continue
        room = context.remaining_capacity(p)
        if room > 0:
            out[p.key] = room
    return out


def score_matrix(
    index: MatchIndex, mentee_keys: Sequence[str], mentor_keys: Sequence[str], context: MatchContext
) -> np.ndarray:
    """Final scores (text + sector/region boosts + priors, clipped to [0, 1]) for every pair.

    The same formula as ``MatchIndex.rank`` (``pair_text_scores``) for all pairs at once: rank
    re-scores character n-grams and passages only for its top candidates, so the two agree on
    every pair rank returns. Eligibility is not
    applied here; see ``mentor_capacities`` and ``context.excluded``.
    """
    rows = np.array([index.position[k] for k in mentee_keys], dtype=np.int64)
    cols = np.array([index.position[k] for k in mentor_keys], dtype=np.int64)
    shape = (rows.size, cols.size)
    if rows.size == 0 or cols.size == 0:
        return np.zeros(shape)
    text = index.pair_text_scores(rows, cols)
    shares = text > 0  # nothing shared: no score from sector, region or priors alone
    same_sector = (index.sector_masks[rows][:, None] & index.sector_masks[cols][None, :]) != 0
    regions = np.array([_region_key(p.region) for p in index.profiles], dtype=object)
    mentee_region, mentor_region = regions[rows], regions[cols]
    same_region = (mentee_region[:, None] == mentor_region[None, :]) & (mentee_region != "")[
        :, None
    ]
    final = text + SECTOR_BOOST * same_sector + REGION_BOOST * same_region
    if context.priors:
        row_of = {k: i for i, k in enumerate(mentee_keys)}
        col_of = {k: j for j, k in enumerate(mentor_keys)}
        for (mentee, mentor), prior in context.priors.items():
            i, j = row_of.get(mentee), col_of.get(mentor)
            if i is not None and j is not None:
                final[i, j] += prior
    return np.where(shares, np.clip(final, 0.0, 1.0), 0.0)


def assign_cohort(
    index: MatchIndex,
    mentee_keys: Sequence[str],
    context: MatchContext,
    min_score: float = 0.0,
    spread_load: bool | float = False,
) -> AssignmentResult:
    """Index + context in, proposal out: eligible mentors with room, excluded pairs forbidden."""
    capacities = mentor_capacities(index, context)
    mentors = list(capacities)
    scores = score_matrix(index, mentee_keys, mentors, context)
    return assign(
        mentee_keys,
        capacities,
        scores,
        context.excluded,
        min_score=min_score,
        spread_load=spread_load,
    )
