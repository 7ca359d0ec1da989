"""Who can mentor whom ("Who can mentor" in the exchange format), and the per-request context.

A partnership is suggested as a mentor only when it is open to mentoring, has experiences to
share, has been active for at least ``min_years``, has room left under its capacity, is not the
partnership asking, and the pair has not been excluded (rejected by an admin, or dismissed by
the partnership itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .profile import Profile

CLOSED = "closed"
NO_EXPERIENCES = "no_experiences"
TOO_YOUNG = "too_young"
FULL = "full"
SELF = "self"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class MatchContext:
    """What changes between requests without changing the index."""

    current_year: int
    min_years: int = 3
    load: Mapping[str, int] = field(default_factory=dict)  # mentor key -> active introductions
    excluded: frozenset[tuple[str, str]] = frozenset()  # (mentee key, mentor key)
    priors: Mapping[tuple[str, str], float] = field(default_factory=dict)
    prior_notes: Mapping[tuple[str, str], tuple] = field(default_factory=dict)

    def prior(self, mentee: str, mentor: str) -> float:
        """What feedback adds to the pair's score (0 without feedback)."""
        return self.priors.get((mentee, mentor), 0.0)

    def prior_reasons(self, mentee: str, mentor: str) -> list:
        """The reasons that explain the pair's prior (a review, a rating), as a new list."""
        return list(self.prior_notes.get((mentee, mentor), ()))

    def remaining_capacity(self, mentor: Profile) -> int:
        """How many more introductions ``mentor`` can take now."""
        return max(0, mentor.mentor_capacity - self.load.get(mentor.key, 0))


def ineligibility(candidate: Profile, mentee: Profile, context: MatchContext) -> str | None:
    """Why ``candidate`` cannot mentor ``mentee`` now, or None when it can."""
    if candidate.key == mentee.key:
        return SELF
    if not candidate.open_to_mentor:
        return CLOSED
    if not candidate.experiences.strip():
        return NO_EXPERIENCES
    if candidate.founded > context.current_year - context.min_years:
        return TOO_YOUNG
    if context.remaining_capacity(candidate) <= 0:
        return FULL
    if (mentee.key, candidate.key) in context.excluded:
        return EXCLUDED
    return None
