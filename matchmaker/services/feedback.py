"""Learning from feedback: admin endorsements and ratings of completed introductions become a
small, bounded prior on later rankings (see matching/feedback.py for the bounds). What is read
here is kept per process with the rest of the suggestions' context (services/matching.py)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..matching.feedback import RatingSummary, summarise_ratings
from ..models import Introduction, MatchReview, Partnership


def endorsed_pairs() -> list[tuple[str, str]]:
    """Every (mentee key, mentor key) pair an admin endorsed, oldest first."""
    mentee = db.aliased(Partnership)
    mentor = db.aliased(Partnership)
    stmt = (
        select(mentee.key, mentor.key)
        .select_from(MatchReview)
        .join(mentee, mentee.id == MatchReview.mentee_id)
        .join(mentor, mentor.id == MatchReview.mentor_id)
        .where(MatchReview.decision == "endorsed")
        .order_by(MatchReview.id)
    )
    return [(a, b) for a, b in db.session.execute(stmt)]


def rating_summaries() -> dict[str, RatingSummary]:
    """Per mentor key: the ratings of its completed introductions (a partnership's latest counts)."""
    mentee = db.aliased(Partnership)
    mentor = db.aliased(Partnership)
    stmt = (
        select(mentee.key, mentor.key, Introduction.rating)
        .select_from(Introduction)
        .join(mentee, mentee.id == Introduction.mentee_id)
        .join(mentor, mentor.id == Introduction.mentor_id)
        .where(Introduction.state == "completed", Introduction.rating.is_not(None))
        .order_by(Introduction.completed_at, Introduction.id)
    )
    return summarise_ratings(db.session.execute(stmt).tuples().all())
