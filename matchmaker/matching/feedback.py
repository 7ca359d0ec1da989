"""Learning from feedback: admin endorsements and introduction ratings as a small, bounded prior.

An endorsed pair gets ``ENDORSEMENT_PRIOR``. A mentor's ratings (1–5, one per partnership it
mentored) become a Bayesian average shrunk toward the neutral middle of the scale by
``RATING_PRIOR_WEIGHT`` pseudo-ratings, mapped linearly onto [-RATING_PRIOR, +RATING_PRIOR]:
a single 5 counts for little, many 5s approach the maximum. The total is clipped to
[-MAX_PRIOR, +MAX_PRIOR], so two mentors' priors differ by at most ``MAX_SWING``: a text match
better by more than that is never overturned by feedback. Dismissals are not a prior; they
exclude the pair (``MatchContext.excluded``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .eligibility import MatchContext
from .results import Reason

ENDORSEMENT_PRIOR = 0.04
RATING_PRIOR = 0.03  # |rating prior| never exceeds this
RATING_PRIOR_WEIGHT = 3.0  # pseudo-ratings at the neutral value in the Bayesian average
NEUTRAL_RATING = 3.0
MIN_RATING, MAX_RATING = 1.0, 5.0
MAX_PRIOR = 0.06  # bound on |total prior| of one pair
MAX_SWING = (
    MAX_PRIOR + RATING_PRIOR
)  # most one mentor's prior can exceed another's (endorsement only lifts)

ENDORSED = Reason(
    "review", "aanbevolen door de beheerder", "recommended by the admin", ENDORSEMENT_PRIOR
)


@dataclass(frozen=True)
class RatingSummary:
    """The ratings of one mentor: their mean and how many there are."""

    mean: float
    count: int


@dataclass(frozen=True)
class Feedback:
    """Priors and reasons per (mentee, mentor), in the shape ``MatchContext`` takes."""

    priors: dict[tuple[str, str], float]
    prior_notes: dict[tuple[str, str], tuple[Reason, ...]]

    def apply(self, context: MatchContext) -> MatchContext:
        """``context`` with these priors added to any it has (sums clipped to the bound)."""
        priors = dict(context.priors)
        notes = {pair: tuple(reasons) for pair, reasons in context.prior_notes.items()}
        for pair, value in self.priors.items():
            priors[pair] = _clip(priors.get(pair, 0.0) + value)
        for pair, reasons in self.prior_notes.items():
            notes[pair] = notes.get(pair, ()) + reasons
        return replace(context, priors=priors, prior_notes=notes)


def summarise_ratings(rows: Iterable[tuple[str, str, float]]) -> dict[str, RatingSummary]:
    """(mentee, mentor, rating) rows, oldest first -> per mentor; a partnership's latest rating counts."""
    latest: dict[tuple[str, str], float] = {}
    for mentee, mentor, rating in rows:
        if not MIN_RATING <= float(rating) <= MAX_RATING:
            raise ValueError(
                f"rating must be between {MIN_RATING:g} and {MAX_RATING:g}, got {rating!r}"
            )
        latest[(mentee, mentor)] = float(rating)
    per_mentor: dict[str, list[float]] = {}
    for (_mentee, mentor), rating in latest.items():
        per_mentor.setdefault(mentor, []).append(rating)
    return {m: RatingSummary(sum(r) / len(r), len(r)) for m, r in per_mentor.items()}


def rating_prior(summary: RatingSummary) -> float:
    """Bayesian average of the ratings, shrunk toward neutral, as a prior in [-RATING_PRIOR, RATING_PRIOR]."""
    if summary.count <= 0:
        return 0.0
    mean = min(MAX_RATING, max(MIN_RATING, summary.mean))
    shrunk = (summary.count * mean + RATING_PRIOR_WEIGHT * NEUTRAL_RATING) / (
        summary.count + RATING_PRIOR_WEIGHT
    )
    half_range = (MAX_RATING - MIN_RATING) / 2
    return RATING_PRIOR * (shrunk - NEUTRAL_RATING) / half_range


def rating_reason(summary: RatingSummary) -> Reason:
    """The reason shown: 'gewaardeerd met 4,5 door 4 partnerschappen' / 'rated 4.5 by 4 partnerships'."""
    mean = f"{summary.mean:.1f}"
    nl_who = "partnerschap" if summary.count == 1 else "partnerschappen"
    en_who = "partnership" if summary.count == 1 else "partnerships"
    return Reason(
        "rating",
        f"gewaardeerd met {mean.replace('.', ',')} door {summary.count} {nl_who}",
        f"rated {mean} by {summary.count} {en_who}",
        rating_prior(summary),
    )


def mentor_priors(ratings: Mapping[str, RatingSummary]) -> dict[str, tuple[float, Reason]]:
    """Per mentor: its rating prior and reason (the same for every mentee)."""
    return {m: (rating_prior(s), rating_reason(s)) for m, s in ratings.items() if s.count > 0}


def feedback_priors(
    mentee_keys: Iterable[str],
    endorsements: Iterable[tuple[str, str]] = (),
    ratings: Mapping[str, RatingSummary] | None = None,
) -> Feedback:
    """Priors for every (mentee, mentor) pair of ``mentee_keys`` that has feedback.

    endorsements: (mentee, mentor) pairs an admin recommended; ratings: per mentor (see
    ``summarise_ratings``). A rating applies to every mentee; an endorsement to its pair only.
    """
    mentees = list(dict.fromkeys(mentee_keys))
    wanted = set(mentees)
    per_mentor = mentor_priors(ratings or {})
    priors: dict[tuple[str, str], float] = {}
    notes: dict[tuple[str, str], tuple[Reason, ...]] = {}
    for mentee in mentees:
        for mentor, (value, reason) in per_mentor.items():
            if mentor != mentee:
                priors[(mentee, mentor)] = value
                notes[(mentee, mentor)] = (reason,)
    for mentee, mentor in dict.fromkeys(endorsements):
        if mentee in wanted and mentee != mentor:
            pair = (mentee, mentor)
            priors[pair] = priors.get(pair, 0.0) + ENDORSEMENT_PRIOR
            notes[pair] = (ENDORSED, *notes.get(pair, ()))
    return Feedback({pair: _clip(v) for pair, v in priors.items()}, notes)


def _clip(value: float) -> float:
    return max(-MAX_PRIOR, min(MAX_PRIOR, value))
