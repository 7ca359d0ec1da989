"""Learning from feedback: admin endorsements and ratings of completed introductions become a
small, bounded prior on later rankings (see matching/feedback.py for the bounds)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..matching.feedback import Feedback, feedback_priors, summarise_ratings
from ..models import Introduction, MatchReview, Partnership


def feedback_for(mentee_keys: Iterable[str] | None = None) -> Feedback:
    """Priors for the given mentees (all partnerships when None), from the database."""
    mentee = db.aliased(Partnership)
    mentor = db.aliased(Partnership)
    endorsed = (
        select(mentee.key, mentor.key)
        .select_from(MatchReview)
        .join(mentee, mentee.id == MatchReview.mentee_id)
        .join(mentor, mentor.id == MatchReview.mentor_id)
        .where(MatchReview.decision == "endorsed")
    )
    rated = (
        select(mentee.key, mentor.key, Introduction.rating)
        .select_from(Introduction)
        .join(mentee, mentee.id == Introduction.mentee_id)
        .join(mentor, mentor.id == Introduction.mentor_id)
        .where(Introduction.state == "completed", Introduction.rating.is_not(None))
        .order_by(Introduction.completed_at, Introduction.id)
    )
    keys = list(mentee_keys) if mentee_keys is not None else list(
        db.session.scalars(select(Partnership.key).where(Partnership.active.is_(True)))
    )
    if mentee_keys is not None:
        endorsed = endorsed.where(mentee.key.in_(keys))
    ratings = summarise_ratings(db.session.execute(rated).all())
    return feedback_priors(keys, db.session.execute(endorsed).all(), ratings)
