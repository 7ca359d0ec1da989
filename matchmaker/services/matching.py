"""Suggestions: the matcher's index kept per data version, and the per-request context.

The index is fitted once per ``DataVersion`` and shared by every request of the process (and,
with ``gunicorn --preload``, by every worker until the first change). Any worker or host that
sees a newer version in the database rebuilds; nobody refits per request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..matching.eligibility import MatchContext, ineligibility
from ..matching.engine import MatchIndex, Suggestion, build_index
from ..models import OPEN_INTRO_STATES, Dismissal, Introduction, MatchReview, Partnership
from .profiles import data_version, get_partnership, to_engine_profile


@dataclass
class _Cached:
    version: int
    index: MatchIndex


class IndexCache:
    """One fitted index per process, rebuilt when the data version in the database moves."""

    def __init__(self) -> None:
        self._cached: _Cached | None = None
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, progress=None) -> MatchIndex:
        version = data_version()
        cached = self._cached
        if cached is not None and cached.version == version:
            return cached.index
        with self._lock:
            cached = self._cached
            if cached is not None and cached.version == version:
                return cached.index
            index = build_index(load_profiles(), progress=progress)
            self._cached = _Cached(version, index)
            self.builds += 1
            return index

    def clear(self) -> None:
        self._cached = None


def index_cache() -> IndexCache:
    return current_app.extensions["matchmaker.index"]


def current_index(progress=None) -> MatchIndex:
    """The fitted index for the data as it is now."""
    return index_cache().get(progress=progress)


def load_profiles() -> list:
    stmt = select(Partnership).where(Partnership.active.is_(True)).order_by(Partnership.id)
    return [to_engine_profile(p) for p in db.session.scalars(stmt)]


def mentor_load() -> dict[str, int]:
    """Open introductions per mentor key (requested, awaiting admin or accepted)."""
    stmt = (
        select(Partnership.key, func.count(Introduction.id))
        .join(Introduction, Introduction.mentor_id == Partnership.id)
        .where(Introduction.state.in_(OPEN_INTRO_STATES))
        .group_by(Partnership.key)
    )
    return {key: count for key, count in db.session.execute(stmt)}


def excluded_pairs(mentee_id: int | None = None) -> frozenset[tuple[str, str]]:
    """(mentee key, mentor key) pairs never to suggest: rejected by an admin or dismissed."""
    mentee = Partnership.__table__.alias("mentee")
    mentor = Partnership.__table__.alias("mentor")
    rejected = (
        select(mentee.c.key, mentor.c.key)
        .select_from(MatchReview)
        .join(mentee, mentee.c.id == MatchReview.mentee_id)
        .join(mentor, mentor.c.id == MatchReview.mentor_id)
        .where(MatchReview.decision == "rejected")
    )
    dismissed = (
        select(mentee.c.key, mentor.c.key)
        .select_from(Dismissal)
        .join(mentee, mentee.c.id == Dismissal.partnership_id)
        .join(mentor, mentor.c.id == Dismissal.mentor_id)
    )
    if mentee_id is not None:
        rejected = rejected.where(MatchReview.mentee_id == mentee_id)
        dismissed = dismissed.where(Dismissal.partnership_id == mentee_id)
    pairs = set(db.session.execute(rejected).all()) | set(db.session.execute(dismissed).all())
    return frozenset((a, b) for a, b in pairs)


def match_context(mentee_id: int | None = None) -> MatchContext:
    """Everything the matcher needs that changes between requests."""
    return MatchContext(
        current_year=date.today().year,
        min_years=current_app.config["MENTOR_MIN_YEARS"],
        load=mentor_load(),
        excluded=excluded_pairs(mentee_id),
    )


def suggest(
    key: str, *, limit: int | None = None, sectors=None, region: str | None = None
) -> list[Suggestion]:
    """Ranked mentor suggestions for the partnership ``key`` (NotFound if unknown)."""
    partnership = get_partnership(key)
    index = current_index()
    limit = limit or current_app.config["SUGGESTION_LIMIT"]
    return index.rank(key, match_context(partnership.id), limit=limit, sectors=sectors, region=region)


def why_not(mentee_key: str, mentor_key: str) -> str | None:
    """Why a mentor is not suggested to a mentee (an eligibility code), or None."""
    mentee = get_partnership(mentee_key)
    mentor = get_partnership(mentor_key)
    return ineligibility(to_engine_profile(mentor), to_engine_profile(mentee), match_context(mentee.id))

