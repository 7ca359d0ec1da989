"""Admin review of matches: endorse or reject a mentee–mentor pair; the review queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from ..extensions import db
from ..matching.engine import Suggestion
from ..models import REVIEW_DECISIONS, Introduction, MatchReview, Partnership, User
from .matching import current_index, match_context
from .profiles import by_keys, contains
from .validation import ValidationError

NOTE_LIMIT = 2000


def review_pair(
    mentee: Partnership, mentor: Partnership, decision: str, note: str, reviewer: User
) -> MatchReview:
    """Record (or change) an admin's decision on a pair. Rejected pairs are never suggested."""
    if decision not in REVIEW_DECISIONS:
        raise ValidationError(
            {"decision": _("must be one of %(values)s", values=", ".join(REVIEW_DECISIONS))}
        )
    if mentee.id == mentor.id:
        raise ValidationError({"mentor": _("must be another partnership")})
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": _("at most %(num)d characters", num=NOTE_LIMIT)})
    review = db.session.scalar(
        select(MatchReview).where(
            MatchReview.mentee_id == mentee.id, MatchReview.mentor_id == mentor.id
        )
    )
    if review is None:
        review = MatchReview(mentee_id=mentee.id, mentor_id=mentor.id)
        db.session.add(review)
    review.decision = decision
    review.note = note
    review.reviewer_id = reviewer.id
    db.session.commit()
    return review


def clear_review(mentee: Partnership, mentor: Partnership) -> None:
    """Forget an admin's decision on a pair, if there is one: it may be suggested again as
    before."""
    review = db.session.scalar(
        select(MatchReview).where(
            MatchReview.mentee_id == mentee.id, MatchReview.mentor_id == mentor.id
        )
    )
    if review is not None:
        db.session.delete(review)
        db.session.commit()


def reviews_for(mentee_ids: list[int]) -> dict[tuple[int, int], MatchReview]:
    """The admins' decisions on the pairs of these mentees, by (mentee id, mentor id)."""
    if not mentee_ids:
        return {}
    rows = db.session.scalars(select(MatchReview).where(MatchReview.mentee_id.in_(mentee_ids)))
    return {(r.mentee_id, r.mentor_id): r for r in rows}


def rejected_reviews(limit: int = 200) -> list[MatchReview]:
    """The rejected pairs, most recently decided first (at most ``limit``)."""
    stmt = (
        select(MatchReview)
        .where(MatchReview.decision == "rejected")
        .order_by(MatchReview.updated_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@dataclass
class QueueItem:
    """A mentee in the review queue, its top suggestions, and the suggested mentors by key."""

    mentee: Partnership
    suggestions: list[Suggestion]
    mentors: dict[str, Partnership]


def review_queue(
    per_mentee: int = 3, page: int = 1, per_page: int = 10, q: str | None = None
) -> tuple[Pagination, list[QueueItem]]:
    """Partnerships with challenges and no introduction yet, youngest partnerships first: one page
    of them (``db.paginate``; a page past the last is empty) and, for each, a QueueItem with its
    top ``per_mentee`` suggestions."""
    has_intro = select(Introduction.mentee_id)
    waiting = select(Partnership).where(
        Partnership.active.is_(True), Partnership.challenges != "", Partnership.id.not_in(has_intro)
    )
    if q:
        like = contains(q)
        waiting = waiting.where(
            func.lower(Partnership.name).like(like, escape="\\")
            | Partnership.key.like(like, escape="\\")
        )
    waiting = waiting.order_by(
        Partnership.founded.desc(), Partnership.created_at.desc(), Partnership.id.desc()
    )
    mentees = db.paginate(waiting, page=page, per_page=per_page, error_out=False, count=True)
    index = current_index()
    ranked = [
        (mentee, index.rank(mentee.key, match_context(mentee.key), limit=per_mentee))
        for mentee in mentees.items
    ]
    # one query for the mentors of the whole page
    mentors = by_keys(s.key for _mentee, suggestions in ranked for s in suggestions)
    items = [
        QueueItem(
            mentee, suggestions, {s.key: mentors[s.key] for s in suggestions if s.key in mentors}
        )
        for mentee, suggestions in ranked
    ]
    return mentees, items
